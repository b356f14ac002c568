#include "tcp/tcp_timeline.hpp"

#include <algorithm>

namespace dicom {

namespace {

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

} // namespace

const char *stall_cause_name(StallCause c) {
    switch (c) {
    case StallCause::DelayedAck: return "delayed_ack";
    case StallCause::WindowFull: return "window_full";
    case StallCause::Retransmission: return "retransmission";
    case StallCause::RoundTrip: return "round_trip";
    case StallCause::SenderIdle: return "sender_idle";
    case StallCause::None: break;
    }
    return "none";
}

const char *stall_cause_text(StallCause c) {
    switch (c) {
    case StallCause::DelayedAck: return "waiting for the receiver's delayed ACK after a partial write (Nagle)";
    case StallCause::WindowFull: return "the receiver's window was full: it was not reading";
    case StallCause::Retransmission: return "a segment was lost and sent again after a timeout";
    case StallCause::RoundTrip: return "the network's round trip: waiting for acknowledgements, or segments delayed on the way";
    case StallCause::SenderIdle: return "the sending application did not write (nothing held TCP back)";
    case StallCause::None: break;
    }
    return "no stall";
}

void TcpTimeline::know_window_scales(int scale_dir0, int scale_dir1) {
    const int scales[2] = {scale_dir0, scale_dir1};
    for (int d = 0; d < 2; ++d) {
        side_[d].window_scale = int8_t(scales[d] >= 0 ? std::min(scales[d], 14) : -1);
        side_[d].syn_seen = true;
    }
    scale_on_ = side_[0].window_scale >= 0 && side_[1].window_scale >= 0;
    windows_known_ = true;
}

bool TcpTimeline::sent_end(int dir, uint32_t &seq) const {
    const Side &s = side_[dir & 1];
    if (!s.sending) return false;
    seq = s.next;
    return true;
}

double TcpTimeline::acknowledged_at(int dir, uint32_t seq, double not_before) const {
    const auto &advances = side_[(dir & 1) ^ 1].advances;
    for (size_t i = 0; i < advances.size(); ++i) {
        const Side::Advance &a = advances[i];
        if (!after(seq, a.ack) && a.time >= not_before) return a.time;
    }
    return -1;
}

// A segment of `sender` that `ack` covers exactly: the time from its capture to the ACK's is a
// round trip between the capture point and the acknowledging side (plus its ACK delay: the
// shortest sample is kept).
void TcpTimeline::measure_rtt(Side &acker, const Side &sender, uint32_t ack, double time) {
    for (size_t i = sender.sent.size(); i-- > 0;)
        if (sender.sent[i].end == ack) {
            const double sample = time - sender.sent[i].time;
            if (sample >= 0 && (acker.rtt < 0 || sample < acker.rtt)) acker.rtt = sample;
            return;
        }
}

StallCause TcpTimeline::classify(const Side &me, const Side &peer, const TcpFacts &s) const {
    const double gap = s.time - me.last_data_time;
    const uint32_t in_flight = me.in_flight_after_last;
    // The receiver's window first: a segment sent again into a full window is a window probe,
    // not a loss. With both SYNs known the windows can be read: the bytes in flight filled the
    // one the receiver offered, or it offered less than a segment (the sender then waits).
    if (me.peer_zero_window) return StallCause::WindowFull;
    if (windows_known_ && in_flight > 0 && me.window_at_last > 0 && in_flight >= me.window_at_last)
        return StallCause::WindowFull;
    if (windows_known_ && me.peer_min_window < me.largest_segment) return StallCause::WindowFull;
    if (after(me.next, s.seq)) return StallCause::Retransmission; // repeats bytes it had sent
    if (in_flight == 0) return StallCause::SenderIdle; // nothing unacknowledged held it back
    const bool partial = in_flight < me.largest_segment;
    const bool acked_in_gap = peer.acking && peer.acked_time > me.last_data_time && peer.acked_time <= s.time;
    if (!acked_in_gap) {
        // A partial segment unacknowledged: Nagle held the rest until a timer (Linux's tail
        // loss probe, about 200 ms) sent it without the acknowledgement.
        if (partial) return StallCause::DelayedAck;
        // Seen from far away (the capture is at the receiver), a pause shorter than the round
        // trip to the sender is the network's (queues, pacing), not the sender's.
        return gap <= 2 * std::max(me.rtt, 0.0) ? StallCause::RoundTrip : StallCause::SenderIdle;
    }
    // Nagle: a partial segment, all that was unacknowledged, whose acknowledgement came late (the
    // receiver delayed it; the acknowledgement's own travel, the round trip between the capture
    // point and the receiver, does not count) and the rest only after it. The rest may follow
    // the acknowledgement (as captured) by more than a round trip: on a queued link the
    // acknowledgement waits behind data.
    const bool covered = !after(me.last_data_end, peer.acked); // everything it had sent
    const double ack_delay = peer.acked_time - me.last_data_time - std::max(peer.rtt, 0.0);
    if (partial && covered && ack_delay >= 0.02) return StallCause::DelayedAck;
    // Waiting for acknowledgements (the congestion window): the data followed an
    // acknowledgement within the round trip between the capture point and the sender.
    const double react = std::max({0.002, 2 * std::max(me.rtt, 0.0), 0.25 * gap});
    return s.time - peer.acked_time <= react ? StallCause::RoundTrip : StallCause::SenderIdle;
}

bool TcpTimeline::on_segment(int dir, const TcpFacts &s, Stall &out) {
    Side &me = side_[dir & 1];
    Side &peer = side_[(dir & 1) ^ 1];
    bool stalled = false;

    if (s.flags & kSyn) {
        me.window_scale = s.window_scale;
        me.syn_seen = true;
        scale_on_ = me.window_scale >= 0 && peer.window_scale >= 0;
        windows_known_ = me.syn_seen && peer.syn_seen;
    }
    // What this segment tells about the other direction: acknowledgement and window.
    if (s.flags & kAck) {
        if (!me.acking || after(s.ack, me.acked)) {
            measure_rtt(me, peer, s.ack, s.time);
            me.acked = s.ack;
            me.acked_time = s.time;
            me.advances.push(Side::Advance{s.ack, s.time});
        }
        me.acking = true;
        const bool scaled = scale_on_ && !(s.flags & kSyn);
        me.window = scaled ? uint32_t(s.window) << me.window_scale : s.window;
        if (s.window == 0 && !(s.flags & (kSyn | kRst))) peer.peer_zero_window = true;
        if (!(s.flags & (kSyn | kRst))) peer.peer_min_window = std::min(peer.peer_min_window, me.window);
    }
    if ((s.flags & (kFin | kRst)) && !me.close.frame) me.close = TcpClose{s.frame, s.time, (s.flags & kRst) != 0};
    // A segment (even without data) past what the side was seen sending: the capture missed
    // bytes in between, so the time until its next data cannot be judged.
    if (me.sending && after(s.seq, me.next) && !(s.flags & kSyn)) me.unseen = true;

    if (s.length > 0) {
        if (me.sending && me.last_data_frame) {
            const bool repeat = after(me.next, s.seq);
            const double gap = s.time - me.last_data_time;
            if (gap >= threshold_ && (s.mid_message || repeat) && !me.unseen) {
                out = Stall{};
                out.direction = uint8_t(dir & 1);
                out.cause = classify(me, peer, s);
                out.start = me.last_data_time;
                out.end = s.time;
                out.start_frame = me.last_data_frame;
                out.end_frame = s.frame;
                out.in_flight = me.in_flight_after_last;
                stalled = true;
            }
        }
        me.unseen = false;
        me.largest_segment = std::max(me.largest_segment, s.length);
        me.last_data_time = s.time;
        me.last_data_end = s.seq + s.length;
        me.sent.push(Side::Sent{s.seq + s.length, s.time});
        me.last_data_frame = s.frame;
        me.peer_zero_window = false;
        me.peer_min_window = UINT32_MAX;
        me.window_at_last = peer.acking ? peer.window : 0;
    }
    const uint32_t end = s.seq + s.length + ((s.flags & kSyn) ? 1 : 0) + ((s.flags & kFin) ? 1 : 0);
    if (!me.sending || after(end, me.next)) me.next = end;
    me.sending = true;
    if (s.length > 0) me.in_flight_after_last = peer.acking && after(me.next, peer.acked) ? me.next - peer.acked : 0;
    return stalled;
}

} // namespace dicom
