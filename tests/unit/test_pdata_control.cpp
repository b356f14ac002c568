#include <gtest/gtest.h>

#include <algorithm>

#include "ul/control_pdus.hpp"
#include "pcap_reader.hpp"
#include "connection_harness.hpp"
#include "ul/pdu.hpp"

using namespace dicom;

namespace {

bool has(const Findings &f, Problem p) {
    return std::any_of(f.begin(), f.end(), [&](const Finding &x) { return x.what == p; });
}

} // namespace

namespace {

// The PDV items of a byte stream, as the PDU walker reports them.
struct Pdvs {
    std::vector<PdvPosition> headers;
    std::vector<std::vector<uint8_t>> values;
    uint64_t skipped = 0;
};

Pdvs pdvs_of(const std::vector<uint8_t> &b) {
    Pdvs out;
    PdvItems items = walk_pdvs(b);
    for (PdvItems::Item &i : items.items) {
        out.headers.push_back(i.pdv);
        out.values.push_back(std::move(i.value));
    }
    out.skipped = items.skipped_total;
    return out;
}

} // namespace

TEST(PData, EchoCommand) {
    auto streams = read_tcp_streams(sample("echo.pcap"));
    Pdvs p = pdvs_of(streams[0].bytes);
    ASSERT_EQ(p.headers.size(), 1u);
    EXPECT_EQ(p.headers[0].context_id, 1);
    EXPECT_EQ(p.headers[0].flags, 0x03);
    EXPECT_FALSE(p.headers[0].invalid);
    EXPECT_EQ(p.headers[0].value_length, 68u);
    EXPECT_EQ(p.values[0].size(), 68u);
}

TEST(PData, StoreSendsCommandThenDataFragmentsEndingWithLast) {
    auto streams = read_tcp_streams(sample("max-pdu-4096.pcap"));
    Pdvs p = pdvs_of(streams[0].bytes);
    std::vector<uint8_t> flags;
    uint64_t data_bytes = 0;
    for (size_t i = 0; i < p.headers.size(); ++i) {
        flags.push_back(p.headers[i].flags);
        if (!(p.headers[i].flags & kPdvCommand)) data_bytes += p.values[i].size();
        EXPECT_EQ(p.headers[i].context_id, 41);
        EXPECT_FALSE(p.headers[i].invalid);
    }
    EXPECT_EQ(p.skipped, 0u);
    ASSERT_GE(flags.size(), 3u);
    EXPECT_EQ(flags.front(), 0x03);
    EXPECT_EQ(flags.back(), 0x02);
    for (size_t i = 1; i + 1 < flags.size(); ++i) EXPECT_EQ(flags[i], 0x00);
    EXPECT_GT(data_bytes, 30000u); // CT_small.dcm's data set, sent in 4090-byte fragments
}

TEST(PDataBroken, LyingAndTinyLengths) {
    // PDU with one PDV whose length says 0xFFFFFFFF: invalid, the rest of the PDU skipped.
    Pdvs p = pdvs_of({0x04, 0, 0, 0, 0, 10, 0xff, 0xff, 0xff, 0xff, 1, 3, 'a', 'b', 'c', 'd'});
    ASSERT_EQ(p.headers.size(), 1u);
    EXPECT_TRUE(p.headers[0].invalid);
    EXPECT_EQ(p.skipped, 4u);

    // Length 0 and 1 (must include context ID and flags) still advance.
    p = pdvs_of({0x04, 0, 0, 0, 0, 12, 0, 0, 0, 0, 1, 3, 0, 0, 0, 1, 1, 3});
    ASSERT_GE(p.headers.size(), 1u);
    EXPECT_TRUE(p.headers[0].invalid);
    EXPECT_EQ(p.skipped, 6u);

    // Reserved flag bits reach the caller as they are (the tree reports them).
    p = pdvs_of({0x04, 0, 0, 0, 0, 6, 0, 0, 0, 2, 1, 0xff});
    ASSERT_EQ(p.headers.size(), 1u);
    EXPECT_EQ(p.headers[0].flags, 0xff);

    // Fewer bytes than the PDU says: what is there is walked, the rest awaited.
    p = pdvs_of({0x04, 0, 0, 0, 0x10, 0, 0, 0, 0, 2, 1, 3});
    ASSERT_EQ(p.headers.size(), 1u);
    EXPECT_FALSE(p.headers[0].invalid);
    EXPECT_EQ(p.values[0].size(), 0u);

    // A PDU that ends a few bytes after its last PDV: the tail is skipped, not a PDV.
    p = pdvs_of({0x04, 0, 0, 0, 0, 10, 0, 0, 0, 2, 1, 3, 9, 9, 9, 9});
    ASSERT_EQ(p.headers.size(), 1u);
    EXPECT_EQ(p.skipped, 4u);
}

TEST(Control, RefusedAssociation) {
    auto streams = read_tcp_streams(sample("refused.pcap"));
    ByteView rj = split_pdus(streams[1]).at(0);
    ControlPdu cp;
    parse_control_pdu(rj, cp);
    EXPECT_EQ(cp.type, kAssociateRj);
    EXPECT_EQ(cp.result, 1);
    EXPECT_EQ(cp.source, 1);
    EXPECT_EQ(cp.reason, 1);
    EXPECT_STREQ(reject_reason_name(cp.source, cp.reason), "no-reason-given");
    EXPECT_TRUE(cp.findings.empty());
    EXPECT_STREQ(reject_reason_name(1, 7), "called-AE-title-not-recognized");
    EXPECT_STREQ(reject_reason_name(3, 1), "temporary-congestion");
    EXPECT_EQ(reject_reason_name(2, 9), nullptr);
}

TEST(Control, AbortFromStorescp) {
    auto streams = read_tcp_streams(sample("abort.pcap"));
    auto pdus = split_pdus(streams[1]);
    ByteView last = pdus.back();
    ControlPdu cp;
    parse_control_pdu(last, cp);
    EXPECT_EQ(cp.type, kAbort);
    EXPECT_EQ(cp.source, 0);
    EXPECT_TRUE(cp.findings.empty());
}

TEST(Control, ReleasePair) {
    auto streams = read_tcp_streams(sample("echo.pcap"));
    ControlPdu rq, rp;
    parse_control_pdu(split_pdus(streams[0]).back(), rq);
    parse_control_pdu(split_pdus(streams[1]).back(), rp);
    EXPECT_EQ(rq.type, kReleaseRq);
    EXPECT_EQ(rp.type, kReleaseRp);
    EXPECT_TRUE(rq.findings.empty());
    EXPECT_TRUE(rp.findings.empty());
}

TEST(ControlBroken, ShortAndOddValues) {
    std::vector<uint8_t> short_rj = {0x03, 0, 0, 0, 0, 4, 0};
    ControlPdu a;
    parse_control_pdu(ByteView(short_rj.data(), short_rj.size()), a);
    EXPECT_TRUE(has(a.findings, Problem::PduTruncated));

    std::vector<uint8_t> odd_abort = {0x07, 0, 0, 0, 0, 4, 0, 0, 2, 9};
    ControlPdu b;
    parse_control_pdu(ByteView(odd_abort.data(), odd_abort.size()), b);
    EXPECT_TRUE(has(b.findings, Problem::ValueOutOfRange));

    std::vector<uint8_t> odd_rj = {0x03, 0, 0, 0, 0, 4, 0, 3, 1, 1};
    ControlPdu c;
    parse_control_pdu(ByteView(odd_rj.data(), odd_rj.size()), c);
    EXPECT_TRUE(has(c.findings, Problem::ValueOutOfRange));
}
