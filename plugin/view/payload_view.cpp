/* The tree, Info column and taps of one payload, built from its record (records.h) on every
 * pass. A PDU gets a protocol item of its own; the PDV headers and value pieces of a
 * P-DATA-TF nest under the item of their PDU where the PDU starts in this payload, and under
 * a "continued" item otherwise. A message is shown whole, with its command and data set,
 * where the receiver had all of it. Units that are not PDUs or PDVs: stream_view.cpp. */
#include "view/payload_view.h"

#include <epan/expert.h>

#include <algorithm>
#include <cstring>

#include "dimse/dimse.hpp"
#include "export/export.h"
#include "fields.h"
#include "session/association.hpp"
#include "session/connection.hpp"
#include "stats/tap.h"
#include "ul/pdu.hpp"
#include "view/payload_build.h"
#include "view/tree_associate.h"
#include "view/tree_control.h"
#include "view/tree_dimse.h"
#include "view/tree_timing.h"

PduContext context(Build &b, tvbuff_t *tvb, proto_tree *t, proto_item *ti) {
    const dicom::Association *a = b.run->assoc;
    return PduContext{tvb, b.pinfo, t, ti, a, a ? a->direction_from_requestor(b.rec->direction) : -1};
}

proto_tree *open_item(Build &b, tvbuff_t *tvb, guint32 off, guint32 len, const char *label) {
    b.pdata_open = false;
    b.pdata_header = false;
    b.pdv_tree = NULL;
    b.pdv_count = 0;
    if (!b.tree) { /* tshark without -V or a filter: only the columns and taps are wanted */
        b.item = b.item_tree = NULL;
        return NULL;
    }
    b.item = proto_tree_add_item(b.tree, proto_dicom_ul, tvb, off, len, ENC_NA);
    proto_item_append_text(b.item, ", %s", label);
    b.item_tree = proto_item_add_subtree(b.item, ett_dicom);
    proto_item_set_hidden(proto_tree_add_item(b.item_tree, hf_dicom_any, tvb, off, len, ENC_NA));
    if (const dicom::Association *a = b.run->assoc) {
        /* every frame of an association says which one, and who its peers are, so that a filter
         * or column on them finds every frame (an A-ASSOCIATE-RQ/AC carries the AE titles itself) */
        proto_item_set_generated(proto_tree_add_uint(b.item_tree, hf_assoc_id, tvb, 0, 0, a->number));
        if (!b.native_ae && b.item_tree) {
            if (!a->calling_ae.empty())
                proto_item_set_generated(proto_tree_add_string(b.item_tree, hf_ae_calling, tvb, 0, 0, a->calling_ae.c_str()));
            if (!a->called_ae.empty())
                proto_item_set_generated(proto_tree_add_string(b.item_tree, hf_ae_called, tvb, 0, 0, a->called_ae.c_str()));
        }
    }
    return b.item_tree;
}

/* The P-DATA item's Info: "P-DATA", how many PDVs when the header says more than one, its PDVs
 * by context. Built in one buffer: half the frames of many small messages carry it. */
static const char *pdata_info_text(Build &b, bool count_pdvs) {
    wmem_strbuf_t *s = wmem_strbuf_new(b.pinfo->pool, "P-DATA");
    if (count_pdvs) {
        char count[32] = " ";
        memcpy(put_decimal(count + 1, b.pdv_count), " PDVs", 6);
        wmem_strbuf_append(s, count);
    }
    int last_ctx = -1;
    for (unsigned i = 0; i < b.n_pdv_info; ++i) {
        const guint8 ctx = (guint8)(b.pdv_info[i] >> 8), flags = (guint8)b.pdv_info[i];
        if (ctx != last_ctx) {
            if (last_ctx >= 0) wmem_strbuf_append(s, "),");
            const dicom::NegotiatedContext *nc = b.run->assoc ? b.run->assoc->context(ctx) : NULL;
            char text[32] = " ctx ";
            *put_decimal(text + 5, ctx) = '\0';
            wmem_strbuf_append(s, text);
            if (nc && !nc->abstract_syntax.empty()) {
                wmem_strbuf_append_c(s, ' ');
                wmem_strbuf_append(s, uid_label(b.pinfo, nc->abstract_syntax));
            }
            wmem_strbuf_append(s, " (");
            last_ctx = ctx;
        } else {
            wmem_strbuf_append(s, "; ");
        }
        wmem_strbuf_append(s, (flags & dicom::kPdvCommand) ? "command" : "data");
        if (flags & dicom::kPdvLast) wmem_strbuf_append(s, ", last");
    }
    if (last_ctx >= 0) wmem_strbuf_append(s, ")");
    return wmem_strbuf_get_str(s);
}

static void start_pdv_info(Build &b) {
    b.pdata_info = true;
    b.pdv_info = b.pdv_info_inline;
    b.n_pdv_info = 0;
    b.cap_pdv_info = G_N_ELEMENTS(b.pdv_info_inline);
}

static void add_pdv_info(Build &b, const UnitRecord &u) {
    if (!b.pdata_info) return;
    if (b.n_pdv_info == b.cap_pdv_info) {
        auto *more = wmem_alloc_array(b.pinfo->pool, guint16, 2 * b.cap_pdv_info);
        memcpy(more, b.pdv_info, sizeof(guint16) * b.n_pdv_info);
        b.pdv_info = more;
        b.cap_pdv_info *= 2;
    }
    b.pdv_info[b.n_pdv_info++] = (guint16)(u.type << 8 | u.pdv_flags);
}

void close_item(Build &b) {
    if (b.pdata_open && b.pdata_header) {
        proto_item_set_generated(proto_tree_add_uint(b.item_tree, hf_pdv_count, b.tvb, 0, 0, b.pdv_count));
        proto_item_append_text(b.item, ", %u PDV%s", b.pdv_count, b.pdv_count == 1 ? "" : "s");
    }
    if (b.pdata_open && b.pdata_info && !b.info_message && b.pdv_count == 1 && b.pdata_continues) {
        set_info(b.pinfo, *b.info, b.pdata_continues, kContinued);
    } else if (b.pdata_open && b.pdata_info && !b.info_message) {
        set_info(b.pinfo, *b.info, pdata_info_text(b, b.pdv_count != 1 && b.pdata_header));
    }
    b.item = NULL;
    b.item_tree = NULL;
    b.pdata_open = false;
    b.pdv_tree = NULL;
    b.pdata_info = false;
    b.info_message = false;
    b.pdata_continues = NULL;
}

void continue_pdata(Build &b) {
    if (b.pdata_open) return;
    close_item(b);
    open_item(b, b.tvb, 0, 0, "P-DATA-TF (continued)");
    b.pdata_open = true;
}

void extend_item(Build &b, tvbuff_t *tvb, guint32 end) {
    if (b.item && tvb == b.tvb) proto_item_set_end(b.item, tvb, (gint)end);
}

void show_completion(Build &b, tvbuff_t *tvb, const dicom::Message &m, guint8 bits) {
    PduContext c = context(b, tvb, b.item_tree, b.item);
    /* a P-DATA-TF continued from earlier frames is headed by what it completes */
    const bool continued = b.item && b.pdata_open && !b.pdata_header;
    if (bits & kUnitMessageDone) {
        const char *summary = message_summary(c, m, true);
        if (continued) proto_item_append_text(b.item, ", completes %s", summary);
        tree_dimse_message(c, m, summary);
        set_info(b.pinfo, *b.info, summary, &m);
        const dicom::Message *final_rsp =
            dicom::is_response(m.command.field) && m.request && m.request->final_response == &m ? &m : NULL;
        dicom_tap_pdu(b.pinfo, b.run->assoc, final_rsp);
        dicom_export_message(b.pinfo, m, b.run->assoc->connection->endpoint(b.rec->direction));
    } else if (bits & kUnitCommandDone) {
        const char *summary = message_summary(c, m, false);
        if (continued) proto_item_append_text(b.item, ", completes the command of %s", summary);
        set_info(b.pinfo, *b.info, wmem_strdup_printf(b.pinfo->pool, "%s (data set follows)", summary), &m);
    }
    b.info_message = true;
}

static tvbuff_t *unit_tvb(Build &b, const UnitRecord &u, guint32 *off) {
    if (u.bits & kUnitAssembled) {
        tvbuff_t *t = tvb_new_child_real_data(b.tvb, (const guint8 *)u.ptr, u.b, u.b);
        add_new_data_source(b.pinfo, t, "Reassembled DICOM-UL");
        *off = 0;
        return t;
    }
    *off = u.offset;
    return b.tvb;
}

namespace {

const char *human(packet_info *pinfo, const char *standard_term) {
    /* "called-AE-title-not-recognized" reads better as "called AE title not recognized" */
    char *s = wmem_strdup(pinfo->pool, standard_term ? standard_term : "unknown");
    for (char *p = s; *p; ++p)
        if (*p == '-') *p = ' ';
    return s;
}

void info_associate(const PduContext &c, const dicom::Associate &a, InfoColumn &info) {
    const bool rq = a.pdu_type == dicom::kAssociateRq;
    const char *from = span_text(c, rq ? a.calling_ae.where : a.called_ae.where);
    const char *to = span_text(c, rq ? a.called_ae.where : a.calling_ae.where);
    unsigned n = (unsigned)a.contexts.size(), accepted = 0;
    for (const auto &pc : a.contexts) accepted += pc.result == dicom::kAcceptance;
    if (rq)
        set_info(c.pinfo, info, wmem_strdup_printf(c.pinfo->pool, "A-ASSOCIATE-RQ %s \xe2\x86\x92 %s (%u context%s)", from,
                                                 to, n, n == 1 ? "" : "s"));
    else
        set_info(c.pinfo, info, wmem_strdup_printf(c.pinfo->pool, "A-ASSOCIATE-AC %s \xe2\x86\x92 %s (%u of %u contexts accepted)",
                                                 from, to, accepted, n));
}

const char *control_text(packet_info *pinfo, const dicom::ControlPdu &p) {
    switch (p.type) {
    case dicom::kAssociateRj:
        return wmem_strdup_printf(pinfo->pool, "A-ASSOCIATE-RJ %s: %s", p.result == 2 ? "transient" : "permanent",
                                  human(pinfo, dicom::reject_reason_name(p.source, p.reason)));
    case dicom::kAbort:
        if (p.source == 2)
            return wmem_strdup_printf(pinfo->pool, "A-ABORT by service-provider: %s",
                                      human(pinfo, dicom::code_name(dicom::kAbortReasons, p.reason)));
        return p.source == 0 ? "A-ABORT by service-user" : "A-ABORT";
    default: return dicom::pdu_type_name(p.type);
    }
}

void build_pdu(Build &b, const UnitRecord &u) {
    close_item(b);
    guint32 off;
    tvbuff_t *base = unit_tvb(b, u, &off);
    tvbuff_t *tvb = tvb_new_subset_length(base, off, (gint)(u.bits & kUnitAssembled ? u.b : u.length));
    const guint len = tvb_captured_length(tvb);
    const char *name = dicom::pdu_type_name(u.type);
    b.native_ae = u.type == dicom::kAssociateRq || u.type == dicom::kAssociateAc;
    proto_tree *pt = open_item(b, tvb, 0, len, name ? name : "PDU");
    b.native_ae = false;
    proto_tree_add_item(pt, hf_pdu_type, tvb, 0, 1, ENC_BIG_ENDIAN);
    proto_tree_add_item(pt, hf_pdu_len, tvb, 2, 4, ENC_BIG_ENDIAN);
    PduContext c = context(b, tvb, pt, b.item);
    tree_association(c, u.type);
    dicom_tap_pdu(b.pinfo, b.run->assoc, NULL);
    const dicom::ByteView view(tvb_get_ptr(tvb, 0, len), len);
    if (u.type == dicom::kAssociateRq || u.type == dicom::kAssociateAc) {
        bool complete = false;
        auto *a = parse_noexcept<dicom::Associate>([&](dicom::Associate &o) { complete = dicom::parse_associate(view, o); });
        if (!a) {
            expert_add_info(b.pinfo, b.item, &ei_parse_failed);
            return;
        }
        if (!complete) {
            delete a;
            proto_tree_add_expert(pt, b.pinfo, &ei_problem[(int)dicom::Problem::PduTruncated], tvb, 0, -1);
            set_info(b.pinfo, *b.info, wmem_strdup_printf(b.pinfo->pool, "%s (truncated)", name));
            return;
        }
        build_then_free(a, [&](const dicom::Associate &pdu) {
            tree_associate(c, pdu);
            info_associate(c, pdu, *b.info);
        });
        return;
    }
    auto *p = parse_noexcept<dicom::ControlPdu>([&](dicom::ControlPdu &o) { dicom::parse_control_pdu(view, o); });
    if (!p) {
        expert_add_info(b.pinfo, b.item, &ei_parse_failed);
        return;
    }
    build_then_free(p, [&](const dicom::ControlPdu &pdu) {
        tree_control(c, pdu);
        set_info(b.pinfo, *b.info, control_text(b.pinfo, pdu));
    });
}

void start_pdata(Build &b, const UnitRecord &u) {
    close_item(b);
    guint32 off;
    tvbuff_t *tvb = unit_tvb(b, u, &off);
    proto_tree *pt = open_item(b, tvb, off, dicom::kPduHeaderLen, "P-DATA-TF");
    proto_tree_add_item(pt, hf_pdu_type, tvb, off, 1, ENC_BIG_ENDIAN);
    proto_tree_add_item(pt, hf_pdu_len, tvb, off + 2, 4, ENC_BIG_ENDIAN);
    if (dicom::pdata_reserved_set(dicom::ByteView(tvb_get_ptr(tvb, (gint)off, dicom::kPduHeaderLen), dicom::kPduHeaderLen)))
        proto_tree_add_expert(pt, b.pinfo, &ei_problem[(int)dicom::Problem::ReservedNotZero], tvb, off + 1, 1);
    PduContext c = context(b, tvb, pt, b.item);
    tree_association(c, dicom::kPData);
    b.pdata_open = true;
    b.pdata_header = true;
    start_pdv_info(b);
}

void build_pdv_header(Build &b, const UnitRecord &u) {
    continue_pdata(b);
    if (!b.pdata_info) start_pdv_info(b);
    guint32 off;
    tvbuff_t *tvb = unit_tvb(b, u, &off);
    PduContext c = context(b, tvb, b.item_tree, b.item);
    b.pdv_tree = tree_pdv_header(c, (int)off, u.pdv_index, u.type, u.pdv_flags, u.a);
    b.pdv_index = u.pdv_index;
    ++b.pdv_count;
    extend_item(b, tvb, off + dicom::kPdvHeaderLen);
    if (u.bits & kUnitInvalid) {
        proto_tree_add_expert(b.pdv_tree, b.pinfo, &ei_problem[(int)dicom::Problem::PdvLengthInvalid], tvb, (gint)off, 4);
        set_info(b.pinfo, *b.info, "P-DATA (PDV length does not fit the PDU)");
        b.pdata_info = false;
        return;
    }
    if (dicom::pdv_flags_reserved_set(u.pdv_flags))
        proto_tree_add_expert(b.pdv_tree, b.pinfo, &ei_problem[(int)dicom::Problem::PdvFlagsReserved], tvb, (gint)off + 5, 1);
    add_pdv_info(b, u);
}

void build_value(Build &b, const UnitRecord &u) {
    const bool own_pdv = b.pdv_tree && b.pdv_index == u.pdv_index;
    /* the message completes here: its summary, not its progress, is the Info */
    const bool shows_completion =
        u.ptr && (u.bits & (kUnitMessageDone | kUnitCommandDone)) && b.run->walked_in == b.pinfo->num;
    continue_pdata(b);
    PduContext c = context(b, b.tvb, b.item_tree, b.item);
    proto_tree *t;
    if (own_pdv) {
        t = b.pdv_tree;
        if (u.length) proto_tree_add_item(t, hf_pdv_value, b.tvb, (gint)u.offset, (gint)u.length, ENC_NA);
        /* a P-DATA-TF whose one PDV is the middle of a message says how far the message has got,
         * like the frames that only continue it */
        if (b.pdv_count == 1 && !(u.bits & (kUnitMessageDone | kUnitCommandDone))) {
            const char *text = continued_info(b.pinfo, b.run->assoc, b.run->walked_in, u);
            if (text != kContinued) b.pdata_continues = text;
        }
    } else {
        t = tree_pdv_piece(c, (int)u.offset, u.pdv_index, u.type, u.pdv_flags, u.b, u.length, u.a);
        if (!b.pdata_info && !shows_completion) set_info(b.pinfo, *b.info, continued_info(b.pinfo, b.run->assoc, b.run->walked_in, u), kContinued);
    }
    extend_item(b, b.tvb, u.offset + u.length);
    auto *m = (const dicom::Message *)u.ptr;
    if (!m) return;
    /* later passes: Export Objects re-reads the file and collects the data set again */
    if (PINFO_FD_VISITED(b.pinfo) && !(u.pdv_flags & dicom::kPdvCommand) && u.length && dicom_export_wanted())
        dicom_export_collect(*m, u.data_offset, tvb_get_ptr(b.tvb, (gint)u.offset, (gint)u.length), u.length);
    tree_pdv_message_link(c, t, *m, u.bits, b.run->walked_in);
    if (shows_completion)
        show_completion(b, b.tvb, *m, u.bits);
    else if (b.run->walked_in != b.pinfo->num)
        proto_item_set_generated(proto_tree_add_uint(t, hf_stream_delivered_in, b.tvb, 0, 0, b.run->walked_in));
}

void build_unit(Build &b, const UnitRecord &u) {
    switch (u.kind) {
    case RecordKind::Pdu: build_pdu(b, u); break;
    case RecordKind::PdataHeader: start_pdata(b, u); break;
    case RecordKind::PdvHeader: build_pdv_header(b, u); break;
    case RecordKind::Value: build_value(b, u); break;
    case RecordKind::PdvHeaderValue: {
        UnitRecord value = u;
        value.offset += dicom::kPdvHeaderLen;
        value.length -= dicom::kPdvHeaderLen;
        build_pdv_header(b, u);
        build_value(b, value);
        break;
    }
    case RecordKind::Skip: build_skip(b, u); break;
    case RecordKind::Garbage: build_garbage(b, u); break;
    case RecordKind::Resync: build_resync(b, u); break;
    case RecordKind::Fragment: build_fragment(b, u); break;
    case RecordKind::Duplicate: build_duplicate(b, u); break;
    case RecordKind::Held: build_held(b, u); break;
    case RecordKind::Lost: build_lost(b, u); break;
    case RecordKind::NoteMessage: build_note_message(b, u); break;
    case RecordKind::NoteDelivered: build_note_delivered(b, u); break;
    case RecordKind::NoteFinding: build_note_finding(b, u); break;
    case RecordKind::NoteViolation: build_note_violation(b, u); break;
    }
}

} // namespace

void build_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const PayloadRecord *rec, InfoColumn &info) {
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "DICOM");
    Build b{};
    b.tvb = tvb;
    b.pinfo = pinfo;
    b.tree = tree;
    b.info = &info;
    b.rec = rec;
    for (const Run *r = &rec->run; r; r = r->next) {
        b.run = r;
        const UnitRecord *units = r->units();
        for (guint16 i = 0; i < r->n; ++i) build_unit(b, units[i]);
        close_item(b);
    }
}
