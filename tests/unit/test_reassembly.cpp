// TCP placement on its own (tcp/reassembly.hpp): segments placed by sequence number, held
// ahead of a gap, delivered in order, duplicates named, gaps declared lost only on the
// receiver's acknowledgement or at the hold limit.
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "tcp/reassembly.hpp"

using namespace dicom;

namespace {

// Logs what the reassembly did, as "deliver 0+3 f1", "hole 3+2", "dup 0+3 f2", "dup-held ...",
// "held 5+3 f2".
class Log final : public ReassemblyOutput {
public:
    void deliver(uint64_t offset, ByteView b, Origin o, double time) override {
        add("deliver", offset, b.size, o);
        bytes.append(reinterpret_cast<const char *>(b.data), b.size);
        times.push_back(time);
    }
    void deliver_hole(uint64_t offset, uint64_t length, double time) override {
        add("hole", offset, length, Origin{});
        bytes.append(length, '?');
        times.push_back(time);
    }
    void duplicate(uint64_t offset, bool before_start, ByteView b, Origin o, bool of_held) override {
        add(of_held ? "dup-held" : before_start ? "dup-old" : "dup", offset, b.size, o);
    }
    void held(uint64_t offset, ByteView b, Origin o) override { add("held", offset, b.size, o); }
    std::vector<std::string> lines;
    std::string bytes; // what was delivered, '?' for lost bytes
    std::vector<double> times; // when the receiver had each delivery and hole

private:
    void add(const char *what, uint64_t off, uint64_t n, Origin o) {
        lines.push_back(std::string(what) + " " + std::to_string(off) + "+" + std::to_string(n) +
                        (o.frame ? " f" + std::to_string(o.frame) : ""));
    }
};

// Every segment starts a unit unless it begins with 'x'.
bool starts_unit(ByteView b, const void *) { return b.size && b.u8(0) != 'x'; }

// A frame a millisecond; the grace of an acknowledged gap is 50 ms and 16 segments.
struct Feed {
    explicit Feed(AckGrace grace = {}) : r{1000, starts_unit, nullptr, grace} {}
    TcpReassembly r;
    Log log;
    uint32_t frame = 0;
    std::deque<std::string> keep; // the segments' bytes stay valid while they are walked
    double now() const { return frame * 0.001; }
    void seg(uint32_t seq, const std::string &s) {
        keep.push_back(s);
        const std::string &k = keep.back();
        ++frame;
        r.add_segment(seq, ByteView(reinterpret_cast<const uint8_t *>(k.data()), k.size()), Origin{&frame, frame, 0}, now(),
                      log);
    }
    void ack(uint32_t a) {
        ++frame;
        r.peer_acknowledged(a, now(), log);
    }
    void later(double seconds) { r.tick(now() + seconds, log); }
};

using Lines = std::vector<std::string>;

} // namespace

TEST(Reassembly, InOrderSegmentsAreDeliveredAsTheyCome) {
    Feed f;
    f.seg(100, "abc");
    f.seg(103, "de");
    EXPECT_EQ(f.log.lines, (Lines{"deliver 0+3 f1", "deliver 3+2 f2"}));
    EXPECT_EQ(f.r.delivered(), 5u);
    EXPECT_FALSE(f.r.holding());
}

TEST(Reassembly, SegmentsAheadOfAGapWaitForIt) {
    Feed f;
    f.seg(100, "abc");
    f.seg(106, "gh");  // 3 bytes missing
    f.seg(103, "def"); // the gap fills: the held bytes follow, from the frame that carried them
    EXPECT_EQ(f.log.lines, (Lines{"deliver 0+3 f1", "held 6+2 f2", "deliver 3+3 f3", "deliver 6+2 f2"}));
    EXPECT_EQ(f.log.bytes, "abcdefgh");
}

TEST(Reassembly, RepeatedBytesAreDuplicatesAndNotDeliveredAgain) {
    Feed f;
    f.seg(100, "abcd");
    f.seg(102, "cdef"); // overlaps: two old bytes, two new
    f.seg(110, "kl");
    f.seg(110, "kl");   // the same held bytes again
    EXPECT_EQ(f.log.lines, (Lines{"deliver 0+4 f1", "dup 2+2 f2", "deliver 4+2 f2", "held 10+2 f3", "dup-held 10+2 f4"}));
}

TEST(Reassembly, AnAcknowledgementPastAGapDeclaresItLostAfterAGrace) {
    Feed f;
    f.seg(100, "abc");
    f.seg(106, "gh");
    EXPECT_TRUE(f.r.ack_matters(108));
    f.ack(108); // the receiver has everything: the capture missed 3 bytes, or they come late
    EXPECT_TRUE(f.r.holding());
    f.later(0.01);
    EXPECT_TRUE(f.r.holding()); // still within the grace
    f.later(0.06);
    EXPECT_EQ(f.log.lines, (Lines{"deliver 0+3 f1", "held 6+2 f2", "hole 3+3", "deliver 6+2 f2"}));
    EXPECT_EQ(f.log.bytes, "abc???gh");
    // the receiver had the hole's bytes and what followed when it acknowledged them (frame 3)
    EXPECT_EQ(f.log.times, (std::vector<double>{0.001, 0.003, 0.003}));
    EXPECT_FALSE(f.r.holding());
    EXPECT_FALSE(f.r.ack_matters(108));
    EXPECT_EQ(f.r.acked_gaps_filled(), 0u);
}

TEST(Reassembly, EveryGapOneAcknowledgementCoversIsLostWhenItsGraceEnds) {
    // found by fuzz_stream: each later gap used to start a grace of its own, and waited forever
    Feed f;
    f.seg(100, "ab");
    f.seg(104, "ef");
    f.seg(108, "ij");
    f.ack(110); // past both gaps
    f.later(0.06);
    EXPECT_EQ(f.log.bytes, "ab??ef??ij");
    EXPECT_FALSE(f.r.holding());
}

TEST(Reassembly, AGraceEndingWhileTheStartIsUnsureDecidesTheStartFirst) {
    // the first segment starts no unit; the receiver acknowledged past a later gap
    Feed f;
    f.seg(100, "xyz");
    f.seg(106, "gh");
    f.ack(108);
    f.later(0.06);
    EXPECT_EQ(f.log.bytes, "xyz???gh");
    EXPECT_FALSE(f.r.holding());
}

TEST(Reassembly, DataCapturedAfterItsAcknowledgementFillsTheGap) {
    // a mirror port: the receiver's ACK of "def" is captured before "def" itself
    Feed f;
    f.seg(100, "abc");
    f.seg(106, "gh");
    f.ack(108);
    f.seg(103, "def");
    EXPECT_EQ(f.log.lines, (Lines{"deliver 0+3 f1", "held 6+2 f2", "deliver 3+3 f4", "deliver 6+2 f2"}));
    EXPECT_EQ(f.log.bytes, "abcdefgh");
    EXPECT_EQ(f.r.acked_gaps_filled(), 1u);
}

TEST(Reassembly, AnAcknowledgedGapIsLostAfterAFewSegmentsToo) {
    Feed f(AckGrace{10.0}); // the time grace out of the way
    f.seg(100, "abc");
    f.seg(106, "gh");
    f.ack(108);
    const uint32_t n = AckGrace{}.segments;
    for (uint32_t i = 0; i + 1 < n; ++i) f.seg(108 + 2 * i, "ij"); // a fast transfer goes on past it
    EXPECT_TRUE(f.r.holding()); // a mirror may still bring the bytes: a millisecond of a fast link
    f.seg(108 + 2 * (n - 1), "ij");
    EXPECT_FALSE(f.r.holding());
    EXPECT_EQ(f.log.bytes.substr(0, 8), "abc???gh");
}

TEST(Reassembly, TheHoldLimitDeclaresAGapThatNeverFillsLost) {
    TcpReassembly r(10, starts_unit, nullptr);
    Log log;
    const std::string a = "abc", b(8, 'b'), c(8, 'c');
    uint32_t id = 0;
    r.add_segment(0, ByteView(reinterpret_cast<const uint8_t *>(a.data()), 3), Origin{&id, 1, 0}, 0.001, log);
    r.add_segment(5, ByteView(reinterpret_cast<const uint8_t *>(b.data()), 8), Origin{&id, 2, 0}, 0.002, log);
    EXPECT_TRUE(r.holding()); // 8 bytes held: within the limit
    r.add_segment(13, ByteView(reinterpret_cast<const uint8_t *>(c.data()), 8), Origin{&id, 3, 0}, 0.003, log);
    EXPECT_FALSE(r.holding()); // 16 held: past it
    EXPECT_EQ(log.bytes, "abc??" + b + c);
}

TEST(Reassembly, AFirstSegmentThatStartsNoUnitWaitsForAnEarlierOne) {
    Feed f;
    f.seg(110, "xyz");  // the middle of something: perhaps the real first segment comes later
    f.seg(100, "0123456789"); // it does
    EXPECT_EQ(f.log.lines, (Lines{"held 0+3 f1", "held 0+10 f2", "deliver 0+10 f2", "deliver 10+3 f1"}));
    EXPECT_EQ(f.log.bytes, "0123456789xyz");
}

TEST(Reassembly, AStartThatNeverComesIsGivenUpAfterAFewSegments) {
    Feed f;
    for (int i = 0; i < 4; ++i) f.seg(uint32_t(100 + 3 * i), "xyz"); // a capture that starts inside a unit
    EXPECT_FALSE(f.r.holding());
    EXPECT_EQ(f.log.bytes, "xyzxyzxyzxyz");
}

TEST(Reassembly, BytesBeforeAKnownStartAreOlderThanTheConnection) {
    Feed f;
    f.r.starts_at(100);
    f.seg(90, "old");
    f.seg(100, "abc");
    EXPECT_EQ(f.log.lines, (Lines{"dup-old 0+3 f1", "deliver 0+3 f2"}));
}

TEST(Reassembly, AGapAfterAKnownStartWaitsForItsBytes) {
    Feed f;
    f.r.starts_at(100);
    f.seg(103, "def"); // overtook the stream's first segment
    EXPECT_TRUE(f.r.holding());
    f.seg(100, "abc");
    EXPECT_EQ(f.log.lines, (Lines{"held 3+3 f1", "deliver 0+3 f2", "deliver 3+3 f1"}));
    EXPECT_EQ(f.log.times, (std::vector<double>{0.002, 0.002})); // the receiver had "def" once "abc" came
}

TEST(Reassembly, SequenceNumbersWrapAround) {
    Feed f;
    f.seg(0xFFFFFFFEu, "ab");
    f.seg(2, "ef"); // after 0xFFFFFFFE: ab, then 0 and 1 (cd), then 2
    f.seg(0, "cd");
    EXPECT_EQ(f.log.bytes, "abcdef");
}

TEST(Reassembly, InOrderBytesHaveNoSequenceNumbers) {
    TcpReassembly r(1000, starts_unit, nullptr);
    Log log;
    const std::string a = "tls record";
    uint32_t id = 0;
    r.add_in_order(ByteView(reinterpret_cast<const uint8_t *>(a.data()), a.size()), Origin{&id, 1, 0}, 1.0, log);
    r.add_in_order(ByteView(reinterpret_cast<const uint8_t *>(a.data()), a.size()), Origin{&id, 2, 0}, 2.0, log);
    EXPECT_EQ(log.lines, (Lines{"deliver 0+10 f1", "deliver 10+10 f2"}));
}
