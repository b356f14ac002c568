#include "session/connection.hpp"

#include <algorithm>

#include "dimse/dimse.hpp"
#include "session/diagnose.hpp"
#include "ul/associate.hpp"
#include "ul/control_pdus.hpp"

namespace dicom {

// The walk of one direction of a connection within one entry call: what reassembly delivers
// goes to the PDU walker, and each unit the walker finds is applied to its association,
// diagnosed and told to the connection's observer.
class Connection::Walk final : public ReassemblyOutput, public WalkObserver {
public:
    Walk(Connection &c, const Packet &p, int dir, const void *current_source, ConnectionObserver &obs);
    // the first message a PDV piece of the current payload belonged to
    Message *first_message() const { return first_message_; }

    // ReassemblyOutput
    void deliver(uint64_t offset, ByteView bytes, Origin origin) override;
    void deliver_hole(uint64_t offset, uint64_t length) override;
    void duplicate(uint64_t offset, bool before_start, ByteView bytes, Origin origin, bool of_held) override;
    void held(uint64_t offset, ByteView bytes, Origin origin) override;
    // WalkObserver
    void pdu(const WalkedBytes &w, uint8_t type, uint32_t length_field) override;
    void pdata_header(const WalkedBytes &w, uint32_t length_field) override;
    void pdv_header(const WalkedBytes &w, const PdvPosition &pdv) override;
    void pdv_value(const WalkedBytes &w, const PdvPosition &pdv) override;
    void skipped(const WalkedBytes &w, SkipReason why) override;
    void garbage(const WalkedBytes &w) override;
    void resync(const WalkedBytes &w, ResyncReason why) override;
    void fragment(const WalkedBytes &w, uint8_t unit, ByteView so_far) override;
    void fragment_completed(const WalkedBytes &w, uint8_t unit, Origin completed_by) override;
    void lost(const WalkedBytes &w, LostKind kind, const PdvPosition &pdv) override;

private:
    // What applying one unit did.
    struct Step {
        Association *a = nullptr;
        int from_requestor = -1;
        PdvOutcome pdv;                // a PDV piece: what it led to
        std::vector<Message *> closed; // messages found to be over without their last fragment
        std::vector<Diagnostic> found; // findings the unit raised
    };
    Step begin(bool associate_rq = false, bool associate_ac = false);
    void apply_pdu(Step &s, const WalkedBytes &w, uint8_t type, uint32_t length_field);
    void apply_piece(Step &s, const WalkedBytes &w, const PdvPosition &pdv, bool lost);
    void count_completed(Step &s);
    PieceOutcome outcome(const Step &s, const WalkedBytes &w, const PdvPosition &pdv, bool value) const;
    void after_piece(Step &s, bool lost, const WalkedBytes &w);
    void hand_over_kept(const Step &s, Message &m);
    void finish(Step &s, const WalkedBytes &w, uint8_t pdu_type, bool remember_walked);
    uint8_t keep() const;
    // the bytes are the payload this entry call was given
    bool current(const Origin &o) const { return current_source_ && o.source == current_source_; }
    UnitPlace place(const Step &s) const { return UnitPlace{s.a, dir_}; }

    Connection &c_;
    const Packet &packet_;
    int dir_;
    const void *current_source_;
    ConnectionObserver &obs_;
    Message *first_message_ = nullptr;
};

Connection::Walk::Walk(Connection &c, const Packet &p, int dir, const void *current_source, ConnectionObserver &obs)
    : c_(c), packet_(p), dir_(dir & 1), current_source_(current_source), obs_(obs) {}

uint8_t Connection::Walk::keep() const {
    return uint8_t((packet_.keep_for_export ? kKeepForExport : 0) | (c_.host_.may_keep_shown_bytes() ? kKeepToShow : 0));
}

// ---- placement ----------------------------------------------------------------------------------

void Connection::Walk::deliver(uint64_t offset, ByteView bytes, Origin origin) {
    c_.dir_[dir_].walker.walk(offset, bytes, origin, *this);
}

void Connection::Walk::deliver_hole(uint64_t offset, uint64_t length) {
    c_.dir_[dir_].walker.walk_hole(offset, length, *this);
}

void Connection::Walk::duplicate(uint64_t offset, bool before_start, ByteView bytes, Origin origin, bool of_held) {
    Association *a = c_.assoc_;
    const WalkedBytes w{offset, uint32_t(bytes.size), bytes, origin, uint32_t(bytes.size), false};
    if (a) diagnose_stream_trouble(*a, DiagCode::Retransmissions, bytes.size, packet_.frame, packet_.time);
    Repeat r;
    r.of_held = of_held;
    const Connection::Direction &d = c_.dir_[dir_];
    if (!of_held && !before_start) {
        // the unit walked last at or before `offset` (binary search: the first starting after it)
        const auto &walked = d.walked;
        size_t lo = 0, hi = offset < d.walker.walked() ? walked.size() : 0;
        while (lo < hi) {
            const size_t mid = lo + (hi - lo) / 2;
            if (offset < walked[mid].offset) hi = mid;
            else lo = mid + 1;
        }
        if (lo) {
            r.frame = walked[lo - 1].frame;
            r.message = walked[lo - 1].message;
        } else if (d.walker.pending_origin(offset).source) { // part of a unit still being assembled
            r.frame = d.walker.pending_origin(offset).frame;
        }
    }
    obs_.duplicate(UnitPlace{a, dir_}, w, r);
}

void Connection::Walk::held(uint64_t offset, ByteView bytes, Origin origin) {
    Association *a = c_.assoc_;
    if (a) diagnose_stream_trouble(*a, DiagCode::OutOfOrder, bytes.size, packet_.frame, packet_.time);
    obs_.held(UnitPlace{a, dir_}, WalkedBytes{offset, uint32_t(bytes.size), bytes, origin, uint32_t(bytes.size), false});
}

// ---- each walked unit: its association, what it changes there, what it raised -------------------

// The association the unit belongs to: a new A-ASSOCIATE-RQ on a connection that already had
// one starts a new association; an A-ASSOCIATE-RQ or AC says which side requested it.
Connection::Walk::Step Connection::Walk::begin(bool associate_rq, bool associate_ac) {
    Step s;
    s.a = &c_.association_for(associate_rq);
    Association &a = *s.a;
    if (a.requestor_dir < 0 && (associate_rq || associate_ac)) {
        const int req = associate_rq ? dir_ : 1 - dir_;
        a.know_requestor(req, c_.dir_[req].sender, c_.dir_[1 - req].sender);
    }
    s.from_requestor = a.direction_from_requestor(dir_);
    return s;
}

void Connection::Walk::count_completed(Step &s) {
    if (s.pdv.message_done) {
        s.a->on_message(*s.pdv.message);
        diagnose_message(*s.a, *s.pdv.message, s.found);
    }
    for (Message *m : s.closed) {
        s.a->on_message(*m);
        diagnose_message(*s.a, *m, s.found);
    }
}

void Connection::Walk::hand_over_kept(const Step &s, Message &m) {
    if (!m.kept_data) return;
    std::unique_ptr<ChunkedBytes> kept = std::move(m.kept_data);
    obs_.data_set_kept(place(s), m, std::move(*kept));
}

// What the walk did beside the unit itself: messages it completed or closed, a PDU completed by
// bytes shown elsewhere, the findings; then the unit is remembered for retransmissions.
void Connection::Walk::finish(Step &s, const WalkedBytes &w, uint8_t pdu_type, bool remember_walked) {
    Association &a = *s.a;
    const bool lost = w.origin.source == nullptr;
    if (Message *m = s.pdv.message) {
        if (s.pdv.message_done) {
            c_.host_.message_completed(a, *m);
            hand_over_kept(s, *m);
        }
        else if (s.pdv.command_done) c_.host_.command_completed(a, *m);
        // completed by bytes shown elsewhere: said here, where the receiver had them all
        if ((s.pdv.message_done || s.pdv.command_done) && (lost || !current(w.origin)))
            obs_.message_noted(place(s), *m, false, !s.pdv.message_done);
    }
    for (Message *m : s.closed) {
        if (m == s.pdv.message) continue;
        c_.host_.message_completed(a, *m);
        hand_over_kept(s, *m);
        obs_.message_noted(place(s), *m, true, false);
    }
    if (pdu_type && !current(w.origin)) obs_.pdu_noted(place(s), pdu_type, w.origin.frame);
    if (!s.found.empty()) obs_.findings(place(s), s.found); // after the unit that raised them
    if (pdu_type == kReleaseRq && a.release_rq_frame == packet_.frame) {
        std::vector<Diagnostic> found;
        c_.host_.release_requested(a, packet_.frame, packet_.time, found);
        if (!found.empty()) obs_.findings(place(s), found);
    }
    if (!remember_walked) return;
    const uint32_t frame = w.origin.source ? w.origin.frame : packet_.frame;
    auto &walked = c_.dir_[dir_].walked;
    if (walked.empty() || walked.back().frame != frame || walked.back().message != s.pdv.message)
        walked.push(Direction::Walked{w.offset, frame, s.pdv.message});
}

void Connection::Walk::apply_pdu(Step &s, const WalkedBytes &w, uint8_t type, uint32_t length_field) {
    Association &a = *s.a;
    a.on_pdu(s.from_requestor, type, w.length, packet_.time);
    const PduFacts facts{type, s.from_requestor, length_field, packet_.frame, packet_.time};
    if (type == kAssociateRq || type == kAssociateAc) {
        Associate pdu;
        if (!parse_associate(w.bytes, pdu)) return; // too short even for its fixed part
        if (type == kAssociateRq) a.apply_rq(pdu, packet_.frame);
        else a.apply_ac(pdu, packet_.frame);
        diagnose_pdu(a, facts, a.messages, s.found);
        return;
    }
    ControlPdu pdu;
    parse_control_pdu(w.bytes, pdu);
    a.apply_control(pdu, packet_.frame);
    // The association ends: what a gap left unfinished will not finish.
    if (type == kReleaseRq || type == kAbort) s.closed = a.messages.close_damaged(packet_.frame, packet_.time, keep());
    diagnose_pdu(a, facts, a.messages, s.found);
}

void Connection::Walk::pdu(const WalkedBytes &w, uint8_t type, uint32_t length_field) {
    Step s = begin(type == kAssociateRq, type == kAssociateAc);
    apply_pdu(s, w, type, length_field);
    count_completed(s);
    if (type == kAssociateRq && s.a->rq_frame == packet_.frame) c_.host_.associate_requested(*s.a);
    obs_.pdu(place(s), w, type, length_field);
    finish(s, w, type, true);
}

void Connection::Walk::pdata_header(const WalkedBytes &w, uint32_t length_field) {
    Step s = begin();
    Association &a = *s.a;
    a.pdata_header_time[dir_] = packet_.time;
    a.on_pdu(s.from_requestor, kPData, kPduHeaderLen + uint64_t(length_field), packet_.time);
    diagnose_pdu(a, PduFacts{kPData, s.from_requestor, length_field, packet_.frame, packet_.time}, a.messages, s.found);
    obs_.pdata_header(place(s), w, length_field);
    finish(s, w, 0, true);
}

void Connection::Walk::pdv_header(const WalkedBytes &w, const PdvPosition &pdv) {
    Step s = begin();
    obs_.pdv_header(place(s), w, pdv);
    finish(s, w, 0, true);
}

// A piece of a PDV's value, or bytes of one lost in a capture gap: into its message.
void Connection::Walk::apply_piece(Step &s, const WalkedBytes &w, const PdvPosition &pdv, bool lost) {
    Association &a = *s.a;
    const NegotiatedContext *nc = a.context(pdv.context_id);
    PdvPiece piece;
    piece.stream = uint8_t(dir_);
    piece.from_requestor = int8_t(s.from_requestor);
    piece.context_id = pdv.context_id;
    piece.flags = pdv.flags;
    piece.value = lost ? nullptr : w.bytes.data;
    piece.length = w.length;
    piece.first = pdv.first;
    piece.last = pdv.last;
    piece.frame = lost ? 0 : w.origin.frame;
    piece.walk_frame = packet_.frame;
    piece.time = packet_.time;
    piece.pdu_time = lost ? 0 : a.pdata_header_time[dir_];
    s.pdv = a.messages.add(piece, nc ? std::string_view(nc->transfer_syntax) : std::string_view(), keep());
    if (s.pdv.closed) s.closed.push_back(s.pdv.closed);
    if (s.pdv.interrupted) diagnose_interrupted(a, *s.pdv.interrupted, packet_.frame, packet_.time, s.found);
    // the first piece of a message on a context the acceptor did not accept
    if (nc && nc->answered && !nc->accepted() && s.pdv.message && pdv.first && (pdv.flags & kPdvCommand) &&
        s.pdv.message->command_fragments == 1 && pdv.value_offset == 0)
        diagnose_rejected_context_use(a, s.from_requestor, pdv.context_id, packet_.frame, packet_.time, s.found);
}

PieceOutcome Connection::Walk::outcome(const Step &s, const WalkedBytes &w, const PdvPosition &pdv, bool value) const {
    PieceOutcome o;
    o.message = s.pdv.message;
    if (!o.message) return o;
    o.command_done = s.pdv.command_done;
    o.message_done = s.pdv.message_done;
    o.data_offset = s.pdv.data_offset;
    // how far the data set has got, as the receiver knew it then
    const uint64_t expected = o.message->expected_data_size;
    if (value && !(pdv.flags & kPdvCommand) && expected)
        o.progress = uint8_t(1 + std::min<uint64_t>(100, (s.pdv.data_offset + w.length) * 100 / expected));
    return o;
}

// A request is complete: when its receiver acknowledges its last byte, its processing starts.
void Connection::Walk::after_piece(Step &s, bool lost, const WalkedBytes &w) {
    if (!first_message_ && s.pdv.message && !lost && current(w.origin)) first_message_ = s.pdv.message;
    Message *m = s.pdv.message;
    if (!s.pdv.message_done || !m->command.valid || is_response(m->command.field)) return;
    uint32_t end;
    auto &watches = c_.dir_[dir_].ack_watches;
    if (c_.timeline_.sent_end(dir_, end) && watches.size() < 4096) watches.push(Direction::AckWatch{end, m});
}

void Connection::Walk::pdv_value(const WalkedBytes &w, const PdvPosition &pdv) {
    Step s = begin();
    apply_piece(s, w, pdv, false);
    count_completed(s);
    after_piece(s, false, w);
    obs_.pdv_value(place(s), w, pdv, outcome(s, w, pdv, true));
    finish(s, w, 0, true);
}

void Connection::Walk::lost(const WalkedBytes &w, LostKind kind, const PdvPosition &pdv) {
    Step s = begin();
    diagnose_stream_trouble(*s.a, DiagCode::CaptureGap, w.length, packet_.frame, packet_.time);
    if (kind == LostKind::InValue) apply_piece(s, w, pdv, true);
    else s.a->messages.mark_gap(w.length);
    count_completed(s);
    after_piece(s, true, w);
    obs_.lost(place(s), w, kind, pdv, outcome(s, w, pdv, false));
    finish(s, w, 0, false);
}

void Connection::Walk::skipped(const WalkedBytes &w, SkipReason why) {
    Step s = begin();
    if (why != SkipReason::AfterGap) diagnose_pdv_length(*s.a, s.from_requestor, packet_.frame, packet_.time, s.found);
    obs_.skipped(place(s), w, why);
    finish(s, w, 0, true);
}

void Connection::Walk::garbage(const WalkedBytes &w) {
    Step s = begin();
    obs_.garbage(place(s), w);
    finish(s, w, 0, true);
}

void Connection::Walk::resync(const WalkedBytes &w, ResyncReason why) {
    Step s = begin();
    obs_.resync(place(s), w, why);
    finish(s, w, 0, true);
}

void Connection::Walk::fragment(const WalkedBytes &w, uint8_t unit, ByteView so_far) {
    Step s = begin();
    Association &a = *s.a;
    // a large A-ASSOCIATE-RQ spans segments: its peers are known from the first one
    if (unit == kAssociateRq && !a.rq_frame && a.calling_ae.empty()) read_associate_titles(so_far, a.called_ae, a.calling_ae);
    obs_.fragment(place(s), w, unit);
    finish(s, w, 0, false);
}

void Connection::Walk::fragment_completed(const WalkedBytes &w, uint8_t unit, Origin completed_by) {
    obs_.fragment_completed(UnitPlace{c_.assoc_, dir_}, w, unit, completed_by);
}

// ---- the entry points ---------------------------------------------------------------------------

void Connection::payload(const Packet &p, Origin origin, ByteView bytes, const uint32_t *seq, const TcpFacts *segment,
                         ConnectionObserver &obs) {
    const int dir = p.direction & 1;
    remember_endpoints(p);
    Walk walk(*this, p, dir, origin.source, obs);
    Stall stall;
    const bool stalled = segment && feed_timeline(dir, *segment, stall);
    Direction &d = dir_[dir];
    // TCP's relative sequence numbers (its default) start each direction at 1: a first segment
    // numbered higher overtook the stream's first one, which is still to come.
    if (seq && !d.reassembly.delivered() && !d.reassembly.holding() && *seq > 1 && *seq < (1u << 20))
        d.reassembly.expect_start(1);
    if (seq) d.reassembly.add_segment(*seq, bytes, origin, walk);
    else d.reassembly.add_in_order(bytes, origin, walk);
    if (segment) after_segment(p, *segment, stalled ? &stall : nullptr, walk.first_message(), obs);
}

void Connection::segment(const Packet &p, const TcpFacts *segment, const uint32_t *ack_of_other, ConnectionObserver &obs) {
    const int dir = p.direction & 1;
    if (segment) {
        remember_endpoints(p);
        Stall stall;
        const bool stalled = feed_timeline(dir, *segment, stall);
        after_segment(p, *segment, stalled ? &stall : nullptr, nullptr, obs);
    }
    if (ack_of_other) { // the other direction waits for missing bytes; this says whether they came
        Walk other(*this, p, dir ^ 1, nullptr, obs);
        dir_[dir ^ 1].reassembly.peer_acknowledged(*ack_of_other, other);
    }
}

} // namespace dicom
