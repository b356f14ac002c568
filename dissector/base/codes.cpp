#include "base/codes.hpp"

namespace dicom {

const char *code_name(const CodeName *table, uint32_t code) {
    for (; table->name; ++table)
        if (table->code == code) return table->name;
    return nullptr;
}

} // namespace dicom
