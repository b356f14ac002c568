#include "base/bytes.hpp"

namespace dicom {

std::string_view trim_padding(std::string_view s) {
    auto pad = [](char c) { return c == ' ' || c == '\0'; };
    while (!s.empty() && pad(s.back())) s.remove_suffix(1);
    while (!s.empty() && pad(s.front())) s.remove_prefix(1);
    return s;
}

bool is_valid_ae_title(std::string_view raw) {
    std::string_view t = trim_padding(raw);
    if (t.empty()) return false;
    for (char c : raw) {
        auto u = static_cast<unsigned char>(c);
        if (u == 0) continue; // some peers NUL-pad instead of space-pad
        if (u < 0x20 || u > 0x7e || c == '\\') return false;
    }
    return true;
}

bool is_valid_uid(std::string_view uid) {
    if (uid.empty() || uid.size() > 64) return false;
    bool component_start = true;
    for (size_t i = 0; i < uid.size(); ++i) {
        char c = uid[i];
        if (c == '.') {
            if (component_start) return false;
            component_start = true;
        } else if (c >= '0' && c <= '9') {
            if (component_start && c == '0' && i + 1 < uid.size() && uid[i + 1] != '.')
                return false;
            component_start = false;
        } else {
            return false;
        }
    }
    return !component_start;
}

} // namespace dicom
