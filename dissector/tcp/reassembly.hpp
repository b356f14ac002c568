// One direction of a TCP connection put back in the order its receiver got it.
//
// A capture is evidence about a network, not a clean byte stream: segments come
// retransmitted, duplicated, overlapping and out of order, and some never come because the
// capture missed them. Each segment is placed by its sequence number: bytes already delivered
// are a duplicate and not delivered again, bytes ahead of the delivery point are copied and
// held until the gap before them fills, and a gap that cannot fill is declared lost. Delivery is
// in order: bytes, or a hole where bytes were lost.
//
// The receiver's acknowledgement past a gap is a hint that the capture missed the bytes, not
// proof: a switch's mirror port copies the two directions through separate queues, so an ACK
// can be captured before the data it acknowledges. Such a gap is declared lost only after a
// grace, in capture time and in segments of its direction, during which late bytes still fill
// it; the hold limit declares a gap lost at once.
#pragma once
#include <cstdint>
#include <map>
#include <vector>

#include "base/bytes.hpp"
#include "base/origin.hpp"

namespace dicom {

// What the reassembly does with the bytes it is given, in the order it does it.
class ReassemblyOutput {
public:
    // The next bytes of the stream, starting at stream offset `offset`, which the receiver had
    // at capture time `time`: when they were captured, or when bytes before them came or were
    // found lost.
    virtual void deliver(uint64_t offset, ByteView bytes, Origin origin, double time) = 0;
    // The next `length` bytes, from stream offset `offset`, will never come (a capture gap); the
    // receiver had acknowledged them at `time` (or they waited too long).
    virtual void deliver_hole(uint64_t offset, uint64_t length, double time) = 0;
    // Bytes already delivered or held (`of_held`): a retransmission, duplicate or overlap.
    // `offset` is clamped to 0 for bytes older than the stream's start (`before_start`).
    virtual void duplicate(uint64_t offset, bool before_start, ByteView bytes, Origin origin, bool of_held) = 0;
    // Bytes ahead of the delivery point, copied until the gap before them fills.
    virtual void held(uint64_t offset, ByteView bytes, Origin origin) = 0;

protected:
    ~ReassemblyOutput() = default;
};

// Whether bytes begin a unit of the protocol above (a PDU): a first segment that does not
// may have overtaken the stream's real first one. `context` is the judge's own.
using StartJudge = bool (*)(ByteView bytes, const void *context);

// How long an acknowledged gap waits for late bytes before it is declared lost.
struct AckGrace {
    double seconds = 0.05;   // capture time after the acknowledgement that passed it
    uint32_t segments = 128; // segments of the gap's direction after it (a millisecond of a fast link)
};

class TcpReassembly {
public:
    TcpReassembly(uint64_t hold_limit, StartJudge judge, const void *judge_context, AckGrace grace = {})
        : hold_limit_(hold_limit), judge_(judge), judge_context_(judge_context), grace_(grace) {}

    // The stream's first byte has sequence number `seq` (known from the connection's SYN):
    // segments ahead of it wait for it as for any gap, bytes before it are older than the
    // connection.
    void starts_at(uint32_t seq);
    // A TCP segment's payload at sequence number `seq` (any base: only differences count),
    // captured at `time`.
    void add_segment(uint32_t seq, ByteView payload, Origin origin, double time, ReassemblyOutput &out);
    // Bytes known to follow the previous ones (decrypted TLS data): no sequence numbers.
    void add_in_order(ByteView payload, Origin origin, double time, ReassemblyOutput &out);
    // The receiving peer acknowledged every byte before `ack` (at `time`): those the capture does
    // not hold will not come, unless they come within the grace.
    void peer_acknowledged(uint32_t ack, double time, ReassemblyOutput &out);
    // Capture time passes (a frame of the connection at `time`): a gap whose grace is over is
    // declared lost (while the stream's start is unsure, the start is decided first). Held
    // bytes captured after `captured_by` stay held (catch_up delivers them): the other
    // direction has segments captured before them that wait to be walked first.
    void tick(double time, ReassemblyOutput &out, double captured_by = kNoLimit) {
        if (!grace_open_ || time <= grace_until_) return;
        if (starting_) begin_if_known(time, out);
        else settle(time, out, captured_by);
    }
    bool grace_over(double time) const { return grace_open_ && time > grace_until_; }
    // The other direction waited its grace for the bytes before `ack` and they did not come:
    // those the capture does not hold are lost (a hole delivered, as of `time`), even when no
    // later byte of this direction has been seen yet.
    void acknowledged_bytes_lost(uint32_t ack, double time, ReassemblyOutput &out, double captured_by = kNoLimit);
    // Delivers held bytes that nothing waits for any more (after tick or acknowledged_bytes_lost
    // kept some back), and declares what cannot come.
    void catch_up(double time, ReassemblyOutput &out) {
        if (!ready_to_deliver()) return;
        deliver_held(0, out); // the gap before them is delivered: the receiver had them when captured
        settle(time, out);
    }
    bool ready_to_deliver() const { return started_ && !starting_ && !held_.empty() && held_.begin()->first <= delivered_; }
    static constexpr double kNoLimit = 1e300;
    // The capture ended: every gap before held bytes is lost, and the held bytes delivered.
    void give_up_gaps(double time, ReassemblyOutput &out);
    // Gaps the receiver had acknowledged past that late bytes filled within the grace: what a
    // mirror port does.
    uint32_t acked_gaps_filled() const { return acked_gaps_filled_; }

    bool holding() const { return !held_.empty(); }
    // Bytes are missing before held ones, or the receiver acknowledged bytes not seen: a gap
    // that may yet fill (held bytes right after the delivery point are no gap: they are next).
    bool gap_open() const {
        if (!held_.empty()) return held_.begin()->first > delivered_;
        return acked_ > delivered_ && grace_open_;
    }
    // Whether an acknowledgement up to `ack` can tell anything: bytes wait for a gap, or it
    // acknowledges bytes the capture has not shown yet.
    bool ack_matters(uint32_t ack) const {
        return started_ && (!held_.empty() || offset_of(ack) > int64_t(delivered_ > acked_ ? delivered_ : acked_));
    }
    uint64_t delivered() const { return delivered_; } // stream offset delivery has reached
    // The sequence number of the next byte to deliver; false while unknown (nothing seen, or the
    // stream's first byte not known yet).
    bool next_to_deliver(uint32_t &seq) const {
        if (!started_ || starting_) return false;
        seq = base_seq_ + uint32_t(delivered_);
        return true;
    }
    bool started() const { return started_; }
    uint64_t held_bytes() const { return held_bytes_; }

private:
    struct Held {
        std::vector<uint8_t> bytes;
        Origin origin;
        double time; // when it was captured
    };
    int64_t offset_of(uint32_t seq) const;
    void add_while_starting(int64_t off, uint32_t seq, ByteView b, Origin origin, double time, ReassemblyOutput &out);
    void deliver(ByteView b, Origin origin, double time, ReassemblyOutput &out);
    void hold(uint64_t off, ByteView b, Origin origin, double time, ReassemblyOutput &out);
    // held segments that delivery has reached, had by the receiver no earlier than `not_before`
    // false: it stopped at bytes captured after `captured_by`
    bool deliver_held(double not_before, ReassemblyOutput &out, double captured_by = kNoLimit);
    // delivers what it can, declares what cannot come (up to bytes captured after `captured_by`)
    void settle(double time, ReassemblyOutput &out, double captured_by = kNoLimit);
    void begin_if_known(double time, ReassemblyOutput &out);
    bool acknowledged_gap_is_lost(double time); // the receiver is past the gap and the grace is over

    uint64_t hold_limit_;
    StartJudge judge_;
    const void *judge_context_;
    bool started_ = false;
    bool starting_ = false;    // the first segment did not start a unit: waiting to see the start
    uint32_t base_seq_ = 0;    // sequence number of stream offset 0
    uint64_t delivered_ = 0;
    uint64_t acked_ = 0;       // furthest offset the receiver acknowledged
    std::map<uint64_t, Held> held_; // by stream offset; never overlapping
    uint64_t held_bytes_ = 0;
    AckGrace grace_;
    bool grace_open_ = false;       // the receiver acknowledged past the gap at delivered_
    uint64_t grace_at_ = 0;         // ... that gap's start
    double grace_from_ = 0;         // ... the acknowledgement's time
    double grace_until_ = 0;
    uint32_t grace_segments_left_ = 0;
    uint64_t grace_ack_ = 0;        // ... the acknowledgement it waits on
    uint64_t waited_through_ = 0;   // every gap before this offset waited out a grace in vain
    uint32_t acked_gaps_filled_ = 0;
};

} // namespace dicom
