// Where a connection's time went at the TCP level: each direction's segments in capture order,
// with the acknowledgements and windows the other direction sent back. It finds stalls, the
// moments when a peer had a DICOM message under way and its sequence number did not advance
// for a while, and names their cause; it remembers when each side first closed the connection
// (FIN or RST) and when acknowledgements covered what a side had sent.
//
// Sequence and acknowledgement numbers are the wire's (32-bit, compared modulo 2^32); the
// capture may have been taken at either end, so every judgement uses only what both ends
// show alike (a segment that repeats sent bytes, an acknowledgement followed at once by data).
#pragma once
#include <cstdint>

#include "base/recent_values.hpp"

namespace dicom {

enum class StallCause : uint8_t {
    None = 0,
    DelayedAck,     // a small unacknowledged write waited for the receiver's delayed ACK (Nagle)
    WindowFull,     // the receiver advertised a zero window, or the bytes in flight filled it
    Retransmission, // the segment that ended it repeats bytes: the first copy was lost
    RoundTrip,      // the sender waited for acknowledgements with the receiver's window open
    SenderIdle,     // nothing held the sender back: its application did not write
};
// "delayed_ack", "window_full", "retransmission", "round_trip", "sender_idle" (for filters and JSON).
const char *stall_cause_name(StallCause c);
// A phrase for sentences: "waiting for the receiver's delayed ACK after a partial write" ...
const char *stall_cause_text(StallCause c);

struct TcpFacts {
    uint32_t frame = 0;
    double time = 0;
    uint32_t seq = 0, ack = 0; // as on the wire
    uint8_t flags = 0;         // FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10
    uint16_t window = 0;       // unscaled
    int8_t window_scale = -1;  // a SYN's option
    uint32_t length = 0;       // payload bytes
    uint16_t ip_id = 0;        // the IPv4 identification and the TCP checksum: two captures of
    uint16_t checksum = 0;     // one segment (a mirror port's copies) have the same
    // The sender had started a DICOM PDU or message that this segment's bytes belong to (its
    // stream stood inside a PDU, or a message on it was incomplete, before this segment).
    bool mid_message = false;
};

struct Stall {
    uint8_t direction = 0;       // the direction whose data did not advance
    StallCause cause = StallCause::None;
    double start = 0, end = 0;   // the last segment before it, the segment that ended it
    uint32_t start_frame = 0, end_frame = 0;
    uint32_t in_flight = 0;      // unacknowledged bytes when it began
    double seconds() const { return end - start; }
};

struct TcpClose {
    uint32_t frame = 0; // 0: not seen
    double time = 0;
    bool reset = false;
};

class TcpTimeline {
public:
    // A gap of at least `stall_seconds` between two data segments of a direction that had a
    // message under way is a stall.
    explicit TcpTimeline(double stall_seconds = 0.02) : threshold_(stall_seconds) {}
    // What the connection's SYNs offered, when they were seen before this timeline was made
    // (TCP's own analysis knows): the window scale of each direction, -1 when its SYN offered
    // none. Windows are read only when both are known.
    void know_window_scales(int scale_dir0, int scale_dir1);
    // One segment of direction `dir` (0 or 1), in capture order. Returns true and fills `out`
    // when this segment ends a stall of its direction.
    bool on_segment(int dir, const TcpFacts &s, Stall &out);
    // The first FIN or RST direction `dir` sent.
    const TcpClose &close(int dir) const { return side_[dir & 1].close; }
    // The highest sequence number (one past the last byte) direction `dir` has sent so far.
    bool sent_end(int dir, uint32_t &seq) const;
    // When the other direction first acknowledged every byte before `seq` of direction `dir`,
    // at or after `not_before`; -1 when not seen (yet, or no longer remembered).
    double acknowledged_at(int dir, uint32_t seq, double not_before) const;

private:
    struct Side {
        bool sending = false;          // has sent a segment (seq fields below valid)
        uint32_t next = 0;             // highest seq + length sent
        uint32_t largest_segment = 0;  // payload bytes of its largest segment: its MSS, roughly
        double last_data_time = 0;
        uint32_t last_data_end = 0;    // seq + length of the last data segment
        bool unseen = false;           // bytes it sent since then are not in the capture
        uint32_t last_data_frame = 0;
        uint32_t in_flight_after_last = 0;
        uint32_t window_at_last = 0;   // the peer's window when this side last sent data
        bool peer_zero_window = false; // the peer advertised a zero window since then
        uint32_t peer_min_window = UINT32_MAX; // the smallest window the peer advertised since then (scaled)
        bool syn_seen = false;
        int8_t window_scale = -1;      // what this side's SYN offered (applies to its windows)
        bool acking = false;           // has acknowledged something (fields below valid)
        uint32_t acked = 0;            // highest acknowledgement this side sent
        double acked_time = 0;         // when `acked` last advanced
        uint32_t window = 0;           // its last advertised window, scaled when known
        TcpClose close;
        struct Advance {
            uint32_t ack;
            double time;
        };
        RecentValues<Advance, 512> advances; // recent acknowledgement advances, for acknowledged_at
        // Round trip between the capture point and this side: the shortest time from the
        // other side's data to this side's acknowledgement of it (-1: not measured yet).
        double rtt = -1;
        struct Sent {
            uint32_t end;
            double time;
        };
        RecentValues<Sent, 64> sent;   // this side's recent data segments, for the other side's rtt
    };
    static bool after(uint32_t a, uint32_t b) { return int32_t(a - b) > 0; }
    void measure_rtt(Side &acker, const Side &sender, uint32_t ack, double time);
    StallCause classify(const Side &me, const Side &peer, const TcpFacts &s) const;

    double threshold_;
    Side side_[2];
    bool scale_on_ = false; // both SYNs offered window scaling
    bool windows_known_ = false; // both SYNs were captured: advertised windows can be read
};

} // namespace dicom
