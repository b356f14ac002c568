#include "session/connection.hpp"

#include <algorithm>

#include "session/diagnose.hpp"

namespace dicom {

namespace {

constexpr uint8_t kFin = 0x01, kRst = 0x04, kAck = 0x10;

bool starts_pdu(ByteView bytes, const void *pdu_cap) {
    return pdu_start_plausibility(bytes, *static_cast<const uint32_t *>(pdu_cap)) == Plausibility::Yes;
}

} // namespace

Connection::Direction::Direction(const ConnectionSettings &s, const uint32_t *pdu_cap)
    : reassembly(s.hold_limit, starts_pdu, pdu_cap, s.ack_grace), walker(s.pdu_cap) {}

Connection::Connection(ConnectionHost &host, const ConnectionSettings &settings, uint32_t tcp_stream)
    : host_(host), settings_(settings), tcp_stream_(tcp_stream),
      dir_{{settings_, &settings_.pdu_cap}, {settings_, &settings_.pdu_cap}}, timeline_(settings.stall_seconds) {}

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
    if (!assoc_ || (starts_new && assoc_->rq_frame)) {
        assoc_ = &host_.new_association(*this);
        // begun before the capture (or its set-up lost): what came before is unknown, as after
        // a gap, so a data set whose command is not in the capture is the capture's doing
        if (!starts_new) {
            assoc_->messages.mark_gap(0);
            assoc_->began_before_capture = opener_dir_ < 0 && !dir_[0].syn_seen && !dir_[1].syn_seen;
        }
    }
    return *assoc_;
}

void Connection::infer_roles(Association &a, int request_dir) const {
    if (a.roles_evidence >= RolesEvidence::Handshake) return;
    int req = -1;
    RolesEvidence why = RolesEvidence::None;
    if (opener_dir_ >= 0) {
        req = opener_dir_;
        why = RolesEvidence::Handshake;
    } else if (listener_dir_ >= 0) {
        req = listener_dir_ ^ 1;
        why = RolesEvidence::ListeningPort;
    } else if (request_dir >= 0) {
        req = request_dir & 1;
        why = RolesEvidence::Requests;
    }
    if (req >= 0 && (dir_[0].seen || dir_[1].seen)) a.know_requestor(req, dir_[req].sender, dir_[req ^ 1].sender, why);
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

// ... and after: acknowledgements of requests, and the stall's findings.
void Connection::after_segment(const Packet &p, const TcpFacts &facts, const Stall *stall, Message *walked_message,
                               ConnectionObserver &obs) {
    const int dir = p.direction & 1;
    Fifo<Direction::AckWatch> &w = dir_[dir ^ 1].ack_watches;
    while (!w.empty() && (facts.flags & kAck) && int32_t(facts.ack - w.front().seq) >= 0) {
        w.front().message->acked_time = facts.time;
        w.pop();
    }
    Association *a = assoc_;
    if (!a || !stall) return;
    note_pending(*a);
    std::vector<Diagnostic> found;
    Message *m = walked_message ? walked_message : a->messages.in_progress(uint8_t(dir));
    // a pause that ends in, or follows closely on, reordering or loss of the same direction may
    // be the network's holding, not the sender's: such a sender_stall is in doubt
    const double disorder = dir_[dir].disorder_time;
    const bool network_may = stall->cause == StallCause::SenderIdle && disorder >= 0 &&
                             disorder >= stall->start - settings_.ack_grace.seconds;
    // a pause while the direction waits for bytes of a gap: whether the sender was inside a
    // message at all is not known yet, so the capture cannot say the pause was the sender's
    if (stall->cause == StallCause::SenderIdle && dir_[dir].reassembly.holding()) return;
    // ... and one while either direction waits for bytes of a gap: the ACKs that tell a
    // sender's pause from TCP's may be among them
    const bool gap_pending = dir_[0].reassembly.holding() || dir_[1].reassembly.holding();
    const Doubt doubt = network_may ? Doubt::Reordered : gap_pending ? Doubt::BytesMissed : Doubt::None;
    diagnose_stall(*a, *stall, a->direction_from_requestor(dir), m, doubt, found);
    if (!found.empty()) obs.findings(UnitPlace{a, dir}, found);
}

// A FIN or RST (in `facts`) ends the sender's side: what that says, judged at `p`.
void Connection::judge_close(const Packet &p, const TcpFacts &facts, ConnectionObserver &obs) {
    const int dir = p.direction & 1;
    const TcpClose &close = timeline_.close(dir);
    Association *a = assoc_;
    if (!a || !(facts.flags & (kFin | kRst)) || close.frame != facts.frame) return;
    // a TLS handshake on a plain port is no DICOM association to end (tls_on_plain_port says it)
    if (transport == Transport::TlsOnPlainPort) return;
    note_pending(*a);
    std::vector<Diagnostic> found;
    diagnose_close(*a, a->direction_from_requestor(dir), close, a->messages, found);
    if (!found.empty()) obs.findings(UnitPlace{a, dir}, found);
}

bool Connection::waiting_for_bytes(int dir) const {
    const Direction &d = dir_[dir & 1];
    if (d.reassembly.gap_open()) return true;
    for (const Direction::Deferred &x : d.deferred) // a second copy brings nothing new
        if (!x.copy && !x.bytes.empty()) return true;
    return false;
}

void Connection::note_pending(Association &a) const {
    const int rq = a.requestor_dir;
    a.pending_from_requestor = rq < 0 ? waiting_for_bytes() : waiting_for_bytes(rq);
    a.pending_from_acceptor = rq < 0 ? waiting_for_bytes() : waiting_for_bytes(rq ^ 1);
}

// Limits follow the negotiation: each side's PDUs are framed by what the other announced, 0
// meaning no limit (PS3.8 D.1); a PDU longer than a non-zero announcement is still decoded (and
// flagged max_pdu_exceeded) as long as the max_pdu_cap guard allows. Without an announcement
// the guard stays.
void Connection::follow_negotiated_limits(const Association &a) {
    if (a.requestor_dir < 0) return;
    auto cap = [&](bool announced, uint32_t max) {
        if (!announced) return settings_.pdu_cap;
        return max == 0 ? 0xFFFFFFFFu : std::max(max, settings_.pdu_cap);
    };
    dir_[a.requestor_dir & 1].walker.set_pdu_cap(cap(a.max_pdu_acceptor_announced, a.max_pdu_acceptor));
    dir_[(a.requestor_dir & 1) ^ 1].walker.set_pdu_cap(cap(a.max_pdu_requestor_announced, a.max_pdu_requestor));
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
