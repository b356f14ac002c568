/* "Why is this transfer slow?": association numbers and timing on the PDUs, request and
 * response matching with response times, expert infos for slow or missing responses,
 * C-MOVE sub-associations, and the statistics: -z dicom_ul,srt (Wireshark's service response
 * time framework, also Statistics > Service Response Time in the GUI) and
 * -z dicom_ul,assoc[,csv|,json] (one row per association). */
#include "dissect.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include <epan/conversation_filter.h>
#include <epan/expert.h>
#include <epan/srt_table.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "fields.h"
#include "ul/pdu.hpp"

static int dicom_tap = -1;


/* ---- first pass: what a completed message tells the other associations ------------------- */

/* Mid-stream: a command on a context whose negotiation was not captured tells its SOP class. */
static void infer_context(AssocRecord *rec, const dicom::Message &m) {
    const dicom::Command &cmd = m.command;
    const dicom::NegotiatedContext *nc = rec->core.context(m.context_id);
    if ((nc && !nc->inferred) || !cmd.valid || dicom::is_response(cmd.field) || cmd.sop_class().empty()) return;
    rec->core.infer_context(m.context_id, cmd.sop_class(), m.complete_frame && m.has_data ? m.transfer_syntax : std::string());
}

void dicom_command_completed(AssocRecord *rec, dicom::Message &m) { infer_context(rec, m); }

void dicom_message_completed(AssocRecord *rec, dicom::Message &m) {
    dicom_count_shown_bytes(m);
    /* runs inside update_noexcept: C++ exceptions are caught by the caller */
    const dicom::Command &cmd = m.command;
    if (!cmd.valid) return;
    infer_context(rec, m);
    if (cmd.field == dicom::kCMoveRq && cmd.has_message_id) dicom_index_move(rec, m);
    if (cmd.field == dicom::kCStoreRq) dicom_index_move_store(rec, m);
}

/* Associations that carried a C-MOVE's sub-operations, as "3, 4"; NULL if none. */
static const char *move_sub_associations(packet_info *pinfo, const dicom::Message *move, guint32 *first) {
    try {
        const std::vector<guint32> *subs = dicom_move_sub_associations(move);
        if (!subs) return NULL;
        wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, "");
        for (guint32 n : *subs) wmem_strbuf_append_printf(b, "%s%u", wmem_strbuf_get_len(b) ? ", " : "", n);
        *first = subs->front();
        return wmem_strbuf_get_str(b);
    } catch (...) {
        return NULL;
    }
}

/* The C-MOVE-RQ (frame) that a sub-association's C-STORE-RQ serves, 0 if none is known. */
static guint32 move_request_frame(const dicom::Message &m) {
    const dicom::Message *move = dicom_move_request(m);
    return move ? move->complete_frame : 0;
}

/* ---- tree ------------------------------------------------------------------------------- */

void dicom_seconds_to_nstime(double seconds, nstime_t *ns) {
    nstime_set_zero(ns);
    ns->secs = (time_t)seconds;
    ns->nsecs = (int)((seconds - (double)ns->secs) * 1e9 + 0.5);
    if (ns->nsecs >= 1000000000) {
        ns->secs += 1;
        ns->nsecs -= 1000000000;
    }
}

static void add_time(proto_tree *t, int hf, tvbuff_t *tvb, double seconds) {
    nstime_t ns;
    dicom_seconds_to_nstime(seconds, &ns);
    proto_item_set_generated(proto_tree_add_time(t, hf, tvb, 0, 0, &ns));
}

void dicom_tap_pdu(packet_info *pinfo, AssocRecord *rec, const dicom::Message *final_response) {
    if (!have_tap_listener(dicom_tap)) return;
    auto *info = wmem_new0(pinfo->pool, DicomTapInfo);
    info->rec = rec;
    if (final_response && final_response->request) {
        const dicom::Message *rq = final_response->request;
        info->is_response = true;
        info->command = rq->command.field;
        nstime_t t;
        t.secs = (time_t)rq->complete_time;
        t.nsecs = (int)((rq->complete_time - (double)t.secs) * 1e9 + 0.5);
        info->request_time = t;
    }
    tap_queue_packet(dicom_tap, pinfo, info);
}

/* The times the association recorded when the walk reached each PDU, which is when its
 * receiver had it: a PDU whose bytes waited for a gap is shown in a frame that came earlier. */
void tree_association(const PduContext &c, guint8 pdu_type) {
    const dicom::Association &a = c.rec->core;
    switch (pdu_type) {
    case dicom::kAssociateAc:
    case dicom::kAssociateRj:
        if (a.setup_time() >= 0) add_time(c.tree, hf_assoc_setup_time, c.tvb, a.setup_time());
        break;
    case dicom::kReleaseRp:
        if (a.release_time() >= 0) add_time(c.tree, hf_assoc_release_time, c.tvb, a.release_time());
        if (a.rq_time && a.release_rp_time) add_time(c.tree, hf_assoc_duration, c.tvb, a.release_rp_time - a.rq_time);
        break;
    case dicom::kAbort:
        if (a.rq_time && a.abort_time) add_time(c.tree, hf_assoc_duration, c.tvb, a.abort_time - a.rq_time);
        break;
    }
}

void tree_message_timing(const PduContext &c, proto_tree *t, const dicom::Message &m) {
    const dicom::Command &cmd = m.command;
    if (!cmd.valid) return;
    if (cmd.field == dicom::kCMoveRsp && m.request) {
        guint32 first = 0;
        if (const char *subs = move_sub_associations(c.pinfo, m.request, &first)) {
            proto_item *pi = proto_tree_add_uint_format_value(t, hf_move_sub_association, c.tvb, 0, 0, first,
                                                              "%s", subs);
            proto_item_set_generated(pi);
        }
    }
    if (m.request) {
        const dicom::Message &rq = *m.request;
        proto_item_set_generated(proto_tree_add_uint(t, hf_response_to, c.tvb, 0, 0, rq.complete_frame));
        /* no time when the request's end was in a capture gap, declared after its response */
        const double rt = m.complete_time - rq.complete_time;
        if (rt >= 0) add_time(t, hf_response_time, c.tvb, rt);
        if (rt >= 0 && m.processing >= 0) { /* where it went: the responder's work, and TCP */
            add_time(t, hf_processing_time, c.tvb, m.processing);
            add_time(t, hf_transport_time, c.tvb, rt > m.processing ? rt - m.processing : 0);
        }
    }
    if (m.stall_seconds > 0) { /* TCP stalls while it was under way (slow responses: dicom.expert.slow_response) */
        add_time(t, hf_stall_time, c.tvb, m.stall_seconds);
        proto_item_set_generated(proto_tree_add_string(t, hf_stall_cause, c.tvb, 0, 0,
                                                       dicom::stall_cause_name((dicom::StallCause)m.stall_cause)));
    }
    if (!dicom::is_response(cmd.field)) {
        if (m.final_response)
            proto_item_set_generated(proto_tree_add_uint(t, hf_response_in, c.tvb, 0, 0, m.final_response->complete_frame));
        if (m.cancel)
            proto_item_set_generated(proto_tree_add_uint(t, hf_cancel_in, c.tvb, 0, 0, m.cancel->complete_frame));
        if (m.has_data || m.command_frame != m.complete_frame) /* time spent sending the request */
            add_time(t, hf_send_time, c.tvb, m.complete_time - m.first_time);
        if (cmd.field == dicom::kCStoreRq) {
            if (guint32 move = move_request_frame(m))
                proto_item_set_generated(proto_tree_add_uint(t, hf_move_request_in, c.tvb, 0, 0, move));
        }
    }
}

/* ---- service response time: -z dicom_ul,srt ---------------------------------------------- */

/* Two tables: by command, each row indexed by the request's Command Field, and by association,
 * each row indexed by its number. Wireshark's SRT dialog filters a row as "<filter>==<index>",
 * so a right click on a row finds its request and response frames (dicom.dimse.operation is on
 * both) or every frame of its association. */
static const guint16 kSrtCommands[] = {dicom::kCEchoRq, dicom::kCStoreRq, dicom::kCFindRq, dicom::kCGetRq,
                                       dicom::kCMoveRq, dicom::kNEventReportRq, dicom::kNGetRq, dicom::kNSetRq,
                                       dicom::kNActionRq, dicom::kNCreateRq, dicom::kNDeleteRq};

static void srt_init(struct register_srt *, GArray *srt_array) {
    srt_stat_table *t = init_srt_table("DICOM commands", NULL, srt_array, dicom::kNDeleteRq + 1, "Command",
                                       "dicom.dimse.operation", NULL);
    for (guint16 field : kSrtCommands) init_srt_table_row(t, field, dicom::code_name(dicom::kCommandFields, field));
    init_srt_table("DICOM associations", NULL, srt_array, 1, "Association", "dicom.assoc.id", NULL);
}

/* "MODALITY -> PACS (delayed_ack_stall)" */
static char *association_row_name(const AssocRecord &rec) {
    const dicom::DiagnosticSummary *worst = dicom_most_severe(rec.core);
    return g_strdup_printf("%s -> %s%s%s%s", rec.core.calling_ae.c_str(), rec.core.called_ae.c_str(),
                           worst ? " (" : "", worst ? dicom::diag_code_name(worst->code) : "", worst ? ")" : "");
}

static tap_packet_status srt_packet(void *pss, packet_info *pinfo, epan_dissect_t *, const void *prv, tap_flags_t) {
    auto *info = (const DicomTapInfo *)prv;
    if (!info->is_response) return TAP_PACKET_DONT_REDRAW;
    srt_data_t *data = (srt_data_t *)pss;
    srt_stat_table *by_command = g_array_index(data->srt_array, srt_stat_table *, 0);
    srt_stat_table *by_assoc = g_array_index(data->srt_array, srt_stat_table *, 1);
    bool known = false;
    for (guint16 field : kSrtCommands) known |= field == info->command;
    if (!known) return TAP_PACKET_DONT_REDRAW;
    add_srt_table_data(by_command, info->command, &info->request_time, pinfo);
    const int row = (int)info->rec->number;
    if (row >= by_assoc->num_procs || !by_assoc->procedures[row].procedure) {
        init_srt_table_row(by_assoc, row, "");
    }
    /* the name says the association's most severe finding so far */
    g_free(by_assoc->procedures[row].procedure);
    by_assoc->procedures[row].procedure = association_row_name(*info->rec);
    add_srt_table_data(by_assoc, row, &info->request_time, pinfo);
    return TAP_PACKET_REDRAW;
}

/* ---- conversation filter ------------------------------------------------------------------ */

static dicom_filter_valid_result conv_valid(packet_info *pinfo DICOM_CONV_FILTER_EXTRA_PARAM) {
    return dicom_frame_association(pinfo) != NULL;
}

static gchar *conv_build(packet_info *pinfo DICOM_CONV_FILTER_EXTRA_PARAM) {
    AssocRecord *rec = dicom_frame_association(pinfo);
    return rec ? g_strdup_printf("dicom.assoc.id == %u", rec->number) : NULL;
}

void dicom_register_assoc_table(void);

void dicom_register_timing(void) {
    dicom_register_assoc_table();
    dicom_tap = register_tap("dicom_ul");
    register_srt_table(proto_dicom_ul, NULL, 2, srt_packet, srt_init, NULL);
    dicom_register_assoc_report();
    dicom_register_diagnose();
    dicom_register_endpoints();
    register_conversation_filter("dicom_ul", "DICOM association", conv_valid, conv_build DICOM_CONV_FILTER_EXTRA_ARG);
}
