#include "upper_layer.hpp"

#include "associate.hpp"
#include "control_pdus.hpp"
#include "pdu.hpp"

namespace dicom {

namespace {

void count_completed(Association &a, EventOutcome &out) {
    if (out.pdv.message_done) a.on_message(*out.pdv.message);
    for (Message *m : out.closed) a.on_message(*m);
}

void apply_pdu(Association &a, MessageAssembler &messages, const StreamEvent &e, const EventContext &c,
               EventOutcome &out) {
    const uint8_t type = e.bytes.u8(0);
    a.on_pdu(c.from_requestor, type, e.length, c.time);
    if (type == kAssociateRq || type == kAssociateAc) {
        Associate pdu;
        if (!parse_associate(e.bytes, pdu)) {
            out.parse_failed = true;
            return;
        }
        if (type == kAssociateRq) a.apply_rq(pdu, c.walk_frame);
        else a.apply_ac(pdu, c.walk_frame);
        return;
    }
    ControlPdu pdu;
    parse_control_pdu(e.bytes, pdu);
    a.apply_control(pdu, c.walk_frame);
    // The association ends: what a gap left unfinished will not finish.
    if (type == kReleaseRq || type == kAbort) out.closed = messages.close_damaged(c.walk_frame, c.time, c.keep_data);
}

} // namespace

EventOutcome apply_event(Association &a, MessageAssembler &messages, const StreamEvent &e, const EventContext &c) {
    EventOutcome out;
    switch (e.kind) {
    case StreamEventKind::Pdu: apply_pdu(a, messages, e, c, out); break;
    case StreamEventKind::PdataHeader: a.on_pdu(c.from_requestor, kPData, kPduHeaderLen + uint64_t(e.pdu_length), c.time); break;
    case StreamEventKind::Value:
    case StreamEventKind::Lost: {
        if (e.kind == StreamEventKind::Lost && e.lost != LostKind::InValue) {
            messages.mark_gap(e.length);
            break;
        }
        const NegotiatedContext *nc = a.context(e.pdv.context_id);
        PdvPiece piece;
        piece.stream = c.stream;
        piece.context_id = e.pdv.context_id;
        piece.flags = e.pdv.flags;
        piece.value = e.kind == StreamEventKind::Value ? e.bytes.data : nullptr;
        piece.length = e.length;
        piece.first = e.first;
        piece.last = e.last;
        piece.frame = c.frame;
        piece.walk_frame = c.walk_frame;
        piece.time = c.time;
        out.pdv = messages.add(piece, nc ? std::string_view(nc->transfer_syntax) : std::string_view(), c.keep_data);
        if (out.pdv.closed) out.closed.push_back(out.pdv.closed);
        break;
    }
    default: break;
    }
    count_completed(a, out);
    return out;
}

} // namespace dicom
