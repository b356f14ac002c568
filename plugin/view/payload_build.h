/* Internal to the payload view (payload_view.cpp, stream_view.cpp): what is open while the
 * units of one payload record are turned into tree items, and the steps both files use. */
#pragma once

#include <epan/packet.h>

#include "model/records.h"
#include "view/info.h"
#include "view/tree_common.h"

/* What is open while the units of one payload are turned into tree items. */
struct Build {
    tvbuff_t *tvb;
    packet_info *pinfo;
    proto_tree *tree;
    InfoColumn *info;
    const PayloadRecord *rec;
    const Run *run;
    proto_item *item;      /* the current protocol item (PDU or continuation), or NULL */
    proto_tree *item_tree;
    bool pdata_open;       /* item is a P-DATA-TF whose PDV units follow */
    proto_tree *pdv_tree;  /* the PDV whose header is in this payload */
    guint16 pdv_index;
    guint32 pdv_count;
    bool pdata_header;     /* the item starts with the P-DATA-TF header */
    /* The P-DATA item's Info lists its PDVs (" ctx 1 CT Image Storage (command, last)"): each one's
     * context ID << 8 | flags, made into text only if no message summary takes the Info. */
    bool pdata_info;
    guint16 pdv_info_inline[8];
    guint16 *pdv_info; /* pdv_info_inline, or in pinfo->pool once there are more */
    unsigned n_pdv_info, cap_pdv_info;
    bool info_message;     /* the P-DATA item completed a message: its summary is the Info */
    bool native_ae;        /* the item being opened is an A-ASSOCIATE-RQ/AC: it has its own AE titles */
    const char *pdata_continues; /* the item's only PDV continues a known message: its progress is the Info */
};

PduContext context(Build &b, tvbuff_t *tvb, proto_tree *t, proto_item *ti);
/* A protocol item of our own; `label` follows "DICOM-UL, ". */
proto_tree *open_item(Build &b, tvbuff_t *tvb, guint32 off, guint32 len, const char *label);
/* Ends the P-DATA item: its PDV count and, unless it completed a message, its Info. */
void close_item(Build &b);
/* The PDU a PDV unit belongs to started in an earlier payload: a "continued" item. */
void continue_pdata(Build &b);
/* The current item reaches `end` of the payload. */
void extend_item(Build &b, tvbuff_t *tvb, guint32 end);
/* A message a unit completed, shown (and published) where the receiver had it all. */
void show_completion(Build &b, tvbuff_t *tvb, const dicom::Message &m, guint8 bits);

/* stream_view.cpp: units that are not PDUs or PDVs (trouble in the stream) and notes. */
void build_skip(Build &b, const UnitRecord &u);
void build_garbage(Build &b, const UnitRecord &u);
void build_resync(Build &b, const UnitRecord &u);
void build_fragment(Build &b, const UnitRecord &u);
void build_duplicate(Build &b, const UnitRecord &u);
void build_held(Build &b, const UnitRecord &u);
void build_lost(Build &b, const UnitRecord &u);
void build_note_message(Build &b, const UnitRecord &u);
void build_note_delivered(Build &b, const UnitRecord &u);
void build_note_finding(Build &b, const UnitRecord &u);
/* A conformance violation shown at this frame (RecordKind::NoteViolation). */
void build_note_violation(Build &b, const UnitRecord &u);
