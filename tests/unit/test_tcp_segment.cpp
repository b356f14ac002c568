// Finding the TCP segment in a captured frame: every data frame of a real capture, an IPv6
// frame, and frames that only look similar.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "pcap_reader.hpp"
#include "tcp/tcp_segment.hpp"

using namespace dicom;

namespace {

std::vector<std::vector<uint8_t>> frames_of(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::vector<uint8_t>> out;
    for (size_t off = 24; off + 16 <= f.size();) {
        const uint32_t caplen = f[off + 8] | f[off + 9] << 8 | f[off + 10] << 16 | uint32_t(f[off + 11]) << 24;
        out.emplace_back(f.begin() + long(off + 16), f.begin() + long(off + 16 + caplen));
        off += 16 + caplen;
    }
    return out;
}

uint16_t be16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t *p) { return uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

} // namespace

TEST(TcpSegment, EveryFrameOfARealCapture) {
    size_t payload = 0, hint = 0;
    for (const auto &fr : frames_of(sample("store-multi.pcap"))) {
        const uint8_t *ip = fr.data() + 14, *tcp = ip + 20;
        TcpEndpoints e{ByteView(ip + 12, 4), ByteView(ip + 16, 4), be16(tcp), be16(tcp + 2)};
        TcpSegment s;
        ASSERT_TRUE(locate_tcp_segment(ByteView(fr.data(), fr.size()), e, s));
        EXPECT_EQ(s.seq, be32(tcp + 4));
        EXPECT_EQ(s.ack, be32(tcp + 8));
        EXPECT_EQ(s.window, be16(tcp + 14));
        // both SYNs of this capture offer window scale 10 (tshark: tcp.options.wscale.shift)
        EXPECT_EQ(s.window_scale, (tcp[13] & 0x02) ? 10 : -1);
        EXPECT_EQ(s.payload_offset, 14 + 20 + size_t(tcp[12] >> 4) * 4);
        EXPECT_EQ(s.payload_length, size_t(be16(ip + 2)) - 20 - size_t(tcp[12] >> 4) * 4);
        payload += s.payload_length;
        // with the hint of earlier frames: the same segment, and the hint is where IP starts
        TcpSegment h;
        ASSERT_TRUE(locate_tcp_segment(ByteView(fr.data(), fr.size()), e, h, &hint));
        EXPECT_EQ(hint, 14u);
        EXPECT_EQ(h.seq, s.seq);
        EXPECT_EQ(h.payload_offset, s.payload_offset);
        EXPECT_EQ(h.payload_length, s.payload_length);
        size_t wrong = 3; // a hint that does not fit: found by the full search, hint corrected
        ASSERT_TRUE(locate_tcp_segment(ByteView(fr.data(), fr.size()), e, h, &wrong));
        EXPECT_EQ(wrong, 14u);
        EXPECT_EQ(h.payload_offset, s.payload_offset);
        // the other direction's endpoints do not match
        TcpEndpoints back{e.dst_ip, e.src_ip, e.dst_port, e.src_port};
        if (e.src_port != e.dst_port) {
            EXPECT_FALSE(locate_tcp_segment(ByteView(fr.data(), fr.size()), back, s));
        }
    }
    size_t want = 0;
    for (const TcpStream &st : read_tcp_streams(sample("store-multi.pcap"))) want += st.bytes.size();
    EXPECT_EQ(payload, want); // no retransmission in this capture
}

TEST(TcpSegment, Ipv6PaddingAndTruncation) {
    std::vector<uint8_t> f(14 + 40 + 20 + 10, 0);
    f[12] = 0x86, f[13] = 0xdd;
    uint8_t *ip = f.data() + 14;
    ip[0] = 0x60;
    ip[4] = 0, ip[5] = 30; // payload length: TCP header + 10 bytes
    ip[6] = 6;
    for (int i = 0; i < 16; ++i) ip[8 + i] = uint8_t(i), ip[24 + i] = uint8_t(100 + i);
    uint8_t *tcp = ip + 40;
    tcp[0] = 0x2b, tcp[1] = 0x68, tcp[2] = 0x04, tcp[3] = 0x00; // 11112 -> 1024
    tcp[4] = 0xde, tcp[5] = 0xad, tcp[6] = 0xbe, tcp[7] = 0xef;
    tcp[12] = 0x50, tcp[13] = 0x18;
    TcpEndpoints e{ByteView(ip + 8, 16), ByteView(ip + 24, 16), 11112, 1024};
    TcpSegment s;
    std::vector<uint8_t> padded = f;
    padded.insert(padded.end(), 4, 0xff); // an Ethernet trailer: not payload
    ASSERT_TRUE(locate_tcp_segment(ByteView(padded.data(), padded.size()), e, s));
    EXPECT_EQ(s.seq, 0xdeadbeefu);
    EXPECT_EQ(s.flags, 0x18);
    EXPECT_EQ(s.payload_offset, 74u);
    EXPECT_EQ(s.payload_length, 10u);
    ASSERT_TRUE(locate_tcp_segment(ByteView(f.data(), f.size() - 4), e, s)); // cut by the snap length
    EXPECT_EQ(s.payload_length, 6u);
    ip[6] = 0; // an extension header first: not followed
    EXPECT_FALSE(locate_tcp_segment(ByteView(f.data(), f.size()), e, s));
    EXPECT_FALSE(locate_tcp_segment(ByteView(f.data(), 30), e, s));
    EXPECT_FALSE(locate_tcp_segment(ByteView(), e, s));
}
