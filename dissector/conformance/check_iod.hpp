// Conformance of stored objects to their IOD (PS3.3): the Type 1 and Type 2 attributes of the
// IOD's modules in a C-STORE data set, for the common storage SOP classes: those of mandatory
// modules always, those of conditional and user-optional modules when the data set holds the
// module (one of the attributes only that module has is there); at the top level, and in each
// item of a sequence the data set holds, the attributes the module lists for its items. The tables
// are generated from a machine-readable rendering of PS3.3 (tools/gen_iod_tables.py ->
// iod_table.inc). Modules' conditions and conditional attributes (1C, 2C) are not judged.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "conformance/rules.hpp"
#include "dataset/dataset.hpp"

namespace dicom {

struct IodModule {
    const char *name;      // "General Series"
    const char *reference; // "PS3.3 C.7.3 (Table C.7-5a)"
};
struct IodAttribute {
    uint32_t tag;
    uint8_t type;      // 1 or 2; 0: not judged itself (a sequence whose items hold judged ones)
    uint16_t module;   // index of its IodModule
    bool when_present; // of a C or U module: judged only when the data set holds the module
    uint16_t first_child, child_count; // a sequence: the attributes of each of its items
};
struct IodMarker { // a top-level attribute that only this module of the IOD has
    uint32_t tag;
    uint16_t module;
};
struct IodClass {
    const char *sop_class;
    const char *name;                    // the IOD's: "CT Image"
    const char *reference;               // "PS3.3 A.3.3 (Table A.3-1)"
    uint16_t first, count;               // its attributes, the top level's and those inside sequences
    uint16_t top;                        // the first `top` of them are the top level's
    uint16_t first_marker, marker_count; // the markers of its C and U modules
};

// The IOD of a storage SOP class the tables cover, or null.
const IodClass *iod_of(std::string_view sop_class);
// What a hit's value (an index into the tables) names: the attribute, its module, its IOD.
const IodAttribute *iod_attribute(uint32_t index);
const IodModule &iod_module(const IodAttribute &a);
const IodClass *iod_class_of(uint32_t index);
// The sequence in whose items the attribute is, or null for the top level.
const IodAttribute *iod_parent(uint32_t index);

// The data set of a C-STORE of `sop_class` against its IOD: iod.type1_missing, iod.type1_empty,
// iod.type2_missing, each with the attribute's index as its value.
void check_iod(std::string_view sop_class, const DataSet &ds, std::vector<RuleHit> &out);

} // namespace dicom
