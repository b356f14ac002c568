#include "session/upper_layer.hpp"

#include "ul/associate.hpp"
#include "ul/control_pdus.hpp"
#include "ul/pdu.hpp"

namespace dicom {

namespace {

void count_completed(Association &a, EventOutcome &out) {
    if (out.pdv.message_done) {
        a.on_message(*out.pdv.message);
        diagnose_message(a, *out.pdv.message, out.diagnostics);
    }
    for (Message *m : out.closed) {
        a.on_message(*m);
        diagnose_message(a, *m, out.diagnostics);
    }
}

void apply_pdu(Association &a, MessageAssembler &messages, const StreamEvent &e, const EventContext &c,
               EventOutcome &out) {
    const uint8_t type = e.bytes.u8(0);
    a.on_pdu(c.from_requestor, type, e.length, c.time);
    const PduFacts facts{type, c.from_requestor, e.pdu_length, c.walk_frame, c.time};
    if (type == kAssociateRq || type == kAssociateAc) {
        Associate pdu;
        if (!parse_associate(e.bytes, pdu)) {
            out.parse_failed = true;
            return;
        }
        if (type == kAssociateRq) a.apply_rq(pdu, c.walk_frame);
        else a.apply_ac(pdu, c.walk_frame);
        diagnose_pdu(a, facts, messages, out.diagnostics);
        return;
    }
    ControlPdu pdu;
    parse_control_pdu(e.bytes, pdu);
    a.apply_control(pdu, c.walk_frame);
    // The association ends: what a gap left unfinished will not finish.
    if (type == kReleaseRq || type == kAbort) out.closed = messages.close_damaged(c.walk_frame, c.time, c.keep);
    diagnose_pdu(a, facts, messages, out.diagnostics);
}

} // namespace

EventOutcome apply_event(Association &a, MessageAssembler &messages, const StreamEvent &e, const EventContext &c) {
    EventOutcome out;
    switch (e.kind) {
    case StreamEventKind::Pdu: apply_pdu(a, messages, e, c, out); break;
    case StreamEventKind::PdataHeader:
        a.pdata_header_time[c.stream & 1] = c.time;
        a.on_pdu(c.from_requestor, kPData, kPduHeaderLen + uint64_t(e.pdu_length), c.time);
        diagnose_pdu(a, PduFacts{kPData, c.from_requestor, e.pdu_length, c.walk_frame, c.time}, messages, out.diagnostics);
        break;
    case StreamEventKind::Fragment:
        // a large A-ASSOCIATE-RQ spans segments: its peers are known from the first one
        if (e.unit == kAssociateRq && !e.completed_by.source && !a.rq_frame && a.calling_ae.empty())
            read_associate_titles(e.unit_so_far, a.called_ae, a.calling_ae);
        break;
    case StreamEventKind::Skip:
        if (e.skip != SkipReason::AfterGap) diagnose_pdv_length(a, c.from_requestor, c.walk_frame, c.time, out.diagnostics);
        break;
    case StreamEventKind::Value:
    case StreamEventKind::Lost: {
        if (e.kind == StreamEventKind::Lost && e.lost != LostKind::InValue) {
            messages.mark_gap(e.length);
            break;
        }
        const NegotiatedContext *nc = a.context(e.pdv.context_id);
        PdvPiece piece;
        piece.stream = c.stream;
        piece.from_requestor = int8_t(c.from_requestor);
        piece.context_id = e.pdv.context_id;
        piece.flags = e.pdv.flags;
        piece.value = e.kind == StreamEventKind::Value ? e.bytes.data : nullptr;
        piece.length = e.length;
        piece.first = e.first;
        piece.last = e.last;
        piece.frame = c.frame;
        piece.walk_frame = c.walk_frame;
        piece.time = c.time;
        piece.pdu_time = e.kind == StreamEventKind::Value ? a.pdata_header_time[c.stream & 1] : 0;
        out.pdv = messages.add(piece, nc ? std::string_view(nc->transfer_syntax) : std::string_view(), c.keep);
        if (out.pdv.closed) out.closed.push_back(out.pdv.closed);
        if (out.pdv.interrupted) diagnose_interrupted(a, *out.pdv.interrupted, c.walk_frame, c.time, out.diagnostics);
        // the first piece of a message on a context the acceptor did not accept
        if (nc && nc->answered && !nc->accepted() && out.pdv.message && e.first && (e.pdv.flags & kPdvCommand) &&
            out.pdv.message->command_fragments == 1 && e.pdv.value_offset == 0)
            diagnose_rejected_context_use(a, c.from_requestor, e.pdv.context_id, c.walk_frame, c.time, out.diagnostics);
        break;
    }
    default: break;
    }
    count_completed(a, out);
    return out;
}

} // namespace dicom
