#include "session/connection_walk.hpp"

#include <algorithm>

#include "dimse/dimse.hpp"
#include "session/diagnose.hpp"
#include "session/validate.hpp"
#include "ul/associate.hpp"
#include "ul/control_pdus.hpp"

namespace dicom {

Connection::Walk::Walk(Connection &c, const Packet &p, int dir, const void *current_source, ConnectionObserver &obs)
    : c_(c), packet_(p), time_(p.time), dir_(dir & 1), current_source_(current_source), obs_(obs) {}

uint8_t Connection::Walk::keep() const {
    return uint8_t((packet_.keep_for_export ? kKeepForExport : 0) | (c_.host_.may_keep_shown_bytes() ? kKeepToShow : 0));
}

// ---- placement ----------------------------------------------------------------------------------

void Connection::Walk::deliver(uint64_t offset, ByteView bytes, Origin origin, double time) {
    time_ = time;
    c_.dir_[dir_].walker.walk(offset, bytes, origin, *this);
}

void Connection::Walk::deliver_hole(uint64_t offset, uint64_t length, double time) {
    time_ = time;
    ++c_.dir_[dir_].holes;
    c_.dir_[dir_].disorder_time = packet_.time;
    c_.dir_[dir_].walker.walk_hole(offset, length, *this);
}

void Connection::Walk::duplicate(uint64_t offset, bool before_start, ByteView bytes, Origin origin, bool of_held) {
    Association *a = c_.assoc_;
    const WalkedBytes w{offset, uint32_t(bytes.size), bytes, origin, uint32_t(bytes.size), false};
    if (!capture_copy) c_.dir_[dir_].disorder_time = packet_.time;
    if (a && !capture_copy) diagnose_stream_trouble(*a, DiagCode::Retransmissions, a->direction_from_requestor(dir_), bytes.size, packet_.frame, time_);
    Repeat r;
    r.of_held = of_held;
    r.capture_copy = capture_copy;
    const Direction &d = c_.dir_[dir_];
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
    c_.dir_[dir_].disorder_time = packet_.time;
    if (a) diagnose_stream_trouble(*a, DiagCode::OutOfOrder, a->direction_from_requestor(dir_), bytes.size, packet_.frame, time_);
    obs_.held(UnitPlace{a, dir_}, WalkedBytes{offset, uint32_t(bytes.size), bytes, origin, uint32_t(bytes.size), false},
              HeldReason::AheadOfGap);
}

// ---- each walked unit: its association, what it changes there, what it raised -------------------

// The association the unit belongs to: a new A-ASSOCIATE-RQ on a connection that already had
// one starts a new association; an A-ASSOCIATE-RQ or AC says which side requested it.
Connection::Walk::Step Connection::Walk::begin(bool associate_rq, bool associate_ac) {
    Step s;
    s.a = &c_.association_for(associate_rq);
    Association &a = *s.a;
    if (associate_rq || associate_ac) {
        const int req = associate_rq ? dir_ : 1 - dir_;
        a.know_requestor(req, c_.dir_[req].sender, c_.dir_[1 - req].sender, RolesEvidence::Associate);
    } else if (a.roles_evidence < RolesEvidence::ListeningPort) {
        c_.infer_roles(a, -1);
    }
    s.from_requestor = a.direction_from_requestor(dir_);
    c_.note_pending(a);
    return s;
}

namespace {
// Requests only an association's requestor sends, whatever roles it negotiated: not C-STORE
// (the acceptor sends those for a C-GET) nor N-EVENT-REPORT (a storage commitment SCP may send
// it on the association the SCU requested).
bool sent_by_requestor(uint16_t command_field) {
    switch (command_field) {
    case 0x0010: case 0x0020: case 0x0021: case 0x0030:                   // C-GET, C-FIND, C-MOVE, C-ECHO
    case 0x0110: case 0x0120: case 0x0130: case 0x0140: case 0x0150: return true; // N-GET, -SET, -ACTION, -CREATE, -DELETE
    default: return false;
    }
}
} // namespace

void Connection::Walk::count_completed(Step &s) {
    if (s.pdv.message_done) {
        if (s.a->roles_evidence == RolesEvidence::None && sent_by_requestor(s.pdv.message->command.field))
            c_.infer_roles(*s.a, s.pdv.message->stream);
        s.a->on_message(*s.pdv.message);
        diagnose_message(*s.a, *s.pdv.message, s.found);
        validate_message(*s.a, *s.pdv.message, s.violations);
    }
    for (Message *m : s.closed) {
        s.a->on_message(*m);
        diagnose_message(*s.a, *m, s.found);
        validate_message(*s.a, *m, s.violations);
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
    if (!s.violations.empty()) obs_.violations(place(s), s.violations);
    if (pdu_type == kReleaseRq && a.release_rq_frame == packet_.frame) {
        std::vector<Diagnostic> found;
        c_.host_.release_requested(a, packet_.frame, time_, found);
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
    validate_pdu_order(a, s.from_requestor, type, length_field, packet_.frame, time_, s.violations, s.found);
    a.on_pdu(s.from_requestor, type, w.length, time_);
    const PduFacts facts{type, s.from_requestor, length_field, packet_.frame, time_};
    if (type == kAssociateRq || type == kAssociateAc) {
        Associate pdu;
        if (!parse_associate(w.bytes, pdu)) return; // too short even for its fixed part
        if (type == kAssociateRq) a.apply_rq(pdu, packet_.frame);
        else a.apply_ac(pdu, packet_.frame);
        if (type == kAssociateAc) c_.follow_negotiated_limits(a);
        validate_associate(a, pdu, s.from_requestor, packet_.frame, s.violations);
        diagnose_pdu(a, facts, a.messages, s.found);
        return;
    }
    ControlPdu pdu;
    parse_control_pdu(w.bytes, pdu);
    a.apply_control(pdu, packet_.frame);
    validate_control(a, pdu, s.from_requestor, packet_.frame, s.violations);
    // The association ends: what a gap left unfinished will not finish.
    if (type == kReleaseRq || type == kAbort) s.closed = a.messages.close_damaged(packet_.frame, time_, keep());
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
    a.pdata_header_time[dir_] = time_;
    validate_pdu_order(a, s.from_requestor, kPData, length_field, packet_.frame, time_, s.violations, s.found);
    a.on_pdu(s.from_requestor, kPData, kPduHeaderLen + uint64_t(length_field), time_);
    diagnose_pdu(a, PduFacts{kPData, s.from_requestor, length_field, packet_.frame, time_}, a.messages, s.found);
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
    piece.time = time_;
    piece.pdu_time = lost ? 0 : a.pdata_header_time[dir_];
    s.pdv = a.messages.add(piece, nc ? std::string_view(nc->transfer_syntax) : std::string_view(), keep());
    if (s.pdv.closed) s.closed.push_back(s.pdv.closed);
    if (s.pdv.interrupted) diagnose_interrupted(a, *s.pdv.interrupted, packet_.frame, time_, s.found);
    // the first piece of a message on a context the acceptor did not accept
    if (nc && nc->answered && !nc->accepted() && s.pdv.message && pdv.first && (pdv.flags & kPdvCommand) &&
        s.pdv.message->command_fragments == 1 && pdv.value_offset == 0)
        validate_pdv_context(a, s.from_requestor, pdv.context_id, packet_.frame, time_, s.violations, s.found);
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
    diagnose_stream_trouble(*s.a, DiagCode::CaptureGap, s.a->direction_from_requestor(dir_), w.length, packet_.frame, time_);
    if (kind == LostKind::InValue) apply_piece(s, w, pdv, true);
    else s.a->messages.mark_gap(w.length);
    count_completed(s);
    after_piece(s, true, w);
    obs_.lost(place(s), w, kind, pdv, outcome(s, w, pdv, false));
    finish(s, w, 0, false);
}

void Connection::Walk::skipped(const WalkedBytes &w, SkipReason why) {
    Step s = begin();
    if (why != SkipReason::AfterGap)
        validate_pdv_length(*s.a, s.from_requestor, packet_.frame, time_, s.violations, s.found);
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

} // namespace dicom
