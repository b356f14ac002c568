/* -z dicom_ul,diagnose[,json]: per association, who took part (AE title, address, software),
 * how it ended, where its time went and what went wrong, in sentences a PACS administrator
 * can forward to a vendor (text) or as one JSON document. The findings are the ones the first
 * pass raised (dissector/session/diagnose.hpp); each is also an expert info on its frame. */
#include "stats/diagnose.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <epan/packet.h>
#include <epan/stat_tap_ui.h>

#include "analysis/finding_text.hpp"
#include "analysis/time_budget.hpp"
#include "compat.h"
#include "dimse/dimse.hpp"
#include "session/association.hpp"
#include "stats/assoc_report.h"
#include "stats/report_tap.h"
#include "stats/tap.h"

namespace {

std::string ms_text(double seconds) {
    char b[48];
    if (seconds < 1) snprintf(b, sizeof b, "%.0f ms", seconds * 1000);
    else snprintf(b, sizeof b, "%.3f s", seconds);
    return b;
}

std::string num(const char *fmt, double v) {
    char b[48];
    snprintf(b, sizeof b, fmt, v);
    return b;
}

struct Party {
    std::string ae, address, class_uid, version;
};

Party party(const dicom::Association &a, bool requestor) {
    Party p;
    p.ae = requestor ? a.calling_ae : a.called_ae;
    if (a.requestor_known()) p.address = dicom_endpoint_text(requestor ? a.requestor : a.acceptor);
    p.class_uid = requestor ? a.requestor_class_uid : a.acceptor_class_uid;
    p.version = requestor ? a.requestor_version : a.acceptor_version;
    return p;
}

const char *kBudgetKeys[] = {"setup", "release", "waiting_for_acceptor", "waiting_for_requestor", "transfer", "tcp_stalls"};

std::vector<double> budget_parts(const dicom::TimeBudget &b) {
    return {b.setup, b.release, b.waiting_for_acceptor, b.waiting_for_requestor, b.transfer, b.tcp_stalls};
}

/* One sentence on how it went, the outcome first. */
std::string verdict(const dicom::Association &a, const dicom::TimeBudget &b) {
    const auto findings = dicom::ordered_findings(a);
    std::string s;
    const dicom::DiagnosticSummary *worst = findings.empty() ? nullptr : findings.front();
    const dicom::DiagnosticSummary *doubtful = nullptr; /* the first finding the capture could not prove */
    for (const dicom::DiagnosticSummary *f : findings)
        if (!doubtful && f->doubtful) doubtful = f;
    const dicom::Severity worst_severity = worst ? dicom::finding_severity(a, *worst) : dicom::Severity::Note;
    if (worst_severity == dicom::Severity::Note && doubtful) {
        s = "No fault proven: the capture cannot tell (" + std::string(dicom::diag_code_name(doubtful->code)) + " against " +
            a.party_label(doubtful->party, false) + " is uncertain)";
    } else if (worst_severity == dicom::Severity::Note) {
        s = "No fault found";
    } else {
        const bool error = worst_severity == dicom::Severity::Error;
        const bool time = dicom::diag_value_is_ms(worst->code);
        s = std::string(error ? "At fault: " : time ? "Slowed down by: " : "Attention: ") + a.party_label(worst->party) +
            " (" + dicom::diag_code_name(worst->code) + ")";
    }
    /* where most of the time went, when something other than the work itself dominates */
    const std::vector<double> parts = budget_parts(b);
    const char *names[] = {"association set-up", "release", "", "", "transfer", "TCP stalls"};
    size_t top = 0;
    for (size_t i = 1; i < parts.size(); ++i)
        if (parts[i] > parts[top]) top = i;
    /* worth saying when it is long enough to matter, or when TCP took most of it */
    if (b.duration > 0 && parts[top] > 0 && (b.duration >= 0.5 || (top == 5 && parts[top] >= 0.3 * b.duration))) {
        std::string what = names[top];
        if (top == 2) what = "waiting for " + a.party_label(dicom::Party::Acceptor);
        if (top == 3) what = "waiting for " + a.party_label(dicom::Party::Requestor);
        s += "; most of its " + ms_text(b.duration) + " went to " + what + " (" +
             num("%.0f", 100 * parts[top] / b.duration) + "%)";
    }
    return s + ".";
}

/* Which side is which, and what says so, when the A-ASSOCIATE does not. */
std::string roles_text(const dicom::Association &a) {
    switch (a.roles_evidence) {
    case dicom::RolesEvidence::None: return "which side is the requestor is unknown";
    case dicom::RolesEvidence::Requests: return "roles inferred from the requests sent";
    case dicom::RolesEvidence::ListeningPort: return "roles inferred from the port the acceptor listens on";
    case dicom::RolesEvidence::Handshake: return "roles from the TCP handshake";
    case dicom::RolesEvidence::Associate: break;
    }
    return "roles from the A-ASSOCIATE";
}

/* One association's paragraph; its findings are numbered "association.k" for the window's
 * Go to / Filter buttons, each with the display filter that shows its frames. */
void append_text(const dicom::Association &a, NumberedReport &r) {
    std::string &o = r.text;
    o += "\nAssociation " + std::to_string(a.number) + ": " + dicom_party_text(a, true) + " -> " + dicom_party_text(a, false) +
         "\n";
    const dicom::TimeBudget b = dicom::time_budget(a);
    o += "  Outcome: " + a.how_it_ended() + " after " + ms_text(b.duration);
    if (a.store_requests) o += "; " + std::to_string(a.stored) + " of " + std::to_string(a.store_requests) + " objects stored";
    if (a.failures) o += "; " + std::to_string(a.failures) + " failure status" + (a.failures == 1 ? "" : "es");
    o += "\n";
    if (!a.rq_time || a.roles_evidence != dicom::RolesEvidence::Associate)
        o += std::string("  Capture: ") +
             (a.rq_time ? "set-up in the capture" : a.began_before_capture ? "began before the capture"
                                                                            : "its A-ASSOCIATE-RQ is not in the capture") +
             "; " + roles_text(a) + "\n";
    const std::vector<double> parts = budget_parts(b);
    const char *labels[] = {"set-up", "release", "waiting for the acceptor", "waiting for the requestor", "transfer",
                            "TCP stalls"};
    std::string time = "  Time:";
    for (size_t i = 0; i < parts.size(); ++i) {
        if (parts[i] <= 0) continue;
        time += std::string(time.size() > 7 ? "," : "") + " " + labels[i] + " " + ms_text(parts[i]);
        if (b.duration > 0) time += " (" + num("%.0f", 100 * parts[i] / b.duration) + "%)";
    }
    o += (time.size() > 7 ? time : "  Time: -") + "\n";
    const auto findings = dicom::ordered_findings(a);
    o += findings.empty() ? "  Findings: none\n" : "  Findings:\n";
    unsigned k = 0;
    for (const dicom::DiagnosticSummary *s : findings) {
        ReportEntry ref;
        ref.association = a.number;
        ref.index = ++k;
        ref.frame = s->first_frame;
        ref.filter = dicom_assoc_filter(a.number) + " && dicom.finding == \"" +
                     dicom::diag_code_name(s->code) + "\"";
        o += "    " + std::to_string(a.number) + "." + std::to_string(k) + " [" + dicom::severity_name(dicom::finding_severity(a, *s)) + "] " +
             dicom::diag_code_name(s->code) + ", frame " + std::to_string(s->first_frame) + ": " +
             dicom::summary_text(a, *s) + "\n";
        o += "        filter: " + ref.filter + "\n";
        r.entries.push_back(std::move(ref));
    }
    o += "  Verdict: " + verdict(a, b) + "\n";
}

std::string json_string(const std::string &s) { return "\"" + dicom_json_escape(s) + "\""; }

void print_json(const dicom::Association &a, bool last) {
    const Party rq = party(a, true), ac = party(a, false);
    auto implementation = [](const Party &p) {
        return "{\"class_uid\": " + json_string(p.class_uid) + ", \"version_name\": " + json_string(p.version) + "}";
    };
    const dicom::TimeBudget b = dicom::time_budget(a);
    std::string o = "    {\"association\": " + std::to_string(a.number) + ", \"calling_ae\": " + json_string(a.calling_ae) +
                    ", \"called_ae\": " + json_string(a.called_ae) + ", \"requestor\": " + json_string(rq.address) +
                    ", \"acceptor\": " + json_string(ac.address) + ",\n     \"requestor_implementation\": " +
                    implementation(rq) + ", \"acceptor_implementation\": " + implementation(ac) +
                    ",\n     \"outcome\": " + json_string(a.outcome()) + ", \"ended\": " + json_string(a.how_it_ended()) +
                    ", \"began\": " + json_string(dicom_assoc_began_text(a)) + ", \"still_open_at_end\": " +
                    (a.still_open_at_end() ? "true" : "false") + ", \"roles_from\": " +
                    json_string(dicom::roles_evidence_name(a.roles_evidence)) +
                    ",\n     \"tcp_stream\": " + std::to_string(a.tcp_stream) + ", \"objects_stored\": " +
                    std::to_string(a.stored) + ", \"store_requests\": " + std::to_string(a.store_requests) +
                    ",\n     \"duration_ms\": " + num("%.3f", b.duration * 1000) + ", \"time_budget_ms\": {";
    const std::vector<double> parts = budget_parts(b);
    for (size_t i = 0; i < parts.size(); ++i)
        o += std::string(i ? ", " : "") + "\"" + kBudgetKeys[i] + "\": " + num("%.3f", parts[i] * 1000);
    o += "},\n     \"findings\": [";
    const auto findings = dicom::ordered_findings(a);
    for (size_t i = 0; i < findings.size(); ++i) {
        const dicom::DiagnosticSummary &s = *findings[i];
        const bool peer = s.party == dicom::Party::Requestor || s.party == dicom::Party::Acceptor;
        const std::string &ae = s.party == dicom::Party::Requestor ? a.calling_ae : a.called_ae;
        o += std::string(i ? ",\n       " : "\n       ") + "{\"code\": " + json_string(dicom::diag_code_name(s.code)) +
             ", \"severity\": " + json_string(dicom::severity_name(dicom::finding_severity(a, s))) +
             ", \"uncertain\": " + std::to_string(s.doubtful) +
             (s.doubtful ? ", \"doubt\": " + json_string(dicom::doubt_name(s.first_doubt)) : std::string()) +
             ", \"party\": " + json_string(dicom::party_name(s.party)) + ", \"ae\": " +
             (peer && !ae.empty() ? json_string(ae) : std::string("null")) + ", \"frame\": " + std::to_string(s.first_frame) +
             ", \"value\": " + num("%.3f", dicom::summary_value(s)) + ", \"count\": " + std::to_string(s.count) +
             ", \"text\": " + json_string(dicom::summary_text(a, s)) + "}";
    }
    o += findings.empty() ? "]" : "\n     ]";
    o += ",\n     \"verdict\": " + json_string(verdict(a, b)) + "}";
    printf("%s%s\n", o.c_str(), last ? "" : ",");
}

} // namespace

NumberedReport dicom_diagnosis_report(const std::vector<const dicom::Association *> &sorted) {
    NumberedReport r;
    r.text = "\n===================================================================\n"
             "DICOM diagnosis: who is at fault, where the time went\n";
    for (const dicom::Association *a : sorted) append_text(*a, r);
    r.text += "===================================================================\n";
    return r;
}

namespace {

const ReportTapKind kDiagnose = {"dicom_ul,diagnose", dicom_diagnosis_report, print_json};
stat_tap_ui diagnose_ui = {REGISTER_STAT_GROUP_GENERIC, "DICOM diagnosis", "dicom_ul,diagnose", dicom_report_tap_init, 0,
                           NULL};

} // namespace

void dicom_register_diagnose(void) { register_stat_tap_ui(&diagnose_ui, const_cast<ReportTapKind *>(&kDiagnose)); }
