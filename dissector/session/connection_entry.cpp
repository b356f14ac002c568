// The connection's entry points (session/connection.hpp), and how they put a capture back in
// the order the peers had it: a capture from a switch's mirror port copies the two directions
// through separate queues, so a segment can be captured before data of the other direction
// that it acknowledges, and a frame can be captured twice.
#include "session/connection_walk.hpp"

#include "session/diagnose.hpp"

namespace dicom {

namespace {
constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
constexpr double kCopyWindow = 0.001; // a mirror's two copies of a frame are microseconds apart
} // namespace

// Capture time passed: what waited in vain for late bytes is declared lost, and what waited
// for the data it acknowledges is walked, as of this frame. The two directions keep the order
// they were captured in: bytes held after a gap wait for the other direction's segments
// captured before them.
void Connection::tick(const Packet &p, ConnectionObserver &obs) {
    for (int d = 0; d < 2; ++d) {
        if (dir_[d].reassembly.grace_over(p.time)) {
            Walk walk(*this, p, d, nullptr, obs);
            dir_[d].reassembly.tick(p.time, walk, first_deferred_time(d ^ 1));
        }
    }
    for (int d = 0; d < 2; ++d)
        if (!dir_[d].deferred.empty()) release_deferred(d, p, obs);
    for (int d = 0; d < 2; ++d) catch_up(d, p, obs);
}

double Connection::first_deferred_time(int dir) const {
    const std::vector<Direction::Deferred> &deferred = dir_[dir & 1].deferred;
    return deferred.empty() ? TcpReassembly::kNoLimit : deferred.front().packet.time;
}

// Held bytes of `dir` that waited only for segments of the other direction captured before them.
void Connection::catch_up(int dir, const Packet &now, ConnectionObserver &obs) {
    Direction &d = dir_[dir & 1];
    if (!d.reassembly.ready_to_deliver()) return;
    Walk walk(*this, now, dir & 1, nullptr, obs);
    d.reassembly.catch_up(now.time, walk);
}

void Connection::finish(ConnectionObserver &obs) {
    if (!last_packet_.frame) return;
    finishing_ = true;
    const Packet &p = last_packet_;
    for (int d = 0; d < 2; ++d)
        if (!dir_[d].deferred.empty()) release_deferred(d, p, obs);
    for (int d = 0; d < 2; ++d) {
        Walk walk(*this, p, d, nullptr, obs);
        dir_[d].reassembly.give_up_gaps(p.time, walk);
    }
    finishing_ = false;
}

void Connection::stream_starts_after(int dir, uint32_t syn_seq) {
    Direction &d = dir_[dir & 1];
    if (d.syn_seen) return;
    d.syn_seen = true;
    d.syn_seq = syn_seq;
}

// The sequence number of the next byte direction `dir` walks: after what its reassembly
// delivered, or after its SYN while nothing was; false when not known.
bool Connection::next_to_walk(int dir, uint32_t &wire_seq) const {
    const Direction &d = dir_[dir & 1];
    if (d.reassembly.next_to_deliver(wire_seq)) return true;
    if (d.reassembly.started() || !d.syn_seen) return false;
    wire_seq = d.syn_seq + 1;
    return true;
}

// The segment acknowledges bytes (or a FIN) of the other direction that have not been walked:
// they wait behind a gap, or the capture has not shown them yet.
bool Connection::acknowledges_unseen(int dir, const TcpFacts &facts) const {
    if (!(facts.flags & kAck)) return false; // an RST with ACK acknowledges as much as any segment
    const int other = dir ^ 1;
    uint32_t next;
    if (next_to_walk(other, next)) {
        const int32_t fin = timeline_.close(other).frame ? 1 : 0; // the FIN takes a sequence number
        if (int32_t(facts.ack - next) <= fin) return false;
        // bytes the other direction captured but holds back itself (it waits in turn for this
        // direction): seen, and two segments must not wait for each other
        for (const Direction::Deferred &x : dir_[other].deferred)
            if (!x.bytes.empty() && int32_t(x.seq + uint32_t(x.bytes.size()) - facts.ack) >= 0) return false;
        return true;
    }
    // where the other direction stands is not known: only what is beyond anything it was seen sending
    return timeline_.sent_end(other, next) && int32_t(facts.ack - next) > 0;
}

// A FIN or RST whose sequence number is beyond the bytes its own direction walked: the bytes
// before it are late (a reordering network or mirror) or missing.
bool Connection::ahead_of_own_bytes(int dir, const TcpFacts &facts) const {
    uint32_t next;
    if (!next_to_walk(dir, next)) return false;
    const TcpClose &close = timeline_.close(dir);
    const int32_t fin = close.frame && close.frame != facts.frame && !close.reset ? 1 : 0; // its FIN took one
    return int32_t(facts.seq - next) > fin;
}

// The same segment (sequence number, length, IP identification and TCP checksum) captured again
// at once: a mirror port's second copy, not a retransmission by the sender.
bool Connection::captured_twice(int dir, const TcpFacts &f) {
    RecentValues<Direction::Seen, 8> &seen = dir_[dir & 1].seen_segments;
    for (size_t i = 0; i < seen.size(); ++i) {
        const Direction::Seen &s = seen[i];
        if (s.seq == f.seq && s.length == f.length && s.checksum == f.checksum && s.ip_id == f.ip_id &&
            f.time - s.time <= kCopyWindow && f.time >= s.time)
            return true;
    }
    seen.push(Direction::Seen{f.seq, f.length, f.ip_id, f.checksum, f.time});
    return false;
}

// Once per association: the capture looks taken on a mirror port (a note, the capture's).
// Evidence seen before the connection has an association waits for one.
void Connection::note_mirror_evidence(const Packet &p, int dir, ConnectionObserver &obs) {
    Association *a = assoc_;
    if (!a) {
        if (!mirror_pending_.frame) mirror_pending_ = MirrorEvidence{p.frame, p.time, dir};
        return;
    }
    std::vector<Diagnostic> found;
    const Diagnostic d{DiagCode::CaptureMirrorPort, Party::Capture, p.frame, p.time, 1};
    if (a->mirror_noted) {
        std::vector<Diagnostic> counted_only;
        a->raise(d, counted_only);
        return;
    }
    a->mirror_noted = true;
    a->raise(d, found);
    obs.findings(UnitPlace{a, dir}, found);
}

void Connection::note_pending_mirror_evidence(const Packet &now, ConnectionObserver &obs) {
    if (!mirror_pending_.frame || !assoc_) return;
    Packet p = now;
    p.frame = mirror_pending_.frame;
    p.time = mirror_pending_.time;
    const int dir = mirror_pending_.dir;
    mirror_pending_ = MirrorEvidence{};
    note_mirror_evidence(p, dir, obs);
}

void Connection::defer(const Packet &p, Origin origin, ByteView bytes, uint32_t seq, const TcpFacts &facts,
                       ConnectionObserver &obs) {
    const int dir = p.direction & 1;
    Direction &d = dir_[dir];
    Direction::Deferred x;
    x.packet = p;
    x.origin = origin;
    x.bytes.assign(bytes.data, bytes.data + bytes.size);
    x.seq = seq;
    x.facts = facts;
    x.until = p.time + settings_.ack_grace.seconds;
    uint32_t shown = 0; // beyond anything the other direction showed so far, deferred or not
    x.ahead = (facts.flags & kAck) && timeline_.sent_end(dir ^ 1, shown) &&
              int32_t(facts.ack - shown) > (timeline_.close(dir ^ 1).frame ? 1 : 0);
    x.other_holes = dir_[dir ^ 1].holes;
    d.deferred_bytes += bytes.size;
    d.deferred.push_back(std::move(x));
    if (bytes.size) {
        const WalkedBytes w{d.reassembly.delivered(), uint32_t(bytes.size), bytes, origin, uint32_t(bytes.size), false};
        obs.held(UnitPlace{assoc_, dir}, w, HeldReason::AheadOfAcknowledged);
    }
}

// Segments of `dir` that waited for data of the other direction: walked, in the order they
// were captured, as of frame `now`, once that data has been walked or their grace is over (or
// too many wait). Their bytes are ordered by the reassembly; a FIN or RST waits for every
// segment captured before it.
void Connection::release_deferred(int dir, const Packet &now, ConnectionObserver &obs) {
    Direction &d = dir_[dir & 1];
    for (size_t i = 0; i < d.deferred.size();) {
        Direction::Deferred &x = d.deferred[i];
        const bool ends = (x.facts.flags & (kFin | kRst)) != 0;
        const bool waits = acknowledges_unseen(dir, x.facts) || (ends && ahead_of_own_bytes(dir, x.facts));
        const bool due = !waits || finishing_ || now.time > x.until || d.deferred_bytes > settings_.defer_limit;
        if (!due || (ends && i > 0)) {
            if (ends) break; // nothing captured after a FIN or RST goes before it
            ++i;
            continue;
        }
        Direction::Deferred f = std::move(x);
        d.deferred.erase(d.deferred.begin() + long(i));
        d.deferred_bytes -= f.bytes.size();
        Packet p = f.packet; // walked at `now`, at the time it was captured
        p.frame = now.frame;
        // what it acknowledged came late: a mirror port's doing; or it did not come: lost
        const bool came_late = f.ahead && !acknowledges_unseen(dir, f.facts) && dir_[dir ^ 1].holes == f.other_holes;
        if (came_late) note_mirror_evidence(p, dir, obs);
        else if (acknowledges_unseen(dir, f.facts)) give_up_waiting(dir ^ 1, f.facts.ack, p, f.packet.time, obs);
        if ((f.facts.flags & (kFin | kRst)) && ahead_of_own_bytes(dir, f.facts)) { // its own bytes before it did not come
            Walk walk(*this, p, dir, nullptr, obs);
            d.reassembly.acknowledged_bytes_lost(f.facts.seq, p.time, walk);
        }
        if (!f.bytes.empty()) {
            Walk walk(*this, p, dir, nullptr, obs);
            walk.capture_copy = f.copy;
            add_deferred(dir, f.seq, ByteView(f.bytes.data(), f.bytes.size()), f.origin, p.time, walk);
        }
        judge_close(p, f.facts, obs);
        release_deferred(dir ^ 1, now, obs); // what this direction just showed may be what the other waits for
        i = 0;
    }
    catch_up(dir ^ 1, now, obs); // bytes captured after the segments just walked
}

// A segment of the other direction (captured at `captured`) waited its grace for bytes of `dir`
// before `ack`: those that `dir` captured but held back (two segments cannot each wait for the
// other: the capture missed something) are walked now, and the rest are lost. Bytes of `dir`
// held after the gap and captured after that segment stay held until it is walked.
void Connection::give_up_waiting(int dir, uint32_t ack, const Packet &now, double captured, ConnectionObserver &obs) {
    Direction &d = dir_[dir & 1];
    for (size_t i = 0; i < d.deferred.size();) {
        Direction::Deferred &x = d.deferred[i];
        if ((x.facts.flags & (kFin | kRst)) || x.bytes.empty() || int32_t(ack - x.seq) <= 0) {
            ++i;
            continue;
        }
        Direction::Deferred f = std::move(x);
        d.deferred.erase(d.deferred.begin() + long(i));
        d.deferred_bytes -= f.bytes.size();
        Packet p = f.packet;
        p.frame = now.frame;
        Walk walk(*this, p, dir & 1, nullptr, obs);
        add_deferred(dir, f.seq, ByteView(f.bytes.data(), f.bytes.size()), f.origin, p.time, walk);
    }
    Walk walk(*this, now, dir & 1, nullptr, obs);
    d.reassembly.acknowledged_bytes_lost(ack, captured, walk, captured); // the receiver had them by then
}

// A segment that waited for what it acknowledges, into the reassembly of `dir`. When it is
// the direction's first byte after its SYN (an A-ASSOCIATE-AC captured before the RQ it
// answers), the SYN says where the stream begins; a later one goes in as any first segment
// does, its start judged from its bytes (a late start, or set-up PDUs the capture missed).
void Connection::add_deferred(int dir, uint32_t seq, ByteView bytes, Origin origin, double time, Walk &walk) {
    Direction &d = dir_[dir & 1];
    if (d.syn_seen && seq == d.syn_seq + 1) d.reassembly.starts_at(seq);
    d.reassembly.add_segment(seq, bytes, origin, time, walk);
}

Message *Connection::walk_payload(const Packet &p, Origin origin, ByteView bytes, const uint32_t *seq, bool copy,
                                  ConnectionObserver &obs) {
    const int dir = p.direction & 1;
    Walk walk(*this, p, dir, origin.source, obs);
    walk.capture_copy = copy;
    Direction &d = dir_[dir];
    // the connection's SYN said where the stream begins
    if (seq && d.syn_seen) d.reassembly.starts_at(d.syn_seq + 1);
    const uint32_t filled = d.reassembly.acked_gaps_filled();
    if (seq) d.reassembly.add_segment(*seq, bytes, origin, p.time, walk);
    else d.reassembly.add_in_order(bytes, origin, p.time, walk);
    if (d.reassembly.acked_gaps_filled() != filled) note_mirror_evidence(p, dir, obs); // late bytes the receiver had
    return walk.first_message();
}

void Connection::payload(const Packet &p, Origin origin, ByteView bytes, const uint32_t *seq, const TcpFacts *segment,
                         ConnectionObserver &obs) {
    const int dir = p.direction & 1;
    last_packet_ = p;
    remember_endpoints(p);
    tick(p, obs);
    Stall stall;
    const bool stalled = segment && feed_timeline(dir, *segment, stall);
    const bool copy = segment && captured_twice(dir, *segment);
    if (segment) ++data_segments_;
    // frames captured twice say "mirror port" only when most are (a mirror copies them all)
    if (copy && ++copies_ >= 4 && copies_ * 3 >= data_segments_) note_mirror_evidence(p, dir, obs);
    // a second copy of a segment that waits, waits behind it
    if (seq && segment && ((!copy && acknowledges_unseen(dir, *segment)) || (copy && !dir_[dir].deferred.empty()))) {
        defer(p, origin, bytes, *seq, *segment, obs); // walked once what it acknowledges has been seen
        dir_[dir].deferred.back().copy = copy;
        after_segment(p, *segment, stalled ? &stall : nullptr, nullptr, obs);
    } else {
        Message *walked = walk_payload(p, origin, bytes, seq, copy, obs);
        if (segment) {
            after_segment(p, *segment, stalled ? &stall : nullptr, walked, obs);
            judge_close(p, *segment, obs);
        }
    }
    if (!dir_[dir ^ 1].deferred.empty()) release_deferred(dir ^ 1, p, obs);
    if (!dir_[dir].deferred.empty()) release_deferred(dir, p, obs); // a FIN may have waited for these bytes
    note_pending_mirror_evidence(p, obs);
}

void Connection::segment(const Packet &p, const TcpFacts *segment, const uint32_t *ack_of_other, ConnectionObserver &obs) {
    const int dir = p.direction & 1;
    last_packet_ = p;
    if (segment) remember_endpoints(p);
    tick(p, obs);
    if (segment && (segment->flags & kSyn)) {
        stream_starts_after(dir, segment->seq);
        opened_by(segment->flags & kAck ? dir ^ 1 : dir);
    }
    if (segment) {
        Stall stall;
        const bool stalled = feed_timeline(dir, *segment, stall);
        after_segment(p, *segment, stalled ? &stall : nullptr, nullptr, obs);
        const bool ends = (segment->flags & (kFin | kRst)) != 0;
        if (ends && (acknowledges_unseen(dir, *segment) || !dir_[dir].deferred.empty() || ahead_of_own_bytes(dir, *segment)))
            defer(p, Origin{}, ByteView(), 0, *segment, obs); // judged once what it acknowledges has been seen
        else
            judge_close(p, *segment, obs);
        if (!dir_[dir ^ 1].deferred.empty()) release_deferred(dir ^ 1, p, obs);
    }
    if (ack_of_other) { // the other direction waits for missing bytes; this says whether they came
        Walk other(*this, p, dir ^ 1, nullptr, obs);
        dir_[dir ^ 1].reassembly.peer_acknowledged(*ack_of_other, p.time, other);
        if (!dir_[dir].deferred.empty()) release_deferred(dir, p, obs);
    }
    note_pending_mirror_evidence(p, obs);
}

} // namespace dicom
