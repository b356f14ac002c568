#include "dataset/values.hpp"

#include <cstring>

#include "dataset/dictionary.hpp"

namespace dicom {

std::string_view trim_value(uint16_t vr, std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
    const bool lead_insignificant = vr != vr_code('L', 'T') && vr != vr_code('S', 'T') &&
                                    vr != vr_code('U', 'T') && vr != vr_code('U', 'C');
    if (lead_insignificant)
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return s;
}

std::string_view first_value(uint16_t vr, std::string_view raw) {
    if (vr == vr_code('U', 'I')) {
        while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
    }
    if (!vr_is_single_text(vr)) raw = raw.substr(0, raw.find('\\'));
    return trim_value(vr, raw);
}

std::vector<std::string_view> split_values(uint16_t vr, std::string_view raw) {
    std::vector<std::string_view> out;
    if (vr == vr_code('U', 'I')) {
        while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
    }
    auto trim = [&](std::string_view s) { return trim_value(vr, s); };
    if (vr_is_single_text(vr)) {
        out.push_back(trim(raw));
        return out;
    }
    size_t start = 0;
    while (true) {
        size_t bs = raw.find('\\', start);
        out.push_back(trim(raw.substr(start, bs == std::string_view::npos ? std::string_view::npos : bs - start)));
        if (bs == std::string_view::npos) break;
        start = bs + 1;
    }
    return out;
}

std::vector<Number> decode_numbers(uint16_t vr, std::string_view bytes, bool big) {
    std::vector<Number> out;
    unsigned size = vr_number_size(vr);
    if (!size) return out;
    auto get = [&](size_t off, unsigned n) {
        uint64_t v = 0;
        for (unsigned k = 0; k < n; ++k) {
            uint8_t byte = uint8_t(bytes[off + (big ? k : n - 1 - k)]);
            v = v << 8 | byte;
        }
        return v;
    };
    for (size_t off = 0; off + size <= bytes.size(); off += size) {
        Number num{Number::Unsigned};
        if (vr == vr_code('A', 'T')) {
            num.kind = Number::Tag;
            num.u = get(off, 2) << 16 | get(off + 2, 2);
        } else if (vr == vr_code('F', 'L')) {
            uint32_t bits = uint32_t(get(off, 4));
            float f;
            std::memcpy(&f, &bits, 4);
            num.kind = Number::Float;
            num.f = f;
        } else if (vr == vr_code('F', 'D')) {
            uint64_t bits = get(off, 8);
            std::memcpy(&num.f, &bits, 8);
            num.kind = Number::Float;
        } else if (vr == vr_code('S', 'S') || vr == vr_code('S', 'L') || vr == vr_code('S', 'V')) {
            uint64_t raw = get(off, size);
            unsigned shift = 64 - 8 * size;
            num.kind = Number::Signed;
            num.i = int64_t(raw << shift) >> shift;
        } else {
            num.u = get(off, size);
        }
        out.push_back(num);
    }
    return out;
}

} // namespace dicom
