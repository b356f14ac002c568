/* P-DATA-TF: whole PDUs, and the units of a streamed one (stream.hpp). The first pass feeds
 * each PDV (or piece of one) to the association's message assembler and records what it
 * led to; later passes read that record. */
#include "dissect_internal.h"

#include <epan/expert.h>
#include <epan/proto_data.h>

#include "fields.h"
#include "pdata.hpp"
#include "pdu.hpp"

/* "P-DATA 2 PDVs ctx 1 CT Image Storage (command, last; data)", or the DIMSE messages the
 * PDU completes: "C-STORE-RQ id=1 CT Image Storage 1.2.3" */
static void info_pdata(const PduContext &c, const dicom::PData &pd, const PdvLink *links,
                       SegmentContext *seg) {
    bool any = false;
    for (size_t i = 0; links && i < pd.pdvs.size(); ++i) {
        const PdvLink &l = links[i];
        if (!l.message || !(l.message_done || l.command_done)) continue;
        const char *text = message_summary(c, *l.message, l.message_done);
        if (!l.message_done) text = wmem_strdup_printf(c.pinfo->pool, "%s (data set follows)", text);
        set_info(c.pinfo, seg, text, l.message);
        any = true;
    }
    if (any) return;
    wmem_strbuf_t *info = wmem_strbuf_new(c.pinfo->pool, "P-DATA");
    if (pd.pdvs.size() != 1) wmem_strbuf_append_printf(info, " %u PDVs", (unsigned)pd.pdvs.size());
    int last_ctx = -1;
    for (const dicom::Pdv &v : pd.pdvs) {
        if (v.context_id != last_ctx) {
            if (last_ctx >= 0) wmem_strbuf_append(info, "),");
            const dicom::NegotiatedContext *nc = c.rec->core.context(v.context_id);
            wmem_strbuf_append_printf(info, " ctx %u", v.context_id);
            if (nc && !nc->abstract_syntax.empty())
                wmem_strbuf_append_printf(info, " %s", uid_label(c.pinfo, nc->abstract_syntax));
            wmem_strbuf_append(info, " (");
            last_ctx = v.context_id;
        } else {
            wmem_strbuf_append(info, "; ");
        }
        wmem_strbuf_append(info, v.is_command() ? "command" : "data");
        if (v.is_last()) wmem_strbuf_append(info, ", last");
    }
    if (last_ctx >= 0) wmem_strbuf_append(info, ")");
    set_info(c.pinfo, seg, wmem_strbuf_get_str(info));
}

/* First pass: feed each PDV to the association's message assembler and remember, per PDV,
 * which message it belongs to. Later passes read what was remembered. */
static PdvLink *link_pdvs(const PduContext &c, const dicom::PData &pd, dicom::ByteView view, int pdu_index) {
    const guint32 key = 1 + (guint32)pdu_index;
    auto *links = (PdvLink *)p_get_proto_data(wmem_file_scope(), c.pinfo, proto_dicom_ul, key);
    if (links || PINFO_FD_VISITED(c.pinfo) || pd.pdvs.empty()) return links;
    links = wmem_alloc0_array(wmem_file_scope(), PdvLink, pd.pdvs.size());
    const bool keep = dicom_export_wanted();
    bool ok = update_noexcept([&] {
        for (size_t i = 0; i < pd.pdvs.size(); ++i) {
            const dicom::Pdv &v = pd.pdvs[i];
            const dicom::NegotiatedContext *nc = c.rec->core.context(v.context_id);
            std::string_view ts = nc ? std::string_view(nc->transfer_syntax) : std::string_view();
            dicom::PdvOutcome o = c.rec->messages.add(v.context_id, v.flags, view.data + v.value.off,
                                                      v.value.len, c.pinfo->num, nstime_to_sec(&c.pinfo->abs_ts),
                                                      ts, keep);
            links[i] = PdvLink{o.message, o.command_done, o.message_done, o.data_fragment, o.data_offset};
            if (o.message_done) dicom_message_completed(c, *o.message);
            else if (o.command_done) dicom_command_completed(c, *o.message);
        }
    });
    if (!ok) expert_add_info(c.pinfo, c.pdu_item, &ei_parse_failed);
    p_add_proto_data(wmem_file_scope(), c.pinfo, proto_dicom_ul, key, links);
    return links;
}

void dissect_pdata(const PduContext &c, dicom::ByteView view, SegmentContext *seg,
                          guint32 pdu_length) {
    auto *pd = parse_noexcept<dicom::PData>([&](dicom::PData &o) { dicom::parse_pdata(view, o); });
    if (!pd) {
        expert_add_info(c.pinfo, c.pdu_item, &ei_parse_failed);
        return;
    }
    build_then_free(pd, [&](const dicom::PData &pdu) {
        const PdvLink *links = link_pdvs(c, pdu, view, seg ? seg->pdu_index : 0);
        tree_pdata(c, pdu, pdu_length, links);
        info_pdata(c, pdu, links, seg);
        for (size_t i = 0; links && i < pdu.pdvs.size(); ++i) {
            if (!links[i].message) continue;
            if (PINFO_FD_VISITED(c.pinfo) && dicom_export_wanted())
                dicom_export_collect(*links[i].message, links[i], view.data + pdu.pdvs[i].value.off,
                                     pdu.pdvs[i].value.len);
            if (links[i].message_done) dicom_export_message(c, *links[i].message);
        }
    });
}

/* ---- streamed P-DATA-TF units (stream.hpp) --------------------------------------------- */

/* First pass: feed one piece of a PDV value to the message assembler and remember what it
 * led to; later passes read what was remembered. */
static PdvLink *link_piece(const PduContext &c, const dicom::StreamCursor &pdv, const guint8 *value,
                           guint32 length, bool first, bool last, int unit_index) {
    const guint32 key = 1 + (guint32)unit_index;
    auto *link = (PdvLink *)p_get_proto_data(wmem_file_scope(), c.pinfo, proto_dicom_ul, key);
    if (link || PINFO_FD_VISITED(c.pinfo)) return link;
    link = wmem_new0(wmem_file_scope(), PdvLink);
    const bool keep = dicom_export_wanted();
    bool ok = update_noexcept([&] {
        const dicom::NegotiatedContext *nc = c.rec->core.context(pdv.context_id);
        std::string_view ts = nc ? std::string_view(nc->transfer_syntax) : std::string_view();
        dicom::PdvOutcome o = c.rec->messages.add_piece(pdv.context_id, pdv.flags, value, length, c.pinfo->num,
                                                        nstime_to_sec(&c.pinfo->abs_ts), ts, keep, first, last);
        *link = PdvLink{o.message, o.command_done, o.message_done, o.data_fragment, o.data_offset};
        if (o.message_done) dicom_message_completed(c, *o.message);
        else if (o.command_done) dicom_command_completed(c, *o.message);
    });
    if (!ok) expert_add_info(c.pinfo, c.pdu_item, &ei_parse_failed);
    p_add_proto_data(wmem_file_scope(), c.pinfo, proto_dicom_ul, key, link);
    return link;
}

static void info_piece(const PduContext &c, const dicom::StreamCursor &pdv, const PdvLink *link,
                       SegmentContext *seg, bool header) {
    if (link && link->message && (link->message_done || link->command_done)) {
        const char *text = message_summary(c, *link->message, link->message_done);
        if (!link->message_done) text = wmem_strdup_printf(c.pinfo->pool, "%s (data set follows)", text);
        set_info(c.pinfo, seg, text, link->message);
    } else if (header) {
        const dicom::NegotiatedContext *nc = c.rec->core.context(pdv.context_id);
        set_info(c.pinfo, seg, wmem_strdup_printf(c.pinfo->pool, "P-DATA ctx %u%s%s (%s%s)", pdv.context_id,
                                                  nc && !nc->abstract_syntax.empty() ? " " : "",
                                                  nc ? uid_label(c.pinfo, nc->abstract_syntax) : "",
                                                  (pdv.flags & dicom::kPdvCommand) ? "command" : "data",
                                                  (pdv.flags & dicom::kPdvLast) ? ", last" : ""));
    } else {
        set_info(c.pinfo, seg, kContinued, kContinued);
    }
}

static void export_piece(const PduContext &c, const PdvLink *link, const guint8 *value, guint32 length) {
    if (!link || !link->message) return;
    if (PINFO_FD_VISITED(c.pinfo) && dicom_export_wanted()) dicom_export_collect(*link->message, *link, value, length);
    if (link->message_done) dicom_export_message(c, *link->message);
}

/* A PDV header; `pdv` is the walk just after it. An empty value is complete right here. */
static void stream_pdv_header(const PduContext &c, int off, const dicom::StreamCursor &pdv, SegmentContext *seg) {
    proto_tree *t = tree_pdv_header(c, off, pdv.pdv_index, pdv.context_id, pdv.flags, pdv.value_length);
    if (pdv.pdv_invalid) {
        proto_tree_add_expert(t, c.pinfo, &ei_problem[(int)dicom::Problem::PdvLengthInvalid], c.tvb, off, 4);
        set_info(c.pinfo, seg, "P-DATA (PDV length does not fit the PDU)");
        return;
    }
    const PdvLink *link = nullptr;
    if (pdv.value_length == 0) {
        link = link_piece(c, pdv, nullptr, 0, true, true, seg ? seg->pdu_index : 0);
        if (link && link->message) tree_pdv_message(c, t, *link);
        export_piece(c, link, nullptr, 0);
    }
    info_piece(c, pdv, link, seg, true);
}

int dissect_stream_unit(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, SegmentContext *seg,
                               const dicom::StreamCursor &before, const dicom::StreamCursor &after) {
    const guint len = tvb_captured_length(tvb);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "DICOM");
    proto_item *ti = proto_tree_add_item(tree, proto_dicom_ul, tvb, 0, -1, ENC_NA);
    proto_tree *pt = proto_item_add_subtree(ti, ett_dicom);
    proto_item_set_hidden(proto_tree_add_item(pt, hf_dicom_any, tvb, 0, -1, ENC_NA));
    AssocRecord *rec = record_for(pinfo, false, seg->cs);
    if (!rec) {
        expert_add_info(pinfo, ti, &ei_parse_failed);
        return len;
    }
    PduContext c{tvb, pinfo, pt, ti, rec, direction(rec, pinfo)};
    switch (seg->unit.kind) {
    case dicom::UnitKind::PdataHead:
        if (len < 12) break; /* cut short by the capture: the walk has started over */
        proto_item_append_text(ti, ", P-DATA-TF (header; %u bytes follow in later segments)", after.pdu_length);
        proto_tree_add_item(pt, hf_pdu_type, tvb, 0, 1, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_pdu_len, tvb, 2, 4, ENC_BIG_ENDIAN);
        if (!PINFO_FD_VISITED(pinfo))
            rec->core.on_pdu(c.from_requestor, dicom::kPData, 6 + (guint64)after.pdu_length,
                             nstime_to_sec(&pinfo->abs_ts));
        tree_association(c, dicom::kPData);
        tree_check_max_pdu(c, after.pdu_length);
        stream_pdv_header(c, 6, after, seg);
        break;
    case dicom::UnitKind::PdvHeader:
        if (len < 6) break;
        proto_item_append_text(ti, ", P-DATA-TF (continued)");
        stream_pdv_header(c, 0, after, seg);
        break;
    case dicom::UnitKind::Value: {
        const bool first = before.value_left == before.value_length;
        const bool last = seg->unit.length >= before.value_left;
        const guint32 from = before.value_length - before.value_left;
        proto_item_append_text(ti, ", P-DATA-TF (continued)");
        const guint8 *value = tvb_get_ptr(tvb, 0, len);
        const PdvLink *link = link_piece(c, before, value, len, first, last, seg->pdu_index);
        /* after the assembler: a completed message may have taught us the context */
        proto_tree *t = tree_pdv_piece(c, before.pdv_index, before.context_id, before.flags, from, len,
                                       before.value_length);
        if (link && link->message) tree_pdv_message(c, t, *link);
        info_piece(c, before, link, seg, false);
        export_piece(c, link, value, len);
        break;
    }
    case dicom::UnitKind::Skip:
        proto_item_append_text(ti, ", P-DATA-TF (rest skipped)");
        proto_tree_add_item(pt, hf_garbage, tvb, 0, -1, ENC_NA);
        set_info(pinfo, seg, "P-DATA (continued; rest of the PDU skipped)");
        break;
    default:
        break;
    }
    return len;
}

