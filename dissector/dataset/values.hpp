// Element values for display: text split into values (charset.hpp decodes them), binary
// numbers decoded by VR.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dicom {

// Splits a text value at backslashes (not for LT/ST/UT/UR) and removes the padding each VR
// allows (trailing spaces; leading spaces where PS3.5 says they are insignificant; the
// trailing NUL of UI).
std::vector<std::string_view> split_values(uint16_t vr, std::string_view raw);

// The first of those values, without splitting the rest.
std::string_view first_value(uint16_t vr, std::string_view raw);

// A value without the padding its VR allows: trailing spaces (and NULs), and leading spaces
// where PS3.5 says they are insignificant (all but LT, ST, UT and UC).
std::string_view trim_value(uint16_t vr, std::string_view s);

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
