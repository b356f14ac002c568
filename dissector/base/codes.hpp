// Code tables of PS3.8 fields (PDU and item types, results, sources, reasons), shared by the
// parsers and by the plugin's value strings.
#pragma once
#include <cstdint>

namespace dicom {

struct CodeName {
    uint32_t code;
    const char *name;
};
// Each table ends with {0, nullptr}.
extern const CodeName kRejectResults[];
extern const CodeName kRejectSources[];
extern const CodeName kAbortSources[];
extern const CodeName kAbortReasons[];       // service-provider reasons (source 2)
extern const CodeName kContextResults[];
extern const CodeName kUserIdentityTypes[];
extern const CodeName kPduTypes[];
extern const CodeName kItemTypes[];

const char *code_name(const CodeName *table, uint32_t code); // nullptr if absent

} // namespace dicom
