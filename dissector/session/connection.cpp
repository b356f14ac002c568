#include "session/connection.hpp"

#include "session/diagnose.hpp"

namespace dicom {

namespace {

constexpr uint8_t kFin = 0x01, kRst = 0x04, kAck = 0x10;

bool starts_pdu(ByteView bytes, const void *pdu_cap) {
    return pdu_start_plausibility(bytes, *static_cast<const uint32_t *>(pdu_cap)) == Plausibility::Yes;
}

} // namespace

Connection::Direction::Direction(const ConnectionSettings &s, const uint32_t *pdu_cap)
    : reassembly(s.hold_limit, starts_pdu, pdu_cap), walker(s.pdu_cap) {}

Connection::Connection(ConnectionHost &host, const ConnectionSettings &settings, uint32_t tcp_stream)
    : host_(host), settings_(settings), tcp_stream_(tcp_stream),
      dir_{{settings_, &settings_.pdu_cap}, {settings_, &settings_.pdu_cap}}, timeline_(settings.stall_seconds) {}

void Connection::learn_numbering(int dir, uint32_t wire_seq, uint32_t tcp_seq) {
    dir_[dir & 1].seq_delta = wire_seq - tcp_seq;
    dir_[dir & 1].numbering_known = true;
}

// The first payload names both ends.
void Connection::remember_endpoints(const Packet &p) {
    Direction &d = dir_[p.direction & 1];
    if (d.seen) return;
    d.seen = true;
    Direction &other = dir_[(p.direction & 1) ^ 1];
    if (!other.seen) other.sender = p.dst;
    d.sender = p.src;
}

Association &Connection::association_for(bool starts_new) {
    if (!assoc_ || (starts_new && assoc_->rq_frame)) assoc_ = &host_.new_association(*this);
    return *assoc_;
}

// The sender of direction `dir` has a PDU or a DIMSE message under way (or bytes wait for a
// gap): a pause now keeps data waiting.
bool Connection::mid_message(int dir) const {
    const Direction &d = dir_[dir & 1];
    if (!d.walker.between_pdus() || d.reassembly.holding()) return true;
    return assoc_ && assoc_->messages.in_progress(uint8_t(dir));
}

// What a segment tells before its payload is walked: it may end a stall of its direction (only
// a segment with data can; whether a message is under way is asked for those only).
bool Connection::feed_timeline(int dir, TcpFacts facts, Stall &stall) {
    facts.mid_message = facts.length > 0 && mid_message(dir);
    return timeline_.on_segment(dir, facts, stall);
}

// ... and after: acknowledgements of requests, the stall's and the close's findings.
void Connection::after_segment(const Packet &p, const TcpFacts &facts, const Stall *stall, Message *walked_message,
                               ConnectionObserver &obs) {
    const int dir = p.direction & 1;
    Fifo<Direction::AckWatch> &w = dir_[dir ^ 1].ack_watches;
    while (!w.empty() && (facts.flags & kAck) && int32_t(facts.ack - w.front().seq) >= 0) {
        w.front().message->acked_time = facts.time;
        w.pop();
    }
    Association *a = assoc_;
    if (!a) return;
    std::vector<Diagnostic> found;
    const int from_requestor = a->direction_from_requestor(dir);
    if (stall) {
        Message *m = walked_message ? walked_message : a->messages.in_progress(uint8_t(dir));
        diagnose_stall(*a, *stall, from_requestor, m, found);
    }
    const TcpClose &close = timeline_.close(dir);
    if ((facts.flags & (kFin | kRst)) && close.frame == p.frame)
        diagnose_close(*a, from_requestor, close, a->messages, found);
    if (!found.empty()) obs.findings(UnitPlace{a, dir}, found);
}

void Connection::raise_transport(const Packet &p, int requestor_dir, DiagCode code) {
    Association &a = association_for(false);
    if (a.requestor_dir < 0 && requestor_dir >= 0) {
        const bool sender = requestor_dir == p.direction; // this packet's sender opened it
        a.know_requestor(requestor_dir, sender ? p.src : p.dst, sender ? p.dst : p.src);
    }
    if (!a.first_time) a.first_time = a.last_time = p.time;
    std::vector<Diagnostic> shown_by_the_glue;
    a.raise(Diagnostic{code, Party::Requestor, p.frame, p.time}, shown_by_the_glue);
}

} // namespace dicom
