#include "conformance/check_values.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/bytes.hpp"
#include "dataset/charset.hpp"
#include "dataset/dictionary.hpp"

namespace dicom {

namespace {

bool digits(std::string_view v, size_t from, size_t n) {
    if (v.size() < from + n) return false;
    for (size_t i = from; i < from + n; ++i)
        if (v[i] < '0' || v[i] > '9') return false;
    return true;
}
int number(std::string_view v, size_t from, size_t n) { return atoi(std::string(v.substr(from, n)).c_str()); }

std::string_view trim_spaces(std::string_view v) {
    while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return v;
}

bool is_date(std::string_view v) { // YYYYMMDD
    if (v.size() != 8 || !digits(v, 0, 8)) return false;
    const int m = number(v, 4, 2), d = number(v, 6, 2);
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

// HH[MM[SS[.F{1,6}]]] from `at`; `end` set to where it stopped
bool is_time(std::string_view v, size_t at = 0) {
    if (!digits(v, at, 2) || number(v, at, 2) > 23) return false;
    size_t i = at + 2;
    if (i == v.size()) return true;
    if (!digits(v, i, 2) || number(v, i, 2) > 59) return false;
    i += 2;
    if (i == v.size()) return true;
    if (!digits(v, i, 2) || number(v, i, 2) > 60) return false; // 60: a leap second
    i += 2;
    if (i == v.size()) return true;
    if (v[i] != '.' || v.size() - i < 2 || v.size() - i > 7) return false;
    return digits(v, i + 1, v.size() - i - 1);
}

bool is_date_time(std::string_view v) { // YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]
    const size_t zone = v.find_first_of("+-");
    if (zone != std::string_view::npos) {
        if (v.size() - zone != 5 || !digits(v, zone + 1, 4)) return false;
        v = v.substr(0, zone);
    }
    if (!digits(v, 0, 4)) return false;
    if (v.size() == 4) return true;
    if (!digits(v, 4, 2) || number(v, 4, 2) < 1 || number(v, 4, 2) > 12) return false;
    if (v.size() == 6) return true;
    if (!digits(v, 6, 2) || number(v, 6, 2) < 1 || number(v, 6, 2) > 31) return false;
    if (v.size() == 8) return true;
    return is_time(v, 8);
}

bool is_decimal(std::string_view v) { // [+-]digits[.digits][(E|e)[+-]digits], or .digits
    size_t i = 0;
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
    size_t mantissa = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++mantissa;
    if (i < v.size() && v[i] == '.') {
        ++i;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++mantissa;
    }
    if (!mantissa) return false;
    if (i < v.size() && (v[i] == 'E' || v[i] == 'e')) {
        ++i;
        if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
        size_t exponent = 0;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++exponent;
        if (!exponent) return false;
    }
    return i == v.size();
}

bool is_integer(std::string_view v) { // [+-]digits, within 32 bits
    size_t i = (!v.empty() && (v[0] == '+' || v[0] == '-')) ? 1 : 0;
    if (i == v.size() || !digits(v, i, v.size() - i)) return false;
    const long long n = atoll(std::string(v).c_str());
    return v.size() - i <= 10 && n >= -2147483648LL && n <= 2147483647LL;
}

// Each value of (0008,0005) a defined term for its position
bool character_set_terms_defined(std::string_view v) {
    unsigned index = 0;
    for (size_t from = 0;; ++index) {
        const size_t end = std::min(v.find('\\', from), v.size());
        if (!is_defined_character_set_term(trim_spaces(v.substr(from, end - from)), index)) return false;
        if (end == v.size()) return true;
        from = end + 1;
    }
}

bool chars_in(std::string_view v, bool (*ok)(char)) {
    for (char c : v)
        if (!ok(c)) return false;
    return true;
}

} // namespace

bool value_follows_vr(uint16_t vr, std::string_view raw) {
    // the padding that makes the element's length even (a space, a NUL for UI) and the spaces
    // the VR calls insignificant are not part of the value, nor of its maximum length
    const std::string_view v = trim_spaces(raw);
    if (v.empty()) return true; // an empty value is a value's absence, not a bad one
    switch (vr) {
    case vr_code('D', 'A'): return is_date(v);
    case vr_code('T', 'M'): return v.size() <= 14 && is_time(v);
    case vr_code('D', 'T'): return v.size() <= 26 && is_date_time(v);
    case vr_code('A', 'S'): return v.size() == 4 && digits(v, 0, 3) && strchr("DWMY", v[3]);
    case vr_code('C', 'S'):
        return v.size() <= 16 && chars_in(v, [](char c) {
                   return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_';
               });
    case vr_code('D', 'S'): return v.size() <= 16 && is_decimal(v);
    case vr_code('I', 'S'): return v.size() <= 12 && is_integer(v);
    case vr_code('U', 'I'): return is_valid_uid(v);
    case vr_code('A', 'E'): return v.size() <= 16 && chars_in(v, [](char c) { return uint8_t(c) >= 0x20 && uint8_t(c) < 0x7F; });
    default: return true;
    }
}

bool count_fits_vm(const char *vm, unsigned count) {
    if (!vm || !*vm) return true;
    char *end = nullptr;
    const unsigned low = unsigned(strtoul(vm, &end, 10));
    if (end == vm) return true;
    if (*end == '\0') return count == low;
    if (*end != '-') return true;
    const char *high = end + 1;
    if (strcmp(high, "n") == 0) return count >= low;
    const unsigned step = unsigned(strtoul(high, &end, 10));
    if (end != high && strcmp(end, "n") == 0) return count >= low && step && count % step == 0; // "2-2n", "3-3n"
    if (end != high && *end == '\0') return count >= low && count <= step;                      // "1-3"
    return true;
}

void check_data_set_values(const DataSet &ds, bool stored, std::vector<RuleHit> &out) {
    CharsetScope charsets;
    for (const Element &e : ds.elements) {
        if (out.size() >= 64) return; // enough to say what is wrong
        const SpecificCharacterSet &charset = charsets.apply(ds, e); // every element, to follow items
        if (e.kind == ElementKind::Value && !e.truncated && e.length != kUndefinedLength) {
            if (e.tag == 0x00080005 && !character_set_terms_defined(ds.value(e)))
                out.push_back({Rule::CharacterSetTerm, e.tag});
            else if (vr_uses_specific_character_set(e.vr) && !(e.tag >> 16 & 1) &&
                     !text_in_character_set(e, ds.value(e), charset))
                out.push_back({Rule::CharacterRepertoire, e.tag});
        }
        const uint16_t group = uint16_t(e.tag >> 16), elem = uint16_t(e.tag);
        if ((group & 1) || elem == 0 || group == 0xFFFE || e.kind == ElementKind::Item) continue; // private, lengths, items
        const DictEntry *d = find_tag(e.tag);
        if (!d || d->retired) continue;
        if (!e.vr_implicit && e.vr && e.vr != vr_code('U', 'N')) {
            const char code[3] = {char(e.vr >> 8), char(e.vr & 0xFF), 0};
            if (!strstr(d->vr_text, code)) out.push_back({Rule::VrNotDictionary, e.tag});
        }
        if (!stored || e.kind != ElementKind::Value || e.truncated || e.length == 0 || e.length == kUndefinedLength)
            continue;
        const std::string_view v = ds.value(e);
        unsigned count = 0;
        if (const unsigned size = vr_number_size(e.vr)) {
            count = e.length / size;
        } else if (vr_is_text(e.vr) || e.vr == vr_code('U', 'I') || e.vr == vr_code('D', 'S') || e.vr == vr_code('I', 'S') ||
                   e.vr == vr_code('D', 'A') || e.vr == vr_code('T', 'M') || e.vr == vr_code('D', 'T') ||
                   e.vr == vr_code('A', 'S') || e.vr == vr_code('C', 'S') || e.vr == vr_code('A', 'E')) {
            if (vr_is_single_text(e.vr)) {
                count = 1;
            } else {
                bool bad = false;
                size_t from = 0;
                for (size_t i = 0; i <= v.size(); ++i)
                    if (i == v.size() || v[i] == '\\') {
                        ++count;
                        bad = bad || !value_follows_vr(e.vr, v.substr(from, i - from));
                        from = i + 1;
                    }
                if (bad) out.push_back({Rule::ValueFormat, e.tag});
            }
        } else {
            continue; // OB, OW, UN, SQ ...: no multiplicity to count
        }
        if (!count_fits_vm(d->vm, count)) out.push_back({Rule::ValueMultiplicity, e.tag});
    }
}

} // namespace dicom
