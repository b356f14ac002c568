// Conformance of data set values (PS3.5 6.2 and 6.4, the dictionary of PS3.6): in explicit VR
// data sets, each element's VR against the dictionary's; in stored objects, each value's format
// for its VR (dates, times, code strings, numbers as text, UIDs ...) and the number of values
// against the dictionary's value multiplicity. Query identifiers (C-FIND, C-MOVE, C-GET) may
// hold wildcards, ranges and empty keys, so only their VRs are judged. In both, text against
// the Specific Character Set that applies to it (PS3.5 6.1) and the terms of (0008,0005).
#pragma once
#include <string_view>
#include <vector>

#include "conformance/rules.hpp"
#include "dataset/dataset.hpp"

namespace dicom {

// The elements of `ds` (values as kept; a value kept only in part is not judged); `stored`:
// the data set is an object (C-STORE), not a query. Each hit's value is the element's tag.
void check_data_set_values(const DataSet &ds, bool stored, std::vector<RuleHit> &out);

// One value's format for its VR (PS3.5 Table 6.2-1), padding included: true when it follows it
// (and for VRs without a format to check).
bool value_follows_vr(uint16_t vr, std::string_view value);
// Whether `count` values fit a dictionary VM ("1", "1-n", "2-2n", "1-3" ...); true for a VM it
// cannot read.
bool count_fits_vm(const char *vm, unsigned count);

} // namespace dicom
