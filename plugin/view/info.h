/* The Info column of a frame: every call the frame gets (TCP, TLS records, the postdissector)
 * adds its entries, and the column is rebuilt from them each time, so that a message whose
 * command and data set complete in the same frame is listed once. */
#pragma once

#include <epan/packet.h>

#include "model/records.h"

struct InfoEntry {
    const void *message; /* the DIMSE message the entry describes, or NULL */
    const char *text;
};

/* Part of the frame's scratch (entry/frame_scratch.h): valid for one frame, reset with it
 * (n_entries and dropped count, the entries after them are not read). */
struct InfoColumn {
    unsigned n_entries, dropped;
    InfoEntry entries[16]; /* the first n_entries are set */
};

/* `text` joins the frame's other entries; an entry with the same `message` is replaced.
 * kContinued as `message` only fills an otherwise empty column. TCP's own markers ([TCP
 * Retransmission], [TCP Out-Of-Order] ...) stay in front. `text` must be static or in
 * pinfo->pool: the column points at it. */
extern const char kContinued[];
void set_info(packet_info *pinfo, InfoColumn &info, const char *text, const void *message = NULL);

/* The Info of a frame that only continues a message: which message, and how far it has got,
 * e.g. "C-STORE-RQ id=5 CT Image Storage, data 40% (continued)"; kContinued when the message's
 * command was not known yet at `walked_in`. */
const char *continued_info(packet_info *pinfo, const dicom::Association *a, guint32 walked_in, const UnitRecord &u);

/* Writes `v` in decimal at `out` (room for 20 digits); returns the end. The Info texts built
 * for every frame use it instead of printf, which costs more than the rest of the text. */
char *put_decimal(char *out, guint64 v);

void dicom_register_info(void); /* the cleanup routine of the labels it remembers */
