// Text under every Specific Character Set of PS3.5 6.1, on the byte sequences of PS3.5 Annexes
// H, I, J and K and of pydicom's character-set files (the integration test compares the whole
// files with pydicom), and on broken bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataset/charset.hpp"
#include "dataset/dictionary.hpp"

using namespace dicom;

namespace {

const uint16_t PN = vr_code('P', 'N'), LO = vr_code('L', 'O'), LT = vr_code('L', 'T'), CS = vr_code('C', 'S');

std::string pn(std::string_view bytes, std::string_view charset, bool *bad = nullptr) {
    return decode_text(bytes, parse_specific_character_set(charset), PN, bad);
}

} // namespace

TEST(Charset, DefinedTerms) {
    SpecificCharacterSet cs = parse_specific_character_set("");
    EXPECT_EQ(cs.g0, CodedSet::Ascii);
    EXPECT_EQ(cs.g1, CodedSet::None);
    EXPECT_FALSE(cs.code_extensions);
    cs = parse_specific_character_set("ISO_IR 100 ");
    EXPECT_EQ(cs.g1, CodedSet::Latin1);
    cs = parse_specific_character_set("ISO 2022 IR 13\\ISO 2022 IR 87");
    EXPECT_EQ(cs.g0, CodedSet::JisRoman);
    EXPECT_EQ(cs.g1, CodedSet::JisKatakana);
    EXPECT_TRUE(cs.code_extensions);
    cs = parse_specific_character_set("\\ISO 2022 IR 149");
    EXPECT_EQ(cs.g0, CodedSet::Ascii);
    EXPECT_TRUE(cs.code_extensions);
    EXPECT_EQ(parse_specific_character_set("ISO_IR 192").g0, CodedSet::Utf8);
    EXPECT_EQ(parse_specific_character_set("GB18030").g0, CodedSet::Gb18030);
    EXPECT_EQ(parse_specific_character_set("GBK").g0, CodedSet::Gbk);
    EXPECT_TRUE(parse_specific_character_set("ISO_IR 999").unknown_term);
    EXPECT_TRUE(parse_specific_character_set("ISO 2022 IR 192").unknown_term); // UTF-8 has no code extensions
}

TEST(Charset, SingleByteSets) {
    EXPECT_EQ(pn("Buc^J\xe9r\xf4me", "ISO_IR 100"), "Buc^Jérôme");
    EXPECT_EQ(pn("Wa\xb3\xeasa^Lech", "ISO_IR 101"), "Wałęsa^Lech");
    EXPECT_EQ(pn("\xd5u\xbf" "eppi^\xa1" "abib", "ISO_IR 109"), "Ġużeppi^Ħabib");
    EXPECT_EQ(pn("\xd3\xbani\xf1\xb9^J\xe0nis", "ISO_IR 110"), "Ķēniņš^Jānis");
    EXPECT_EQ(pn("\xbb\xee\xda" "ce\xdc\xd1yp\xd3", "ISO_IR 144"), "Люкceмбypг"); // PS3.5 Annex: Cyrillic
    EXPECT_EQ(pn("\xe2\xc8\xc7\xe6\xea^\xe4\xe6\xd2\xc7\xd1", "ISO_IR 127"), "قباني^لنزار");
    EXPECT_EQ(pn("\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2", "ISO_IR 126"), "Διονυσιος");
    EXPECT_EQ(pn("\xf9\xf8\xe5\xef^\xe3\xe1\xe5\xf8\xe4", "ISO_IR 138"), "שרון^דבורה");
    EXPECT_EQ(pn("\xd6zt\xfcrk^\xde\xfckr\xfc", "ISO_IR 148"), "Öztürk^Şükrü");
    EXPECT_EQ(pn("\xca\xc1\xaa\xd2\xc2^\xe3\xa8\xb4\xd5", "ISO_IR 166"), "สมชาย^ใจดี");
    EXPECT_EQ(pn("\xa4uro", "ISO_IR 203"), "€uro");
    EXPECT_EQ(pn("\xd4\xcf\xc0\xde^\xc0\xdb\xb3", "ISO_IR 13"), "ﾔﾏﾀﾞ^ﾀﾛｳ");
}

TEST(Charset, StandAloneMultiByteSets) {
    EXPECT_EQ(pn("Wang^XiaoDong=\xe7\x8e\x8b^\xe5\xb0\x8f\xe6\x9d\xb1=", "ISO_IR 192"), "Wang^XiaoDong=王^小東=");
    EXPECT_EQ(pn("Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=", "GB18030"), "Wang^XiaoDong=王^小东=");
    EXPECT_EQ(pn("Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab", "GBK"), "Wang^XiaoDong=王^小东");
    // a GBK character whose second byte is a backslash is not a value delimiter
    const std::vector<std::string> values = decode_values(LO, "\x81\x5c\\ab", parse_specific_character_set("GBK"));
    ASSERT_EQ(values.size(), 2u);
    EXPECT_EQ(values[0], "乗"); // U+4E57, GBK 0x815C (as Python's gbk codec reads it too)
    EXPECT_EQ(values[1], "ab");
}

TEST(Charset, Iso2022Japanese) {
    // PS3.5 Annex H: ISO 2022 IR 87 in G0, switched back to ASCII before each delimiter
    const char h31[] = "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B";
    EXPECT_EQ(pn(h31, "\\ISO 2022 IR 87"), "Yamada^Tarou=山田^太郎=やまだ^たろう");
    // H32: value 1 is IR 13: Katakana in G1 from the start, JIS X 0201 Romaji in G0
    const char h32[] = "\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J";
    EXPECT_EQ(pn(h32, "ISO 2022 IR 13\\ISO 2022 IR 87"), "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう");
    // JIS X 0212 (IR 159) next to JIS X 0208
    EXPECT_EQ(pn("Mori^\x1b$(D*W\x1b(Bgai=\x1b$B?9\x1b(B^\x1b$(Dl?\x1b$B30\x1b(B", "\\ISO 2022 IR 87\\ISO 2022 IR 159"),
              "Mori^Ōgai=森^鷗外");
    // JIS X 0201 Romaji has the yen sign and overline where ASCII has backslash and tilde
    EXPECT_EQ(pn("\x1b(J~", "ISO 2022 IR 13"), "‾");
}

TEST(Charset, Iso2022KoreanChineseAndG1Switching) {
    // PS3.5 Annex I: KS X 1001 in G1
    EXPECT_EQ(pn("Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf",
                 "\\ISO 2022 IR 149"),
              "Hong^Gildong=洪^吉洞=홍^길동");
    // GB 2312 in G1 (PS3.5 Annex K)
    EXPECT_EQ(pn("Zhang^San=\x1b$)A\xd5\xc5\x1b(B^\x1b$)A\xc8\xfd\x1b(B", "\\ISO 2022 IR 58"), "Zhang^San=张^三");
    // three 96-character sets in G1 in turn
    EXPECT_EQ(pn("M\xfcller^\x1b-L\xb8\xd2\xd0\xdd\x1b-A^\x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2\x1b-A",
                 "ISO 2022 IR 100\\ISO 2022 IR 144\\ISO 2022 IR 126"),
              "Müller^Иван^Διονυσιος");
}

TEST(Charset, DelimitersActivateValueOnesSetsAgain) {
    const SpecificCharacterSet cs = parse_specific_character_set("ISO 2022 IR 100\\ISO 2022 IR 144");
    // after CR LF the G1 set is Latin-1 again, though no escape said so
    EXPECT_EQ(decode_text("\x1b-L\xb8\xd2\xd0\xdd\r\nd\xe9j\xe0", cs, LT), "Иван\r\ndéjà");
    // in a person name, at ^ and =
    EXPECT_EQ(decode_text("\x1b-L\xb8^\xe9", cs, PN), "И^é");
    // but not in other text
    EXPECT_EQ(decode_text("\x1b-L\xb8^\xe9", cs, LO), "И^щ");
    // values are split where G0 is a single-byte set only: 0x5C inside JIS X 0208 is not a delimiter
    const std::vector<std::string> v =
        decode_values(PN, "\x1b$B$\\\x1b(B\\b", parse_specific_character_set("\\ISO 2022 IR 87"));
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0], "ぼ"); // JIS X 0208 0x245C (as Python's iso2022_jp codec reads it too)
    EXPECT_EQ(v[1], "b");
}

TEST(Charset, BytesTheSetDoesNotExplain) {
    bool bad = false;
    EXPECT_EQ(pn("M\xfcller", "ISO_IR 192", &bad), "M\\xFCller");
    EXPECT_TRUE(bad);
    EXPECT_EQ(pn("M\xfcller", "", &bad), "M\\xFCller"); // the default repertoire is 7-bit
    EXPECT_TRUE(bad);
    EXPECT_EQ(pn("M\xfcller", "ISO_IR 999", &bad), "M\\xFCller");
    EXPECT_TRUE(bad);
    EXPECT_EQ(pn("a\x1b%Gb", "ISO 2022 IR 100", &bad), "a\\x1B%Gb"); // not an escape of PS3.3
    EXPECT_TRUE(bad);
    EXPECT_EQ(pn("\x1b$)C\xfb", "\\ISO 2022 IR 149", &bad), "\\xFB"); // half a character
    EXPECT_TRUE(bad);
    EXPECT_EQ(pn("\x1b$B;", "\\ISO 2022 IR 87", &bad), "\\x3B");
    EXPECT_TRUE(bad);
    EXPECT_EQ(pn("a\x01", "ISO_IR 100", &bad), "a\\x01");
    EXPECT_TRUE(bad);
    EXPECT_EQ(pn("plain", "ISO_IR 100", &bad), "plain");
    EXPECT_FALSE(bad);
    // every prefix of every sample decodes without reading past its end
    const char *samples[] = {"\x1b$(D*W\x1b(B", "\x1b$)A\xd5\xc5", "\xcd\xf5\xd0", "\xe7\x8e\x8b", "\x1b-L\xb8"};
    const char *sets[] = {"\\ISO 2022 IR 159", "\\ISO 2022 IR 58", "GB18030", "ISO_IR 192", "ISO 2022 IR 100\\ISO 2022 IR 144"};
    for (size_t k = 0; k < 5; ++k)
        for (size_t n = 0; n <= std::string_view(samples[k]).size(); ++n)
            decode_values(PN, std::string_view(samples[k], n), parse_specific_character_set(sets[k]));
}

TEST(Charset, ScopeOfASequenceItemsOwnSet) {
    // a data set in Latin-1 whose sequence item declares UTF-8 for itself
    DataSet ds;
    auto value = [&](uint32_t tag, uint16_t vr, uint8_t depth, std::string_view v) {
        Element e;
        e.tag = tag;
        e.vr = vr;
        e.depth = depth;
        e.value_at = uint32_t(ds.pool.size());
        e.value_len = uint32_t(v.size());
        ds.pool.append(v);
        ds.elements.push_back(e);
    };
    auto item = [&](uint8_t depth) {
        Element e;
        e.tag = 0xFFFEE000;
        e.kind = ElementKind::Item;
        e.depth = depth;
        ds.elements.push_back(e);
    };
    value(0x00080005, CS, 0, "ISO_IR 100");
    Element sq;
    sq.tag = 0x00081111;
    sq.vr = vr_code('S', 'Q');
    sq.kind = ElementKind::Sequence;
    ds.elements.push_back(sq);
    item(1);
    value(0x00080005, CS, 2, "ISO_IR 192");
    value(0x00100010, PN, 2, "\xc3\xa9");
    item(1);
    value(0x00100010, PN, 2, "\xe9"); // the next item is Latin-1 again
    value(0x00100010, PN, 0, "\xe9");
    CharsetScope scope;
    std::vector<std::string> out;
    for (const Element &e : ds.elements) {
        const SpecificCharacterSet &cs = scope.apply(ds, e);
        if (e.vr == PN) out.push_back(decode_text(ds.value(e), cs, PN));
    }
    EXPECT_EQ(out, (std::vector<std::string>{"é", "é", "é"}));
    EXPECT_EQ(first_undecodable_text(ds), kNoElement);
    ds.pool[ds.elements[4].value_at] = 'x'; // "x\xa9" is not UTF-8
    EXPECT_EQ(first_undecodable_text(ds), 4u);
}
