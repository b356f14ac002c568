/* Shared by dissect.cpp (framing, association registry, non-P-DATA PDUs) and
 * dissect_pdata.cpp (P-DATA-TF, whole or streamed): the per-frame context, the Info column,
 * and running parsers and tree builders safely around Wireshark's exceptions. */
#pragma once

#include <memory>

#include <epan/exceptions.h>

#include "dissect.h"
#include "stream.hpp"

/* Per frame, not per call: TCP calls the dissector twice for a segment that ends one
 * reassembled PDU and starts another, and both calls must share these. The Info column is
 * rebuilt from `entries` each time, so that a message whose command and data set complete
 * in the same frame is listed once. */
struct InfoEntry {
    const void *message; /* the DIMSE message the entry describes, or NULL */
    const char *text;
};

struct SegmentContext {
    int pdu_index; /* ordinal of the PDU being dissected within the frame */
    unsigned calls; /* calls of the dissector in this frame (TCP may make two) */
    ConvState *cs;  /* the conversation's, looked up once per call */
    dicom::StreamCursor *cursor; /* this direction's walk (stream.hpp) */
    dicom::Unit unit;             /* what get_pdu_len said comes next */
    unsigned n_entries, dropped;
    InfoEntry entries[16];
};

/* Info column: `text` joins the frame's other entries; an entry with the same `message`
 * is replaced. kContinued as `message` only fills an otherwise empty column. */
extern const char kContinued[];
void set_info(packet_info *pinfo, SegmentContext *seg, const char *text, const void *message = NULL);

AssocRecord *record_for(packet_info *pinfo, bool is_rq, ConvState *cs);
int direction(const AssocRecord *rec, packet_info *pinfo); /* 1 from the requestor, 0, -1 unknown */

/* P-DATA-TF (dissect_pdata.cpp) */
void dissect_pdata(const PduContext &c, dicom::ByteView view, SegmentContext *seg, guint32 pdu_length);
int dissect_stream_unit(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, SegmentContext *seg,
                        const dicom::StreamCursor &before, const dicom::StreamCursor &after);

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

