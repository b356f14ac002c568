#include "values.hpp"

#include <cstring>

#include "dictionary.hpp"

namespace dicom {

Charset charset_from(std::string_view v) {
    auto first_end = v.find('\\');
    bool multi = first_end != std::string_view::npos;
    std::string_view first = v.substr(0, first_end);
    while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
    while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
    if (multi) return Charset::Other; // code extensions (ISO 2022) are not decoded
    if (first.empty() || first == "ISO_IR 6") return Charset::Default;
    if (first == "ISO_IR 100") return Charset::Latin1;
    if (first == "ISO_IR 192") return Charset::Utf8;
    return Charset::Other;
}

std::vector<std::string_view> split_values(uint16_t vr, std::string_view raw) {
    std::vector<std::string_view> out;
    if (vr == vr_code('U', 'I')) {
        while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
    }
    auto trim = [&](std::string_view s) {
        while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
        bool lead_insignificant = vr != vr_code('L', 'T') && vr != vr_code('S', 'T') &&
                                  vr != vr_code('U', 'T') && vr != vr_code('U', 'C');
        if (lead_insignificant)
            while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        return s;
    };
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

namespace {

void append_utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | cp >> 6);
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xE0 | cp >> 12);
        out += char(0x80 | (cp >> 6 & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t utf8_sequence(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return uint8_t(s[k]); };
    uint8_t c = b(i);
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xC0) != 0x80) return 0;
    if (n == 2 && c < 0xC2) return 0; // overlong
    if (n == 3) {
        uint32_t cp = (c & 0x0F) << 12 | (b(i + 1) & 0x3F) << 6 | (b(i + 2) & 0x3F);
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    }
    if (n == 4) {
        uint32_t cp = (c & 0x07) << 18 | (b(i + 1) & 0x3F) << 12 | (b(i + 2) & 0x3F) << 6 | (b(i + 3) & 0x3F);
        if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    }
    return n;
}

} // namespace

std::string to_utf8(std::string_view text, Charset cs, bool *raw_shown) {
    std::string out;
    out.reserve(text.size());
    bool raw = false;
    for (size_t i = 0; i < text.size();) {
        uint8_t c = uint8_t(text[i]);
        static const char hex[] = "0123456789ABCDEF";
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
                // Control characters (ISO 2022 escapes among them) are shown, not obeyed.
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
                raw = true;
            } else {
                out += char(c);
            }
            ++i;
            continue;
        }
        switch (cs) {
        case Charset::Latin1:
            append_utf8(out, c);
            ++i;
            break;
        case Charset::Utf8:
            if (size_t n = utf8_sequence(text, i)) {
                out.append(text.substr(i, n));
                i += n;
            } else {
                append_utf8(out, 0xFFFD);
                ++i;
            }
            break;
        case Charset::Other: {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
            raw = true;
            ++i;
            break;
        }
        case Charset::Default:
            append_utf8(out, 0xFFFD);
            ++i;
            break;
        }
    }
    if (raw_shown) *raw_shown = raw;
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
