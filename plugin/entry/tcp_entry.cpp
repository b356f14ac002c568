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
static dissector_table_t tcp_port_table;

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
    return dicom::locate_tcp_segment(dicom::ByteView(tvb_get_ptr(frame, 0, (gint)n), n), e, seg,
                                     conn ? &conn->frame_ip_offset : NULL);
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
    f.ip_id = seg.ip_id;
    f.checksum = seg.checksum;
    return f;
}

/* What TCP's analysis knows about the connection from before it was ours, read once at its
 * first payload: the window scales of its SYNs, and where both streams start (TCP's relative
 * numbering counts from each SYN, numbered 0, so the wire's numbers of this segment minus
 * TCP's give them; `tcp` may be null: a payload TCP kept to itself). */
static void learn_from_tcp_analysis(packet_info *pinfo, dicom::Connection *conn, int dir, const struct tcpinfo *tcp,
                                    const dicom::TcpSegment &seg) {
    conn->tcp_analysis_read = true;
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    struct tcp_analysis *tcpd = conv ? get_tcp_conversation_data(conv, pinfo) : NULL;
    if (!tcpd || !tcpd->fwd || !tcpd->rev) return;
    /* a flow's window scale is -1 until its SYN is seen (-2: seen, no scaling); `fwd` is the
     * flow of this packet's sender */
    const int fwd = tcpd->fwd->win_scale, rev = tcpd->rev->win_scale;
    if (fwd != -1 && rev != -1) conn->know_window_scales(dir == 0 ? fwd : rev, dir == 0 ? rev : fwd);
    /* TCP noted the server's port from a SYN or SYN-ACK it saw: the other side opened it */
    if (tcpd->server_port && pinfo->srcport != pinfo->destport &&
        (tcpd->server_port == pinfo->srcport || tcpd->server_port == pinfo->destport))
        conn->opened_by(tcpd->server_port == pinfo->srcport ? 1 - dir : dir);
    if (!tcp || seg.seq == tcp->seq) return; /* no TCP numbers, or TCP numbers as the wire does */
    if (fwd != -1) conn->stream_starts_after(dir, seg.seq - tcp->seq);
    if (rev != -1 && (seg.flags & TH_ACK)) conn->stream_starts_after(1 - dir, seg.ack - tcp->lastackseq);
}

/* A frame of a connection on one of our ports that is not ours yet (TCP did not call us):
 * its SYN says where its stream starts; a payload TCP kept to itself (a retransmission, as a
 * mirror port's copy captured after its acknowledgement looks to TCP) is plain DICOM unless
 * it starts TLS. Returns the connection, null when there is none. */
static bool heuristic_enabled(void) {
    heur_dtbl_entry_t *h = find_heur_dissector_by_unique_short_name("dicom_ul_tcp");
    return h && h->enabled;
}

/* A payload TCP kept to itself (it flags an out-of-order first segment, for one) that opens an
 * association on a port the heuristic watches: claimed as the heuristic would have. Payloads no
 * dissector took are remembered meanwhile (dicom_remember_unclaimed). */
static dicom::Connection *claim_elsewhere(tvbuff_t *tvb, packet_info *pinfo) {
    if (!heuristic_enabled()) return NULL;
    dicom::TcpSegment seg;
    if (!frame_segment(tvb, pinfo, NULL, seg) || !seg.payload_length) return NULL;
    const guint8 *payload = tvb_get_ptr(tvb, (gint)seg.payload_offset, (gint)seg.payload_length);
    const guint n = seg.payload_length < 256 ? seg.payload_length : 256;
    if (!dicom::looks_like_associate_rq(dicom::ByteView(payload, n))) {
        dicom_remember_unclaimed(pinfo, seg.seq, payload, seg.payload_length);
        return NULL;
    }
    conversation_set_dissector(find_or_create_conversation(pinfo), dicom_handle);
    dicom::Connection *conn = dicom_connection(pinfo);
    if (conn) conn->transport = dicom::Transport::Plain;
    return conn;
}

static dicom::Connection *claim_on_our_port(tvbuff_t *tvb, packet_info *pinfo, dicom::Connection *conn) {
    if (dissector_get_uint_handle(tcp_port_table, pinfo->srcport) != dicom_handle &&
        dissector_get_uint_handle(tcp_port_table, pinfo->destport) != dicom_handle)
        return conn ? conn : claim_elsewhere(tvb, pinfo);
    dicom::TcpSegment seg;
    if (!frame_segment(tvb, pinfo, conn, seg)) return conn;
    if (seg.flags & TH_SYN) {
        dicom_forget_recent_connection(pinfo); /* perhaps a new connection on reused ports */
        if ((conn = dicom_connection(pinfo))) {
            conn->stream_starts_after(dicom_direction(pinfo), seg.seq);
            conn->opened_by(seg.flags & TH_ACK ? 1 - dicom_direction(pinfo) : dicom_direction(pinfo));
        }
        return conn;
    }
    if (!seg.payload_length || (conn && conn->transport != dicom::Transport::Unknown)) return conn;
    dicom::TlsRecordStart r;
    const guint n = seg.payload_length < 256 ? seg.payload_length : 256;
    if (dicom::looks_like_tls_hello(dicom::ByteView(tvb_get_ptr(tvb, (gint)seg.payload_offset, (gint)n), n), r)) return conn;
    if (!conn && !(conn = dicom_connection(pinfo))) return NULL;
    conn->transport = dicom::Transport::Plain;
    return conn;
}

/* Whether TCP called us (then `data` is its struct tcpinfo), directly or through our own
 * handle on the TLS port; TLS hands over decrypted data with data of its own. */
static bool called_by_tcp(packet_info *pinfo) {
    wmem_list_frame_t *f = wmem_list_tail(pinfo->layers);
    while (f && GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto_dicom_ul) f = wmem_list_frame_prev(f);
    return f && GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto_tcp_ref;
}

/* The side on a port DICOM is registered on (plain or TLS), when the other is not on one: the
 * acceptor, most likely (evidence for the roles when the A-ASSOCIATE is not in the capture). */
static void note_listening_side(packet_info *pinfo, dicom::Connection *conn) {
    auto registered = [](guint32 port) {
        return dissector_get_uint_handle(tcp_port_table, port) == dicom_handle || (port && port == dicom_prefs.tls_port);
    };
    const bool src = registered(pinfo->srcport), dst = registered(pinfo->destport);
    if (src != dst) conn->listens(src ? dicom_direction(pinfo) : 1 - dicom_direction(pinfo));
}

static int dissect_dicom_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data) {
    FrameScratch *fs = frame_scratch(pinfo);
    dicom::Connection *conn = fs->conn ? fs->conn : (fs->conn = dicom_connection(pinfo));
    if (!conn) return (int)tvb_captured_length(tvb);
    if (!conn->ports_read && !PINFO_FD_VISITED(pinfo)) {
        conn->ports_read = true;
        note_listening_side(pinfo, conn);
    }
    /* Decrypted data handed over by TLS is plain DICOM in order; anything else may be a TLS
     * client or server that should not be on this port. */
    if (dicom_tls_decrypted_call(pinfo) || !called_by_tcp(pinfo)) {
        fs->handled = true;
        /* TLS's: the postdissector leaves its (encrypted) segments alone */
        if (conn->transport == dicom::Transport::Unknown) conn->transport = dicom::Transport::Tls;
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
    /* The segment itself, as captured: its sequence numbers as on the wire (the numbering the
     * postdissector reads from frames TCP keeps to itself), and its facts for the timeline (a
     * reassembled payload has no frame of its own here; the postdissector feeds those). */
    dicom::TcpFacts facts;
    bool have_facts = false;
    if (tcp && !tcp->is_reassembled && !PINFO_FD_VISITED(pinfo)) {
        dicom::TcpSegment seg;
        tvbuff_t *frame = tvb_get_ds_tvb(tvb);
        if (frame && frame_segment(frame, pinfo, conn, seg)) {
            if (!conn->tcp_analysis_read) learn_from_tcp_analysis(pinfo, conn, dir, tcp, seg);
            conn->wire_minus_tcp_seq[dir & 1] = seg.seq - tcp->seq;
            conn->wire_minus_tcp_known[dir & 1] = true;
            seq = seg.seq;
            if (!fs->timeline_fed) {
                facts = tcp_facts(pinfo, seg);
                have_facts = fs->timeline_fed = true;
            }
        }
    }
    /* a reassembled payload (out-of-order reassembly filled a gap) is numbered as TCP numbers */
    if (tcp && tcp->is_reassembled && conn->wire_minus_tcp_known[dir & 1]) seq = tcp->seq + conn->wire_minus_tcp_seq[dir & 1];
    return dissect_payload(tvb, pinfo, tree, fs, conn, dir, tcp ? &seq : NULL, have_facts ? &facts : NULL);
}

/* ---- the postdissector: what TCP did not hand over, and acknowledgements ----------------- */

/* From 4.4 on the columns are not writable in a postdissector by default: what the plugin
 * finds in the frame's DICOM bytes belongs in them as much as a dissector's would. */
static void columns_writable(packet_info *pinfo) {
    col_set_writable(pinfo->cinfo, COL_INFO, TRUE);
    col_set_writable(pinfo->cinfo, COL_PROTOCOL, TRUE);
}

/* A segment TCP kept to itself on the DICOM-over-TLS port (the only one whose connections wait
 * undecided): one that starts a PDU says plain DICOM, as the TLS entry would have decided; one
 * that starts a TLS record is TLS's (false: not ours to walk); anything else is walked as plain
 * without deciding, as that entry does with a later segment captured first. */
static bool decide_kept_segment(tvbuff_t *tvb, dicom::Connection *conn, const dicom::TcpSegment &seg) {
    const guint8 *payload = tvb_get_ptr(tvb, (gint)seg.payload_offset, (gint)seg.payload_length);
    const guint n = seg.payload_length < 256 ? seg.payload_length : 256;
    const dicom::ByteView head(payload, n);
    dicom::TlsRecordStart r;
    if (dicom::looks_like_associate_rq(head) || dicom::looks_like_midstream_pdu(head, dicom_pdu_cap()))
        conn->transport = dicom::Transport::PlainOnTlsPort;
    else if (dicom::sniff_tls_record(head, r))
        return false;
    return true;
}

/* Payloads of a newly claimed connection that came before the claim (dicom_take_unclaimed):
 * walked now, each shown as a data source of this frame. */
struct Replay {
    packet_info *pinfo;
    proto_tree *tree;
    FrameScratch *fs;
    dicom::Connection *conn;
    tvbuff_t *parent;
};

static void replay_unclaimed(void *ctx, int dir, guint32 frame, guint32 seq, const guint8 *bytes, guint32 length) {
    auto *r = static_cast<Replay *>(ctx);
    auto *copy = static_cast<guint8 *>(wmem_memdup(r->pinfo->pool, bytes, length));
    tvbuff_t *t = tvb_new_child_real_data(r->parent, copy, length, length);
    add_new_data_source(r->pinfo, t, wmem_strdup_printf(r->pinfo->pool, "DICOM bytes of frame %u", frame));
    dissect_payload(t, r->pinfo, r->tree, r->fs, r->conn, dir, &seq, NULL);
}

static void replay_earlier_payloads(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, FrameScratch *fs,
                                    dicom::Connection *conn) {
    Replay r{pinfo, tree, fs, conn, tvb};
    dicom_take_unclaimed(pinfo, replay_unclaimed, &r);
}

static int dissect_post(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *) {
    if (pinfo->ptype != PT_TCP || pinfo->flags.in_error_pkt) return 0;
    FrameScratch *fs = frame_scratch_if_any(pinfo);
    dicom::Connection *conn = fs && fs->conn ? fs->conn : dicom_known_connection(pinfo);
    if ((!conn || conn->transport == dicom::Transport::Unknown) && !PINFO_FD_VISITED(pinfo) && !(fs && fs->handled))
        conn = claim_on_our_port(tvb, pinfo, conn);
    if (!conn || conn->transport == dicom::Transport::Tls || conn->transport == dicom::Transport::TlsOnPlainPort ||
        !proto_is_protocol_enabled(dicom_protocol))
        return 0;
    const bool first = !PINFO_FD_VISITED(pinfo);
    /* a connection on our port whose first payload has not told what it carries: its segments
     * without payload (a FIN captured before the data, as on a mirror port) still go to the
     * timeline, its payloads wait for their entry point */
    const bool undecided = conn->transport == dicom::Transport::Unknown;
    if (undecided && (!first || (fs && fs->handled))) return 0;
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
        if (located && seg.payload_length && undecided && !decide_kept_segment(tvb, conn, seg)) return 0;
        if (located && seg.payload_length) {
            if (!fs) fs = frame_scratch(pinfo);
            columns_writable(pinfo);
            tvbuff_t *sub = tvb_new_subset_length(tvb, (gint)seg.payload_offset, (gint)seg.payload_length);
            const guint32 s = seg.seq;
            const dicom::TcpFacts facts = tcp_facts(pinfo, seg);
            fs->timeline_fed = first;
            if (first && !conn->tcp_analysis_read) learn_from_tcp_analysis(pinfo, conn, dir, NULL, seg);
            dissect_payload(sub, pinfo, tree, fs, conn, dir, &s, first ? &facts : NULL);
            if (first) replay_earlier_payloads(tvb, pinfo, tree, fs, conn);
        }
    }
    if (first) {
        /* The segment for the timeline, unless its payload already took it there; and its
         * acknowledgement of the other stream, which matters while that stream waits for
         * missing bytes. */
        const bool feed = !(fs && fs->timeline_fed);
        const bool ack_check = conn->holding(1 - dir);
        if (!feed && !ack_check) return 0;
        if (!located && !(located = frame_segment(tvb, pinfo, conn, seg))) return 0;
        const dicom::TcpFacts facts = tcp_facts(pinfo, seg);
        const guint32 ack = seg.ack;
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
    /* segments of this connection captured before this one (reordering, a mirror port) */
    FrameScratch *fs = frame_scratch_if_any(pinfo);
    if (fs && fs->conn && !PINFO_FD_VISITED(pinfo)) replay_earlier_payloads(tvb, pinfo, tree, fs, fs->conn);
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
    tcp_port_table = find_dissector_table("tcp.port");
    /* for the TCP payloads of our connections that TCP keeps to itself, and for acknowledgements */
    register_postdissector(post_handle);
}
