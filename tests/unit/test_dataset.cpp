#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "dataset/dataset.hpp"
#include "dataset/dictionary.hpp"
#include "dimse/dimse.hpp"
#include "dimse/message.hpp"
#include "dataset/values.hpp"

using namespace dicom;

namespace {

// The data set of a Part 10 file from python3-pydicom (bytes after the file meta group).
ChunkedBytes part10_dataset(const std::string &name, std::vector<uint8_t> *raw = nullptr) {
    std::ifstream in("/usr/lib/python3/dist-packages/pydicom/data/test_files/" + name, std::ios::binary);
    std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_GT(f.size(), 144u) << name;
    uint32_t group_length = f[140] | f[141] << 8 | f[142] << 16 | uint32_t(f[143]) << 24;
    size_t start = 144 + group_length;
    ChunkedBytes c;
    // Feed it in uneven pieces, as PDVs would arrive.
    for (size_t off = start; off < f.size(); off += 1000) c.append(&f[off], std::min<size_t>(1000, f.size() - off));
    if (raw) raw->assign(f.begin() + long(start), f.end());
    return c;
}

std::string text(const DataSet &ds, uint32_t tag) {
    const Element *e = ds.find(tag);
    if (!e) return "<absent>";
    auto v = split_values(e->vr, ds.value(*e));
    return v.empty() ? "" : std::string(v[0]);
}

bool has(const DataSet &ds, Problem p) {
    return std::any_of(ds.findings.begin(), ds.findings.end(), [&](const DataSetFinding &f) { return f.what == p; });
}

} // namespace

TEST(DataSet, ExplicitLittleEndianCt) {
    ChunkedBytes c = part10_dataset("CT_small.dcm");
    DataSet ds;
    parse_dataset(c, syntax_for("1.2.840.10008.1.2.1"), ds);
    EXPECT_TRUE(ds.findings.empty());
    EXPECT_EQ(ds.parsed_to, ds.size);
    EXPECT_EQ(text(ds, 0x00100010), "CompressedSamples^CT1");
    EXPECT_EQ(text(ds, 0x00080060), "CT");
    const Element *rows = ds.find(0x00280010);
    ASSERT_NE(rows, nullptr);
    auto n = decode_numbers(rows->vr, ds.value(*rows), false);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].u, 128u);
    const Element *pixels = ds.find(0x7FE00010);
    ASSERT_NE(pixels, nullptr);
    EXPECT_EQ(pixels->length, 32768u);
    EXPECT_LE(pixels->value_len, 64u); // bulk data is not copied
    // Pixel spacing: two decimal strings
    auto spacing = split_values(vr_code('D', 'S'), ds.value(*ds.find(0x00280030)));
    EXPECT_EQ(spacing.size(), 2u);
}

TEST(DataSet, BigEndianAndImplicitAgreeWithEachOther) {
    ChunkedBytes be = part10_dataset("MR_small_bigendian.dcm");
    ChunkedBytes im = part10_dataset("MR_small_implicit.dcm");
    DataSet a, b;
    parse_dataset(be, syntax_for("1.2.840.10008.1.2.2"), a);
    parse_dataset(im, syntax_for("1.2.840.10008.1.2"), b);
    EXPECT_TRUE(a.findings.empty());
    EXPECT_TRUE(b.findings.empty());
    EXPECT_EQ(text(a, 0x00100010), text(b, 0x00100010));
    const Element *ra = a.find(0x00280010), *rb = b.find(0x00280010);
    ASSERT_TRUE(ra && rb);
    EXPECT_EQ(decode_numbers(ra->vr, a.value(*ra), true)[0].u, 64u);
    EXPECT_EQ(decode_numbers(rb->vr, b.value(*rb), false)[0].u, 64u);
}

TEST(DataSet, DeflatedInflatesToTheSameElements) {
    ChunkedBytes c = part10_dataset("image_dfl.dcm");
    ChunkedBytes inflated;
    ASSERT_TRUE(inflate_raw(c, inflated, 1u << 30));
    DataSet ds;
    parse_dataset(inflated, syntax_for("1.2.840.10008.1.2.1"), ds);
    EXPECT_TRUE(ds.findings.empty());
    EXPECT_NE(ds.find(0x7FE00010), nullptr);
}

TEST(DataSet, EncapsulatedPixelDataIsFragments) {
    ChunkedBytes c = part10_dataset("JPEG-lossy.dcm");
    DataSet ds;
    parse_dataset(c, syntax_for("1.2.840.10008.1.2.4.51"), ds);
    EXPECT_TRUE(ds.findings.empty());
    size_t fragments = std::count_if(ds.elements.begin(), ds.elements.end(),
                                     [](const Element &e) { return e.kind == ElementKind::Fragment; });
    EXPECT_EQ(fragments, 2u); // basic offset table and one frame
    EXPECT_EQ(ds.elements.back().kind, ElementKind::SequenceEnd);
}

TEST(DataSet, NestedSequencesWithUndefinedLengths) {
    ChunkedBytes c = part10_dataset("nested_priv_SQ.dcm");
    DataSet ds;
    parse_dataset(c, syntax_for("1.2.840.10008.1.2"), ds);
    // pydicom's test file has UN sequences of undefined length (PS3.5 6.2.2) and an odd
    // length on purpose; the structure must still be walked to the end.
    EXPECT_TRUE(has(ds, Problem::ElementOddLength));
    EXPECT_FALSE(has(ds, Problem::SequenceNotClosed));
    EXPECT_EQ(ds.parsed_to, ds.size);
    uint8_t deepest = 0;
    for (const Element &e : ds.elements) deepest = std::max(deepest, e.depth);
    EXPECT_GE(deepest, 3);
}

TEST(DataSetBroken, EveryTruncationStopsCleanly) {
    std::vector<uint8_t> raw;
    part10_dataset("rtplan.dcm", &raw);
    for (size_t n = 0; n < raw.size(); n += 7) {
        ChunkedBytes c;
        c.append(raw.data(), n);
        DataSet ds;
        parse_dataset(c, syntax_for("1.2.840.10008.1.2.1"), ds);
        EXPECT_LE(ds.parsed_to, n);
    }
}

TEST(DataSetBroken, LyingLengthsDepthAndUnknownVr) {
    // (0010,0010) PN with length 0x7FFF but 4 bytes present.
    const uint8_t lying[] = {0x10, 0x00, 0x10, 0x00, 'P', 'N', 0xFF, 0x7F, 'D', 'o', 'e', ' '};
    ChunkedBytes a;
    a.append(lying, sizeof lying);
    DataSet da;
    parse_dataset(a, syntax_for("1.2.840.10008.1.2.1"), da);
    EXPECT_TRUE(has(da, Problem::ElementPastEnd));
    ASSERT_EQ(da.elements.size(), 1u);
    EXPECT_TRUE(da.elements[0].truncated);

    const uint8_t bad_vr[] = {0x10, 0x00, 0x10, 0x00, 'Z', 'Z', 0x02, 0x00, 'A', 'B'};
    ChunkedBytes b;
    b.append(bad_vr, sizeof bad_vr);
    DataSet db;
    parse_dataset(b, syntax_for("1.2.840.10008.1.2.1"), db);
    EXPECT_TRUE(has(db, Problem::VrUnknown));

    // 100 nested undefined-length sequences, never closed.
    std::vector<uint8_t> deep;
    for (int i = 0; i < 100; ++i) {
        const uint8_t sq[] = {0x08, 0x00, 0x15, 0x11, 'S', 'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
                              0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF};
        deep.insert(deep.end(), sq, sq + sizeof sq);
    }
    ChunkedBytes d;
    d.append(deep.data(), deep.size());
    DataSet dd;
    parse_dataset(d, syntax_for("1.2.840.10008.1.2.1"), dd);
    EXPECT_TRUE(has(dd, Problem::NestingTooDeep));
}

TEST(Values, Splitting) {
    auto v = split_values(vr_code('C', 'S'), "ORIGINAL\\PRIMARY \\AXIAL ");
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[1], "PRIMARY");
    EXPECT_EQ(split_values(vr_code('L', 'T'), "a\\b ").size(), 1u);
    EXPECT_EQ(split_values(vr_code('U', 'I'), std::string_view("1.2\0", 4))[0], "1.2");
}

TEST(Dimse, StatusMeaningsDependOnTheService) {
    EXPECT_EQ(status_category(0xFF00), StatusCategory::Pending);
    EXPECT_EQ(status_category(0xB000), StatusCategory::Warning);
    EXPECT_EQ(status_category(0xA801), StatusCategory::Failure);
    EXPECT_EQ(status_category(0xC123), StatusCategory::Failure);
    EXPECT_EQ(status_category(0xFE00), StatusCategory::Cancel);
    EXPECT_STREQ(status_meaning(0xB000, kCStoreRsp), "Coercion of data elements");
    EXPECT_STREQ(status_meaning(0xB000, kCMoveRsp), "Sub-operations complete - one or more failures or warnings");
    EXPECT_STREQ(status_meaning(0xA7FE, kCStoreRsp), "Refused: out of resources");
    EXPECT_STREQ(status_meaning(0xA801, kCMoveRsp), "Refused: move destination unknown");
    // as the Status column shows them
    EXPECT_EQ(status_text(0x0000, kCEchoRsp), "Success");
    EXPECT_EQ(status_text(0xB000, kCStoreRsp), "Warning: Coercion of data elements (0xB000)");
    EXPECT_EQ(status_text(0xA900, kCStoreRsp), "Failure: Error: data set does not match SOP class (0xA900)");
    EXPECT_EQ(status_text(0xFF00, kCFindRsp), "Pending: Matches are continuing (0xFF00)");
    EXPECT_EQ(status_text(0xC123, kCFindRsp), "Failure: Failed: unable to process (0xC123)");
    EXPECT_EQ(status_text(0xD001, kCEchoRsp), "Failure (0xD001)"); // a code the standard does not define
}

TEST(Dictionary, LookupsIncludingRepeatingGroups) {
    const DictEntry *e = find_tag(0x00100010);
    ASSERT_NE(e, nullptr);
    EXPECT_STREQ(e->keyword, "PatientName");
    const DictEntry *overlay = find_tag(0x60023000); // (6002,3000) Overlay Data, group 60xx
    ASSERT_NE(overlay, nullptr);
    EXPECT_STREQ(overlay->keyword, "OverlayData");
    EXPECT_EQ(find_tag(0x00091001), nullptr); // private
}

TEST(DataSet, InferredSyntaxMatchesTheFiles) {
    Syntax im = infer_syntax(part10_dataset("MR_small_implicit.dcm"));
    Syntax le = infer_syntax(part10_dataset("CT_small.dcm"));
    Syntax be = infer_syntax(part10_dataset("MR_small_bigendian.dcm"));
    EXPECT_FALSE(im.explicit_vr);
    EXPECT_TRUE(le.explicit_vr);
    EXPECT_FALSE(le.big_endian);
    EXPECT_TRUE(be.explicit_vr);
    EXPECT_TRUE(be.big_endian);
    EXPECT_STREQ(syntax_uid(be), "1.2.840.10008.1.2.2");
    EXPECT_FALSE(be.known);
}

namespace {

bool same(const DataSet &a, const DataSet &b) {
    if (a.elements.size() != b.elements.size() || a.pool != b.pool || a.parsed_to != b.parsed_to ||
        a.findings.size() != b.findings.size())
        return false;
    for (size_t i = 0; i < a.elements.size(); ++i) {
        const Element &x = a.elements[i], &y = b.elements[i];
        if (x.tag != y.tag || x.vr != y.vr || x.kind != y.kind || x.depth != y.depth || x.offset != y.offset ||
            x.length != y.length || x.value_at != y.value_at || x.value_len != y.value_len || x.truncated != y.truncated)
            return false;
    }
    for (size_t i = 0; i < a.findings.size(); ++i)
        if (a.findings[i].what != b.findings[i].what || a.findings[i].element != b.findings[i].element) return false;
    return true;
}

} // namespace

TEST(DataSetParser, PieceByPieceEqualsWholeAndHoldsLittle) {
    for (const char *name : {"CT_small.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "JPEG2000.dcm",
                             "rtplan.dcm", "nested_priv_SQ.dcm", "UN_sequence.dcm", "MR_truncated.dcm",
                             "rtplan_truncated.dcm", "SC_rgb_rle_32bit_2frame.dcm", "waveform_ecg.dcm"}) {
        std::vector<uint8_t> raw;
        part10_dataset(name, &raw);
        ChunkedBytes all;
        all.append(raw.data(), raw.size());
        const Syntax syntax = infer_syntax(all);
        DataSet whole;
        parse_dataset(all, syntax, whole);
        // `pass`: bytes the parser has already stepped past are not even appended (the message
        // assembler's way with pixel data), which must change nothing but what is held
        for (size_t piece : {size_t(1), size_t(7), size_t(100), size_t(1448), size_t(1) << 20})
        for (bool pass : {false, true}) {
            ChunkedBytes bytes;
            DataSet ds;
            DataSetParser parser(bytes, syntax, ds);
            uint64_t held = 0, passed = 0;
            for (size_t off = 0; off < raw.size(); off += piece) {
                const size_t k = std::min(piece, raw.size() - off);
                if (pass && parser.consumed() >= bytes.size() + k) {
                    bytes.append_passed(k);
                    passed += k;
                } else {
                    bytes.append(raw.data() + off, k);
                }
                parser.feed();
                bytes.discard_before(parser.consumed());
                held = std::max(held, bytes.size() - bytes.low());
            }
            parser.finish();
            if (std::string(name).find("truncated") == std::string::npos) {
                EXPECT_TRUE(same(ds, whole)) << name << " in pieces of " << piece;
            } else { // the same elements; the cut is reported, if not in the same order
                ASSERT_EQ(ds.elements.size(), whole.elements.size()) << name << " " << piece;
                for (size_t i = 0; i < ds.elements.size(); ++i) {
                    EXPECT_EQ(ds.elements[i].tag, whole.elements[i].tag);
                    EXPECT_EQ(ds.elements[i].truncated, whole.elements[i].truncated) << name << " " << i;
                }
                EXPECT_EQ(ds.parsed_to, whole.parsed_to) << name << " " << piece;
                EXPECT_TRUE(has(ds, Problem::ElementPastEnd) && has(whole, Problem::ElementPastEnd));
            }
            EXPECT_EQ(ds.size, raw.size());
            EXPECT_TRUE(bytes.complete()) << name; // passed bytes were received
            if (pass && piece <= 1448 && std::string(name) == "CT_small.dcm") {
                EXPECT_GT(passed, raw.size() / 2); // its pixel data
            }
            // Nothing like the whole data set is held while it streams in (the pixel data is
            // skipped as it passes); small pieces keep at most a few elements' worth.
            if (piece <= 1448 && raw.size() > 20000) {
                EXPECT_LT(held, raw.size() / 4) << name << " " << piece;
            }
        }
    }
}
