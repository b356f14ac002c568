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
#include <epan/proto_data.h>
#include <epan/srt_table.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "fields.h"
#include "pdu.hpp"

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

static void add_time(proto_tree *t, int hf, tvbuff_t *tvb, double seconds) {
    nstime_t ns;
    nstime_set_zero(&ns);
    ns.secs = (time_t)seconds;
    ns.nsecs = (int)((seconds - (double)ns.secs) * 1e9 + 0.5);
    if (ns.nsecs >= 1000000000) {
        ns.secs += 1;
        ns.nsecs -= 1000000000;
    }
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
        double ms = (m.complete_time - rq.complete_time) * 1000.0;
        if (ms >= 0) add_time(t, hf_response_time, c.tvb, m.complete_time - rq.complete_time);
        if (cmd.field != dicom::kCCancelRq && ms > dicom_prefs.slow_response_ms)
            expert_add_info_format(c.pinfo, t, &ei_slow_response,
                                   "%s answered after %.3f s (preference: %u ms)",
                                   dicom::code_name(dicom::kCommandFields, cmd.field), ms / 1000.0,
                                   dicom_prefs.slow_response_ms);
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

void tree_unanswered(const PduContext &c) {
    try {
        for (dicom::Message *m : c.rec->core.unanswered()) {
            if (m->complete_frame > c.pinfo->num) continue;
            expert_add_info_format(c.pinfo, c.pdu_item, &ei_unanswered,
                                   "%s id=%u (frame %u) has no final response before the association ends",
                                   dicom::code_name(dicom::kCommandFields, m->command.field), m->command.message_id,
                                   m->complete_frame);
        }
    } catch (...) {
    }
    /* One object per association: the same AEs just used a fresh association for one C-STORE. */
    const dicom::Association &a = c.rec->core;
    const AssocRecord *prev = c.rec->previous_same_aes;
    if (a.stores == 1 && prev && prev->core.stores == 1 && a.operations.size() <= 2)
        expert_add_info_format(c.pinfo, c.pdu_item, &ei_one_per_object,
                               "%s opens one association per object (association %u and %u each carried one C-STORE)",
                               a.calling_ae.c_str(), prev->number, c.rec->number);
}

/* ---- service response time: -z dicom_ul,srt ---------------------------------------------- */

static const guint16 kSrtCommands[] = {dicom::kCEchoRq, dicom::kCStoreRq, dicom::kCFindRq, dicom::kCGetRq,
                                       dicom::kCMoveRq, dicom::kNEventReportRq, dicom::kNGetRq, dicom::kNSetRq,
                                       dicom::kNActionRq, dicom::kNCreateRq, dicom::kNDeleteRq};

static void srt_init(struct register_srt *, GArray *srt_array) {
    srt_stat_table *t = init_srt_table("DICOM", NULL, srt_array, G_N_ELEMENTS(kSrtCommands), "Command",
                                       NULL, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(kSrtCommands); ++i)
        init_srt_table_row(t, (int)i, dicom::code_name(dicom::kCommandFields, kSrtCommands[i]));
}

static tap_packet_status srt_packet(void *pss, packet_info *pinfo, epan_dissect_t *, const void *prv, tap_flags_t) {
    auto *info = (const DicomTapInfo *)prv;
    if (!info->is_response) return TAP_PACKET_DONT_REDRAW;
    srt_data_t *data = (srt_data_t *)pss;
    srt_stat_table *t = g_array_index(data->srt_array, srt_stat_table *, 0);
    for (guint i = 0; i < G_N_ELEMENTS(kSrtCommands); ++i)
        if (kSrtCommands[i] == info->command) {
            add_srt_table_data(t, (int)i, &info->request_time, pinfo);
            return TAP_PACKET_REDRAW;
        }
    return TAP_PACKET_DONT_REDRAW;
}

/* ---- association table: -z dicom_ul,assoc[,csv|,json] ------------------------------------ */

struct AssocStats {
    enum Format { Text, Csv, Json } format;
    std::vector<AssocRecord *> records;
    std::unordered_map<AssocRecord *, bool> seen;
};

static tap_packet_status assoc_packet(void *tapdata, packet_info *, epan_dissect_t *, const void *prv, tap_flags_t) {
    auto *st = (AssocStats *)tapdata;
    auto *info = (const DicomTapInfo *)prv;
    try {
        if (!st->seen[info->rec]) {
            st->seen[info->rec] = true;
            st->records.push_back(info->rec);
        }
    } catch (...) {
    }
    return TAP_PACKET_DONT_REDRAW;
}

static std::string endpoint(const address *a, guint32 port) {
    char *s = address_to_str(NULL, a);
    std::string out = std::string(s ? s : "?") + ":" + std::to_string(port);
    wmem_free(NULL, s);
    return out;
}

static std::string operations_text(const dicom::Association &a) {
    std::string s;
    for (const auto &kv : a.operations) {
        if (dicom::is_response(kv.first)) continue;
        const char *n = dicom::code_name(dicom::kCommandFields, kv.first);
        if (!s.empty()) s += ' ';
        s += std::string(n ? n : "?") + "x" + std::to_string(kv.second);
    }
    return s;
}

static std::string json_escape(const std::string &in) {
    std::string o;
    for (char ch : in) {
        if (ch == '"' || ch == '\\') o += '\\';
        if ((unsigned char)ch < 0x20) {
            char buf[8];
            snprintf(buf, sizeof buf, "\\u%04x", ch);
            o += buf;
            continue;
        }
        o += ch;
    }
    return o;
}

AssocSummary dicom_summarize(const AssocRecord &rec) {
    const dicom::Association &a = rec.core;
    AssocSummary out;
    out.number = rec.number;
    out.client = rec.requestor_known() ? endpoint(&rec.requestor_addr, rec.requestor_port) : "?";
    out.server = rec.requestor_known() ? endpoint(&rec.acceptor_addr, rec.acceptor_port) : "?";
    out.calling = a.calling_ae;
    out.called = a.called_ae;
    out.start = a.rq_time ? a.rq_time : a.first_time;
    out.setup_ms = a.setup_time() >= 0 ? a.setup_time() * 1000 : -1;
    out.release_ms = a.release_time() >= 0 ? a.release_time() * 1000 : -1;
    double end = a.release_rp_time ? a.release_rp_time : a.abort_time ? a.abort_time : a.last_time;
    out.duration = end - out.start;
    out.bytes_to_server = a.from_requestor.bytes;
    out.bytes_to_client = a.from_acceptor.bytes;
    out.pdus_to_server = a.from_requestor.pdus;
    out.pdus_to_client = a.from_acceptor.pdus;
    out.operations = operations_text(a);
    out.failures = a.failures;
    out.warnings = a.warnings;
    out.stored = a.stores;
    out.data_set_bytes = a.data_set_bytes;
    double pdata = a.last_pdata_time - a.first_pdata_time;
    out.mbps = pdata > 0 ? (double)a.data_set_bytes / 1e6 / pdata : 0;
    out.end = a.how_it_ended();
    if (a.responses) {
        out.response_avg_ms = a.response_time_sum / a.responses * 1000;
        out.response_max_ms = a.response_time_max * 1000;
    }
    return out;
}

static void assoc_draw(void *tapdata) {
    auto *st = (AssocStats *)tapdata;
    try {
        std::sort(st->records.begin(), st->records.end(),
                  [](const AssocRecord *a, const AssocRecord *b) { return a->number < b->number; });
        static const char *cols[] = {"assoc", "client", "server", "calling_ae", "called_ae", "start_epoch",
                                     "setup_ms", "release_ms", "duration_s", "bytes_to_server", "bytes_to_client",
                                     "pdus_to_server", "pdus_to_client", "operations", "failures", "warnings",
                                     "objects_stored", "data_set_bytes", "throughput_MBps", "response_avg_ms",
                                     "response_max_ms", "end"};
        if (st->format == AssocStats::Csv) {
            for (size_t i = 0; i < G_N_ELEMENTS(cols); ++i) printf("%s%s", i ? "," : "", cols[i]);
            printf("\n");
        } else if (st->format == AssocStats::Json) {
            printf("[\n");
        } else {
            printf("\n===================================================================\n");
            printf("DICOM associations\n");
        }
        for (size_t r = 0; r < st->records.size(); ++r) {
            const AssocRecord &rec = *st->records[r];
            const dicom::Association &a = rec.core;
            const AssocSummary sum = dicom_summarize(rec);
            const double setup = sum.setup_ms / 1000, release = sum.release_ms / 1000;
            const std::string &client = sum.client, &server = sum.server, &ops = sum.operations, &how = sum.end;
            char num[16][64];
            snprintf(num[0], 64, "%.6f", sum.start);
            snprintf(num[1], 64, "%.3f", sum.setup_ms);
            snprintf(num[2], 64, "%.3f", sum.release_ms);
            snprintf(num[3], 64, "%.6f", sum.duration);
            snprintf(num[4], 64, "%.3f", sum.mbps);
            snprintf(num[5], 64, "%.3f", sum.response_avg_ms);
            snprintf(num[6], 64, "%.3f", sum.response_max_ms);
            const bool rsp = sum.response_avg_ms >= 0;
            std::string setup_s = setup >= 0 ? num[1] : "", release_s = release >= 0 ? num[2] : "";
            if (st->format == AssocStats::Csv) {
                printf("%u,%s,%s,\"%s\",\"%s\",%s,%s,%s,%s,%llu,%llu,%u,%u,\"%s\",%u,%u,%u,%llu,%s,%s,%s,\"%s\"\n", rec.number,
                       client.c_str(), server.c_str(), a.calling_ae.c_str(), a.called_ae.c_str(), num[0],
                       setup_s.c_str(), release_s.c_str(), num[3], (unsigned long long)a.from_requestor.bytes,
                       (unsigned long long)a.from_acceptor.bytes, a.from_requestor.pdus, a.from_acceptor.pdus,
                       ops.c_str(), a.failures, a.warnings, a.stores, (unsigned long long)a.data_set_bytes, num[4],
                       rsp ? num[5] : "", rsp ? num[6] : "", how.c_str());
            } else if (st->format == AssocStats::Json) {
                printf("  {\"assoc\": %u, \"client\": \"%s\", \"server\": \"%s\", \"calling_ae\": \"%s\", "
                       "\"called_ae\": \"%s\", \"start_epoch\": %s, \"setup_ms\": %s, \"release_ms\": %s, "
                       "\"duration_s\": %s, \"bytes_to_server\": %llu, \"bytes_to_client\": %llu, "
                       "\"pdus_to_server\": %u, \"pdus_to_client\": %u, \"operations\": \"%s\", \"failures\": %u, "
                       "\"warnings\": %u, \"objects_stored\": %u, \"data_set_bytes\": %llu, "
                       "\"throughput_MBps\": %s, \"response_avg_ms\": %s, \"response_max_ms\": %s, "
                       "\"end\": \"%s\"}%s\n",
                       rec.number, client.c_str(), server.c_str(), json_escape(a.calling_ae).c_str(),
                       json_escape(a.called_ae).c_str(), num[0], setup >= 0 ? num[1] : "null",
                       release >= 0 ? num[2] : "null", num[3], (unsigned long long)a.from_requestor.bytes,
                       (unsigned long long)a.from_acceptor.bytes, a.from_requestor.pdus, a.from_acceptor.pdus,
                       ops.c_str(), a.failures, a.warnings, a.stores, (unsigned long long)a.data_set_bytes, num[4],
                       rsp ? num[5] : "null", rsp ? num[6] : "null", json_escape(how).c_str(),
                       r + 1 < st->records.size() ? "," : "");
            } else {
                printf("\nAssociation %u: %s -> %s  %s -> %s\n", rec.number, client.c_str(), server.c_str(),
                       a.calling_ae.c_str(), a.called_ae.c_str());
                printf("  Start %s  Set-up %s ms  Release %s ms  Duration %s s\n", num[0],
                       setup >= 0 ? num[1] : "-", release >= 0 ? num[2] : "-", num[3]);
                printf("  To server %llu bytes in %u PDUs; to client %llu bytes in %u PDUs\n",
                       (unsigned long long)a.from_requestor.bytes, a.from_requestor.pdus,
                       (unsigned long long)a.from_acceptor.bytes, a.from_acceptor.pdus);
                printf("  Operations %s  Failures %u  Warnings %u  Objects stored %u\n",
                       ops.empty() ? "-" : ops.c_str(), a.failures, a.warnings, a.stores);
                printf("  Responses %u, average %s ms, max %s ms\n", a.responses, rsp ? num[5] : "-", rsp ? num[6] : "-");
                printf("  Data sets %llu bytes, %s MB/s  Ended: %s\n", (unsigned long long)a.data_set_bytes, num[4],
                       how.c_str());
            }
        }
        if (st->format == AssocStats::Json) printf("]\n");
        else if (st->format == AssocStats::Text)
            printf("===================================================================\n");
    } catch (...) {
    }
}

static void assoc_finish(void *tapdata) { delete (AssocStats *)tapdata; }

static dicom_tap_init_result assoc_init(const char *opt_arg, void *) {
    auto *st = new AssocStats();
    st->format = AssocStats::Text;
    if (opt_arg && g_str_has_suffix(opt_arg, ",csv")) st->format = AssocStats::Csv;
    if (opt_arg && g_str_has_suffix(opt_arg, ",json")) st->format = AssocStats::Json;
    GString *err = register_tap_listener("dicom_ul", st, NULL, TL_REQUIRES_NOTHING, NULL, assoc_packet,
                                         assoc_draw, assoc_finish);
    if (err) {
        fprintf(stderr, "dicom_ul,assoc: %s\n", err->str);
        g_string_free(err, TRUE);
        delete st;
        DICOM_TAP_INIT_RETURN(false);
    }
    DICOM_TAP_INIT_RETURN(true);
}

static stat_tap_ui assoc_ui = {REGISTER_STAT_GROUP_GENERIC, "DICOM associations", "dicom_ul,assoc", assoc_init, 0, NULL};

/* ---- conversation filter ------------------------------------------------------------------ */

static dicom_filter_valid_result conv_valid(packet_info *pinfo DICOM_CONV_FILTER_EXTRA_PARAM) {
    return dicom_frame_association(pinfo) != NULL;
}

static gchar *conv_build(packet_info *pinfo DICOM_CONV_FILTER_EXTRA_PARAM) {
    AssocRecord *rec = dicom_frame_association(pinfo);
    return rec ? g_strdup_printf("tcp.stream eq %u", rec->tcp_stream) : NULL;
}

void dicom_register_assoc_table(void);

void dicom_register_timing(void) {
    dicom_register_assoc_table();
    dicom_tap = register_tap("dicom_ul");
    register_srt_table(proto_dicom_ul, NULL, 1, srt_packet, srt_init, NULL);
    register_stat_tap_ui(&assoc_ui, NULL);
    register_conversation_filter("dicom_ul", "DICOM association", conv_valid, conv_build DICOM_CONV_FILTER_EXTRA_ARG);
}
