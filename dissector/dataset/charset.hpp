// Text values under the Specific Character Set (0008,0005) of PS3.5 section 6.1 and PS3.3
// C.12.1.1.2: the single-byte sets, ISO 2022 code extensions switched by escape sequences,
// and the stand-alone multi-byte sets (UTF-8, GB18030, GBK). The byte-to-character tables are
// the C library's iconv converters; this file only decides which converter reads which bytes.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataset/dataset.hpp"

namespace dicom {

// A coded character set that a defined term or an escape sequence designates.
enum class CodedSet : uint8_t {
    None,        // nothing designated (G1 of the default repertoire)
    Ascii,       // ISO-IR 6 (G0)
    JisRoman,    // ISO-IR 14, JIS X 0201 Romaji (G0)
    JisKatakana, // ISO-IR 13, JIS X 0201 Katakana (G1)
    Latin1,      // ISO-IR 100 ... ISO-IR 203: the 96-character sets, invoked in G1
    Latin2,
    Latin3,
    Latin4,
    Cyrillic,
    Arabic,
    Greek,
    Hebrew,
    Latin5,
    Thai,        // ISO-IR 166 (TIS 620)
    Latin9,      // ISO-IR 203 (ISO 8859-15)
    JisX0208,    // ISO-IR 87 (G0, two bytes)
    JisX0212,    // ISO-IR 159 (G0, two bytes)
    KsX1001,     // ISO-IR 149 (G1, two bytes)
    Gb2312,      // ISO-IR 58 (G1, two bytes)
    Utf8,        // ISO_IR 192: the whole value, no code extensions
    Gb18030,
    Gbk,
};

struct SpecificCharacterSet {
    CodedSet g0 = CodedSet::Ascii; // what value 1 designates, active at the start of a value
    CodedSet g1 = CodedSet::None;
    bool code_extensions = false;  // ISO 2022 terms: escape sequences may switch G0 and G1
    bool unknown_term = false;     // a defined term this decoder does not know (its text is shown raw)
};

// From the value of (0008,0005), backslashes and padding included; empty: the default repertoire.
SpecificCharacterSet parse_specific_character_set(std::string_view value);

// Whether a VR's text is in the Specific Character Set (SH LO ST LT UC UT PN); the others
// (AE CS DA DS DT IS TM UI UR AS) are in the default repertoire whatever it says.
bool vr_uses_specific_character_set(uint16_t vr);

// One value (already split at backslashes) as UTF-8. Bytes the character set does not explain
// are shown as \xNN and set `undecodable`: bytes above 0x7F in the default repertoire, bytes
// a converter rejects, unknown escape sequences and control characters other than CR LF TAB FF.
// The sets value 1 designates are active again after CR, LF, TAB and FF, and in a person name
// after '^' and '=' (PS3.5 6.1.2.5.3).
std::string decode_text(std::string_view value, const SpecificCharacterSet &cs, uint16_t vr,
                        bool *undecodable = nullptr);

// Every value of a text element as UTF-8: split at the backslashes that are delimiters (not
// bytes of a two-byte character), padding removed as the VR allows, each decoded as above in
// the set that applies (the default repertoire for VRs that do not use the Specific
// Character Set).
std::vector<std::string> decode_values(uint16_t vr, std::string_view raw, const SpecificCharacterSet &cs,
                                       bool *undecodable = nullptr);

// Which Specific Character Set applies to each element of a data set, element by element: the
// data set's own, or the one a sequence item declares for itself and what it contains.
class CharsetScope {
public:
    // Call for every element in order; returns the set that applies to `e`'s value.
    const SpecificCharacterSet &apply(const DataSet &ds, const Element &e);

private:
    static constexpr unsigned kDepths = 64;
    SpecificCharacterSet at_depth_[kDepths]; // the set for elements at each depth
};

// Whether the character set explains every byte of a text element's value (`cs`: the set
// CharsetScope gives for the element; VRs that do not use it are read in the default
// repertoire). Values of plain ASCII are judged without a conversion.
bool text_in_character_set(const Element &e, std::string_view raw, const SpecificCharacterSet &cs);

// Whether `term` (one value of (0008,0005), padding removed) is a defined term of PS3.3
// C.12.1.1.2 for value `index` (0: value 1); the empty value 1 (the default repertoire) is one.
bool is_defined_character_set_term(std::string_view term, unsigned index);

// The first element whose text the character set does not explain (kNoElement: none): for
// an expert info when the values themselves are not shown.
uint32_t first_undecodable_text(const DataSet &ds);

} // namespace dicom
