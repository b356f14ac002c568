/* First pass: what a connection did (session/connection.hpp), written into the records of the
 * payloads that carried the bytes (records.h). Nothing here calls a throwing epan function:
 * the connection's walk runs inside a C++ try, the tree comes afterwards. */
#include "model/record_writer.h"

#include <cstring>

#include "ul/pdu.hpp"

using dicom::UnitPlace;
using dicom::WalkedBytes;

PayloadRecord *RecordWriter::notes(int direction) {
    if (!current_) current_ = dicom_new_payload_record(frame_, direction, 0);
    return current_;
}

UnitRecord *RecordWriter::unit(PayloadRecord *p, const dicom::Association *a) {
    UnitRecord *u = dicom_record_unit(p, a, frame_);
    static UnitRecord spare; /* a full run: the unit is dropped from the record */
    return u ? u : &spare;
}

/* Held bytes of `origin` are walked now: say where on its Held unit. */
void RecordWriter::mark_delivered(PayloadRecord *origin, guint32 offset) {
    for (Run *r = &origin->run; r; r = r->next)
        for (guint16 i = 0; i < r->n; ++i) {
            UnitRecord &u = r->units()[i];
            if (u.kind == RecordKind::Held && !u.a && u.offset <= offset && offset - u.offset < u.length) u.a = frame_;
        }
}

/* Bytes of another payload reach the walk now: they waited for a gap to fill. */
void RecordWriter::mark_if_delivered_late(const WalkedBytes &w) {
    auto *origin = (PayloadRecord *)w.origin.source;
    if (!origin || origin == current_) return;
    const Run *last = &origin->run;
    while (last->next) last = last->next;
    if (last->walked_in != frame_) mark_delivered(origin, w.origin.offset);
}

/* A unit of `kind` for bytes of `w`: in the record of the payload that carried them, or for
 * lost bytes in this frame's notes. Assembled units are shown from their copy, with their last
 * piece. */
UnitRecord *RecordWriter::unit_for(const UnitPlace &p, const WalkedBytes &w, RecordKind kind, bool marked) {
    if (!marked) mark_if_delivered_late(w);
    auto *origin = (PayloadRecord *)w.origin.source;
    const bool lost = kind == RecordKind::Lost;
    UnitRecord *u = unit(lost || !origin ? notes(p.direction) : origin, p.association);
    u->kind = kind;
    u->offset = lost || w.assembled ? 0 : w.origin.offset;
    u->length = lost || w.assembled ? (lost ? w.length : 0) : w.origin_length;
    if (w.assembled) {
        u->bits |= kUnitAssembled;
        u->ptr = wmem_memdup(wmem_file_scope(), w.bytes.data, w.length);
        u->b = w.length;
    }
    return u;
}

/* The PdvHeader unit that a PDV's first value piece follows directly in `origin`, if it is
 * the last unit recorded there by this walk frame. */
UnitRecord *RecordWriter::header_before(PayloadRecord *origin, const dicom::Association *a, const WalkedBytes &w,
                                        const dicom::PdvPosition &pdv) {
    if (!origin) return NULL;
    Run *r = &origin->run;
    while (r->next) r = r->next;
    if (!r->n || r->assoc != a || r->walked_in != frame_) return NULL;
    UnitRecord &h = r->units()[r->n - 1];
    const bool adjacent = h.offset + dicom::kPdvHeaderLen == w.origin.offset && h.length == dicom::kPdvHeaderLen;
    return h.kind == RecordKind::PdvHeader && adjacent && !(h.bits & (kUnitInvalid | kUnitAssembled)) &&
                   h.pdv_index == pdv.index
               ? &h
               : NULL;
}

void RecordWriter::record_piece(UnitRecord *u, const dicom::PdvPosition &pdv, const dicom::PieceOutcome &o) {
    u->type = pdv.context_id;
    u->pdv_flags = pdv.flags;
    u->pdv_index = pdv.index;
    u->a = pdv.value_length;
    u->b = pdv.value_offset;
    if (pdv.invalid) u->bits |= kUnitInvalid;
    if (pdv.first) u->bits |= kUnitFirst;
    if (pdv.last) u->bits |= kUnitLast;
    if (!o.message) return;
    u->ptr = o.message;
    u->data_offset = o.data_offset;
    u->reason = o.progress;
    if (o.command_done) u->bits |= kUnitCommandDone;
    if (o.message_done) u->bits |= kUnitMessageDone;
}

void RecordWriter::pdu(const UnitPlace &p, const WalkedBytes &w, uint8_t type, uint32_t length_field) {
    UnitRecord *u = unit_for(p, w, RecordKind::Pdu);
    u->type = type;
    u->a = length_field;
}

void RecordWriter::pdata_header(const UnitPlace &p, const WalkedBytes &w, uint32_t length_field) {
    UnitRecord *u = unit_for(p, w, RecordKind::PdataHeader);
    u->type = dicom::kPData;
    u->a = length_field;
}

void RecordWriter::pdv_header(const UnitPlace &p, const WalkedBytes &w, const dicom::PdvPosition &pdv) {
    record_piece(unit_for(p, w, RecordKind::PdvHeader), pdv, dicom::PieceOutcome());
}

void RecordWriter::pdv_value(const UnitPlace &p, const WalkedBytes &w, const dicom::PdvPosition &pdv,
                             const dicom::PieceOutcome &o) {
    mark_if_delivered_late(w);
    UnitRecord *u = pdv.first && !w.assembled ? header_before((PayloadRecord *)w.origin.source, p.association, w, pdv) : NULL;
    if (u) {
        u->kind = RecordKind::PdvHeaderValue;
        u->length += w.origin_length;
    } else {
        u = unit_for(p, w, RecordKind::Value, true);
    }
    record_piece(u, pdv, o);
}

void RecordWriter::lost(const UnitPlace &p, const WalkedBytes &w, dicom::LostKind kind, const dicom::PdvPosition &pdv,
                        const dicom::PieceOutcome &o) {
    UnitRecord *u = unit_for(p, w, RecordKind::Lost);
    record_piece(u, pdv, o);
    u->reason = (guint16)kind;
    if (kind != dicom::LostKind::InValue) { /* no PDV known: where in the stream */
        u->type = u->pdv_flags = 0;
        u->pdv_index = 0;
        u->a = u->b = 0;
        u->bits &= (guint8)~(kUnitInvalid | kUnitFirst | kUnitLast);
        u->data_offset = w.offset;
    }
}

void RecordWriter::skipped(const UnitPlace &p, const WalkedBytes &w, dicom::SkipReason why) {
    unit_for(p, w, RecordKind::Skip)->reason = (guint16)why;
}

void RecordWriter::garbage(const UnitPlace &p, const WalkedBytes &w) { unit_for(p, w, RecordKind::Garbage); }

void RecordWriter::resync(const UnitPlace &p, const WalkedBytes &w, dicom::ResyncReason why) {
    unit_for(p, w, RecordKind::Resync)->reason = (guint16)why;
}

void RecordWriter::fragment(const UnitPlace &p, const WalkedBytes &w, uint8_t type) {
    unit_for(p, w, RecordKind::Fragment)->type = type;
}

/* A unit announced in parts is complete: each part says where (the assembled unit is shown
 * with its last piece). */
void RecordWriter::fragment_completed(const UnitPlace &p, const WalkedBytes &w, uint8_t type, dicom::Origin completed_by) {
    auto *origin = (PayloadRecord *)w.origin.source;
    for (Run *r = &origin->run; r; r = r->next)
        for (guint16 i = 0; i < r->n; ++i) {
            UnitRecord &u = r->units()[i];
            if (u.kind == RecordKind::Fragment && u.offset == w.origin.offset) {
                u.a = completed_by.frame;
                return;
            }
        }
    UnitRecord *u = unit_for(p, w, RecordKind::Fragment); /* its announcement was not kept */
    u->type = type;
    u->a = completed_by.frame;
}

void RecordWriter::duplicate(const UnitPlace &p, const WalkedBytes &w, const dicom::Repeat &r) {
    UnitRecord *u = unit((PayloadRecord *)w.origin.source, p.association);
    u->kind = RecordKind::Duplicate;
    u->offset = w.origin.offset;
    u->length = w.origin_length;
    u->a = r.frame;
    u->ptr = r.message;
    u->reason = r.capture_copy;
    if (r.of_held) u->bits |= kUnitOfHeld;
}

void RecordWriter::held(const UnitPlace &p, const WalkedBytes &w, dicom::HeldReason why) {
    UnitRecord *u = unit((PayloadRecord *)w.origin.source, p.association);
    u->kind = RecordKind::Held;
    u->reason = (guint16)why;
    u->offset = w.origin.offset;
    u->length = w.origin_length;
}

void RecordWriter::message_noted(const UnitPlace &p, dicom::Message &m, bool closed, bool command_only) {
    UnitRecord *n = unit(notes(p.direction), p.association);
    n->kind = RecordKind::NoteMessage;
    n->bits = closed ? kUnitMessageDone | kUnitClosed : command_only ? kUnitCommandDone : kUnitMessageDone;
    n->type = m.context_id;
    n->ptr = &m;
}

void RecordWriter::pdu_noted(const UnitPlace &p, uint8_t type, uint32_t bytes_frame) {
    UnitRecord *n = unit(notes(p.direction), p.association);
    n->kind = RecordKind::NoteDelivered;
    n->type = type;
    n->a = bytes_frame;
}

/* Findings raised at this frame: a note each in this frame's record. */
void RecordWriter::findings(const UnitPlace &p, const std::vector<dicom::Diagnostic> &found) {
    for (const dicom::Diagnostic &d : found) {
        UnitRecord *n = unit(notes(p.direction), p.association);
        n->kind = RecordKind::NoteFinding;
        n->type = (guint8)d.code;
        n->reason = (guint16)d.party;
        memcpy(&n->data_offset, &d.value, sizeof d.value);
        n->a = d.aux;
        n->ptr = d.message;
        n->pdv_flags = (guint8)d.severity;
        n->pdv_index = (guint16)d.doubt;
    }
}

/* Conformance violations shown at this frame: a note each in this frame's record. */
void RecordWriter::violations(const UnitPlace &p, const std::vector<dicom::Violation> &found) {
    for (const dicom::Violation &v : found) {
        UnitRecord *n = unit(notes(p.direction), p.association);
        n->kind = RecordKind::NoteViolation;
        n->pdv_index = (guint16)v.rule;
        n->reason = (guint16)v.party;
        n->a = v.value;
        n->ptr = v.message;
        n->pdv_flags = v.already_shown;
    }
}

void RecordWriter::data_set_kept(const UnitPlace &, const dicom::Message &m, dicom::ChunkedBytes &&bytes) {
    if (kept_) kept_->adopt(m, std::move(bytes));
}
