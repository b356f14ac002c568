/* The association table: one list of columns, each column's value taken from the association
 * once, rendered as tshark text, CSV and JSON (-z dicom_ul,assoc[,csv|,json]) and as the
 * GUI's Statistics > DICOM Associations table (assoc_table.cpp). */
#include "stats/assoc_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <unordered_set>
#include <vector>

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "analysis/finding_text.hpp"
#include "compat.h"
#include "dimse/dimse.hpp"
#include "session/association.hpp"
#include "stats/tap.h"

/* Who, how it ended and the worst finding first: the GUI dialog opens narrower than its
 * columns, so what matters most comes before the numbers. */
const AssocColumn dicom_assoc_columns[] = {
    {"assoc", "Assoc", AssocColumnKind::Uint, true},
    {"client", "Client", AssocColumnKind::Text, true},
    {"server", "Server", AssocColumnKind::Text, true},
    {"calling_ae", "Calling AE", AssocColumnKind::Text, true},
    {"called_ae", "Called AE", AssocColumnKind::Text, true},
    {"end", "Ended", AssocColumnKind::Text, true},
    {"finding", "Most severe finding", AssocColumnKind::Text, true},
    {"began", "Began", AssocColumnKind::Text, true},
    {"roles_from", "Roles from", AssocColumnKind::Text, true},
    {"start_epoch", "Start", AssocColumnKind::Epoch, false},
    {"setup_ms", "Set-up (ms)", AssocColumnKind::Milliseconds, true},
    {"release_ms", "Release (ms)", AssocColumnKind::Milliseconds, false},
    {"duration_s", "Duration (s)", AssocColumnKind::Seconds, true},
    {"operations", "Operations", AssocColumnKind::Text, true},
    {"failures", "Failures", AssocColumnKind::Uint, true},
    {"warnings", "Warnings", AssocColumnKind::Uint, false},
    {"objects_stored", "Stored", AssocColumnKind::Uint, true},
    {"response_avg_ms", "Avg response (ms)", AssocColumnKind::Milliseconds, false},
    {"response_max_ms", "Max response (ms)", AssocColumnKind::Milliseconds, true},
    {"throughput_MBps", "MB/s", AssocColumnKind::Rate, true},
    {"data_set_bytes", "Data set bytes", AssocColumnKind::Count, false},
    {"bytes_to_server", "Bytes to server", AssocColumnKind::Count, false},
    {"bytes_to_client", "Bytes to client", AssocColumnKind::Count, false},
    {"pdus_to_server", "PDUs to server", AssocColumnKind::Uint, false},
    {"pdus_to_client", "PDUs to client", AssocColumnKind::Uint, false},
};
const size_t dicom_assoc_column_count = G_N_ELEMENTS(dicom_assoc_columns);

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

std::string dicom_party_text(const dicom::Association &a, bool requestor) {
    const std::string &ae = requestor ? a.calling_ae : a.called_ae;
    std::string s = (ae.empty() ? std::string("?") : ae) + " (" + (requestor ? "requestor" : "acceptor");
    if (a.requestor_known()) s += ", " + dicom_endpoint_text(requestor ? a.requestor : a.acceptor);
    const std::string &version = requestor ? a.requestor_version : a.acceptor_version;
    const std::string &sw = !version.empty() ? version : requestor ? a.requestor_class_uid : a.acceptor_class_uid;
    if (!sw.empty()) s += ", " + sw;
    return s + ")";
}

std::string dicom_assoc_label(const dicom::Association &a) {
    return (a.calling_ae.empty() ? std::string("?") : a.calling_ae) + " -> " + (a.called_ae.empty() ? "?" : a.called_ae);
}

std::string dicom_assoc_worst_finding(const dicom::Association &a) {
    const dicom::DiagnosticSummary *worst = dicom::most_severe_finding(a);
    return worst ? std::string(dicom::diag_code_name(worst->code)) + " (" + dicom::party_name(worst->party) + ")" : "";
}

const char *dicom_assoc_began_text(const dicom::Association &a) {
    if (a.rq_time) return "in the capture";
    return a.began_before_capture ? "before the capture" : "set-up not captured";
}

std::vector<AssocCell> dicom_assoc_row(const dicom::Association &a) {
    std::vector<AssocCell> row(dicom_assoc_column_count);
    auto num = [&](size_t i, double v) { row[i].number = v; };
    auto text = [&](size_t i, std::string v) { row[i].text = std::move(v); };
    auto none = [&](size_t i) { row[i].null = true; };
    const double start = a.rq_time ? a.rq_time : a.first_time;
    size_t i = 0;
    num(i++, a.number);
    text(i++, a.requestor_known() ? dicom_endpoint_text(a.requestor) : "?");
    text(i++, a.requestor_known() ? dicom_endpoint_text(a.acceptor) : "?");
    text(i++, a.calling_ae);
    text(i++, a.called_ae);
    text(i++, a.how_it_ended());
    text(i++, dicom_assoc_worst_finding(a));
    text(i++, dicom_assoc_began_text(a));
    text(i++, dicom::roles_evidence_name(a.roles_evidence));
    num(i++, start);
    if (a.setup_time() >= 0) num(i++, a.setup_time() * 1000);
    else none(i++);
    if (a.release_time() >= 0) num(i++, a.release_time() * 1000);
    else none(i++);
    num(i++, std::max(0.0, a.end_time() - start));
    text(i++, operations_text(a));
    num(i++, a.failures);
    num(i++, a.warnings);
    num(i++, a.stored);
    if (a.responses) {
        num(i++, a.response_time_sum / a.responses * 1000);
        num(i++, a.response_time_max * 1000);
    } else {
        none(i++);
        none(i++);
    }
    /* data set bytes over the P-DATA phase, up to the last byte of the last message */
    const double pdata = a.last_message_time - a.first_pdata_time;
    num(i++, a.first_pdata_time && pdata > 0 ? (double)a.data_set_bytes / 1e6 / pdata : 0);
    num(i++, (double)a.data_set_bytes);
    num(i++, (double)a.from_requestor.bytes);
    num(i++, (double)a.from_acceptor.bytes);
    num(i++, a.from_requestor.pdus);
    num(i++, a.from_acceptor.pdus);
    return row;
}

/* "2026-11-28 10:42:14.495934Z" */
static std::string utc_date(double epoch) {
    if (!(epoch >= 0 && epoch < 1e13)) return "-";
    const long long us = llround(epoch * 1e6);
    const time_t whole = (time_t)(us / 1000000);
    struct tm t;
    if (!gmtime_r(&whole, &t)) return "-";
    char b[64];
    snprintf(b, sizeof b, "%04d-%02d-%02d %02d:%02d:%02d.%06dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
             t.tm_min, t.tm_sec, (int)(us % 1000000));
    return b;
}

std::string dicom_assoc_cell_text(size_t column, const AssocCell &c, AssocFormat format) {
    const bool for_json = format == AssocFormat::Json;
    if (c.null) return for_json ? "null" : "";
    char b[64];
    switch (dicom_assoc_columns[column].kind) {
    case AssocColumnKind::Uint:
    case AssocColumnKind::Count: snprintf(b, sizeof b, "%.0f", c.number); return b;
    case AssocColumnKind::Milliseconds:
    case AssocColumnKind::Rate: snprintf(b, sizeof b, "%.3f", c.number); return b;
    case AssocColumnKind::Epoch:
        if (format == AssocFormat::Text) return utc_date(c.number);
        snprintf(b, sizeof b, "%.6f", c.number);
        return b;
    case AssocColumnKind::Seconds: snprintf(b, sizeof b, format == AssocFormat::Text ? "%.3f" : "%.6f", c.number); return b;
    case AssocColumnKind::Text: return for_json ? "\"" + dicom_json_escape(c.text) + "\"" : c.text;
    }
    return "";
}

/* ---- -z dicom_ul,assoc[,csv|,json] --------------------------------------------------------- */

namespace {

struct AssocTable : AssocCollector {
    enum Format { Text, Csv, Json } format = Text;
};

void assoc_draw(void *tapdata) {
    auto *st = static_cast<AssocTable *>(tapdata);
    try {
        st->sort();
        const size_t n = dicom_assoc_column_count;
        if (st->format == AssocTable::Csv) {
            for (size_t i = 0; i < n; ++i) printf("%s%s", i ? "," : "", dicom_assoc_columns[i].key);
            printf("\n");
        } else if (st->format == AssocTable::Json) {
            printf("[\n");
        } else {
            printf("\n===================================================================\n");
            printf("DICOM associations\n");
        }
        for (size_t r = 0; r < st->associations.size(); ++r) {
            const std::vector<AssocCell> row = dicom_assoc_row(*st->associations[r]);
            if (st->format == AssocTable::Csv) {
                for (size_t i = 0; i < n; ++i) {
                    std::string v = dicom_assoc_cell_text(i, row[i], AssocFormat::Csv);
                    if (dicom_assoc_columns[i].kind == AssocColumnKind::Text) {
                        std::string q;
                        for (char ch : v) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
                        v = "\"" + q + "\"";
                    }
                    printf("%s%s", i ? "," : "", v.c_str());
                }
                printf("\n");
            } else if (st->format == AssocTable::Json) {
                printf("  {");
                for (size_t i = 0; i < n; ++i)
                    printf("%s\"%s\": %s", i ? ", " : "", dicom_assoc_columns[i].key,
                           dicom_assoc_cell_text(i, row[i], AssocFormat::Json).c_str());
                printf("}%s\n", r + 1 < st->associations.size() ? "," : "");
            } else {
                /* the first five columns as a heading, the rest as "Title value" pairs */
                printf("\nAssociation %s: %s -> %s  %s -> %s\n", dicom_assoc_cell_text(0, row[0], AssocFormat::Text).c_str(),
                       row[1].text.c_str(), row[2].text.c_str(), row[3].text.c_str(), row[4].text.c_str());
                std::string line;
                for (size_t i = 5; i < n; ++i) {
                    std::string v = dicom_assoc_cell_text(i, row[i], AssocFormat::Text);
                    std::string item = std::string(dicom_assoc_columns[i].title) + " " + (v.empty() ? "-" : v);
                    if (!line.empty() && line.size() + item.size() > 96) {
                        printf("  %s\n", line.c_str());
                        line.clear();
                    }
                    line += (line.empty() ? "" : "  ") + item;
                }
                if (!line.empty()) printf("  %s\n", line.c_str());
            }
        }
        if (st->format == AssocTable::Json) printf("]\n");
        else if (st->format == AssocTable::Text)
            printf("===================================================================\n");
    } catch (...) {
    }
}

void assoc_finish(void *tapdata) { delete static_cast<AssocTable *>(tapdata); }

dicom_tap_init_result assoc_init(const char *opt_arg, void *) {
    auto *st = new AssocTable();
    if (opt_arg && g_str_has_suffix(opt_arg, ",csv")) st->format = AssocTable::Csv;
    if (opt_arg && g_str_has_suffix(opt_arg, ",json")) st->format = AssocTable::Json;
    if (!dicom_register_collector(st, "dicom_ul,assoc", assoc_draw, assoc_finish)) {
        delete st;
        DICOM_TAP_INIT_RETURN(false);
    }
    DICOM_TAP_INIT_RETURN(true);
}

stat_tap_ui assoc_ui = {REGISTER_STAT_GROUP_GENERIC, "DICOM associations", "dicom_ul,assoc", assoc_init, 0, NULL};

} // namespace

void dicom_register_assoc_report(void) { register_stat_tap_ui(&assoc_ui, NULL); }
