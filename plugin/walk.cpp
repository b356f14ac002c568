/* First pass: each payload goes into its direction's stream (dissector/stream.hpp), and what
 * the walk finds updates the association (dissector/upper_layer.hpp) and is written down in
 * the records of the payloads that carried the bytes (records.h). Nothing here calls a
 * throwing epan function: the walk runs inside update_noexcept, the tree comes afterwards. */
#include "dissect_internal.h"

#include <algorithm>


#include <epan/dissectors/packet-tcp.h>

#include "fields.h"
#include "ul/pdu.hpp"

/* ---- records ----------------------------------------------------------------------------- */

PayloadRecord *new_payload_record(packet_info *pinfo, int direction, guint32 length) {
    PayloadRecord *rec = dicom_new_frame_record(pinfo->num);
    rec->length = length;
    rec->direction = (guint8)direction;
    rec->run.cap = 1;
    return rec;
}

PayloadRecord *payload_record(packet_info *pinfo, unsigned index) {
    PayloadRecord *rec = dicom_frame_records(pinfo->num);
    while (rec && index--) rec = rec->next;
    return rec;
}

AssocRecord *dicom_frame_association(packet_info *pinfo) {
    for (PayloadRecord *rec = dicom_frame_records(pinfo->num); rec; rec = rec->next)
        for (const Run *r = &rec->run; r; r = r->next)
            if (r->assoc) return r->assoc;
    return NULL;
}

UnitRecord *record_unit(PayloadRecord *p, AssocRecord *assoc, guint32 walked_in) {
    Run *r = &p->run;
    while (r->next) r = r->next;
    if (r->n && (r->assoc != assoc || r->walked_in != walked_in)) {
        Run *fresh = wmem_new0(wmem_file_scope(), Run);
        fresh->cap = 1;
        r->next = fresh;
        r = fresh;
    }
    r->assoc = assoc;
    r->walked_in = walked_in;
    if (r->n == r->cap) {
        const guint16 cap = r->cap >= 0x8000 ? 0xFFFF : (guint16)(r->cap * 2); /* most payloads have 1 or 2 */
        if (cap == r->cap) return NULL; /* a run of 65535 units: no more are shown */
        auto *units = wmem_alloc_array(wmem_file_scope(), UnitRecord, cap);
        memcpy(units, r->units(), sizeof(UnitRecord) * r->n);
        if (r->cap > 1) wmem_free(wmem_file_scope(), r->u.many);
        r->u.many = units;
        r->cap = cap;
    }
    UnitRecord *u = &r->units()[r->n++];
    memset(u, 0, sizeof *u);
    return u;
}

int direction_from_requestor(const AssocRecord *rec, int direction) {
    if (!rec || rec->requestor_dir < 0) return -1;
    return direction == rec->requestor_dir;
}

/* ---- the walk's sink ------------------------------------------------------------------------ */

namespace {

using dicom::StreamEvent;
using dicom::StreamEventKind;

class WalkSink final : public dicom::StreamSink {
public:
    WalkSink(packet_info *pinfo, Connection *conn, int direction, PayloadRecord *current)
        : pinfo_(pinfo), conn_(conn), dir_(direction), current_(current),
          time_(nstime_to_sec(&pinfo->abs_ts)), keep_(dicom_export_wanted()) {}
    uint64_t on_event(const StreamEvent &e) override;
    PayloadRecord *current() const { return current_; }
    void adopt(PayloadRecord *rec) { current_ = rec; }
    /* the first message a PDV piece of this walk belonged to */
    dicom::Message *first_message() const { return first_message_; }
    /* Findings raised at this frame: a note each in this frame's record. */
    void note_diagnostics(AssocRecord *a, const std::vector<dicom::Diagnostic> &found) {
        if (!found.empty()) note_each_diagnostic(a, found); /* most events and segments raise none */
    }

private:
    void note_each_diagnostic(AssocRecord *a, const std::vector<dicom::Diagnostic> &found);
    PayloadRecord *notes() { /* this frame's record, for what the walk did with other frames' bytes */
        if (!current_) current_ = new_payload_record(pinfo_, dir_, 0);
        return current_;
    }
    AssocRecord *association(const StreamEvent &e);
    UnitRecord *unit(PayloadRecord *p, AssocRecord *a) {
        UnitRecord *u = record_unit(p, a, pinfo_->num);
        static UnitRecord spare; /* a full run: the unit is dropped from the record */
        return u ? u : &spare;
    }
    /* The PdvHeader unit that a PDV's first value piece follows directly in `origin`, if it is
     * the last unit recorded there by this walk frame. */
    UnitRecord *header_before(PayloadRecord *origin, AssocRecord *a, const dicom::StreamEvent &e) {
        if (!origin) return NULL;
        Run *r = &origin->run;
        while (r->next) r = r->next;
        if (!r->n || r->assoc != a || r->walked_in != pinfo_->num) return NULL;
        UnitRecord &h = r->units()[r->n - 1];
        const bool adjacent = h.offset + dicom::kPdvHeaderLen == e.origin.offset && h.length == dicom::kPdvHeaderLen;
        return h.kind == RecordKind::PdvHeader && adjacent && !(h.bits & (kUnitInvalid | kUnitAssembled)) &&
                       h.pdv_index == e.pdv.index
                   ? &h
                   : NULL;
    }
    void note_message(AssocRecord *a, dicom::Message *m, guint8 bits);
    void mark_delivered(PayloadRecord *origin, guint32 offset);
    bool complete_fragment(PayloadRecord *origin, const dicom::StreamEvent &e);

    void association_ends(AssocRecord *a, guint8 pdu_type);

    packet_info *pinfo_;
    Connection *conn_;
    int dir_;
    PayloadRecord *current_;
    double time_;
    bool keep_;
    dicom::Message *first_message_ = nullptr;
};

void WalkSink::note_each_diagnostic(AssocRecord *a, const std::vector<dicom::Diagnostic> &found) {
    for (const dicom::Diagnostic &d : found) {
        UnitRecord *n = unit(notes(), a);
        n->kind = RecordKind::NoteFinding;
        n->type = (guint8)d.code;
        n->reason = (guint16)d.party;
        memcpy(&n->data_offset, &d.value, sizeof d.value);
        n->a = d.aux;
        n->ptr = (void *)d.message;
    }
}

/* A-RELEASE-RQ or A-ABORT: the glue's own findings, which need the other associations. */
void WalkSink::association_ends(AssocRecord *a, guint8 pdu_type) {
    if (pdu_type != dicom::kReleaseRq || a->core.release_rq_frame != pinfo_->num) return;
    /* One object per association: the same AEs just used a fresh association for one C-STORE. */
    const dicom::Association &c = a->core;
    const AssocRecord *prev = a->previous_same_aes;
    if (c.store_requests == 1 && prev && prev->core.store_requests == 1 && c.operations.size() <= 2) {
        std::vector<dicom::Diagnostic> found;
        a->core.raise(dicom::Diagnostic{dicom::DiagCode::OneAssociationPerObject, dicom::Party::Requestor, pinfo_->num,
                                        time_, 1, prev->number},
                      found);
        note_diagnostics(a, found);
    }
}

AssocRecord *WalkSink::association(const StreamEvent &e) {
    AssocRecord *a = conn_->assoc;
    const bool rq = e.kind == StreamEventKind::Pdu && e.unit == dicom::kAssociateRq;
    /* a new A-ASSOCIATE-RQ on a connection that already had one starts a new association */
    if (!a || (rq && a->core.rq_frame)) a = dicom_new_association(conn_);
    if (a->requestor_dir < 0 && e.kind == StreamEventKind::Pdu &&
        (e.unit == dicom::kAssociateRq || e.unit == dicom::kAssociateAc)) {
        const int req = e.unit == dicom::kAssociateRq ? dir_ : 1 - dir_;
        a->requestor_dir = req;
        copy_address_wmem(wmem_file_scope(), &a->requestor_addr, &conn_->addr[req]);
        copy_address_wmem(wmem_file_scope(), &a->acceptor_addr, &conn_->addr[1 - req]);
        a->requestor_port = conn_->port[req];
        a->acceptor_port = conn_->port[1 - req];
    }
    return a;
}

void WalkSink::note_message(AssocRecord *a, dicom::Message *m, guint8 bits) {
    UnitRecord *n = unit(notes(), a);
    n->kind = RecordKind::NoteMessage;
    n->bits = bits;
    n->type = m->context_id;
    n->ptr = m;
}

/* A unit announced in parts is complete: each part says where. */
bool WalkSink::complete_fragment(PayloadRecord *origin, const StreamEvent &e) {
    for (Run *r = &origin->run; r; r = r->next)
        for (guint16 i = 0; i < r->n; ++i) {
            UnitRecord &u = r->units()[i];
            if (u.kind == RecordKind::Fragment && u.offset == e.origin.offset) {
                /* the assembled unit is shown with its last piece */
                u.a = ((PayloadRecord *)e.completed_by.source)->frame;
                return true;
            }
        }
    return false;
}

/* Held bytes of `origin` are walked now: say where on its Held unit. */
void WalkSink::mark_delivered(PayloadRecord *origin, guint32 offset) {
    for (Run *r = &origin->run; r; r = r->next)
        for (guint16 i = 0; i < r->n; ++i) {
            UnitRecord &u = r->units()[i];
            if (u.kind == RecordKind::Held && !u.a && u.offset <= offset && offset - u.offset < u.length) u.a = pinfo_->num;
        }
}

dicom::Message *message_by_cookie(AssocRecord *a, uint64_t cookie) {
    const guint32 index = (guint32)cookie;
    if (!a || !index || index > a->messages.messages().size()) return NULL;
    return &a->messages.messages()[index - 1];
}

uint64_t WalkSink::on_event(const StreamEvent &e) {
    auto *origin = (PayloadRecord *)e.origin.source;
    const guint32 now = pinfo_->num;
    if (e.kind == StreamEventKind::Fragment && e.completed_by.source && complete_fragment(origin, e)) return 0;
    if ((e.kind == StreamEventKind::Duplicate || e.kind == StreamEventKind::Held) && conn_->assoc)
        dicom::diagnose_stream_trouble(conn_->assoc->core,
                                       e.kind == StreamEventKind::Duplicate ? dicom::DiagCode::Retransmissions
                                                                            : dicom::DiagCode::OutOfOrder,
                                       e.origin_length, now, time_);
    if (e.kind == StreamEventKind::Duplicate || e.kind == StreamEventKind::Held) {
        UnitRecord *u = unit(origin, conn_->assoc);
        u->kind = (RecordKind)e.kind;
        u->offset = e.origin.offset;
        u->length = e.origin_length;
        if (e.kind == StreamEventKind::Duplicate) {
            u->a = (guint32)(e.repeat_of >> 32);
            if (!u->a && e.repeat_origin.source) u->a = ((PayloadRecord *)e.repeat_origin.source)->frame;
            u->ptr = message_by_cookie(conn_->assoc, e.repeat_of);
            if (e.of_held) u->bits |= kUnitOfHeld;
        }
        return 0;
    }
    if (origin && origin != current_) { /* bytes that waited for a gap to fill */
        const Run *last = &origin->run;
        while (last->next) last = last->next;
        if (last->walked_in != now) mark_delivered(origin, e.origin.offset);
    }
    AssocRecord *a = association(e);
    const bool lost = e.kind == StreamEventKind::Lost;
    if (lost) dicom::diagnose_stream_trouble(a->core, dicom::DiagCode::CaptureGap, e.length, now, time_);
    dicom::EventContext ctx;
    ctx.from_requestor = direction_from_requestor(a, dir_);
    ctx.stream = (uint8_t)dir_;
    ctx.frame = lost || !origin ? 0 : origin->frame;
    ctx.walk_frame = now;
    ctx.time = time_;
    ctx.keep = (keep_ ? dicom::kKeepForExport : 0) | (dicom_may_keep_shown_bytes() ? dicom::kKeepToShow : 0);
    dicom::EventOutcome out = dicom::apply_event(a->core, a->messages, e, ctx);
    if (e.kind == StreamEventKind::Pdu && e.unit == dicom::kAssociateRq && a->core.rq_frame == now)
        a->previous_same_aes = dicom_previous_association(a);
    if (!first_message_ && out.pdv.message && origin == current_) first_message_ = out.pdv.message;
    /* a request is complete: when its receiver acknowledges its last byte, its processing starts */
    if (out.pdv.message_done && out.pdv.message->command.valid && !dicom::is_response(out.pdv.message->command.field)) {
        guint32 end;
        std::deque<Connection::AckWatch> &w = conn_->ack_watches[dir_];
        if (conn_->timeline.sent_end(dir_, end) && w.size() < 4096) w.push_back(Connection::AckWatch{end, out.pdv.message});
    }

    UnitRecord *u = e.kind == StreamEventKind::Value && e.first && !e.assembled ? header_before(origin, a, e) : NULL;
    if (u) {
        u->kind = RecordKind::PdvHeaderValue;
        u->length += e.origin_length;
    } else { /* assembled units are shown from their copy, with their last piece (`origin`) */
        u = unit(lost || !origin ? notes() : origin, a);
        u->kind = (RecordKind)e.kind;
        u->offset = lost || e.assembled ? 0 : e.origin.offset;
        u->length = lost || e.assembled ? (lost ? e.length : 0) : e.origin_length;
    }
    switch (e.kind) {
    case StreamEventKind::Pdu:
    case StreamEventKind::PdataHeader:
        u->type = e.kind == StreamEventKind::Pdu ? e.unit : (guint8)dicom::kPData;
        u->a = e.pdu_length;
        break;
    case StreamEventKind::PdvHeader:
    case StreamEventKind::Value:
    case StreamEventKind::Lost:
        u->type = e.pdv.context_id;
        u->pdv_flags = e.pdv.flags;
        u->pdv_index = e.pdv.index;
        u->a = e.pdv.value_length;
        u->b = e.pdv.value_offset;
        if (e.pdv.invalid) u->bits |= kUnitInvalid;
        if (e.first) u->bits |= kUnitFirst;
        if (e.last) u->bits |= kUnitLast;
        if (out.pdv.message) {
            u->ptr = out.pdv.message;
            u->data_offset = out.pdv.data_offset;
            /* how far the data set has got, as the receiver knew it then: percent + 1 (0: unknown) */
            const uint64_t expected = out.pdv.message->expected_data_size;
            if (e.kind == StreamEventKind::Value && !(e.pdv.flags & dicom::kPdvCommand) && expected)
                u->reason = (guint16)(1 + std::min<uint64_t>(100, (out.pdv.data_offset + e.length) * 100 / expected));
            if (out.pdv.command_done) u->bits |= kUnitCommandDone;
            if (out.pdv.message_done) u->bits |= kUnitMessageDone;
        }
        if (lost) {
            u->reason = (guint16)e.lost;
            if (e.lost != dicom::LostKind::InValue) { /* no PDV known: where in the stream */
                u->type = u->pdv_flags = 0;
                u->pdv_index = 0;
                u->a = u->b = 0;
                u->data_offset = e.offset;
            }
        }
        break;
    case StreamEventKind::Skip: u->reason = (guint16)e.skip; break;
    case StreamEventKind::Resync: u->reason = (guint16)e.resync; break;
    case StreamEventKind::Fragment:
        u->type = e.unit;
        u->a = e.completed_by.source ? ((PayloadRecord *)e.completed_by.source)->frame : 0;
        break;
    default: break;
    }
    if (e.assembled) {
        u->bits |= kUnitAssembled;
        u->ptr = wmem_memdup(wmem_file_scope(), e.bytes.data, e.length);
        u->b = e.length;
    }

    /* what the message layer learnt */
    if (dicom::Message *m = out.pdv.message) {
        if (out.pdv.message_done) dicom_message_completed(a, *m);
        else if (out.pdv.command_done) dicom_command_completed(a, *m);
        /* completed by bytes shown elsewhere: say so here, where the receiver had them all */
        if ((out.pdv.message_done || out.pdv.command_done) && (lost || origin != current_))
            note_message(a, m, out.pdv.message_done ? kUnitMessageDone : kUnitCommandDone);
    }
    for (dicom::Message *m : out.closed) {
        if (m == out.pdv.message) continue;
        dicom_message_completed(a, *m);
        note_message(a, m, kUnitMessageDone | kUnitClosed);
    }
    if (e.kind == StreamEventKind::Pdu && origin != current_) {
        UnitRecord *n = unit(notes(), a);
        n->kind = RecordKind::NoteDelivered;
        n->type = e.unit;
        n->a = origin ? origin->frame : 0;
    }
    /* findings after the unit that raised them: they are shown under its item */
    note_diagnostics(a, out.diagnostics);
    if (e.kind == StreamEventKind::Pdu) association_ends(a, e.unit);
    const guint32 frame = origin ? origin->frame : now;
    return (uint64_t)frame << 32 | (out.pdv.message ? out.pdv.message->index : 0);
}

void remember_endpoints(packet_info *pinfo, Connection *conn, int dir) {
    if (conn->seen[dir]) return;
    conn->seen[dir] = true;
    if (!conn->seen[1 - dir]) { /* the first payload names both ends */
        copy_address_wmem(wmem_file_scope(), &conn->addr[1 - dir], &pinfo->dst);
        conn->port[1 - dir] = pinfo->destport;
    }
    copy_address_wmem(wmem_file_scope(), &conn->addr[dir], &pinfo->src);
    conn->port[dir] = pinfo->srcport;
}

} // namespace

namespace {

/* The sender of stream `dir` has a PDU or a DIMSE message under way (or bytes wait for a gap):
 * a pause now keeps data waiting. */
bool mid_message(const Connection *conn, int dir) {
    const dicom::PduStream &s = conn->stream[dir];
    if (!s.between_pdus() || s.holding()) return true;
    return conn->assoc && conn->assoc->messages.in_progress((uint8_t)dir);
}

/* What a segment tells before its payload is walked: it may end a stall of its direction
 * (only a segment with data can; the timeline reads mid_message for those only). */
bool feed_timeline(Connection *conn, int dir, dicom::TcpFacts facts, dicom::Stall &stall) {
    facts.mid_message = facts.length > 0 && mid_message(conn, dir);
    return conn->timeline.on_segment(dir, facts, stall);
}

/* ... and after: acknowledgements of requests, the stall's and the close's findings. */
void after_segment(WalkSink &sink, packet_info *pinfo, Connection *conn, int dir, const dicom::TcpFacts &facts,
                   const dicom::Stall *stall) {
    std::deque<Connection::AckWatch> &w = conn->ack_watches[1 - dir];
    while (!w.empty() && (facts.flags & TH_ACK) && (gint32)(facts.ack - w.front().seq) >= 0) {
        w.front().message->acked_time = facts.time;
        w.pop_front();
    }
    AssocRecord *a = conn->assoc;
    if (!a) return;
    std::vector<dicom::Diagnostic> found;
    const int from_requestor = direction_from_requestor(a, dir);
    if (stall) {
        dicom::Message *m = sink.first_message() ? sink.first_message() : a->messages.in_progress((uint8_t)dir);
        dicom::diagnose_stall(a->core, *stall, from_requestor, m, found);
    }
    const dicom::TcpClose &close = conn->timeline.close(dir);
    if ((facts.flags & (TH_FIN | TH_RST)) && close.frame == pinfo->num)
        dicom::diagnose_close(a->core, from_requestor, close, a->messages, found);
    sink.note_diagnostics(a, found);
}

} // namespace

void walk_payload(packet_info *pinfo, Connection *conn, PayloadRecord *rec, const guint8 *bytes, guint32 length,
                  const guint32 *seq, const dicom::TcpFacts *tcp) {
    const int dir = rec->direction;
    remember_endpoints(pinfo, conn, dir);
    WalkSink sink(pinfo, conn, dir, rec);
    const dicom::ByteView view(bytes, length);
    const dicom::Origin origin{rec, 0};
    update_noexcept([&] {
        dicom::Stall stall;
        const bool stalled = tcp && feed_timeline(conn, dir, *tcp, stall);
        /* TCP's relative sequence numbers (its default) start each direction at 1: a first
         * segment numbered higher overtook the stream's first one, which is still to come. */
        if (seq && !conn->stream[dir].walked() && !conn->stream[dir].holding() && *seq > 1 && *seq < (1u << 20))
            conn->stream[dir].expect_start(1);
        if (seq) conn->stream[dir].add_segment(*seq, view, origin, sink);
        else conn->stream[dir].add_in_order(view, origin, sink);
        if (tcp) after_segment(sink, pinfo, conn, dir, *tcp, stalled ? &stall : NULL);
    });
}

PayloadRecord *walk_segment(packet_info *pinfo, Connection *conn, int dir, const dicom::TcpFacts *tcp,
                            const guint32 *ack_of_other) {
    WalkSink sink(pinfo, conn, dir, NULL);
    update_noexcept([&] {
        if (tcp) {
            remember_endpoints(pinfo, conn, dir);
            dicom::Stall stall;
            const bool stalled = feed_timeline(conn, dir, *tcp, stall);
            after_segment(sink, pinfo, conn, dir, *tcp, stalled ? &stall : NULL);
        }
        if (ack_of_other) { /* the other stream waits for missing bytes; this says whether they came */
            WalkSink other(pinfo, conn, 1 - dir, sink.current());
            conn->stream[1 - dir].peer_acknowledged(*ack_of_other, other);
            if (!sink.current() && other.current()) sink.adopt(other.current());
        }
    });
    return sink.current();
}
