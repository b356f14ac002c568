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
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>

#include "compat.h"
#include "fields.h"
#include "pdu.hpp"
#include "tls_sniff.hpp"

DicomPrefs dicom_prefs;

static dissector_handle_t dicom_handle, post_handle;
static int proto_tcp_ref = -1;
static int hf_tcp_seq_ref = -1, hf_tcp_ack_ref = -1, hf_tcp_flags_ref = -1, hf_tcp_payload_ref = -1;

/* The preference, kept below what 32-bit lengths can carry. */
guint32 dicom_pdu_cap(void) { return dicom_prefs.max_pdu_cap < 0x7FFFFFF0u ? dicom_prefs.max_pdu_cap : 0x7FFFFFF0u; }

/* ---- per frame: calls and the Info column ------------------------------------------------ */

static const guint32 kFrameScratchKey = 0xFFFFFFFFu;

FrameScratch *frame_scratch(packet_info *pinfo) {
    auto *fs = (FrameScratch *)p_get_proto_data(pinfo->pool, pinfo, proto_dicom_ul, kFrameScratchKey);
    if (!fs) {
        fs = wmem_new0(pinfo->pool, FrameScratch);
        p_add_proto_data(pinfo->pool, pinfo, proto_dicom_ul, kFrameScratchKey, fs);
    }
    return fs;
}

const char kContinued[] = "P-DATA (continued)";

void set_info(packet_info *pinfo, FrameScratch *fs, const char *text, const void *message) {
    if (!fs->prefix_taken) {
        /* What TCP wrote before its fence ([TCP Retransmission] ...) stays; the rest is ours. */
        fs->prefix_taken = true;
        col_clear(pinfo->cinfo, COL_INFO);
        const char *prefix = col_get_text(pinfo->cinfo, COL_INFO);
        fs->info_prefix = prefix && *prefix ? wmem_strdup(pinfo->pool, prefix) : "";
    }
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
    col_clear_fence(pinfo->cinfo, COL_INFO);
    if (fs->n_entries == 1 && !fs->dropped && !*fs->info_prefix) { /* the common case: no joining */
        col_add_str(pinfo->cinfo, COL_INFO, fs->entries[0].text);
        return;
    }
    wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, fs->info_prefix);
    for (unsigned k = 0; k < fs->n_entries; ++k) {
        if (k) wmem_strbuf_append(b, " | ");
        wmem_strbuf_append(b, fs->entries[k].text);
    }
    if (fs->dropped) wmem_strbuf_append_printf(b, " | (%u more)", fs->dropped);
    col_add_str(pinfo->cinfo, COL_INFO, wmem_strbuf_get_str(b));
}

/* ---- one payload: walk (first pass), then tree ------------------------------------------ */

static int dissect_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, Connection *conn,
                           const guint32 *seq) {
    FrameScratch *fs = frame_scratch(pinfo);
    const guint32 len = tvb_captured_length(tvb);
    PayloadRecord *rec;
    if (!PINFO_FD_VISITED(pinfo)) {
        rec = new_payload_record(pinfo, conn, dicom_direction(pinfo), len);
        walk_payload(pinfo, rec, len ? tvb_get_ptr(tvb, 0, (gint)len) : NULL, len, seq);
    } else {
        rec = payload_record(pinfo, fs->calls);
        if (rec && rec->length != len) rec = NULL; /* not the payload the first pass saw here */
    }
    fs->calls++;
    if (rec) build_payload(tvb, pinfo, tree, rec, fs);
    return (int)len;
}

/* Whether TCP called us (then `data` is its struct tcpinfo), directly or through our own
 * handle on the TLS port; TLS hands over decrypted data with data of its own. */
static bool called_by_tcp(packet_info *pinfo) {
    wmem_list_frame_t *f = wmem_list_tail(pinfo->layers);
    while (f && GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto_dicom_ul) f = wmem_list_frame_prev(f);
    return f && GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto_tcp_ref;
}

static int dissect_dicom_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data) {
    Connection *conn = dicom_connection(pinfo);
    if (!conn) return (int)tvb_captured_length(tvb);
    FrameScratch *fs = frame_scratch(pinfo);
    /* Decrypted data handed over by TLS is plain DICOM in order; anything else may be a TLS
     * client or server that should not be on this port. */
    if (dicom_tls_decrypted_call(pinfo) || !called_by_tcp(pinfo)) {
        fs->handled = true;
        return dissect_payload(tvb, pinfo, tree, conn, NULL);
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
    return dissect_payload(tvb, pinfo, tree, conn, tcp ? &seq : NULL);
}

int dicom_dissect_plain(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data) {
    return dissect_dicom_tcp(tvb, pinfo, tree, data);
}

/* ---- the postdissector: what TCP did not hand over, and acknowledgements ----------------- */

static field_info *first_field(proto_tree *tree, int hf) {
    if (hf < 0 || !tree) return NULL; /* the first pass always has a tree: we want fields */
    GPtrArray *a = proto_get_finfo_ptr_array(tree, hf);
    return a && a->len ? (field_info *)g_ptr_array_index(a, 0) : NULL;
}

static int dissect_post(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *) {
    if (pinfo->ptype != PT_TCP || pinfo->flags.in_error_pkt) return 0;
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (!conv) return 0;
    auto *conn = (Connection *)conversation_get_proto_data(conv, proto_dicom_ul);
    if (!conn || conn->transport == Transport::Tls || conn->transport == Transport::TlsOnPlainPort ||
        conn->transport == Transport::Unknown)
        return 0;
    FrameScratch *fs = frame_scratch(pinfo);
    const int dir = dicom_direction(pinfo);
    if (!fs->handled) { /* TCP kept this payload to itself */
        if (!PINFO_FD_VISITED(pinfo)) {
            field_info *payload = first_field(tree, hf_tcp_payload_ref), *seq = first_field(tree, hf_tcp_seq_ref);
            if (payload && seq && payload->length > 0 && payload->ds_tvb) {
                tvbuff_t *sub = tvb_new_subset_length(payload->ds_tvb, payload->start, payload->length);
                guint32 s = dicom_field_uint(seq);
                dissect_payload(sub, pinfo, tree, conn, &s);
                /* Later passes do not prime TCP's fields for us: find the bytes again by place. */
                PayloadRecord *rec = payload_record(pinfo, fs->calls - 1);
                if (rec && payload->ds_tvb == tvb) {
                    rec->in_frame_tvb = true;
                    rec->frame_offset = (guint32)payload->start;
                }
            }
        } else {
            PayloadRecord *rec = payload_record(pinfo, fs->calls);
            if (rec && rec->in_frame_tvb && rec->length &&
                tvb_bytes_exist(tvb, (gint)rec->frame_offset, (gint)rec->length)) {
                fs->calls++;
                build_payload(tvb_new_subset_length(tvb, (gint)rec->frame_offset, (gint)rec->length), pinfo, tree, rec, fs);
            }
        }
    }
    /* This segment's acknowledgement of the other direction's stream. */
    if (!PINFO_FD_VISITED(pinfo)) {
        field_info *ack = first_field(tree, hf_tcp_ack_ref), *flags = first_field(tree, hf_tcp_flags_ref);
        if (ack && flags && (dicom_field_uint(flags) & TH_ACK)) {
            if (PayloadRecord *rec = walk_acknowledgement(pinfo, conn, 1 - dir, dicom_field_uint(ack))) {
                fs->calls++;
                build_payload(tvb, pinfo, tree, rec, fs);
            }
        }
    } else if (PayloadRecord *rec = payload_record(pinfo, fs->calls)) {
        if (rec->length == 0) {
            fs->calls++;
            build_payload(tvb, pinfo, tree, rec, fs);
        }
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
    post_handle = register_dissector("dicom_ul_stream", dissect_post, proto_dicom_ul);
    dicom_register_capture();
    dicom_register_export();
    dicom_register_timing();
}

void dicom_handoff(void) {
    dissector_add_uint_range_with_preference("tcp.port", "104,11112", dicom_handle);
    heur_dissector_add("tcp", dissect_dicom_heur, "DICOM Upper Layer over TCP (A-ASSOCIATE-RQ)",
                       "dicom_ul_tcp", proto_dicom_ul, HEURISTIC_ENABLE);
    dicom_tls_handoff(dicom_handle);
    /* TCP's fields that the postdissector reads: the segment's sequence and acknowledgement
     * numbers, flags and payload. */
    proto_tcp_ref = proto_get_id_by_filter_name("tcp");
    hf_tcp_seq_ref = proto_registrar_get_id_byname("tcp.seq");
    hf_tcp_ack_ref = proto_registrar_get_id_byname("tcp.ack");
    hf_tcp_flags_ref = proto_registrar_get_id_byname("tcp.flags");
    hf_tcp_payload_ref = proto_registrar_get_id_byname("tcp.payload");
    GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    for (int hf : {hf_tcp_seq_ref, hf_tcp_ack_ref, hf_tcp_flags_ref, hf_tcp_payload_ref})
        if (hf > 0) g_array_append_val(wanted, hf);
    register_postdissector(post_handle);
    set_postdissector_wanted_hfids(post_handle, wanted);
}
