#include <gtest/gtest.h>

#include <algorithm>

#include "control_pdus.hpp"
#include "pcap_reader.hpp"
#include "pdata.hpp"
#include "pdu.hpp"

using namespace dicom;

namespace {

bool has(const Findings &f, Problem p) {
    return std::any_of(f.begin(), f.end(), [&](const Finding &x) { return x.what == p; });
}

} // namespace

TEST(PData, EchoCommand) {
    auto streams = read_tcp_streams(sample("echo.pcap"));
    ByteView pdu = split_pdus(streams[0]).at(1);
    PData pd;
    parse_pdata(pdu, pd);
    ASSERT_EQ(pd.pdvs.size(), 1u);
    EXPECT_EQ(pd.pdvs[0].length, 70u);
    EXPECT_EQ(pd.pdvs[0].context_id, 1);
    EXPECT_EQ(pd.pdvs[0].flags, 0x03);
    EXPECT_TRUE(pd.pdvs[0].is_command());
    EXPECT_TRUE(pd.pdvs[0].is_last());
    EXPECT_EQ(pd.pdvs[0].value.len, 68u);
    EXPECT_TRUE(pd.findings.empty());
}

TEST(PData, StoreSendsCommandThenDataFragmentsEndingWithLast) {
    auto streams = read_tcp_streams(sample("max-pdu-4096.pcap"));
    std::vector<uint8_t> flags;
    uint64_t data_bytes = 0;
    for (ByteView pdu : split_pdus(streams[0])) {
        if (pdu.u8(0) != kPData) continue;
        PData pd;
        parse_pdata(pdu, pd);
        EXPECT_TRUE(pd.findings.empty());
        for (const Pdv &v : pd.pdvs) {
            flags.push_back(v.flags);
            if (!v.is_command()) data_bytes += v.value.len;
            EXPECT_EQ(v.context_id, 41);
        }
    }
    ASSERT_GE(flags.size(), 3u);
    EXPECT_EQ(flags.front(), 0x03);
    EXPECT_EQ(flags.back(), 0x02);
    for (size_t i = 1; i + 1 < flags.size(); ++i) EXPECT_EQ(flags[i], 0x00);
    EXPECT_GT(data_bytes, 30000u); // CT_small.dcm's data set, sent in 4090-byte fragments
}

TEST(PDataBroken, LyingAndTinyLengths) {
    // PDU with one PDV whose length says 0xFFFFFFFF.
    std::vector<uint8_t> b = {0x04, 0, 0, 0, 0, 10, 0xff, 0xff, 0xff, 0xff, 1, 3, 'a', 'b', 'c', 'd'};
    PData pd;
    parse_pdata(ByteView(b.data(), b.size()), pd);
    ASSERT_EQ(pd.pdvs.size(), 1u);
    EXPECT_EQ(pd.pdvs[0].value.len, 4u);
    EXPECT_TRUE(has(pd.findings, Problem::PdvLengthInvalid));

    // Length 0 and 1 (must include context ID and flags) still advance.
    std::vector<uint8_t> z = {0x04, 0, 0, 0, 0, 12, 0, 0, 0, 0, 1, 3, 0, 0, 0, 1, 1, 3};
    PData pz;
    parse_pdata(ByteView(z.data(), z.size()), pz);
    EXPECT_TRUE(has(pz.findings, Problem::PdvLengthInvalid));
    EXPECT_LE(pz.pdvs.size(), 2u);

    std::vector<uint8_t> reserved = {0x04, 0, 0, 0, 0, 6, 0, 0, 0, 2, 1, 0xff};
    PData pr;
    parse_pdata(ByteView(reserved.data(), reserved.size()), pr);
    EXPECT_TRUE(has(pr.findings, Problem::PdvFlagsReserved));

    std::vector<uint8_t> truncated = {0x04, 0, 0, 0, 0x10, 0, 0, 0, 0, 2, 1, 3};
    PData pt;
    parse_pdata(ByteView(truncated.data(), truncated.size()), pt);
    EXPECT_TRUE(has(pt.findings, Problem::PduTruncated));
    ASSERT_EQ(pt.pdvs.size(), 1u);
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
