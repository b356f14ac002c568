// Element values for display: text split into values and converted to UTF-8 under the
// data set's Specific Character Set (PS3.5 6.1), binary numbers decoded by VR.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dicom {

enum class Charset : uint8_t {
    Default,   // ISO IR 6 (ASCII)
    Latin1,    // ISO_IR 100
    Utf8,      // ISO_IR 192
    Other,     // anything else (ISO 2022 code extensions, other single-byte sets): shown raw
};
// From the value of (0008,0005); empty means the default repertoire.
Charset charset_from(std::string_view specific_character_set);

// Splits a text value at backslashes (not for LT/ST/UT/UR) and removes the padding each VR
// allows (trailing spaces; leading spaces where PS3.5 says they are insignificant; the
// trailing NUL of UI).
std::vector<std::string_view> split_values(uint16_t vr, std::string_view raw);

// Text as valid UTF-8. Bytes the character set cannot explain become U+FFFD; with
// Charset::Other every byte above 0x7F, and in any set every control character (ISO 2022
// escape sequences among them), is shown as \xNN and `raw_shown` is set.
std::string to_utf8(std::string_view text, Charset cs, bool *raw_shown = nullptr);

struct Number {
    enum Kind : uint8_t { Unsigned, Signed, Float, Tag } kind;
    uint64_t u = 0;
    int64_t i = 0;
    double f = 0;
};
// Every value of a binary numeric VR (US SS UL SL UV SV FL FD AT); incomplete trailing
// bytes are ignored.
std::vector<Number> decode_numbers(uint16_t vr, std::string_view bytes, bool big_endian);

} // namespace dicom
