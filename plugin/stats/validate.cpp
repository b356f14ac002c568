/* -z dicom_ul,validate[,json]: the conformance violations the first pass found (the rules of
 * dissector/conformance/rules.hpp, raised by dissector/session/validate.hpp), per association
 * and per peer, grouped by rule with their count and first frame; each is also an expert info
 * on its frames. What the capture could not judge (a late start, a gap, a mirror port) is said,
 * never counted against a peer. */
#include "stats/validate.h"

#include <cstdio>
#include <string>

#include "conformance/violation_text.hpp"
#include "session/association.hpp"
#include "stats/assoc_report.h"
#include "stats/report_tap.h"
#include "stats/tap.h"

namespace {

std::string json_string(const std::string &s) { return "\"" + dicom_json_escape(s) + "\""; }

/* What limited the checks of this association, in words; empty when nothing did. */
std::string limits_text(const dicom::Association &a) {
    std::string s;
    auto add = [&s](const char *what) { s += std::string(s.empty() ? "" : "; ") + what; };
    if (!a.conformance.settings.enabled) return "validation is off (preference dicom_ul.validate)";
    if (!a.conformance.ul_from_start)
        add("its A-ASSOCIATE-RQ is not in the capture: the order of PDUs and the Message IDs were not judged");
    if (a.conformance.ul_diverged) add("after the first violation of the state machine, the order of PDUs was not judged");
    if (a.missed_from_requestor || a.missed_from_acceptor)
        add("the capture missed bytes of it: what a peer sent after the gap was not judged");
    if (a.mirror_noted) add("the capture looks taken on a mirror port: no order across the two directions was judged");
    if (!a.conformance.settings.data_sets) add("data set checks (encoding, iod) are off (preference dicom_ul.validate_data_sets)");
    return s;
}

const dicom::ViolationSummary *nth_of(const dicom::Association &a, dicom::Party p, size_t n) {
    for (const dicom::ViolationSummary &v : a.conformance.summaries)
        if (v.party == p && n-- == 0) return &v;
    return nullptr;
}

void append_text(const dicom::Association &a, NumberedReport &r) {
    std::string &o = r.text;
    o += "\nAssociation " + std::to_string(a.number) + ": " + dicom_party_text(a, true) + " -> " + dicom_party_text(a, false) +
         "\n";
    const std::string limits = limits_text(a);
    if (!limits.empty()) o += "  Not judged: " + limits + "\n";
    unsigned k = 0;
    for (dicom::Party p : {dicom::Party::Requestor, dicom::Party::Acceptor}) {
        const bool rq = p == dicom::Party::Requestor;
        uint32_t total = 0, rules = 0;
        for (const dicom::ViolationSummary &v : a.conformance.summaries)
            if (v.party == p) total += v.count, ++rules;
        const std::string &ae = rq ? a.calling_ae : a.called_ae;
        o += std::string("  ") + (rq ? "Requestor " : "Acceptor ") + (ae.empty() ? "?" : ae) + ": ";
        o += total ? std::to_string(total) + " violation" + (total == 1 ? "" : "s") + " of " + std::to_string(rules) +
                         " rule" + (rules == 1 ? "" : "s") + "\n"
                   : "no violation\n";
        for (size_t i = 0; const dicom::ViolationSummary *v = nth_of(a, p, i); ++i) {
            const dicom::RuleInfo &info = dicom::rule_info(v->rule);
            const dicom::RuleHit hit{v->rule, v->first_value, 0};
            ReportEntry e;
            e.association = a.number;
            e.index = ++k;
            e.frame = v->first_frame;
            e.filter = dicom_assoc_filter(a.number) + " && dicom.conformance.rule == \"" + info.id + "\"";
            o += "    " + std::to_string(a.number) + "." + std::to_string(k) + " [" + dicom::severity_name(info.severity) +
                 "] " + info.id + " x" + std::to_string(v->count) + ", first in frame " + std::to_string(v->first_frame) +
                 " (" + dicom::violation_reference(hit) + ")\n";
            o += "        " + dicom::violation_text(hit) + "\n";
            o += "        filter: " + e.filter + "\n";
            r.entries.push_back(std::move(e));
        }
    }
}

void print_json(const dicom::Association &a, bool last) {
    std::string o = "  {\"association\": " + std::to_string(a.number) + ", \"calling_ae\": " + json_string(a.calling_ae) +
                    ", \"called_ae\": " + json_string(a.called_ae) + ", \"requestor\": " +
                    (a.requestor_known() ? json_string(dicom_endpoint_text(a.requestor)) : std::string("null")) +
                    ", \"acceptor\": " +
                    (a.requestor_known() ? json_string(dicom_endpoint_text(a.acceptor)) : std::string("null")) +
                    ", \"not_judged\": " + json_string(limits_text(a)) + ",\n   \"violations\": [";
    bool first = true;
    for (dicom::Party p : {dicom::Party::Requestor, dicom::Party::Acceptor})
        for (size_t i = 0; const dicom::ViolationSummary *v = nth_of(a, p, i); ++i) {
            const dicom::RuleInfo &info = dicom::rule_info(v->rule);
            const dicom::RuleHit hit{v->rule, v->first_value, 0};
            const std::string &ae = p == dicom::Party::Requestor ? a.calling_ae : a.called_ae;
            o += std::string(first ? "\n     " : ",\n     ") + "{\"rule\": " + json_string(info.id) +
                 ", \"class\": " + json_string(dicom::rule_class_name(info.rule_class)) +
                 ", \"severity\": " + json_string(dicom::severity_name(info.severity)) +
                 ", \"party\": " + json_string(dicom::party_name(p)) +
                 ", \"ae\": " + (ae.empty() ? std::string("null") : json_string(ae)) +
                 ", \"frame\": " + std::to_string(v->first_frame) +
                 ", \"reference\": " + json_string(dicom::violation_reference(hit)) +
                 ", \"text\": " + json_string(dicom::violation_text(hit)) + ", \"count\": " + std::to_string(v->count) + "}";
            first = false;
        }
    o += first ? "]}" : "\n   ]}";
    printf("%s%s\n", o.c_str(), last ? "" : ",");
}

} // namespace

NumberedReport dicom_validation_report(const std::vector<const dicom::Association *> &sorted) {
    NumberedReport r;
    r.text = "\n===================================================================\n"
             "DICOM conformance: does each peer follow the standard?\n";
    for (const dicom::Association *a : sorted) append_text(*a, r);
    r.text += "===================================================================\n";
    return r;
}

namespace {

const ReportTapKind kValidate = {"dicom_ul,validate", dicom_validation_report, print_json};
stat_tap_ui validate_ui = {REGISTER_STAT_GROUP_GENERIC, "DICOM conformance", "dicom_ul,validate", dicom_report_tap_init, 0,
                           NULL};

} // namespace

void dicom_register_validate(void) { register_stat_tap_ui(&validate_ui, const_cast<ReportTapKind *>(&kValidate)); }
