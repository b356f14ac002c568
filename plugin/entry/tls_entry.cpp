/* DICOM over TLS (PS3.15 annex B.1 gives it its own port, 2762) and the two halves of a
 * TLS misconfiguration: a TLS handshake where plain DICOM was expected, and plain DICOM
 * where a TLS handshake was expected.
 *
 * On the TLS port our handle sits in front of Wireshark's TLS dissector: it decides once per
 * connection whether the requestor really speaks TLS, calls TLS, and notices when TLS came
 * back without handing over any decrypted data (no key), so the user learns that the
 * association is encrypted instead of seeing bare "Application Data". */
#include "entry/tls_entry.h"

#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/exceptions.h>
#include <epan/expert.h>

#include "compat.h"
#include "entry/frame_scratch.h"
#include "fields.h"
#include "model/registry.h"
#include "prefs.h"
#include "stats/tap.h"
#include "tcp/tls_sniff.hpp"
#include "ul/pdu.hpp"

static dissector_handle_t tls_handle, dicom_handle_for_tls, tls_port_handle;
static dissector_t dissect_plain; /* plain DICOM over TCP (tcp_entry.cpp), given at hand-off */
static guint registered_tls_port;

/* Set around each call into TLS (in the frame's scratch, FrameScratch::tls), so that
 * decrypted data coming back through our dissector is told apart from TLS bytes arriving on
 * a plain port. Kept in pinfo->pool: an exception cannot leave it set for another frame. */
static unsigned g_tls_calls_active; /* saves a lookup per frame on connections without TLS */

static TlsCall *tls_call(packet_info *pinfo) { return &frame_scratch(pinfo)->tls; }

bool dicom_tls_decrypted_call(packet_info *pinfo) {
    if (!g_tls_calls_active) return false;
    TlsCall *t = tls_call(pinfo);
    if (!t->active) return false;
    ++t->decrypted;
    return true;
}

static int call_tls(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, TlsCall *t) {
    volatile int consumed = 0;
    t->active = true;
    ++g_tls_calls_active;
    /* call_dissector takes one level of desegmentation away; TLS must reassemble records
     * over TCP as if TCP had called it. */
    pinfo->can_desegment = pinfo->saved_can_desegment;
    TRY {
        consumed = call_dissector(tls_handle, tvb, pinfo, tree);
    }
    CATCH_ALL {
        t->active = false;
        --g_tls_calls_active;
        RETHROW;
    }
    ENDTRY;
    t->active = false;
    --g_tls_calls_active;
    return consumed;
}

/* Whether the dissector just called completed something in this frame, rather than only
 * asking TCP for more bytes. */
static bool completed_something(packet_info *pinfo) {
    return !(pinfo->desegment_len && pinfo->desegment_offset == 0);
}

/* The first frame of the connection that shows the problem gets the expert info. */
static bool report_here(packet_info *pinfo, dicom::Connection *conn) {
    if (!PINFO_FD_VISITED(pinfo) && !conn->transport_report_frame) conn->transport_report_frame = pinfo->num;
    return pinfo->num == conn->transport_report_frame;
}

/* Our protocol item on a frame that TLS (or plain DICOM where TLS belongs) dissected, so that
 * `dicom` and `dicom.transport` find it. */
static proto_item *transport_item(tvbuff_t *tvb, proto_tree *tree, dicom::Transport value, const char *what) {
    proto_item *ti = proto_tree_add_item(tree, proto_dicom_ul, tvb, 0, -1, ENC_NA);
    proto_item_append_text(ti, ", %s", what);
    proto_tree *t = proto_item_add_subtree(ti, ett_dicom);
    proto_item_set_hidden(proto_tree_add_item(t, hf_dicom_any, tvb, 0, -1, ENC_NA));
    proto_item_set_generated(proto_tree_add_uint(t, hf_transport, tvb, 0, 0, (guint)value));
    return ti;
}

/* First pass: a finding about the connection's transport, on its association. */
static void raise_transport(packet_info *pinfo, dicom::Connection *conn, int requestor_dir, dicom::DiagCode code) {
    try {
        dicom::Packet p;
        p.frame = pinfo->num;
        p.time = nstime_to_sec(&pinfo->abs_ts);
        p.direction = dicom_direction(pinfo);
        p.src = dicom_source(pinfo);
        p.dst = dicom_destination(pinfo);
        conn->raise_transport(p, requestor_dir, code);
    } catch (...) {
    }
}

int dicom_dissect_tls_on_plain_port(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, dicom::Connection *cs) {
    guint n = tvb_captured_length(tvb);
    int consumed = (int)n;
    if (tls_handle) consumed = call_tls(tvb, pinfo, tree, tls_call(pinfo));
    if (!completed_something(pinfo)) return consumed;
    proto_item *ti = transport_item(tvb, tree, dicom::Transport::TlsOnPlainPort, "TLS on a plain DICOM port");
    if (report_here(pinfo, cs)) {
        dicom::TlsRecordStart r;
        bool hello = dicom::looks_like_tls_hello(dicom::ByteView(tvb_get_ptr(tvb, 0, n), n), r);
        const bool from_acceptor = hello && r.handshake_type == 2;
        if (!PINFO_FD_VISITED(pinfo)) { /* for the diagnosis: the TLS client is the requestor */
            const int dir = dicom_direction(pinfo);
            raise_transport(pinfo, cs, from_acceptor ? 1 - dir : dir, dicom::DiagCode::TlsOnPlainPort);
        }
        const char *hello_name = dicom::tls_handshake_name(from_acceptor ? 2 : 1);
        dicom_expert_explained(pinfo, tvb, ti, &ei_diag[(int)dicom::DiagCode::TlsOnPlainPort][(int)dicom::Severity::Error],
            wmem_strdup_printf(pinfo->pool, "TLS %s on a plain DICOM port: the %s speaks DICOM over TLS", hello_name,
                               from_acceptor ? "acceptor" : "requestor"),
            wmem_strdup_printf(pinfo->pool, "TLS %s on a plain DICOM port: %s", hello_name,
                               from_acceptor ? "the acceptor speaks DICOM over TLS, the requestor expected plain DICOM"
                                             : "the requestor speaks DICOM over TLS, the acceptor's port expects plain DICOM"));
    }
    col_prepend_fstr(pinfo->cinfo, COL_INFO, "[TLS on a plain DICOM port] ");
    if (cs->association()) dicom_tap_pdu(pinfo, cs->association(), NULL); /* the association tables and the diagnosis list it */
    return consumed;
}

static int dissect_tls_port(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data) {
    dicom::Connection *cs = dicom_connection(pinfo);
    if (!cs) return 0;
    guint n = tvb_captured_length(tvb);
    bool undecided = false;
    if (cs->transport == dicom::Transport::Unknown && n > 0) {
        guint k = n < 256 ? n : 256;
        dicom::ByteView head(tvb_get_ptr(tvb, 0, k), k);
        dicom::TlsRecordStart r;
        const auto *tcp = (const struct tcpinfo *)data;
        bool plain = dicom::looks_like_associate_rq(head) || dicom::looks_like_midstream_pdu(head, dicom_pdu_cap());
        /* A later segment captured before the stream's first (reordering) is no evidence
         * either way unless it starts a TLS record: the first segment will tell. */
        undecided = !plain && tcp && tcp->seq > 1 && !dicom::sniff_tls_record(head, r);
        if (!undecided) cs->transport = plain ? dicom::Transport::PlainOnTlsPort : dicom::Transport::Tls;
    }
    if (undecided) { /* walked as plain DICOM (held ahead of the gap) without deciding */
        int consumed = dissect_plain(tvb, pinfo, tree, data);
        cs->transport = dicom::Transport::Unknown;
        return consumed;
    }
    if (cs->transport == dicom::Transport::PlainOnTlsPort) {
        int consumed = dissect_plain(tvb, pinfo, tree, data);
        if (completed_something(pinfo)) {
            proto_item *ti = transport_item(tvb, tree, dicom::Transport::PlainOnTlsPort, "plain DICOM on the DICOM-over-TLS port");
            if (report_here(pinfo, cs)) {
                if (!PINFO_FD_VISITED(pinfo) && cs->association())
                    raise_transport(pinfo, cs, cs->association()->requestor_dir, dicom::DiagCode::PlainOnTlsPort);
                expert_add_info_format(pinfo, ti, &ei_diag[(int)dicom::DiagCode::PlainOnTlsPort][(int)dicom::Severity::Error],
                                       "Plain DICOM on the DICOM-over-TLS port: the requestor did not start TLS");
            }
        }
        return consumed;
    }
    if (!tls_handle) return 0;
    TlsCall *t = tls_call(pinfo);
    guint32 before = t->decrypted;
    int consumed = call_tls(tvb, pinfo, tree, t);
    /* A reassembled run of TLS records starts with a record header; application data that
     * TLS did not pass on to us was not decrypted. */
    if (t->decrypted == before && completed_something(pinfo) && n >= 5 &&
        dicom_tvb_u8(tvb, 0) == dicom::kTlsApplicationData && dicom_tvb_u8(tvb, 1) == 3) {
        proto_item *ti = transport_item(tvb, tree, dicom::Transport::TlsNotDecrypted, "DICOM over TLS, not decrypted");
        if (report_here(pinfo, cs))
            dicom_expert_explained(pinfo, tvb, ti, &ei_tls_encrypted, "DICOM over TLS: application data not decrypted",
                "DICOM over TLS: application data not decrypted. Give Wireshark the server's RSA key "
                "(TLS preferences: RSA keys list) or the peers' key log (tls.keylog_file) to see the PDUs.");
        col_append_str(pinfo->cinfo, COL_INFO, " (DICOM, not decrypted)");
    }
    return consumed;
}

/* Decrypted data on any port (a key log makes that common): an A-ASSOCIATE-RQ is enough,
 * and TLS then keeps the session for us. */
static dicom_heur_result dissect_dicom_tls_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                                void *data) {
    guint n = tvb_captured_length(tvb);
    if (n > 256) n = 256;
    if (!dicom::looks_like_associate_rq(dicom::ByteView(tvb_get_ptr(tvb, 0, n), n))) return FALSE;
    dicom_tls_keep_session(data, dicom_handle_for_tls);
    dissect_plain(tvb, pinfo, tree, NULL);
    return TRUE;
}

void dicom_tls_apply_prefs(void) {
    if (!tls_port_handle || !tls_handle || registered_tls_port == dicom_prefs.tls_port) return;
    if (registered_tls_port) {
        dissector_delete_uint("tcp.port", registered_tls_port, tls_port_handle);
        dissector_delete_uint("tls.port", registered_tls_port, dicom_handle_for_tls);
    }
    registered_tls_port = dicom_prefs.tls_port;
    if (registered_tls_port) {
        dissector_add_uint("tcp.port", registered_tls_port, tls_port_handle);
        dissector_add_uint("tls.port", registered_tls_port, dicom_handle_for_tls);
    }
}

void dicom_tls_handoff(dissector_handle_t dicom_handle, dissector_t plain) {
    dicom_handle_for_tls = dicom_handle;
    dissect_plain = plain;
    tls_handle = find_dissector("tls");
    tls_port_handle = register_dissector_with_description("dicom_ul_tls_port", "DICOM-UL over TLS (port)",
                                                          dissect_tls_port, proto_dicom_ul);
    heur_dissector_add("tls", dissect_dicom_tls_heur, "DICOM Upper Layer over TLS (A-ASSOCIATE-RQ)",
                       "dicom_ul_tls", proto_dicom_ul, HEURISTIC_ENABLE);
    dicom_tls_apply_prefs();
}
