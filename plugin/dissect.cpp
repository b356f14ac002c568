/* Entry points and the order of the phases. Every payload, however it reaches us, runs
 * through the same steps: on the first pass it is placed in its direction's stream and
 * walked (walk.cpp: parse, update state, record); on every pass its record is turned into
 * the tree, Info and taps (tree_stream.cpp: build, publish).
 *
 * Payloads reach us three ways: TCP calls the dissector (port, heuristic, conversation), TLS
 * hands over decrypted records, and the postdissector picks up the TCP payloads of our
 * connections that TCP did not hand over. With its default preferences TCP keeps a segment
 * it takes for a retransmission to itself, yet at the receiver such a segment is often the
 * one that fills a gap; with out-of-order reassembly on, TCP holds segments after a gap
 * until the gap fills, and a gap the capture missed never fills. The postdissector also
 * reads each segment's acknowledgement: the receiver acknowledging bytes the capture does
 * not hold is how a capture gap is told from a late segment. */
#include "dissect.h"
#include "dissect_internal.h"

#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/dissectors/packet-tcp.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

#include "compat.h"
#include "fields.h"
#include "ul/pdu.hpp"
#include "tcp/tcp_segment.hpp"
#include "tcp/tls_sniff.hpp"

DicomPrefs dicom_prefs;

static dissector_handle_t dicom_handle, post_handle;
static protocol_t *dicom_protocol;
static int proto_tcp_ref = -1;

/* The preference, kept below what 32-bit lengths can carry. */
guint32 dicom_pdu_cap(void) { return dicom_prefs.max_pdu_cap < 0x7FFFFFF0u ? dicom_prefs.max_pdu_cap : 0x7FFFFFF0u; }

/* ---- per frame: calls and the Info column ------------------------------------------------ */

/* One frame is dissected at a time, and Wireshark frees the packet pool (pinfo->pool) after
 * each. So the frame's scratch is one object, valid while its pool has not been freed since it
 * was set up: a callback on the pool says when. A proto-data entry per frame would cost an
 * allocation, a list insertion and two list searches on every frame. */
namespace {

struct ScratchSlot {
    wmem_allocator_t *pool = nullptr; /* the packet pool of the frame it belongs to */
    guint32 frame = 0;
    bool live = false;
    FrameScratch fs;
};
ScratchSlot scratch_slot;
/* pools that carry the callback; few: one per epan_dissect_t alive at a time */
std::vector<wmem_allocator_t *> watched_pools;

dicom_wmem_cb_result packet_pool_freed(wmem_allocator_t *pool, wmem_cb_event_t event, void *) {
    if (scratch_slot.pool == pool) scratch_slot.live = false;
    if (event == WMEM_CB_FREE_EVENT) return true; /* the pool serves the next frame */
    watched_pools.erase(std::remove(watched_pools.begin(), watched_pools.end(), pool), watched_pools.end());
    return false;
}

} // namespace

FrameScratch *frame_scratch_if_any(packet_info *pinfo) {
    const ScratchSlot &s = scratch_slot;
    return s.live && s.pool == pinfo->pool && s.frame == pinfo->num ? &scratch_slot.fs : NULL;
}

FrameScratch *frame_scratch(packet_info *pinfo) {
    if (FrameScratch *fs = frame_scratch_if_any(pinfo)) return fs;
    if (std::find(watched_pools.begin(), watched_pools.end(), pinfo->pool) == watched_pools.end()) {
        try {
            watched_pools.push_back(pinfo->pool);
            wmem_register_callback(pinfo->pool, packet_pool_freed, NULL);
        } catch (...) {
            /* out of memory: the pool is not watched, and the frame number (checked above)
             * is what tells its frames apart */
        }
    }
    scratch_slot.pool = pinfo->pool;
    scratch_slot.frame = pinfo->num;
    scratch_slot.live = true;
    static_assert(std::is_trivially_copyable<FrameScratch>::value, "FrameScratch is reset with memset");
    memset(&scratch_slot.fs, 0, offsetof(FrameScratch, entries)); /* entries count from n_entries */
    return &scratch_slot.fs;
}

const char kContinued[] = "P-DATA (continued)";

void set_info(packet_info *pinfo, FrameScratch *fs, const char *text, const void *message) {
    if (message == kContinued && fs->n_entries) return;
    if (fs->n_entries == 1 && fs->entries[0].message == kContinued) fs->n_entries = 0;
    unsigned i = 0;
    while (i < fs->n_entries && !(message && fs->entries[i].message == message)) ++i;
    if (i < fs->n_entries)
        fs->entries[i].text = text;
    else if (fs->n_entries < G_N_ELEMENTS(fs->entries))
        fs->entries[fs->n_entries++] = InfoEntry{message, text};
    else
        ++fs->dropped;
    /* col_set_str replaces what follows the column's fence, so what TCP put before it ([TCP
     * Retransmission] ...) stays. Every text is static or in pinfo->pool: without a fence the
     * column points at it instead of copying. */
    if (fs->n_entries == 1 && !fs->dropped) { /* the common case: no joining */
        col_set_str(pinfo->cinfo, COL_INFO, fs->entries[0].text);
        return;
    }
    wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, "");
    for (unsigned k = 0; k < fs->n_entries; ++k) {
        if (k) wmem_strbuf_append(b, " | ");
        wmem_strbuf_append(b, fs->entries[k].text);
    }
    if (fs->dropped) wmem_strbuf_append_printf(b, " | (%u more)", fs->dropped);
    col_set_str(pinfo->cinfo, COL_INFO, wmem_strbuf_get_str(b));
}

/* ---- one payload: walk (first pass), then tree ------------------------------------------ */

static int dissect_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, FrameScratch *fs, Connection *conn,
                           int dir, const guint32 *seq, const dicom::TcpFacts *tcp) {
    const guint32 len = tvb_captured_length(tvb);
    PayloadRecord *rec;
    if (!PINFO_FD_VISITED(pinfo)) {
        rec = new_payload_record(pinfo, dir, len);
        walk_payload(pinfo, conn, rec, len ? tvb_get_ptr(tvb, 0, (gint)len) : NULL, len, seq, tcp);
    } else {
        rec = payload_record(pinfo, fs->calls);
        if (rec && rec->length != len) rec = NULL; /* not the payload the first pass saw here */
    }
    fs->calls++;
    if (rec) build_payload(tvb, pinfo, tree, rec, fs);
    return (int)len;
}

/* The frame's TCP segment as captured: for payloads TCP did not hand over, and for the
 * acknowledgement numbers of segments without payload. */
static bool frame_segment(tvbuff_t *frame, packet_info *pinfo, Connection *conn, dicom::TcpSegment &seg) {
    if ((pinfo->src.type != AT_IPv4 && pinfo->src.type != AT_IPv6) || pinfo->dst.type != pinfo->src.type) return false;
    dicom::TcpEndpoints e;
    e.src_ip = dicom::ByteView((const guint8 *)pinfo->src.data, (size_t)pinfo->src.len);
    e.dst_ip = dicom::ByteView((const guint8 *)pinfo->dst.data, (size_t)pinfo->dst.len);
    e.src_port = (guint16)pinfo->srcport;
    e.dst_port = (guint16)pinfo->destport;
    const guint n = tvb_captured_length(frame);
    return dicom::locate_tcp_segment(dicom::ByteView(tvb_get_ptr(frame, 0, (gint)n), n), e, seg, &conn->ip_offset);
}

/* What the timeline needs of a segment. */
static dicom::TcpFacts tcp_facts(packet_info *pinfo, const dicom::TcpSegment &seg) {
    dicom::TcpFacts f;
    f.frame = pinfo->num;
    f.time = nstime_to_sec(&pinfo->abs_ts);
    f.seq = seg.seq;
    f.ack = seg.ack;
    f.flags = seg.flags;
    f.window = seg.window;
    f.window_scale = seg.window_scale;
    f.length = (guint32)seg.payload_length;
    return f;
}

/* How TCP numbers this direction (relative to its first byte, by default) against the
 * wire's numbers: learnt from a payload TCP handed over, used for those it did not. */
static void learn_numbering(tvbuff_t *payload, packet_info *pinfo, Connection *conn, int dir, guint32 tcp_seq) {
    tvbuff_t *frame = tvb_get_ds_tvb(payload);
    dicom::TcpSegment seg;
    if (!frame || !frame_segment(frame, pinfo, conn, seg) || (gint)seg.payload_offset != tvb_raw_offset(payload)) return;
    conn->seq_delta[dir] = seg.seq - tcp_seq;
    conn->numbering_known[dir] = true;
}

/* Whether TCP called us (then `data` is its struct tcpinfo), directly or through our own
 * handle on the TLS port; TLS hands over decrypted data with data of its own. */
static bool called_by_tcp(packet_info *pinfo) {
    wmem_list_frame_t *f = wmem_list_tail(pinfo->layers);
    while (f && GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto_dicom_ul) f = wmem_list_frame_prev(f);
    return f && GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto_tcp_ref;
}

static int dissect_dicom_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data) {
    FrameScratch *fs = frame_scratch(pinfo);
    Connection *conn = fs->conn ? fs->conn : (fs->conn = dicom_connection(pinfo));
    if (!conn) return (int)tvb_captured_length(tvb);
    /* Decrypted data handed over by TLS is plain DICOM in order; anything else may be a TLS
     * client or server that should not be on this port. */
    if (dicom_tls_decrypted_call(pinfo) || !called_by_tcp(pinfo)) {
        fs->handled = true;
        return dissect_payload(tvb, pinfo, tree, fs, conn, dicom_direction(pinfo), NULL, NULL);
    }
    if (conn->transport == Transport::Unknown && tvb_captured_length(tvb) > 0) {
        guint n = tvb_captured_length(tvb);
        dicom::TlsRecordStart r;
        bool tls = dicom::looks_like_tls_hello(dicom::ByteView(tvb_get_ptr(tvb, 0, n), n), r);
        conn->transport = tls ? Transport::TlsOnPlainPort : Transport::Plain;
    }
    if (conn->transport == Transport::TlsOnPlainPort) return dicom_dissect_tls_on_plain_port(tvb, pinfo, tree, conn);
    fs->handled = true;
    const auto *tcp = (const struct tcpinfo *)data;
    guint32 seq = tcp ? tcp->seq : 0;
    const int dir = dicom_direction(pinfo);
    if (tcp && !tcp->is_reassembled && !conn->numbering_known[dir]) learn_numbering(tvb, pinfo, conn, dir, seq);
    /* the segment itself, for the timeline: read from the frame (a reassembled payload has no
     * frame of its own here; the postdissector feeds those) */
    dicom::TcpFacts facts;
    bool have_facts = false;
    if (tcp && !tcp->is_reassembled && !PINFO_FD_VISITED(pinfo) && !fs->timeline_fed) {
        dicom::TcpSegment seg;
        tvbuff_t *frame = tvb_get_ds_tvb(tvb);
        if (frame && frame_segment(frame, pinfo, conn, seg)) {
            facts = tcp_facts(pinfo, seg);
            have_facts = fs->timeline_fed = true;
        }
    }
    return dissect_payload(tvb, pinfo, tree, fs, conn, dir, tcp ? &seq : NULL, have_facts ? &facts : NULL);
}

int dicom_dissect_plain(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data) {
    return dissect_dicom_tcp(tvb, pinfo, tree, data);
}

/* ---- the postdissector: what TCP did not hand over, and acknowledgements ----------------- */

/* From 4.4 on the columns are not writable in a postdissector by default: what the plugin
 * finds in the frame's DICOM bytes belongs in them as much as a dissector's would. */
static void columns_writable(packet_info *pinfo) {
    col_set_writable(pinfo->cinfo, COL_INFO, TRUE);
    col_set_writable(pinfo->cinfo, COL_PROTOCOL, TRUE);
}

static int dissect_post(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *) {
    if (pinfo->ptype != PT_TCP || pinfo->flags.in_error_pkt) return 0;
    FrameScratch *fs = frame_scratch_if_any(pinfo);
    Connection *conn = fs && fs->conn ? fs->conn : dicom_known_connection(pinfo);
    if (!conn || conn->transport == Transport::Tls || conn->transport == Transport::TlsOnPlainPort ||
        conn->transport == Transport::Unknown || !proto_is_protocol_enabled(dicom_protocol))
        return 0;
    const bool first = !PINFO_FD_VISITED(pinfo);
    /* the common case on the first pass: TCP handed the payload over and it went into the
     * timeline, and neither stream waits for an acknowledgement of missing bytes */
    if (first && fs && fs->handled && fs->timeline_fed && !conn->stream[0].holding() && !conn->stream[1].holding())
        return 0;
    /* the handle has no protocol (see dicom_register_dissector): what Wireshark would set */
    pinfo->current_proto = proto_get_protocol_short_name(dicom_protocol);
    const int dir = dicom_direction(pinfo);
    dicom::TcpSegment seg;
    bool located = false;
    if (!fs || !fs->handled) { /* TCP kept this payload to itself, or the segment has none */
        located = frame_segment(tvb, pinfo, conn, seg);
        if (located && (seg.flags & TH_SYN)) dicom_forget_recent_connection(pinfo); /* a new connection */
        if (located && seg.payload_length && conn->numbering_known[dir]) {
            if (!fs) fs = frame_scratch(pinfo);
            columns_writable(pinfo);
            tvbuff_t *sub = tvb_new_subset_length(tvb, (gint)seg.payload_offset, (gint)seg.payload_length);
            const guint32 s = seg.seq - conn->seq_delta[dir];
            const dicom::TcpFacts facts = tcp_facts(pinfo, seg);
            fs->timeline_fed = first;
            dissect_payload(sub, pinfo, tree, fs, conn, dir, &s, first ? &facts : NULL);
        }
    }
    if (first) {
        /* The segment for the timeline, unless its payload already took it there; and its
         * acknowledgement of the other stream, which matters while that stream waits for
         * missing bytes. */
        const bool feed = !(fs && fs->timeline_fed);
        const bool ack_check = conn->stream[1 - dir].holding() && conn->numbering_known[1 - dir];
        if (!feed && !ack_check) return 0;
        if (!located && !(located = frame_segment(tvb, pinfo, conn, seg))) return 0;
        const dicom::TcpFacts facts = tcp_facts(pinfo, seg);
        const guint32 ack = seg.ack - conn->seq_delta[1 - dir];
        const bool ack_matters = ack_check && (seg.flags & TH_ACK) && conn->stream[1 - dir].ack_matters(ack);
        if (!feed && !ack_matters) return 0;
        if (PayloadRecord *rec = walk_segment(pinfo, conn, dir, feed ? &facts : NULL, ack_matters ? &ack : NULL)) {
            if (!fs) fs = frame_scratch(pinfo);
            columns_writable(pinfo);
            fs->calls++;
            build_payload(tvb, pinfo, tree, rec, fs);
        }
        return 0;
    }
    /* later passes: the notes the first pass made here without a payload of this frame */
    for (PayloadRecord *rec = payload_record(pinfo, fs ? fs->calls : 0); rec; rec = rec->next) {
        if (rec->length) continue;
        if (!fs) fs = frame_scratch(pinfo);
        columns_writable(pinfo);
        fs->calls++;
        build_payload(tvb, pinfo, tree, rec, fs);
    }
    return 0;
}

/* ---- heuristic and registration ----------------------------------------------------------- */

static dicom_heur_result dissect_dicom_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                            void *data) {
    guint n = tvb_captured_length(tvb);
    if (n > 256) n = 256;
    dicom::ByteView head(tvb_get_ptr(tvb, 0, n), n);
    if (!dicom::looks_like_associate_rq(head) &&
        !(dicom_prefs.heuristic_midstream && dicom::looks_like_midstream_pdu(head, dicom_pdu_cap())))
        return FALSE;
    /* From now on the whole conversation is ours: no other heuristic sees its payload. */
    conversation_set_dissector(find_or_create_conversation(pinfo), dicom_handle);
    dissect_dicom_tcp(tvb, pinfo, tree, data);
    return TRUE;
}

void dicom_register_dissector(void) {
    dicom_handle = register_dissector("dicom_ul", dissect_dicom_tcp, proto_dicom_ul);
    /* Without a protocol: Wireshark calls a postdissector for every frame of the capture, and
     * for a handle with one it first checks that the protocol is enabled, names it the current
     * protocol and records it as a layer. dissect_post does the first two itself, once it knows
     * the frame is ours; the layer list is not needed (frame.protocols is built before the
     * postdissectors run). */
    post_handle = register_dissector("dicom_ul_stream", dissect_post, -1);
    dicom_protocol = find_protocol_by_id(proto_dicom_ul);
    dicom_register_capture();
    dicom_register_export();
    dicom_register_timing();
}

void dicom_handoff(void) {
    dissector_add_uint_range_with_preference("tcp.port", "104,11112", dicom_handle);
    heur_dissector_add("tcp", dissect_dicom_heur, "DICOM Upper Layer over TCP (A-ASSOCIATE-RQ)",
                       "dicom_ul_tcp", proto_dicom_ul, HEURISTIC_ENABLE);
    dicom_tls_handoff(dicom_handle);
    proto_tcp_ref = proto_get_id_by_filter_name("tcp");
    /* for the TCP payloads of our connections that TCP keeps to itself, and for acknowledgements */
    register_postdissector(post_handle);
}
