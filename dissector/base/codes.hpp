// Code tables: a code and its name, as the standard's tables give them (PS3.8 fields in
// ul/ul_codes.hpp, DIMSE commands and statuses in dimse/dimse.hpp), shared by the parsers and by
// the plugin's value strings.
#pragma once
#include <cstdint>

namespace dicom {

struct CodeName {
    uint32_t code;
    const char *name;
};

// The name of `code` in `table` (which ends with {0, nullptr}); nullptr if absent.
const char *code_name(const CodeName *table, uint32_t code);

} // namespace dicom
