// One direction of a TCP connection put back in the order its receiver got it.
//
// A capture is evidence about a network, not a clean byte stream: segments come
// retransmitted, duplicated, overlapping and out of order, and some never come because the
// capture missed them. Each segment is placed by its sequence number: bytes already delivered
// are a duplicate and not delivered again, bytes ahead of the delivery point are copied and
// held until the gap before them fills, and a gap that cannot fill (the receiver acknowledged
// past it, or the hold limit is reached) is declared lost. Delivery is in order: bytes, or a
// hole where bytes were lost.
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
    // The next bytes of the stream, starting at stream offset `offset`.
    virtual void deliver(uint64_t offset, ByteView bytes, Origin origin) = 0;
    // The next `length` bytes, from stream offset `offset`, will never come (a capture gap).
    virtual void deliver_hole(uint64_t offset, uint64_t length) = 0;
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

class TcpReassembly {
public:
    TcpReassembly(uint64_t hold_limit, StartJudge judge, const void *judge_context)
        : hold_limit_(hold_limit), judge_(judge), judge_context_(judge_context) {}

    // The stream's first byte has sequence number `seq` (known from the connection's SYN, or
    // from TCP's relative numbering): segments that arrive ahead of it wait for it.
    void expect_start(uint32_t seq);
    // A TCP segment's payload at sequence number `seq` (any base: only differences count).
    void add_segment(uint32_t seq, ByteView payload, Origin origin, ReassemblyOutput &out);
    // Bytes known to follow the previous ones (decrypted TLS data): no sequence numbers.
    void add_in_order(ByteView payload, Origin origin, ReassemblyOutput &out);
    // The receiving peer acknowledged every byte before `ack`: those the capture does not hold
    // will never come.
    void peer_acknowledged(uint32_t ack, ReassemblyOutput &out);

    bool holding() const { return !held_.empty(); }
    // Whether an acknowledgement up to `ack` can tell anything: bytes wait for a gap, or it
    // acknowledges bytes the capture has not shown yet.
    bool ack_matters(uint32_t ack) const {
        return started_ && (!held_.empty() || offset_of(ack) > int64_t(delivered_ > acked_ ? delivered_ : acked_));
    }
    uint64_t delivered() const { return delivered_; } // stream offset delivery has reached
    uint64_t held_bytes() const { return held_bytes_; }

private:
    struct Held {
        std::vector<uint8_t> bytes;
        Origin origin;
    };
    int64_t offset_of(uint32_t seq) const;
    void add_while_starting(int64_t off, uint32_t seq, ByteView b, Origin origin, ReassemblyOutput &out);
    void deliver(ByteView b, Origin origin, ReassemblyOutput &out);
    void hold(uint64_t off, ByteView b, Origin origin, ReassemblyOutput &out);
    void deliver_held(ReassemblyOutput &out); // held segments that delivery has reached
    void settle(ReassemblyOutput &out);       // delivers what it can, declares what cannot come
    void begin_if_known(ReassemblyOutput &out);

    uint64_t hold_limit_;
    StartJudge judge_;
    const void *judge_context_;
    bool started_ = false;
    bool starting_ = false;    // the first segment did not start a unit: waiting to see the start
    bool start_known_ = false; // expect_start() said where the stream begins
    uint32_t base_seq_ = 0;    // sequence number of stream offset 0
    uint64_t delivered_ = 0;
    uint64_t acked_ = 0;       // furthest offset the receiver acknowledged
    std::map<uint64_t, Held> held_; // by stream offset; never overlapping
    uint64_t held_bytes_ = 0;
};

} // namespace dicom
