#include "dataset/charset.hpp"

#include <cerrno>
#include <iconv.h>

#include "dataset/dictionary.hpp"
#include "dataset/values.hpp"

namespace dicom {

namespace {

struct Term {
    std::string_view name; // without "ISO_IR " / "ISO 2022 IR " prefix, or the whole term
    CodedSet g0, g1;
};

// PS3.3 Tables C.12-2 to C.12-5: the defined terms, by their ISO-IR number.
constexpr Term kTerms[] = {
    {"6", CodedSet::Ascii, CodedSet::None},        {"100", CodedSet::Ascii, CodedSet::Latin1},
    {"101", CodedSet::Ascii, CodedSet::Latin2},    {"109", CodedSet::Ascii, CodedSet::Latin3},
    {"110", CodedSet::Ascii, CodedSet::Latin4},    {"144", CodedSet::Ascii, CodedSet::Cyrillic},
    {"127", CodedSet::Ascii, CodedSet::Arabic},    {"126", CodedSet::Ascii, CodedSet::Greek},
    {"138", CodedSet::Ascii, CodedSet::Hebrew},    {"148", CodedSet::Ascii, CodedSet::Latin5},
    {"166", CodedSet::Ascii, CodedSet::Thai},      {"203", CodedSet::Ascii, CodedSet::Latin9},
    {"13", CodedSet::JisRoman, CodedSet::JisKatakana},
    {"87", CodedSet::JisX0208, CodedSet::None},    {"159", CodedSet::JisX0212, CodedSet::None},
    {"149", CodedSet::Ascii, CodedSet::KsX1001},   {"58", CodedSet::Ascii, CodedSet::Gb2312},
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
    return s;
}

bool read_term(std::string_view term, SpecificCharacterSet &cs) {
    if (term.empty()) return true; // value 1 empty: the default repertoire
    std::string_view number;
    if (term.substr(0, 7) == "ISO_IR ") number = term.substr(7);
    else if (term.substr(0, 12) == "ISO 2022 IR ") number = term.substr(12), cs.code_extensions = true;
    else if (term == "GB18030") return cs.g0 = CodedSet::Gb18030, true;
    else if (term == "GBK" || term == "ISO 2022 GBK") return cs.g0 = CodedSet::Gbk, true; // CP 1234's spelling too
    else if (term == "ISO 2022 58") return cs.g1 = CodedSet::Gb2312, cs.code_extensions = true;
    else return false;
    if (number == "192" && !cs.code_extensions) return cs.g0 = CodedSet::Utf8, true;
    for (const Term &t : kTerms)
        if (t.name == number) {
            cs.g0 = t.g0;
            cs.g1 = t.g1;
            return true;
        }
    return false;
}

const char *iconv_name(CodedSet s) {
    switch (s) {
    case CodedSet::Latin1: return "ISO-8859-1";
    case CodedSet::Latin2: return "ISO-8859-2";
    case CodedSet::Latin3: return "ISO-8859-3";
    case CodedSet::Latin4: return "ISO-8859-4";
    case CodedSet::Cyrillic: return "ISO-8859-5";
    case CodedSet::Arabic: return "ISO-8859-6";
    case CodedSet::Greek: return "ISO-8859-7";
    case CodedSet::Hebrew: return "ISO-8859-8";
    case CodedSet::Latin5: return "ISO-8859-9";
    case CodedSet::Thai: return "TIS-620";
    case CodedSet::Latin9: return "ISO-8859-15";
    case CodedSet::JisKatakana: return "SHIFT_JIS"; // its single bytes 0xA1-0xDF are JIS X 0201 Katakana
    case CodedSet::JisX0208:
    case CodedSet::JisX0212: return "EUC-JP";       // the GL bytes with the high bit set (0x8F first for 0212)
    case CodedSet::KsX1001: return "EUC-KR";
    case CodedSet::Gb2312: return "GB2312";
    case CodedSet::Gb18030: return "GB18030";
    case CodedSet::Gbk: return "GBK";
    default: return nullptr;
    }
}

// Converters are opened once per thread and set for as long as it runs: opening one costs far
// more than a short value's conversion.
class Converters {
public:
    ~Converters() {
        for (iconv_t cd : cds_)
            if (cd != kUnopened && cd != kUnavailable) iconv_close(cd);
    }
    iconv_t get(CodedSet s) {
        iconv_t &cd = cds_[size_t(s)];
        if (cd == kUnopened) {
            const char *name = iconv_name(s);
            cd = name ? iconv_open("UTF-8", name) : kUnavailable;
        }
        return cd;
    }
    static inline const iconv_t kUnopened = iconv_t(nullptr), kUnavailable = iconv_t(-1);

private:
    iconv_t cds_[size_t(CodedSet::Gbk) + 1] = {};
};

thread_local Converters converters;

void append_hex(std::string &out, uint8_t c) {
    static const char hex[] = "0123456789ABCDEF";
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 15];
}

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
    const uint8_t c = b(i);
    const size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xC0) != 0x80) return 0;
    if (n == 2 && c < 0xC2) return 0; // overlong
    if (n == 3) {
        const uint32_t cp = (c & 0x0F) << 12 | (b(i + 1) & 0x3F) << 6 | (b(i + 2) & 0x3F);
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    }
    if (n == 4) {
        const uint32_t cp = (c & 0x07) << 18 | (b(i + 1) & 0x3F) << 12 | (b(i + 2) & 0x3F) << 6 | (b(i + 3) & 0x3F);
        if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    }
    return n;
}

// `in` through the converter of `set`; bytes it rejects are shown as \xNN. `original` is what
// the user's bytes were when `in` is a transcription of them of the same length.
void convert(CodedSet set, std::string_view in, std::string_view original, std::string &out, bool &bad) {
    iconv_t cd = converters.get(set);
    if (cd == Converters::kUnavailable) {
        for (char c : original) append_hex(out, uint8_t(c));
        bad = true;
        return;
    }
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    char *ip = const_cast<char *>(in.data());
    size_t left = in.size();
    char buf[256];
    while (left > 0) {
        char *op = buf;
        size_t room = sizeof buf;
        const size_t r = iconv(cd, &ip, &left, &op, &room);
        out.append(buf, size_t(op - buf));
        if (r != size_t(-1) || errno == E2BIG) continue;
        // a byte it cannot read: shown, and the conversion goes on after it
        append_hex(out, uint8_t(original[in.size() - left]));
        bad = true;
        ++ip;
        --left;
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
}

bool two_byte(CodedSet s) {
    return s == CodedSet::JisX0208 || s == CodedSet::JisX0212 || s == CodedSet::KsX1001 || s == CodedSet::Gb2312;
}

// Bytes of one run, all read by the same set.
void decode_run(CodedSet set, std::string_view run, std::string &out, bool &bad) {
    if (run.empty()) return;
    switch (set) {
    case CodedSet::Ascii:
        for (char c : run) {
            if (uint8_t(c) < 0x7F) out += c;
            else append_hex(out, uint8_t(c)), bad = true;
        }
        return;
    case CodedSet::JisRoman: // ISO-IR 14 differs from ASCII in two places
        for (char c : run) {
            if (c == 0x5C) append_utf8(out, 0x00A5);
            else if (c == 0x7E) append_utf8(out, 0x203E);
            else if (uint8_t(c) < 0x7F) out += c;
            else append_hex(out, uint8_t(c)), bad = true;
        }
        return;
    case CodedSet::None:
        for (char c : run) append_hex(out, uint8_t(c));
        bad = true;
        return;
    case CodedSet::JisX0208: {
        std::string euc(run);
        for (char &c : euc) c = char(uint8_t(c) | 0x80);
        convert(set, euc, run, out, bad);
        return;
    }
    case CodedSet::JisX0212: // three EUC-JP bytes per character: converted one by one
        for (size_t i = 0; i < run.size(); i += 2) {
            if (i + 1 >= run.size()) {
                append_hex(out, uint8_t(run[i]));
                bad = true;
                break;
            }
            const char euc[3] = {char(0x8F), char(uint8_t(run[i]) | 0x80), char(uint8_t(run[i + 1]) | 0x80)};
            std::string part;
            bool part_bad = false;
            convert(set, std::string_view(euc, 3), std::string_view(euc, 3), part, part_bad);
            if (part_bad) {
                append_hex(out, uint8_t(run[i]));
                append_hex(out, uint8_t(run[i + 1]));
                bad = true;
            } else {
                out += part;
            }
        }
        return;
    default:
        convert(set, run, run, out, bad);
        return;
    }
}

// An escape sequence of PS3.3 Tables C.12-3 and C.12-4 at `s` (which starts with ESC): what it
// designates, and its length (0: not one of them).
size_t read_escape(std::string_view s, CodedSet &g0, CodedSet &g1) {
    struct Escape {
        std::string_view bytes;
        bool to_g1;
        CodedSet set;
    };
    static constexpr Escape kEscapes[] = {
        {"\x1b(B", false, CodedSet::Ascii},     {"\x1b(J", false, CodedSet::JisRoman},
        {"\x1b)I", true, CodedSet::JisKatakana}, {"\x1b-A", true, CodedSet::Latin1},
        {"\x1b-B", true, CodedSet::Latin2},     {"\x1b-C", true, CodedSet::Latin3},
        {"\x1b-D", true, CodedSet::Latin4},     {"\x1b-L", true, CodedSet::Cyrillic},
        {"\x1b-G", true, CodedSet::Arabic},     {"\x1b-F", true, CodedSet::Greek},
        {"\x1b-H", true, CodedSet::Hebrew},     {"\x1b-M", true, CodedSet::Latin5},
        {"\x1b-T", true, CodedSet::Thai},       {"\x1b-b", true, CodedSet::Latin9},
        {"\x1b$B", false, CodedSet::JisX0208},  {"\x1b$(D", false, CodedSet::JisX0212},
        {"\x1b$)C", true, CodedSet::KsX1001},   {"\x1b$)A", true, CodedSet::Gb2312},
    };
    for (const Escape &e : kEscapes)
        if (s.substr(0, e.bytes.size()) == e.bytes) {
            (e.to_g1 ? g1 : g0) = e.set;
            return e.bytes.size();
        }
    return 0;
}

bool line_control(uint8_t c) { return c == '\r' || c == '\n' || c == '\t' || c == '\f'; }

// UTF-8, GB18030 and GBK read the whole value; no escape sequences.
std::string decode_stand_alone(std::string_view v, CodedSet set, bool &bad) {
    std::string out;
    out.reserve(v.size());
    size_t run = 0;
    auto flush = [&](size_t end) {
        std::string_view r = v.substr(run, end - run);
        if (set != CodedSet::Utf8) {
            decode_run(set, r, out, bad);
            return;
        }
        for (size_t i = 0; i < r.size();) {
            if (const size_t n = utf8_sequence(r, i)) {
                out.append(r.substr(i, n));
                i += n;
            } else {
                append_hex(out, uint8_t(r[i++]));
                bad = true;
            }
        }
    };
    for (size_t i = 0; i < v.size(); ++i) {
        const uint8_t c = uint8_t(v[i]);
        if (c >= 0x20 && c != 0x7F) continue;
        flush(i);
        if (line_control(c)) out += char(c);
        else append_hex(out, c), bad = true;
        run = i + 1;
    }
    flush(v.size());
    return out;
}

// Where the values of a multi-valued text element end: at each backslash that is a character
// of its own, not a byte of a two-byte character (GBK and GB18030 trail bytes, and the bytes
// of a two-byte G0 set such as JIS X 0208, can be 0x5C).
std::vector<std::string_view> split_at_delimiters(std::string_view v, const SpecificCharacterSet &cs) {
    std::vector<std::string_view> out;
    size_t start = 0;
    const bool gb = cs.g0 == CodedSet::Gb18030 || cs.g0 == CodedSet::Gbk;
    CodedSet g0 = cs.g0, g1 = cs.g1;
    for (size_t i = 0; i < v.size();) {
        const uint8_t c = uint8_t(v[i]);
        if (gb && c >= 0x81 && c != 0xFF) { // a lead byte: two bytes, or four in GB18030
            i += (i + 1 < v.size() && uint8_t(v[i + 1]) >= 0x30 && uint8_t(v[i + 1]) <= 0x39) ? 4 : 2;
            continue;
        }
        if (c == 0x1B && cs.code_extensions) {
            const size_t n = read_escape(v.substr(i), g0, g1);
            i += n ? n : 1;
            continue;
        }
        if (c == '\\' && !two_byte(g0)) {
            out.push_back(v.substr(start, i - start));
            start = i + 1;
            g0 = cs.g0, g1 = cs.g1; // each value starts in the sets of value 1
        } else if (c < 0x20) {
            g0 = cs.g0, g1 = cs.g1;
        }
        ++i;
    }
    out.push_back(v.substr(start < v.size() ? start : v.size()));
    return out;
}

} // namespace

std::vector<std::string> decode_values(uint16_t vr, std::string_view raw, const SpecificCharacterSet &cs,
                                       bool *undecodable) {
    static const SpecificCharacterSet kDefault;
    std::vector<std::string> out;
    bool bad = false;
    if (!vr_uses_specific_character_set(vr)) {
        for (std::string_view part : split_values(vr, raw)) {
            bool b = false;
            out.push_back(decode_text(part, kDefault, vr, &b));
            bad |= b;
        }
    } else {
        std::vector<std::string_view> parts;
        if (vr_is_single_text(vr)) parts.push_back(raw);
        else parts = split_at_delimiters(raw, cs);
        for (std::string_view part : parts) {
            bool b = false;
            out.push_back(decode_text(trim_value(vr, part), cs, vr, &b));
            bad |= b;
        }
    }
    if (undecodable) *undecodable = bad;
    return out;
}

SpecificCharacterSet parse_specific_character_set(std::string_view value) {
    SpecificCharacterSet cs;
    const size_t end = value.find('\\');
    if (end != std::string_view::npos) cs.code_extensions = true; // more than one value: ISO 2022
    if (!read_term(trim(value.substr(0, end)), cs)) {
        cs = SpecificCharacterSet{};
        cs.unknown_term = true;
        cs.code_extensions = end != std::string_view::npos;
    }
    return cs;
}

bool vr_uses_specific_character_set(uint16_t vr) {
    switch (vr) {
    case vr_code('S', 'H'): case vr_code('L', 'O'): case vr_code('S', 'T'): case vr_code('L', 'T'):
    case vr_code('U', 'C'): case vr_code('U', 'T'): case vr_code('P', 'N'):
        return true;
    }
    return false;
}

std::string decode_text(std::string_view v, const SpecificCharacterSet &cs, uint16_t vr, bool *undecodable) {
    bool bad = false;
    std::string out;
    if (cs.g0 == CodedSet::Utf8 || cs.g0 == CodedSet::Gb18030 || cs.g0 == CodedSet::Gbk) {
        out = decode_stand_alone(v, cs.g0, bad);
    } else {
        out.reserve(v.size());
        const bool person_name = vr == vr_code('P', 'N');
        CodedSet g0 = cs.g0, g1 = cs.unknown_term ? CodedSet::None : cs.g1;
        size_t run = 0;
        CodedSet run_set = g0;
        auto flush = [&](size_t end) {
            decode_run(run_set, v.substr(run, end - run), out, bad);
            run = end;
        };
        auto reset = [&] { g0 = cs.g0, g1 = cs.unknown_term ? CodedSet::None : cs.g1; };
        for (size_t i = 0; i < v.size();) {
            const uint8_t c = uint8_t(v[i]);
            if (c == 0x1B) {
                flush(i);
                if (const size_t n = read_escape(v.substr(i), g0, g1)) {
                    i += n;
                } else { /* not an escape of PS3.3: shown, and the bytes after it read as before */
                    append_hex(out, c);
                    bad = true;
                    ++i;
                }
                run = i;
                continue;
            }
            const bool single_g0 = !two_byte(g0);
            if (c < 0x20 || (c == 0x20 && !single_g0) || (person_name && single_g0 && (c == '^' || c == '='))) {
                flush(i);
                if (c == 0x20 || c == '^' || c == '=' || line_control(c)) out += char(c);
                else append_hex(out, c), bad = true;
                if (c != 0x20) reset(); // the sets of value 1 are active again
                run = ++i;
                continue;
            }
            const CodedSet set = c < 0x80 ? g0 : g1;
            if (set != run_set) {
                flush(i);
                run_set = set;
            }
            ++i;
        }
        flush(v.size());
    }
    if (undecodable) *undecodable = bad;
    return out;
}

const SpecificCharacterSet &CharsetScope::apply(const DataSet &ds, const Element &e) {
    const unsigned d = e.depth < kDepths - 1 ? e.depth : kDepths - 2;
    if (e.kind == ElementKind::Item && d >= 1) {
        at_depth_[d + 1] = at_depth_[d - 1]; // an item starts in the set of the data set around it
    } else if (e.kind == ElementKind::Value && e.tag == 0x00080005) {
        at_depth_[d] = parse_specific_character_set(ds.value(e));
    }
    return at_depth_[d];
}

bool text_in_character_set(const Element &e, std::string_view raw, const SpecificCharacterSet &cs) {
    static const SpecificCharacterSet kDefault;
    const SpecificCharacterSet &applies = vr_uses_specific_character_set(e.vr) ? cs : kDefault;
    if (!two_byte(applies.g0)) { // printable ASCII means itself in every set whose G0 is one byte
        bool plain = true;       // the common case, without a conversion
        for (char c : raw) plain &= (uint8_t(c) >= 0x20 && uint8_t(c) < 0x7F) || line_control(uint8_t(c));
        if (plain) return true;
    }
    bool bad = false;
    decode_values(e.vr, raw, applies, &bad);
    return !bad;
}

bool is_defined_character_set_term(std::string_view term, unsigned index) {
    // PS3.3 Tables C.12-2 (single-byte, no code extensions), C.12-3 (with code extensions),
    // C.12-4 (multi-byte with code extensions) and C.12-5 (multi-byte without)
    static const char *const kSingle[] = {"ISO_IR 100", "ISO_IR 101", "ISO_IR 109", "ISO_IR 110", "ISO_IR 144",
                                          "ISO_IR 127", "ISO_IR 126", "ISO_IR 138", "ISO_IR 148", "ISO_IR 203",
                                          "ISO_IR 13",  "ISO_IR 166", "ISO_IR 192", "GB18030",    "GBK",
                                          "ISO_IR 6"}; // ISO_IR 6: not in the tables, but what many write for none
    static const char *const kExtension[] = {"ISO 2022 IR 6",   "ISO 2022 IR 100", "ISO 2022 IR 101", "ISO 2022 IR 109",
                                             "ISO 2022 IR 110", "ISO 2022 IR 144", "ISO 2022 IR 127", "ISO 2022 IR 126",
                                             "ISO 2022 IR 138", "ISO 2022 IR 148", "ISO 2022 IR 203", "ISO 2022 IR 13",
                                             "ISO 2022 IR 166", "ISO 2022 IR 87",  "ISO 2022 IR 159", "ISO 2022 IR 149",
                                             "ISO 2022 IR 58"};
    if (term.empty()) return index == 0; // value 1 empty: the default repertoire, then extensions
    for (const char *t : kExtension)
        if (term == t) return true;
    if (index == 0)
        for (const char *t : kSingle)
            if (term == t) return true;
    return false;
}

uint32_t first_undecodable_text(const DataSet &ds) {
    CharsetScope scope;
    for (size_t i = 0; i < ds.elements.size(); ++i) {
        const Element &e = ds.elements[i];
        const SpecificCharacterSet &applies = scope.apply(ds, e);
        if (e.kind != ElementKind::Value || !vr_is_text(e.vr) || e.vr == vr_code('U', 'I')) continue;
        if (!text_in_character_set(e, ds.value(e), applies)) return uint32_t(i);
    }
    return kNoElement;
}

} // namespace dicom
