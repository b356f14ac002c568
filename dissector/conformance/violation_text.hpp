// The words of a conformance violation: its sentence and the section of the standard that
// states it, from the rule and the value it carries (conformance/rules.hpp).
#pragma once
#include <string>

#include "conformance/rules.hpp"

namespace dicom {

// The sentence for a hit, e.g. "C-STORE-RQ without Affected SOP Instance UID (0000,1000)".
std::string violation_text(const RuleHit &h);
// The section that states it; more precise than the rule's where the value tells (the command's
// table for a command element, the module's for an IOD attribute).
std::string violation_reference(const RuleHit &h);

} // namespace dicom
