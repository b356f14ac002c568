// How bad a finding of the diagnosis or a conformance violation is, in the three levels of
// Wireshark's expert infos that the plugin uses.
#pragma once
#include <cstdint>

namespace dicom {

enum class Severity : uint8_t { Note, Warning, Error };
// "note", "warning", "error"
inline const char *severity_name(Severity s) {
    return s == Severity::Error ? "error" : s == Severity::Warning ? "warning" : "note";
}

} // namespace dicom
