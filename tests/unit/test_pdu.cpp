#include <gtest/gtest.h>

#include "pcap_reader.hpp"
#include "ul/pdu.hpp"

using namespace dicom;

namespace {

std::vector<uint8_t> types_of(const TcpStream &s) {
    std::vector<uint8_t> t;
    for (ByteView p : split_pdus(s)) t.push_back(p.u8(0));
    return t;
}

} // namespace

TEST(Framing, EchoCaptureSplitsIntoTheExpectedPdus) {
    auto streams = read_tcp_streams(sample("echo.pcap"));
    ASSERT_EQ(streams.size(), 2u);
    EXPECT_EQ(streams[0].dst_port, 11112);
    EXPECT_EQ(types_of(streams[0]), (std::vector<uint8_t>{kAssociateRq, kPData, kReleaseRq}));
    EXPECT_EQ(types_of(streams[1]), (std::vector<uint8_t>{kAssociateAc, kPData, kReleaseRp}));
    // Every byte of both directions belongs to a PDU.
    for (const TcpStream &s : streams) {
        size_t total = 0;
        for (ByteView p : split_pdus(s)) total += p.size;
        EXPECT_EQ(total, s.bytes.size());
    }
    EXPECT_EQ(split_pdus(streams[0])[0].size, 6u + 205u); // A-ASSOCIATE-RQ length field 205
}

TEST(Framing, MaxPdu4096CaptureRespectsTheNegotiatedLimit) {
    auto streams = read_tcp_streams(sample("max-pdu-4096.pcap"));
    ASSERT_EQ(streams.size(), 2u);
    auto pdus = split_pdus(streams[0]);
    int pdata = 0;
    for (ByteView p : pdus) {
        if (p.u8(0) != kPData) continue;
        ++pdata;
        EXPECT_LE(p.be32(2), 4096u);
    }
    EXPECT_EQ(pdata, 11); // 1 command + 10 data set PDUs for CT_small.dcm
}

TEST(Framing, HeaderChecks) {
    const uint8_t pdata[] = {0x04, 0x00, 0x00, 0x00, 0x00, 0x4a};
    Framing f = frame_next(ByteView(pdata, 6), 1u << 24);
    EXPECT_EQ(f.kind, Framing::Pdu);
    EXPECT_EQ(f.length, 6u + 0x4a);

    EXPECT_EQ(frame_next(ByteView(pdata, 5), 1u << 24).kind, Framing::NeedMore);

    const uint8_t huge[] = {0x04, 0x00, 0xff, 0xff, 0xff, 0xff};
    EXPECT_EQ(frame_next(ByteView(huge, 6), 1u << 24).kind, Framing::Garbage);
    EXPECT_EQ(frame_next(ByteView(huge, 6), 0xffffffffu).length, 6u + 0xffffffffull);

    const uint8_t zero[] = {0x04, 0x00, 0x00, 0x00, 0x00, 0x00};
    EXPECT_EQ(frame_next(ByteView(zero, 6), 1u << 24).kind, Framing::Garbage);
    const uint8_t reserved[] = {0x05, 0x01, 0x00, 0x00, 0x00, 0x04}; // not tested on receipt
    EXPECT_EQ(frame_next(ByteView(reserved, 6), 1u << 24).kind, Framing::Pdu);
    const uint8_t big_rq[] = {0x01, 0x00, 0x00, 0x20, 0x00, 0x00}; // 2 MiB A-ASSOCIATE-RQ
    EXPECT_EQ(frame_next(ByteView(big_rq, 6), 1u << 24).kind, Framing::Garbage);
    const uint8_t release_long[] = {0x05, 0x00, 0x00, 0x00, 0x00, 0x05};
    EXPECT_EQ(frame_next(ByteView(release_long, 6), 1u << 24).kind, Framing::Garbage);
    const uint8_t tls[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
    EXPECT_EQ(frame_next(ByteView(tls, 6), 1u << 24).kind, Framing::Garbage);
    const uint8_t type8[] = {0x08, 0x00, 0x00, 0x00, 0x00, 0x04};
    EXPECT_EQ(frame_next(ByteView(type8, 6), 1u << 24).kind, Framing::Garbage);
}

TEST(Heuristic, RecognisesTheFirstSegmentOfAMultiSegmentRq) {
    auto streams = read_tcp_streams(sample("heuristic-port.pcap"));
    ASSERT_EQ(streams.size(), 2u);
    const TcpStream &client = streams[0];
    EXPECT_EQ(client.dst_port, 4242);
    ASSERT_GT(split_pdus(client)[0].size, client.first_segment_len); // RQ spans segments
    EXPECT_TRUE(looks_like_associate_rq(ByteView(client.bytes.data(), client.first_segment_len)));
    // The first 10 bytes are enough; fewer are not.
    EXPECT_TRUE(looks_like_associate_rq(ByteView(client.bytes.data(), 10)));
    EXPECT_FALSE(looks_like_associate_rq(ByteView(client.bytes.data(), 9)));
    // The server's first PDU (an AC) and a P-DATA are not requests.
    EXPECT_FALSE(looks_like_associate_rq(ByteView(streams[1].bytes.data(), streams[1].first_segment_len)));
    ByteView pdata = split_pdus(client)[1];
    EXPECT_FALSE(looks_like_associate_rq(pdata));
}

TEST(Heuristic, RejectsLookalikes) {
    auto streams = read_tcp_streams(sample("echo.pcap"));
    std::vector<uint8_t> rq(streams[0].bytes.begin(), streams[0].bytes.begin() + 211);
    ASSERT_TRUE(looks_like_associate_rq(ByteView(rq.data(), rq.size())));
    auto broken = rq;
    broken[12] = 0x07; // control character in the called AE title: still DICOM, by its application context
    EXPECT_TRUE(looks_like_associate_rq(ByteView(broken.data(), broken.size())));
    broken[90] = '9'; // ... and another application context name: no longer convincing
    EXPECT_FALSE(looks_like_associate_rq(ByteView(broken.data(), broken.size())));
    broken = rq;
    broken[7] = 0x00; // protocol version 0
    EXPECT_FALSE(looks_like_associate_rq(ByteView(broken.data(), broken.size())));
    broken = rq;
    broken[74] = 0x20; // first item is not the application context
    EXPECT_FALSE(looks_like_associate_rq(ByteView(broken.data(), broken.size())));
    broken = rq;
    broken[2] = 0x7f; // absurd length
    EXPECT_FALSE(looks_like_associate_rq(ByteView(broken.data(), broken.size())));
}

TEST(Resync, FindsTheNextPduFromAnywhereInsideOne) {
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    const TcpStream &client = streams[0];
    auto pdus = split_pdus(client);
    ASSERT_GT(pdus.size(), 4u);
    // Starting anywhere inside a P-DATA-TF (the command, then the data set fragments with
    // CT attributes and pixel data), the resync point is the start of the next PDU: nothing
    // inside the PDV data looks like a PDU start.
    for (size_t i = 1; i + 1 < pdus.size() && i <= 6; ++i) {
        const size_t begin = size_t(pdus[i].data - client.bytes.data());
        const size_t next = size_t(pdus[i + 1].data - client.bytes.data());
        for (size_t start = begin + 1; start < next; start += 7) {
            ByteView rest(client.bytes.data() + start, client.bytes.size() - start);
            ASSERT_EQ(find_resync_point(rest, 1u << 24), next - start) << "PDU " << i << " offset " << start - begin;
        }
    }
    const uint8_t noise[] = {0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x0c, 0x02, 0x03};
    EXPECT_EQ(find_resync_point(ByteView(noise, sizeof noise), 1u << 24), sizeof noise); // even context ID
}

TEST(Heuristic, MidstreamClaimsCommandPdusOnlyAtTheirStart) {
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    const TcpStream &client = streams[0];
    auto pdus = split_pdus(client);
    int commands = 0;
    for (ByteView p : pdus) {
        ByteView rest(p.data, client.bytes.data() + client.bytes.size() - p.data);
        bool is_command = p.u8(0) == kPData && (p.u8(11) & 1);
        EXPECT_EQ(looks_like_midstream_pdu(rest, 1u << 24), is_command || p.u8(0) == kReleaseRq);
        commands += is_command;
        // dcmtk's own segmentation: PDU and PDV headers alone
        if (is_command) {
            EXPECT_TRUE(looks_like_midstream_pdu(p.sub(0, 12), 1u << 24));
        }
        // nowhere inside a PDU
        for (size_t k = 1; k < p.size; k += 5)
            ASSERT_FALSE(looks_like_midstream_pdu(ByteView(p.data + k, p.size - k), 1u << 24)) << k;
    }
    EXPECT_EQ(commands, 3);
    // A data fragment's headers alone are not enough, nor a PDV shorter than its PDU.
    const uint8_t data_hdr[] = {0x04, 0x00, 0x00, 0x00, 0x40, 0x04, 0x00, 0x00, 0x40, 0x00, 0x01, 0x00};
    EXPECT_FALSE(looks_like_midstream_pdu(ByteView(data_hdr, sizeof data_hdr), 1u << 24));
    const uint8_t short_pdv[] = {0x04, 0x00, 0x00, 0x00, 0x40, 0x04, 0x00, 0x00, 0x20, 0x00, 0x01, 0x03};
    EXPECT_FALSE(looks_like_midstream_pdu(ByteView(short_pdv, sizeof short_pdv), 1u << 24));
}
