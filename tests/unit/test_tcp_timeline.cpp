// The TCP timeline on real captures: every frame of a connection fed in capture order, with
// "a DICOM PDU was under way" read independently from the stream's PDU boundaries.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <vector>

#include "pcap_reader.hpp"
#include "ul/pdu.hpp"
#include "tcp/tcp_segment.hpp"
#include "tcp/tcp_timeline.hpp"

using namespace dicom;

namespace {

struct Fed {
    std::vector<Stall> stalls;
    TcpTimeline timeline;
    uint16_t server_port = 11112;
};

uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }

// Feeds every TCP frame of the capture's first connection to `f.timeline`. Direction 0 is the
// client's. mid_message: the segment does not start at a PDU boundary of its stream.
void feed(const std::string &name, Fed &f, double threshold = 0.02) {
    f.timeline = TcpTimeline(threshold);
    std::set<uint32_t> starts[2]; // stream offsets where PDUs start
    for (const TcpStream &s : read_tcp_streams(sample(name))) {
        const int dir = s.src_port == f.server_port;
        uint32_t off = 0;
        for (ByteView p : split_pdus(s)) {
            starts[dir].insert(off);
            off += uint32_t(p.size);
        }
        starts[dir].insert(off);
    }
    std::ifstream in(sample(name), std::ios::binary);
    std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    uint32_t isn[2] = {0, 0};
    bool isn_known[2] = {false, false};
    uint32_t frame = 0;
    uint16_t client_port = 0;
    for (size_t off = 24; off + 16 <= file.size();) {
        const uint32_t caplen = le32(&file[off + 8]);
        const double time = le32(&file[off]) + le32(&file[off + 4]) / 1e6;
        ByteView fr(&file[off + 16], caplen);
        off += 16 + caplen;
        ++frame;
        const uint16_t sport = fr.be16(34), dport = fr.be16(36);
        if (sport != f.server_port && dport != f.server_port) continue;
        const int dir = sport == f.server_port;
        if (!client_port) client_port = dir ? dport : sport;
        if ((dir ? dport : sport) != client_port) continue; // the first connection only
        TcpEndpoints e{fr.sub(26, 4), fr.sub(30, 4), sport, dport};
        TcpSegment seg;
        ASSERT_TRUE(locate_tcp_segment(fr, e, seg)) << frame;
        if (!isn_known[dir]) {
            isn[dir] = seg.seq + ((seg.flags & 0x02) ? 1 : 0);
            isn_known[dir] = true;
        }
        TcpFacts t;
        t.frame = frame;
        t.time = time;
        t.seq = seg.seq;
        t.ack = seg.ack;
        t.flags = seg.flags;
        t.window = seg.window;
        t.window_scale = seg.window_scale;
        t.length = uint32_t(seg.payload_length);
        t.mid_message = !starts[dir].count(seg.seq - isn[dir]);
        Stall s;
        if (f.timeline.on_segment(dir, t, s)) f.stalls.push_back(s);
    }
}

} // namespace

// dcmtk's storescp writes each C-STORE-RSP as a 12-byte P-DATA-TF/PDV header and then the rest;
// with Nagle on, the rest waits until storescu's delayed ACK (about 40 ms) covers the header.
TEST(TcpTimeline, DcmtkResponsesWaitForTheDelayedAck) {
    Fed f;
    feed("store-multi.pcap", f);
    ASSERT_EQ(f.stalls.size(), 3u);
    for (const Stall &s : f.stalls) {
        EXPECT_EQ(s.direction, 1);
        EXPECT_EQ(s.cause, StallCause::DelayedAck);
        EXPECT_EQ(s.in_flight, 12u);
        EXPECT_GT(s.seconds(), 0.035);
        EXPECT_LT(s.seconds(), 0.050);
    }
    EXPECT_EQ(f.stalls[0].start_frame, 59u); // the 12 bytes
    EXPECT_EQ(f.stalls[0].end_frame, 61u);   // the rest, right after the ACK in frame 60
    // the client sent FIN first, after the release
    EXPECT_TRUE(f.timeline.close(0).frame);
    EXPECT_TRUE(f.timeline.close(1).frame);
    EXPECT_LT(f.timeline.close(0).frame, f.timeline.close(1).frame);
    EXPECT_FALSE(f.timeline.close(0).reset);
}

// storescp --sleep-after 2 waits 2 s before each response: the SCP's processing, not a stall
// (no PDU or message was under way). Even with a 1 ms threshold only the delayed-ACK waits and
// one tail-loss-probe retransmission (frame 72 repeats frame 71, 7 ms later) are stalls.
TEST(TcpTimeline, NoStallWhereNoMessageWasUnderWay) {
    Fed f;
    feed("slow-receiver.pcap", f, 0.001);
    size_t delayed = 0, retransmitted = 0;
    for (const Stall &s : f.stalls) {
        EXPECT_LT(s.seconds(), 0.1) << s.start_frame << "-" << s.end_frame;
        delayed += s.cause == StallCause::DelayedAck;
        retransmitted += s.cause == StallCause::Retransmission;
    }
    EXPECT_EQ(delayed + retransmitted, f.stalls.size());
    EXPECT_EQ(delayed, 3u);
    EXPECT_GE(retransmitted, 1u);
}

TEST(TcpTimeline, AcknowledgementTimesAndSentEnd) {
    Fed f;
    feed("store-multi.pcap", f);
    uint32_t end = 0;
    ASSERT_TRUE(f.timeline.sent_end(0, end));
    // everything the client sent was acknowledged, once, at some time
    EXPECT_GT(f.timeline.acknowledged_at(0, end - 1, 0), 0);
    EXPECT_LT(f.timeline.acknowledged_at(0, end + 1000, 0), 0);
}

// Hand-built: the receiver advertises a zero window while the sender is inside a PDU.
TEST(TcpTimeline, ZeroWindowIsTheReceiversStall) {
    TcpTimeline t(0.02);
    Stall s;
    auto seg = [](uint32_t frame, double time, uint32_t seq, uint32_t ack, uint16_t win, uint32_t len, bool mid) {
        TcpFacts f;
        f.frame = frame, f.time = time, f.seq = seq, f.ack = ack, f.flags = 0x10, f.window = win, f.length = len;
        f.mid_message = mid;
        return f;
    };
    EXPECT_FALSE(t.on_segment(0, seg(1, 0.000, 1000, 1, 512, 1448, false), s));
    EXPECT_FALSE(t.on_segment(1, seg(2, 0.001, 1, 2448, 0, 0, false), s)); // zero window
    EXPECT_FALSE(t.on_segment(1, seg(3, 0.500, 1, 2448, 512, 0, false), s)); // window update
    ASSERT_TRUE(t.on_segment(0, seg(4, 0.501, 2448, 1, 512, 1448, true), s));
    EXPECT_EQ(s.cause, StallCause::WindowFull);
    EXPECT_EQ(s.start_frame, 1u);
    EXPECT_EQ(s.end_frame, 4u);
    // a retransmission after a timeout; sequence numbers near the wrap
    TcpTimeline r(0.02);
    EXPECT_FALSE(r.on_segment(0, seg(1, 0.0, 0xFFFFFF00u, 1, 512, 1448, false), s));
    EXPECT_FALSE(r.on_segment(0, seg(2, 0.0001, 0xFFFFFF00u + 1448, 1, 512, 1448, true), s));
    ASSERT_TRUE(r.on_segment(0, seg(3, 0.2, 0xFFFFFF00u, 1, 512, 1448, false), s));
    EXPECT_EQ(s.cause, StallCause::Retransmission);
    // no stall when the sender simply had nothing to send
    EXPECT_FALSE(r.on_segment(0, seg(4, 5.0, 0xFFFFFF00u + 2896, 1, 512, 100, false), s));
}

TEST(TcpTimeline, CauseNames) {
    for (StallCause c : {StallCause::DelayedAck, StallCause::WindowFull, StallCause::Retransmission,
                         StallCause::RoundTrip, StallCause::SenderIdle}) {
        EXPECT_STRNE(stall_cause_name(c), "none");
        EXPECT_STRNE(stall_cause_text(c), "no stall");
    }
}

// Hand-built: a long connection. Acknowledgement times are remembered for the last 512
// advances (older ones are forgotten, newer ones found), and round trips keep being measured
// after the record of sent segments has wrapped.
TEST(TcpTimeline, RecentAdvancesWrapAround) {
    TcpTimeline t(0.02);
    Stall s;
    double now = 1;
    for (uint32_t i = 0; i < 2000; ++i) {
        TcpFacts data; // the client sends 1000 bytes
        data.frame = 2 * i + 1;
        data.time = now;
        data.seq = 1000 + i * 1000;
        data.ack = 1;
        data.flags = 0x10;
        data.window = 500;
        data.length = 1000;
        t.on_segment(0, data, s);
        TcpFacts ack; // the server acknowledges them 1 ms later
        ack.frame = 2 * i + 2;
        ack.time = now + 0.001;
        ack.seq = 1;
        ack.ack = data.seq + 1000;
        ack.flags = 0x10;
        ack.window = 500;
        t.on_segment(1, ack, s);
        now += 0.01;
    }
    const uint32_t last_end = 1000 + 2000 * 1000;
    EXPECT_NEAR(t.acknowledged_at(0, last_end - 1, 0), 1 + 1999 * 0.01 + 0.001, 1e-9);
    const uint32_t oldest_kept = 1000 + (2000 - 512) * 1000; // the 1489th segment's last byte + 1
    EXPECT_NEAR(t.acknowledged_at(0, oldest_kept + 999, 0), 1 + 1488 * 0.01 + 0.001, 1e-9);
    EXPECT_NEAR(t.acknowledged_at(0, 5000, 0), 1 + 1488 * 0.01 + 0.001, 1e-9); // forgotten: the oldest kept covers it
    EXPECT_LT(t.acknowledged_at(0, last_end + 1, 0), 0);
}
