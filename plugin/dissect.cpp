/* TCP framing, association tracking and dispatch of each PDU to its tree builder.
 *
 * Wireshark reports errors by longjmp. Parsed PDUs are heap objects with destructors, so
 * each is parsed in code that calls no epan function (and catches C++ exceptions); the tree
 * is then built inside TRY, whose CATCH_ALL frees the object before passing the exception
 * on, so nothing leaks and no destructor is skipped. */
#include "dissect.h"
#include "dissect_internal.h"

#include <memory>
#include <new>
#include <vector>

#include <epan/conversation.h>
#include <epan/exceptions.h>
#include <epan/expert.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>

#include "compat.h"
#include "fields.h"
#include "pdu.hpp"
#include "tls_sniff.hpp"

DicomPrefs dicom_prefs;

static dissector_handle_t dicom_handle;

/* ---- association registry ------------------------------------------------------------ */

static std::vector<std::unique_ptr<AssocRecord>> *g_records;

static void records_cleanup(void) {
    delete g_records;
    g_records = nullptr;
}

static AssocRecord *new_record(void) noexcept {
    try {
        if (!g_records) g_records = new std::vector<std::unique_ptr<AssocRecord>>();
        g_records->emplace_back(new AssocRecord());
        AssocRecord *r = g_records->back().get();
        r->number = (guint32)g_records->size();
        r->core.outstanding_cap = dicom_prefs.max_outstanding;
        return r;
    } catch (...) {
        return nullptr;
    }
}

ConvState *dicom_conv_state(packet_info *pinfo) {
    conversation_t *conv = find_or_create_conversation(pinfo);
    auto *cs = (ConvState *)conversation_get_proto_data(conv, proto_dicom_ul);
    if (!cs) {
        cs = wmem_new0(wmem_file_scope(), ConvState);
        conversation_add_proto_data(conv, proto_dicom_ul, cs);
    }
    return cs;
}

/* The association a PDU belongs to. First pass: the conversation's current one (a new one
 * when an A-ASSOCIATE-RQ arrives on a conversation that already had one). Later passes:
 * whatever the first pass recorded for the frame. */
AssocRecord *record_for(packet_info *pinfo, bool is_rq, ConvState *cs) {
    auto *rec = (AssocRecord *)p_get_proto_data(wmem_file_scope(), pinfo, proto_dicom_ul, 0);
    if (rec || PINFO_FD_VISITED(pinfo)) return rec;
    rec = cs->rec;
    if (!rec || (is_rq && rec->core.rq_frame && rec->core.rq_frame != pinfo->num)) {
        rec = new_record();
        if (!rec) return nullptr;
        cs->rec = rec;
        conversation_t *conv = find_or_create_conversation(pinfo);
        if (struct tcp_analysis *tcpd = get_tcp_conversation_data(conv, pinfo)) rec->tcp_stream = tcpd->stream;
    }
    if (is_rq && !rec->requestor_known) {
        copy_address_wmem(wmem_file_scope(), &rec->requestor_addr, &pinfo->src);
        copy_address_wmem(wmem_file_scope(), &rec->acceptor_addr, &pinfo->dst);
        rec->requestor_port = pinfo->srcport;
        rec->acceptor_port = pinfo->destport;
        rec->requestor_known = true;
    }
    p_add_proto_data(wmem_file_scope(), pinfo, proto_dicom_ul, 0, rec);
    return rec;
}

int direction(const AssocRecord *rec, packet_info *pinfo) {
    if (!rec->requestor_known) return -1;
    return addresses_equal(&rec->requestor_addr, &pinfo->src) &&
           rec->requestor_port == pinfo->srcport;
}

/* ---- per PDU --------------------------------------------------------------------------- */

static guint32 pdu_cap(void);

static SegmentContext *frame_counters(packet_info *pinfo) {
    const guint32 key = 0xFFFFFFFFu;
    auto *seg = (SegmentContext *)p_get_proto_data(pinfo->pool, pinfo, proto_dicom_ul, key);
    if (!seg) {
        seg = wmem_new0(pinfo->pool, SegmentContext);
        seg->pdu_index = -1;
        p_add_proto_data(pinfo->pool, pinfo, proto_dicom_ul, key, seg);
    }
    return seg;
}

const char kContinued[] = "P-DATA (continued)";

void set_info(packet_info *pinfo, SegmentContext *seg, const char *text, const void *message) {
    if (!seg) {
        col_add_str(pinfo->cinfo, COL_INFO, text);
        return;
    }
    if (message == kContinued && seg->n_entries) return;
    if (seg->n_entries == 1 && seg->entries[0].message == kContinued) seg->n_entries = 0;
    unsigned i = 0;
    while (i < seg->n_entries && !(message && seg->entries[i].message == message)) ++i;
    if (i < seg->n_entries)
        seg->entries[i].text = text;
    else if (seg->n_entries < G_N_ELEMENTS(seg->entries))
        seg->entries[seg->n_entries++] = InfoEntry{message, text};
    else
        ++seg->dropped;
    col_clear_fence(pinfo->cinfo, COL_INFO);
    if (seg->n_entries == 1 && !seg->dropped) { /* the common case: no joining */
        col_add_str(pinfo->cinfo, COL_INFO, seg->entries[0].text);
        return;
    }
    wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, "");
    for (unsigned k = 0; k < seg->n_entries; ++k) {
        if (k) wmem_strbuf_append(b, " | ");
        wmem_strbuf_append(b, seg->entries[k].text);
    }
    if (seg->dropped) wmem_strbuf_append_printf(b, " | (%u more PDUs)", seg->dropped);
    col_add_str(pinfo->cinfo, COL_INFO, wmem_strbuf_get_str(b));
}

static void info_associate(const PduContext &c, const dicom::Associate &a, SegmentContext *seg) {
    const bool rq = a.pdu_type == dicom::kAssociateRq;
    const char *from = span_text(c, rq ? a.calling_ae.where : a.called_ae.where);
    const char *to = span_text(c, rq ? a.called_ae.where : a.calling_ae.where);
    unsigned n = (unsigned)a.contexts.size(), accepted = 0;
    for (const auto &pc : a.contexts) accepted += pc.result == dicom::kAcceptance;
    if (rq)
        set_info(c.pinfo, seg, wmem_strdup_printf(c.pinfo->pool,
                 "A-ASSOCIATE-RQ %s \xe2\x86\x92 %s (%u context%s)", from, to, n, n == 1 ? "" : "s"));
    else
        set_info(c.pinfo, seg, wmem_strdup_printf(c.pinfo->pool,
                 "A-ASSOCIATE-AC %s \xe2\x86\x92 %s (%u of %u contexts accepted)", from, to, accepted, n));
}

static void dissect_associate(const PduContext &c, dicom::ByteView view, SegmentContext *seg) {
    bool complete = false;
    auto *a = parse_noexcept<dicom::Associate>(
        [&](dicom::Associate &o) { complete = dicom::parse_associate(view, o); });
    if (!a) {
        expert_add_info(c.pinfo, c.pdu_item, &ei_parse_failed);
        return;
    }
    if (!complete) { /* not even the fixed part: nothing to show or to learn from */
        delete a;
        proto_tree_add_expert(c.tree, c.pinfo, &ei_problem[(int)dicom::Problem::PduTruncated], c.tvb, 0, -1);
        set_info(c.pinfo, seg, wmem_strdup_printf(c.pinfo->pool, "%s (truncated)", dicom::pdu_type_name(view.u8(0))));
        return;
    }
    bool state_ok = true;
    if (!PINFO_FD_VISITED(c.pinfo)) {
        bool ok = update_noexcept([&] {
            if (a->pdu_type == dicom::kAssociateRq) {
                c.rec->core.apply_rq(*a, c.pinfo->num);
                c.rec->previous_same_aes = dicom_previous_association(c.rec);
            }
            else
                c.rec->core.apply_ac(*a, c.pinfo->num);
        });
        state_ok = ok;
    }
    build_then_free(a, [&](const dicom::Associate &pdu) {
        if (!state_ok) expert_add_info(c.pinfo, c.pdu_item, &ei_parse_failed);
        tree_associate(c, pdu);
        info_associate(c, pdu, seg);
    });
}

static const char *human(packet_info *pinfo, const char *standard_term) {
    /* "called-AE-title-not-recognized" reads better as "called AE title not recognized" */
    char *s = wmem_strdup(pinfo->pool, standard_term ? standard_term : "unknown");
    for (char *p = s; *p; ++p)
        if (*p == '-') *p = ' ';
    return s;
}

static void info_control(const PduContext &c, const dicom::ControlPdu &p, SegmentContext *seg) {
    const char *text;
    switch (p.type) {
    case dicom::kAssociateRj:
        text = wmem_strdup_printf(c.pinfo->pool, "A-ASSOCIATE-RJ %s: %s",
                                  p.result == 2 ? "transient" : "permanent",
                                  human(c.pinfo, dicom::reject_reason_name(p.source, p.reason)));
        break;
    case dicom::kAbort:
        if (p.source == 2)
            text = wmem_strdup_printf(c.pinfo->pool, "A-ABORT by service-provider: %s",
                                      human(c.pinfo, dicom::code_name(dicom::kAbortReasons, p.reason)));
        else
            text = p.source == 0 ? "A-ABORT by service-user" : "A-ABORT";
        break;
    default:
        text = dicom::pdu_type_name(p.type);
    }
    set_info(c.pinfo, seg, text);
}

static void dissect_control(const PduContext &c, dicom::ByteView view, SegmentContext *seg) {
    auto *p = parse_noexcept<dicom::ControlPdu>(
        [&](dicom::ControlPdu &o) { dicom::parse_control_pdu(view, o); });
    if (!p) {
        expert_add_info(c.pinfo, c.pdu_item, &ei_parse_failed);
        return;
    }
    if (!PINFO_FD_VISITED(c.pinfo)) {
        dicom::Association &a = c.rec->core;
        if (p->type == dicom::kAssociateRj) {
            a.reject_result = p->result;
            a.reject_source = p->source;
            a.reject_reason = p->reason;
        } else if (p->type == dicom::kAbort) {
            a.abort_source = p->source;
            a.abort_reason = p->reason;
        }
        guint32 *slot = p->type == dicom::kAssociateRj ? &a.rj_frame
                      : p->type == dicom::kReleaseRq   ? &a.release_rq_frame
                      : p->type == dicom::kReleaseRp   ? &a.release_rp_frame
                                                       : &a.abort_frame;
        if (!*slot) *slot = c.pinfo->num;
    }
    build_then_free(p, [&](const dicom::ControlPdu &pdu) {
        tree_control(c, pdu);
        if (pdu.type == dicom::kReleaseRq || pdu.type == dicom::kAbort) tree_unanswered(c);
        info_control(c, pdu, seg);
    });
}

static int dissect_pdu(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data) {
    auto *seg = (SegmentContext *)data;
    if (seg) ++seg->pdu_index;
    guint len = tvb_captured_length(tvb);
    dicom::ByteView view(tvb_get_ptr(tvb, 0, len), len);
    if (seg && seg->cursor) {
        /* Move on before building anything: a tree error must not stall the walk. */
        const dicom::StreamCursor before = *seg->cursor;
        dicom::advance(*seg->cursor, seg->unit, view);
        if (seg->unit.kind != dicom::UnitKind::Pdu && seg->unit.kind != dicom::UnitKind::Garbage)
            return dissect_stream_unit(tvb, pinfo, tree, seg, before, *seg->cursor);
    }

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "DICOM");
    proto_item *ti = proto_tree_add_item(tree, proto_dicom_ul, tvb, 0, -1, ENC_NA);
    proto_tree *pt = proto_item_add_subtree(ti, ett_dicom);

    dicom::Framing f = dicom::frame_next(view, pdu_cap());
    if (f.kind != dicom::Framing::Pdu) {
        proto_item_append_text(ti, ", not a PDU");
        proto_tree_add_item(pt, hf_garbage, tvb, 0, -1, ENC_NA);
        expert_add_info(pinfo, ti, &ei_not_pdu);
        set_info(pinfo, seg, "Not a DICOM PDU (no plausible PDU header)");
        return len;
    }
    proto_item_set_hidden(proto_tree_add_item(pt, hf_dicom_any, tvb, 0, -1, ENC_NA));
    guint8 type = view.u8(0);
    guint32 pdu_length = view.be32(2);
    proto_item_append_text(ti, ", %s", dicom::pdu_type_name(type));
    proto_tree_add_item(pt, hf_pdu_type, tvb, 0, 1, ENC_BIG_ENDIAN);
    proto_tree_add_item(pt, hf_pdu_len, tvb, 2, 4, ENC_BIG_ENDIAN);

    AssocRecord *rec = record_for(pinfo, type == dicom::kAssociateRq, seg ? seg->cs : dicom_conv_state(pinfo));
    if (!rec) {
        expert_add_info(pinfo, ti, &ei_parse_failed);
        return len;
    }
    PduContext c{tvb, pinfo, pt, ti, rec, direction(rec, pinfo)};
    if (!PINFO_FD_VISITED(pinfo))
        rec->core.on_pdu(c.from_requestor, type, len, nstime_to_sec(&pinfo->abs_ts));
    tree_association(c, type);
    switch (type) {
    case dicom::kAssociateRq:
    case dicom::kAssociateAc: dissect_associate(c, view, seg); break;
    case dicom::kPData: dissect_pdata(c, view, seg, pdu_length); break;
    default: dissect_control(c, view, seg);
    }
    return len;
}

/* The preference, kept below what tcp_dissect_pdus' guint and int lengths can carry. */
static guint32 pdu_cap(void) { return dicom_prefs.max_pdu_cap < 0x7FFFFFF0u ? dicom_prefs.max_pdu_cap : 0x7FFFFFF0u; }

static guint get_pdu_len(packet_info *, tvbuff_t *tvb, int offset, void *data) {
    auto *seg = (SegmentContext *)data;
    guint avail = tvb_captured_length_remaining(tvb, offset);
    dicom::ByteView here(tvb_get_ptr(tvb, offset, avail), avail);
    seg->unit = dicom::next_unit(*seg->cursor, here, pdu_cap());
    return seg->unit.length;
}

/* The walk's position for this call: the live one on the first pass (saved per call when
 * it is inside a PDU), a copy of what was saved on later passes. */
static dicom::StreamCursor *cursor_for_call(packet_info *pinfo, SegmentContext *seg) {
    const guint32 key = 0x40000000u + seg->calls++;
    if (!PINFO_FD_VISITED(pinfo)) {
        int cmp = cmp_address(&pinfo->src, &pinfo->dst);
        int dir = cmp > 0 || (cmp == 0 && pinfo->srcport > pinfo->destport);
        dicom::StreamCursor *live = &seg->cs->dir[dir];
        if (live->mode != dicom::StreamCursor::AtPdu) {
            auto *saved = wmem_new(wmem_file_scope(), dicom::StreamCursor);
            *saved = *live;
            p_add_proto_data(wmem_file_scope(), pinfo, proto_dicom_ul, key, saved);
        }
        return live;
    }
    auto *saved = (dicom::StreamCursor *)p_get_proto_data(wmem_file_scope(), pinfo, proto_dicom_ul, key);
    auto *work = wmem_new(pinfo->pool, dicom::StreamCursor);
    *work = saved ? *saved : dicom::StreamCursor();
    return work;
}

static int dissect_dicom_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *) {
    /* Decrypted data handed over by TLS is plain DICOM; anything else may be a TLS client
     * or server that should not be on this port. */
    SegmentContext *seg = frame_counters(pinfo);
    ConvState *cs = seg->cs = dicom_conv_state(pinfo);
    if (!dicom_tls_decrypted_call(pinfo)) {
        if (cs->transport == Transport::Unknown && tvb_captured_length(tvb) > 0) {
            guint n = tvb_captured_length(tvb);
            dicom::TlsRecordStart r;
            bool tls = dicom::looks_like_tls_hello(dicom::ByteView(tvb_get_ptr(tvb, 0, n), n), r);
            cs->transport = tls ? Transport::TlsOnPlainPort : Transport::Plain;
        }
        if (cs->transport == Transport::TlsOnPlainPort) return dicom_dissect_tls_on_plain_port(tvb, pinfo, tree, cs);
    }
    seg->cursor = cursor_for_call(pinfo, seg);
    tcp_dissect_pdus(tvb, pinfo, tree, dicom_prefs.desegment, 1, get_pdu_len, dissect_pdu, seg);
    return tvb_captured_length(tvb);
}

int dicom_dissect_plain(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree) {
    return dissect_dicom_tcp(tvb, pinfo, tree, NULL);
}

static dicom_heur_result dissect_dicom_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                            void *data) {
    guint n = tvb_captured_length(tvb);
    if (n > 256) n = 256;
    dicom::ByteView head(tvb_get_ptr(tvb, 0, n), n);
    if (!dicom::looks_like_associate_rq(head) &&
        !(dicom_prefs.heuristic_midstream && dicom::looks_like_midstream_pdu(head, pdu_cap())))
        return FALSE;
    /* From now on the whole conversation is ours: no other heuristic sees its payload. */
    conversation_set_dissector(find_or_create_conversation(pinfo), dicom_handle);
    dissect_dicom_tcp(tvb, pinfo, tree, data);
    return TRUE;
}

void dicom_register_dissector(void) {
    dicom_handle = register_dissector("dicom_ul", dissect_dicom_tcp, proto_dicom_ul);
    dicom_register_export();
    dicom_register_timing();
    register_cleanup_routine(records_cleanup);
}

void dicom_handoff(void) {
    dissector_add_uint_range_with_preference("tcp.port", "104,11112", dicom_handle);
    heur_dissector_add("tcp", dissect_dicom_heur, "DICOM Upper Layer over TCP (A-ASSOCIATE-RQ)",
                       "dicom_ul_tcp", proto_dicom_ul, HEURISTIC_ENABLE);
    dicom_tls_handoff(dicom_handle);
}
