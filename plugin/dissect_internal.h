/* Shared by the glue's phases: dissect.cpp (entry points and the order of the phases),
 * walk.cpp (first pass: the stream walk and what it changes), tree_stream.cpp (the tree and
 * Info of a payload from its record), and running C++ code safely around Wireshark's
 * exceptions. */
#pragma once

#include <memory>

#include <epan/exceptions.h>

#include "dissect.h"
#include "records.h"

/* Per frame, in pinfo->pool: shared by every call the frame gets (TCP, TLS records, the
 * postdissector). The Info column is rebuilt from `entries` each time, so that a message
 * whose command and data set complete in the same frame is listed once. */
struct InfoEntry {
    const void *message; /* the DIMSE message the entry describes, or NULL */
    const char *text;
};

struct TlsCall {
    bool active;       /* inside our call into TLS */
    guint32 decrypted; /* calls TLS made into our dissector */
};

struct FrameScratch {
    Connection *conn;        /* the frame's connection, once looked up */
    unsigned calls;          /* payload records dissected in this frame so far */
    bool handled;            /* TCP or TLS called us: the postdissector leaves the payload alone */
    bool timeline_fed;       /* the frame's TCP segment went into the connection's timeline */
    unsigned n_entries, dropped;
    TlsCall tls;             /* tls.cpp */
    InfoEntry entries[16];   /* the first n_entries are set; last, so that a reset can stop before it */
};
/* The frame's scratch, set up empty by its first use in the frame; _if_any: NULL before that. */
FrameScratch *frame_scratch(packet_info *pinfo);
FrameScratch *frame_scratch_if_any(packet_info *pinfo);

/* Info column: `text` joins the frame's other entries; an entry with the same `message`
 * is replaced. kContinued as `message` only fills an otherwise empty column. TCP's own
 * markers ([TCP Retransmission], [TCP Out-Of-Order] ...) stay in front. `text` must be
 * static or in pinfo->pool: the column points at it. */
extern const char kContinued[];
void set_info(packet_info *pinfo, FrameScratch *fs, const char *text, const void *message = NULL);

/* Records (records.cpp in walk.cpp): the frame's list, and appending one. */
PayloadRecord *new_payload_record(packet_info *pinfo, int direction, guint32 length);
PayloadRecord *payload_record(packet_info *pinfo, unsigned index); /* later passes */

/* First pass (walk.cpp): places the payload in its stream (`seq` NULL: bytes in order, as
 * TLS hands them over) and walks what can be walked. `rec` receives the units of its bytes
 * and the notes of this walk. `tcp` (NULL for TLS records): the segment as TCP sent it, for
 * the connection's timeline (stalls, closes, acknowledgements). */
void walk_payload(packet_info *pinfo, Connection *conn, PayloadRecord *rec, const guint8 *bytes, guint32 length,
                  const guint32 *seq, const dicom::TcpFacts *tcp);
/* First pass: a segment of stream `dir` whose payload (if any) is not walked: its TCP facts for
 * the timeline (`tcp`, may be NULL), and its acknowledgement of the other stream when that
 * stream waits for missing bytes (`ack_of_other`, may be NULL). Returns the record that got
 * notes (created for this frame), or NULL when nothing happened. */
PayloadRecord *walk_segment(packet_info *pinfo, Connection *conn, int dir, const dicom::TcpFacts *tcp,
                            const guint32 *ack_of_other);

/* Every pass (tree_stream.cpp): the tree, Info and taps of one payload record. `tvb` holds
 * the payload's bytes (a notes-only record has none). */
void build_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const PayloadRecord *rec, FrameScratch *fs);

int direction_from_requestor(const AssocRecord *rec, int direction); /* 1, 0, or -1 unknown */

/* Parsing outside of epan, tree building inside it. */
template <class T, class Parse> T *parse_noexcept(Parse &&parse) noexcept {
    try {
        std::unique_ptr<T> p(new T());
        parse(*p);
        return p.release();
    } catch (...) {
        return nullptr;
    }
}

/* Runs `build` (which may throw epan exceptions) and frees `obj` whichever way it ends. */
template <class T, class Build> void build_then_free(T *obj, Build &&build) {
    TRY {
        build(*obj);
    }
    CATCH_ALL {
        delete obj;
        RETHROW;
    }
    ENDTRY;
    delete obj;
}

template <class F> bool update_noexcept(F &&f) noexcept {
    try {
        f();
        return true;
    } catch (...) {
        return false;
    }
}
