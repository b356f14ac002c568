/* Entry points and the order of the phases. Every payload, however it reaches us, runs
 * through the same steps: on the first pass it goes to its connection (the core's
 * dicom::Connection: parse, update state), which tells the record writer what it did
 * (model/record_writer.h: record); on every pass its record is turned into the tree, Info
 * and taps (view/payload_view.h: build, publish).
 *
 * Payloads reach us three ways: TCP calls the dissector (port, heuristic, conversation), TLS
 * hands over decrypted records, and the postdissector picks up the TCP payloads of our
 * connections that TCP did not hand over. With its default preferences TCP keeps a segment
 * it takes for a retransmission to itself, yet at the receiver such a segment is often the
 * one that fills a gap; with out-of-order reassembly on, TCP holds segments after a gap
 * until the gap fills, and a gap the capture missed never fills. The postdissector also
 * reads each segment's acknowledgement: the receiver acknowledging bytes the capture does
 * not hold is how a capture gap is told from a late segment. */
#include "entry/tcp_entry.h"

#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/dissectors/packet-tcp.h>

#include "compat.h"
#include "entry/frame_scratch.h"
#include "entry/tls_entry.h"
#include "export/export.h"
#include "fields.h"
#include "model/record_writer.h"
#include "model/registry.h"
#include "prefs.h"
#include "tcp/tcp_segment.hpp"
#include "tcp/tls_sniff.hpp"
#include "ul/pdu.hpp"
#include "view/payload_view.h"

static dissector_handle_t dicom_handle, post_handle;
static protocol_t *dicom_protocol;
static int proto_tcp_ref = -1;

/* ---- one payload: walk (first pass), then tree ------------------------------------------ */

/* The frame as the connection needs it. */
static dicom::Packet packet_of(packet_info *pinfo, int dir) {
    dicom::Packet p;
    p.frame = pinfo->num;
    p.time = nstime_to_sec(&pinfo->abs_ts);
    p.direction = dir;
    p.src = dicom_source(pinfo);
    p.dst = dicom_destination(pinfo);
    p.keep_for_export = dicom_export_wanted();
    return p;
}

/* First pass: the payload to its connection (`seq` NULL: bytes in order, as TLS hands them
 * over), which records what it did in `rec` and the frame's notes. No epan function is called
 * in here: a C++ exception (out of memory) ends the walk, nothing else can. */
static void walk_payload(packet_info *pinfo, dicom::Connection *conn, PayloadRecord *rec, const guint8 *bytes,
                         guint32 length, const guint32 *seq, const dicom::TcpFacts *tcp) {
    try {
        const dicom::Packet p = packet_of(pinfo, rec->direction);
        RecordWriter writer(pinfo->num, rec, dicom_export_sink());
        conn->payload(p, dicom::Origin{rec, pinfo->num, 0}, dicom::ByteView(bytes, length), seq, tcp, writer);
    } catch (...) {
    }
}

/* First pass: a segment whose payload is not walked (see dicom::Connection::segment). Returns
 * the record that got notes (created for this frame), or NULL when nothing happened. */
static PayloadRecord *walk_segment(packet_info *pinfo, dicom::Connection *conn, int dir, const dicom::TcpFacts *tcp,
                                   const guint32 *ack_of_other) {
    RecordWriter writer(pinfo->num, NULL, dicom_export_sink());
    try {
        conn->segment(packet_of(pinfo, dir), tcp, ack_of_other, writer);
    } catch (...) {
    }
    return writer.current();
}

static int dissect_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, FrameScratch *fs,
                           dicom::Connection *conn, int dir, const guint32 *seq, const dicom::TcpFacts *tcp) {
    const guint32 len = tvb_captured_length(tvb);
    const PayloadRecord *rec;
    if (!PINFO_FD_VISITED(pinfo)) {
        PayloadRecord *fresh = dicom_new_payload_record(pinfo->num, dir, len);
        walk_payload(pinfo, conn, fresh, len ? tvb_get_ptr(tvb, 0, (gint)len) : NULL, len, seq, tcp);
        rec = fresh;
    } else {
        rec = dicom_payload_record(pinfo->num, fs->calls);
        if (rec && rec->length != len) rec = NULL; /* not the payload the first pass saw here */
    }
    fs->calls++;
    if (rec) build_payload(tvb, pinfo, tree, rec, fs->info);
    return (int)len;
}

/* The frame's TCP segment as captured: for payloads TCP did not hand over, and for the
 * acknowledgement numbers of segments without payload. */
static bool frame_segment(tvbuff_t *frame, packet_info *pinfo, dicom::Connection *conn, dicom::TcpSegment &seg) {
    if ((pinfo->src.type != AT_IPv4 && pinfo->src.type != AT_IPv6) || pinfo->dst.type != pinfo->src.type) return false;
    dicom::TcpEndpoints e;
    e.src_ip = dicom::ByteView((const guint8 *)pinfo->src.data, (size_t)pinfo->src.len);
    e.dst_ip = dicom::ByteView((const guint8 *)pinfo->dst.data, (size_t)pinfo->dst.len);
    e.src_port = (guint16)pinfo->srcport;
    e.dst_port = (guint16)pinfo->destport;
    const guint n = tvb_captured_length(frame);
    return dicom::locate_tcp_segment(dicom::ByteView(tvb_get_ptr(frame, 0, (gint)n), n), e, seg, &conn->frame_ip_offset);
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
static void learn_numbering(tvbuff_t *payload, packet_info *pinfo, dicom::Connection *conn, int dir, guint32 tcp_seq) {
    tvbuff_t *frame = tvb_get_ds_tvb(payload);
    dicom::TcpSegment seg;
    if (!frame || !frame_segment(frame, pinfo, conn, seg) || (gint)seg.payload_offset != tvb_raw_offset(payload)) return;
    conn->learn_numbering(dir, seg.seq, tcp_seq);
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
    dicom::Connection *conn = fs->conn ? fs->conn : (fs->conn = dicom_connection(pinfo));
    if (!conn) return (int)tvb_captured_length(tvb);
    /* Decrypted data handed over by TLS is plain DICOM in order; anything else may be a TLS
     * client or server that should not be on this port. */
    if (dicom_tls_decrypted_call(pinfo) || !called_by_tcp(pinfo)) {
        fs->handled = true;
        return dissect_payload(tvb, pinfo, tree, fs, conn, dicom_direction(pinfo), NULL, NULL);
    }
    if (conn->transport == dicom::Transport::Unknown && tvb_captured_length(tvb) > 0) {
        guint n = tvb_captured_length(tvb);
        dicom::TlsRecordStart r;
        bool tls = dicom::looks_like_tls_hello(dicom::ByteView(tvb_get_ptr(tvb, 0, n), n), r);
        conn->transport = tls ? dicom::Transport::TlsOnPlainPort : dicom::Transport::Plain;
    }
    if (conn->transport == dicom::Transport::TlsOnPlainPort) return dicom_dissect_tls_on_plain_port(tvb, pinfo, tree, conn);
    fs->handled = true;
    const auto *tcp = (const struct tcpinfo *)data;
    guint32 seq = tcp ? tcp->seq : 0;
    const int dir = dicom_direction(pinfo);
    if (tcp && !tcp->is_reassembled && !conn->numbering_known(dir)) learn_numbering(tvb, pinfo, conn, dir, seq);
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
    dicom::Connection *conn = fs && fs->conn ? fs->conn : dicom_known_connection(pinfo);
    if (!conn || conn->transport == dicom::Transport::Tls || conn->transport == dicom::Transport::TlsOnPlainPort ||
        conn->transport == dicom::Transport::Unknown || !proto_is_protocol_enabled(dicom_protocol))
        return 0;
    const bool first = !PINFO_FD_VISITED(pinfo);
    /* the common case on the first pass: TCP handed the payload over and it went into the
     * timeline, and neither stream waits for an acknowledgement of missing bytes */
    if (first && fs && fs->handled && fs->timeline_fed && !conn->holding(0) && !conn->holding(1))
        return 0;
    /* the handle has no protocol (see dicom_register_dissector): what Wireshark would set */
    pinfo->current_proto = proto_get_protocol_short_name(dicom_protocol);
    const int dir = dicom_direction(pinfo);
    dicom::TcpSegment seg;
    bool located = false;
    if (!fs || !fs->handled) { /* TCP kept this payload to itself, or the segment has none */
        located = frame_segment(tvb, pinfo, conn, seg);
        if (located && (seg.flags & TH_SYN)) dicom_forget_recent_connection(pinfo); /* a new connection */
        if (located && seg.payload_length && conn->numbering_known(dir)) {
            if (!fs) fs = frame_scratch(pinfo);
            columns_writable(pinfo);
            tvbuff_t *sub = tvb_new_subset_length(tvb, (gint)seg.payload_offset, (gint)seg.payload_length);
            const guint32 s = conn->relative_seq(dir, seg.seq);
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
        const bool ack_check = conn->holding(1 - dir) && conn->numbering_known(1 - dir);
        if (!feed && !ack_check) return 0;
        if (!located && !(located = frame_segment(tvb, pinfo, conn, seg))) return 0;
        const dicom::TcpFacts facts = tcp_facts(pinfo, seg);
        const guint32 ack = conn->relative_seq(1 - dir, seg.ack);
        const bool ack_matters = ack_check && (seg.flags & TH_ACK) && conn->ack_matters(1 - dir, ack);
        if (!feed && !ack_matters) return 0;
        if (PayloadRecord *rec = walk_segment(pinfo, conn, dir, feed ? &facts : NULL, ack_matters ? &ack : NULL)) {
            if (!fs) fs = frame_scratch(pinfo);
            columns_writable(pinfo);
            fs->calls++;
            build_payload(tvb, pinfo, tree, rec, fs->info);
        }
        return 0;
    }
    /* later passes: the notes the first pass made here without a payload of this frame */
    for (const PayloadRecord *rec = dicom_payload_record(pinfo->num, fs ? fs->calls : 0); rec; rec = rec->next) {
        if (rec->length) continue;
        if (!fs) fs = frame_scratch(pinfo);
        columns_writable(pinfo);
        fs->calls++;
        build_payload(tvb, pinfo, tree, rec, fs->info);
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
}

void dicom_handoff(void) {
    dissector_add_uint_range_with_preference("tcp.port", "104,11112", dicom_handle);
    heur_dissector_add("tcp", dissect_dicom_heur, "DICOM Upper Layer over TCP (A-ASSOCIATE-RQ)",
                       "dicom_ul_tcp", proto_dicom_ul, HEURISTIC_ENABLE);
    dicom_tls_handoff(dicom_handle, dissect_dicom_tcp);
    proto_tcp_ref = proto_get_id_by_filter_name("tcp");
    /* for the TCP payloads of our connections that TCP keeps to itself, and for acknowledgements */
    register_postdissector(post_handle);
}
