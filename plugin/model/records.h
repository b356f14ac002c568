/* What the first pass learnt about each payload, kept for the file's life so that every
 * later pass (tshark -2, a click in the GUI, a retap for Export Objects) builds the same
 * tree without walking the stream again.
 *
 * One PayloadRecord per call of the dissector in a frame (a frame's TCP payload, or each
 * decrypted TLS record). Its units are what the walk found in its bytes, in the order the
 * walk reached them, grouped in runs that share an association and the frame in which the
 * walk reached them: a segment that arrived ahead of a gap is walked later, from the frame
 * that fills the gap. Notes are units without bytes of this payload: what the walk did at
 * this frame with bytes of other frames (a message they completed, bytes declared lost).
 * Written by the record writer (record_writer.h) on the first pass only; read by the views. */
#pragma once

#include <epan/packet.h>

namespace dicom {
class Association;
struct Message;
} // namespace dicom

enum class RecordKind : guint8 {
    /* units: what the walk found in the payload's bytes */
    Pdu, PdataHeader, PdvHeader, Value, Skip, Garbage, Resync, Fragment, Duplicate, Held, Lost,
    /* notes of the walk frame */
    NoteMessage = 32, /* `message` completed (or closed) by bytes of another frame */
    NoteDelivered,    /* a PDU (pdu_type) completed by bytes of another frame */
    NoteFinding,      /* a diagnosis finding raised at this frame: type = dicom::DiagCode, reason = Party,
                       * data_offset = its value (a double's bits), a = aux, ptr = the message */
    NoteViolation,    /* a conformance violation shown at this frame: pdv_index = dicom::Rule, reason = Party,
                       * a = its value, ptr = the message, pdv_flags = 1 when the frame shows it with
                       * an expert info of its own (a problem of the bytes, a diagnosis finding) */
    /* a PdvHeader and the first Value right after it in the same payload, in one unit (the
     * common case: one record less per PDV); offset and length cover both */
    PdvHeaderValue = 64,
};

enum UnitBits : guint8 {
    kUnitFirst = 1,        /* Value, Lost: starts the PDV's value */
    kUnitLast = 2,         /* Value, Lost: ends it */
    kUnitInvalid = 4,      /* PdvHeader: the item length does not fit the PDU */
    kUnitAssembled = 8,    /* Pdu, headers: bytes from several frames (`ptr` is their copy) */
    kUnitCommandDone = 16, /* completed the message's command set */
    kUnitMessageDone = 32, /* completed the message */
    kUnitClosed = 64,      /* NoteMessage: the message ended without its last fragment */
    kUnitOfHeld = 128,     /* Duplicate: of bytes still held, not yet walked */
};

struct UnitRecord {
    RecordKind kind;
    guint8 bits;
    guint8 type;           /* Pdu, PdataHeader, Fragment, NoteDelivered: PDU type. PDV units: context ID */
    guint8 pdv_flags;      /* PDV units (and Lost in a value): message control header. NoteFinding: severity */
    guint16 pdv_index;     /* PDV units: index in the PDU. NoteFinding: dicom::Doubt */
    guint16 reason;        /* Skip: dicom::SkipReason. Resync: ResyncReason. Lost: LostKind. Held: HeldReason.
                            * Duplicate: 1 for a second capture of the same segment (a mirror port).
                            * Value of a data set: how far the data set has got, percent + 1 (0: unknown) */
    guint32 offset;        /* in the payload */
    guint32 length;        /* bytes of the payload (Lost: bytes missing) */
    guint32 a;             /* PDV units: the value's length. Pdu, PdataHeader: PDU length field.
                            * Duplicate: frame that carried the bytes first. Fragment: frame that
                            * completes the unit. Held: frame that delivered it. NoteDelivered: frame of the bytes */
    guint32 b;             /* Value, Lost: offset in the value. Assembled units: bytes in `ptr` */
    guint64 data_offset;   /* Value: offset of the piece in the data set. Lost: stream offset */
    const void *ptr;       /* const dicom::Message * (PDV units, Duplicate, NoteMessage) or the copy
                            * of an assembled unit (const guint8 *) */
};

struct Run {
    Run *next;
    const dicom::Association *assoc;
    guint32 walked_in;     /* frame at which the walk produced these units */
    guint16 n, cap;
    union {
        UnitRecord one;    /* while cap == 1: most payloads have one unit */
        UnitRecord *many;
    } u;
    UnitRecord *units() { return cap == 1 ? &u.one : u.many; }
    const UnitRecord *units() const { return cap == 1 ? &u.one : u.many; }
};

struct PayloadRecord {
    PayloadRecord *next;   /* the frame's next call */
    guint32 frame;
    guint32 length;        /* of the payload (0: notes only) */
    guint8 direction;      /* of the connection (dicom::direction_of) */
    Run run;               /* the first run */
};

/* A new record for a payload of `frame` (zeroed, appended to the frame's list; out of memory:
 * not appended, so not shown on later passes). First pass only. */
PayloadRecord *dicom_new_payload_record(guint32 frame, int direction, guint32 length);
/* The frame's `index`-th record (later passes), NULL when there is none. */
const PayloadRecord *dicom_payload_record(guint32 frame, unsigned index);
/* A unit appended to `p`'s last run, or to a new run when the association or walk frame differ
 * (NULL for a run of 65535 units: no more are kept). First pass only. */
UnitRecord *dicom_record_unit(PayloadRecord *p, const dicom::Association *assoc, guint32 walked_in);
/* The association of the frame's first DICOM bytes, or NULL. */
const dicom::Association *dicom_frame_association(guint32 frame);
