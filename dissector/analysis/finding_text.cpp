#include "analysis/finding_text.hpp"

#include <algorithm>
#include <cstdio>

#include "ul/ul_codes.hpp"
#include "base/problems.hpp"
#include "base/uids.hpp"
#include "dimse/dimse.hpp"
#include "session/association.hpp"
#include "ul/control_pdus.hpp"

namespace dicom {

namespace {

std::string fmt(const char *f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

// "42 ms", "1.250 s"
std::string duration(double seconds) {
    return seconds < 1 ? fmt("%.0f ms", seconds * 1000) : fmt("%.3f s", seconds);
}

std::string uid_label(const std::string &uid) {
    const char *n = uid_name(uid);
    return n ? std::string(n) + " (" + uid + ")" : uid;
}

const char *command_name(uint16_t field) {
    const char *n = code_name(kCommandFields, field);
    return n ? n : "DIMSE message";
}

// ", with C-STORE-RQ id=2 (frame 9) unanswered" when requests were waiting for a response.
std::string left_unanswered(const Association &a) {
    const std::vector<Message *> open = a.unanswered();
    if (open.empty()) return "";
    std::string s = ", with " + message_label(*open.front());
    if (open.size() > 1) s += " and " + std::to_string(open.size() - 1) + " more";
    return s + " unanswered";
}

// The words every sentence is made of.
struct Words {
    const Association &a;
    const Diagnostic &d;
    std::string who, peer, msg, in_msg;
    Words(const Association &assoc, const Diagnostic &diag)
        : a(assoc), d(diag), who(assoc.party_label(diag.party)),
          peer(assoc.party_label(other_party(diag.party), false)), // named once with its software is enough
          msg(diag.message ? message_label(*diag.message) : std::string()),
          in_msg(diag.message ? " in " + msg : std::string()) {}
    std::string ms() const { return duration(d.value / 1000); }
    std::string sender() const { return a.party_label(d.aux ? Party::Requestor : Party::Acceptor); }
};

// How the association went: rejected, aborted, contexts refused, closed, left unanswered.
std::string association_text(const Words &w) {
    const Diagnostic &d = w.d;
    switch (d.code) {
    case DiagCode::AssociationRejected: {
        const uint8_t source = uint8_t(d.aux >> 8), result = uint8_t(d.aux);
        const char *reason = reject_reason_name(source, uint8_t(d.value));
        const char *src = code_name(kRejectSources, source);
        return w.who + " rejected the association (" + (result == 2 ? "transient" : "permanent") + ", " +
               (src ? src : "unknown source") + "): " + (reason ? reason : "unknown reason");
    }
    case DiagCode::AssociationAborted: {
        std::string s = w.who + " aborted the association";
        if (d.aux == 2) {
            const char *r = code_name(kAbortReasons, uint32_t(d.value));
            s += std::string(" (its Upper Layer provider: ") + (r ? r : "unknown reason") + ")";
        } else {
            s += " (service-user abort)";
        }
        return s + left_unanswered(w.a);
    }
    case DiagCode::ContextRejected: {
        const NegotiatedContext *c = w.a.context(uint8_t(d.aux));
        const std::string sop = c ? uid_label(c->abstract_syntax) : "an abstract syntax";
        return w.who + " rejected every presentation context for " + sop + " that " + w.peer + " proposed";
    }
    case DiagCode::NoContextAccepted:
        return w.who + " accepted none of the presentation contexts " + w.peer + " proposed (" + fmt("%.0f", d.value) + ")";
    case DiagCode::ClosedWithoutRelease:
        return w.who + " closed the TCP connection (" + (d.value > 0 ? "RST" : "FIN") + ") without A-RELEASE or A-ABORT" +
               left_unanswered(w.a);
    case DiagCode::UnansweredRequest:
        return w.who + " sent no final response to " + w.msg + " before the association ended";
    default: return w.who;
    }
}

// What the responses said, and how long they and the set-up and release took.
std::string response_text(const Words &w) {
    const Diagnostic &d = w.d;
    switch (d.code) {
    case DiagCode::FailureStatus:
    case DiagCode::WarningStatus: {
        const uint16_t status = uint16_t(d.value);
        const uint16_t rq = d.message && d.message->request ? d.message->request->command.field : uint16_t(d.aux & ~0x8000u);
        const char *meaning = status_meaning(status, rq);
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%04X", status);
        std::string target = d.message && d.message->request ? message_label(*d.message->request) : std::string(command_name(rq));
        return w.who + " answered " + target + " with " + (d.code == DiagCode::FailureStatus ? "failure" : "warning") +
               " status " + hex + (meaning ? std::string(" (") + meaning + ")" : std::string());
    }
    case DiagCode::SlowResponse: {
        std::string target = d.message && d.message->request ? message_label(*d.message->request) : "a request";
        std::string s = w.who + " took " + w.ms() + " to answer " + target;
        if (d.message && d.message->processing >= 0)
            s += ": " + duration(d.message->processing) + " processing, " +
                 duration(std::max(0.0, d.value / 1000 - d.message->processing)) + " transport";
        return s;
    }
    case DiagCode::SlowSetup: return w.who + " took " + w.ms() + " to answer the A-ASSOCIATE-RQ";
    case DiagCode::SlowRelease: return w.who + " took " + w.ms() + " to answer the A-RELEASE-RQ";
    default: return w.who;
    }
}

// Where TCP held the data back, and what the capture shows of the network.
std::string transport_text(const Words &w) {
    const Diagnostic &d = w.d;
    switch (d.code) {
    case DiagCode::DelayedAckStall:
        return w.who + " waited " + w.ms() + " for " + w.peer + "'s delayed ACK after writing part of a PDU" + w.in_msg +
               " (Nagle: the sender should set TCP_NODELAY)";
    case DiagCode::ReceiverWindowFull:
        return w.who + " was not reading: " + w.peer + " waited " + w.ms() + " with the receive window full" + w.in_msg;
    case DiagCode::RetransmissionTimeout:
        return "the network lost a segment: " + w.sender() + " waited " + w.ms() + " before sending it again" + w.in_msg;
    case DiagCode::SenderStall:
        return w.who + " paused " + w.ms() + " in the middle of " + (d.message ? w.msg : "a PDU") +
               " (its application did not write; TCP was not holding it back)";
    case DiagCode::RoundTripStall:
        return "the network: the data of " + w.sender() + " paused " + w.ms() + w.in_msg +
               " while acknowledgements made the round trip or segments waited on the way (the link's delay limits "
               "the transfer)";
    case DiagCode::Retransmissions: return "the network: " + fmt("%.0f", d.value) + " DICOM bytes were retransmitted";
    case DiagCode::OutOfOrder: return "the network: " + fmt("%.0f", d.value) + " DICOM bytes arrived out of order";
    case DiagCode::CaptureGap:
        return "the capture misses " + fmt("%.0f", d.value) + " bytes the peers exchanged (not the peers' doing)";
    case DiagCode::CaptureMirrorPort:
        return "the capture looks taken on a switch's mirror port: an acknowledgement came before the data it "
               "acknowledges, or a frame was captured twice; the two directions are put back in the order the peers "
               "had them, and their timing is uncertain by a few milliseconds";
    case DiagCode::OneAssociationPerObject:
        return w.who + " opens one association per object (associations " + std::to_string(d.aux) + " and " +
               std::to_string(w.a.number) + " each carried one C-STORE, and each paid for a set-up and a release)";
    case DiagCode::SmallMaxPdu:
        return w.who + " receives P-DATA-TF PDUs of at most " + fmt("%.0f", d.value) +
               " bytes, which multiplies PDUs and round trips";
    default: return w.who;
    }
}

std::string sop_mismatch_text(const Words &w) {
    const Diagnostic &d = w.d;
    std::string s = w.who + "'s " + w.msg + " names ";
    if (!d.message) return s + "a different SOP instance in its command and its data set";
    const Command &c = d.message->command;
    const DataSet &ds = d.message->data_set;
    const Element *inst = ds.find(0x00080018), *cls = ds.find(0x00080016);
    const std::string di = inst ? std::string(trim_padding(ds.value(*inst))) : "",
                      dc = cls ? std::string(trim_padding(ds.value(*cls))) : "";
    if (d.aux == 1) return s + "SOP Class UID " + c.sop_class() + " in its command but " + dc + " in its data set";
    return s + "SOP Instance UID " + c.sop_instance() + " in its command but " + di + " in its data set";
}

// What a peer sent that does not follow the standard.
std::string conformance_text(const Words &w) {
    const Diagnostic &d = w.d;
    switch (d.code) {
    case DiagCode::MaxPduExceeded:
        return w.who + " sent a P-DATA-TF of " + fmt("%.0f", d.value) + " bytes, more than the " + std::to_string(d.aux) +
               " bytes " + w.peer + " can receive";
    case DiagCode::SopInstanceMismatch: return sop_mismatch_text(w);
    case DiagCode::EncapsulatedOnNativeSyntax:
    case DiagCode::NativeOnEncapsulatedSyntax: {
        const std::string ts = d.message ? uid_label(d.message->transfer_syntax) : "its transfer syntax";
        return d.code == DiagCode::EncapsulatedOnNativeSyntax
                   ? w.who + " sent encapsulated (compressed) Pixel Data" + w.in_msg + " on " + ts + ", a native transfer syntax"
                   : w.who + " sent native Pixel Data" + w.in_msg + " on " + ts + ", an encapsulated transfer syntax";
    }
    case DiagCode::DataSetMissing:
        return w.who + "'s " + w.msg + " announced a data set (Command Data Set Type) that never came";
    case DiagCode::MalformedDataSet: {
        std::string s = w.who + " sent " + w.msg + " with a " + (d.aux ? "command set" : "data set") +
                        " that does not follow PS3.5";
        const std::vector<DataSetFinding> *findings =
            d.message ? (d.aux ? &d.message->command_findings : &d.message->data_set.findings) : nullptr;
        if (findings)
            for (const DataSetFinding &f : *findings)
                if (problem_is_malformed(f.what)) return s + ": " + problem_text(f.what);
        return s;
    }
    case DiagCode::TlsOnPlainPort:
        return w.who + " started a TLS handshake on a plain DICOM port: one side is configured for DICOM over TLS, the other not";
    case DiagCode::PlainOnTlsPort:
        return w.who + " sent plain DICOM to the DICOM-over-TLS port: it is not configured for TLS";
    default: return w.who;
    }
}

std::string violation_text(const Words &w) {
    const Diagnostic &d = w.d;
    switch (ViolationKind(d.aux)) {
    case ViolationKind::PdvOnRejectedContext:
        return w.who + " sent a PDV on presentation context " + fmt("%.0f", d.value) + ", which " + w.peer +
               " did not accept";
    case ViolationKind::PdvLengthInvalid: return w.who + " sent a PDV item whose length does not fit its P-DATA-TF";
    case ViolationKind::PduOutOfState: {
        const char *n = code_name(kPduTypes, uint32_t(d.value));
        return w.who + " sent an " + (n ? n : "unknown PDU") + " the association's state does not allow (PS3.8 9.2)";
    }
    }
    return w.who + " violated the Upper Layer protocol";
}

} // namespace

std::string message_label(const Message &m, bool with_frame) {
    std::string s;
    if (!m.command.valid) {
        s = "message " + std::to_string(m.index);
    } else {
        s = command_name(m.command.field);
        s += " id=" + std::to_string(is_response(m.command.field) ? m.command.message_id_rsp : m.command.message_id);
    }
    if (with_frame && m.complete_frame) s += " (frame " + std::to_string(m.complete_frame) + ")";
    return s;
}

namespace {

// What the capture cannot tell about a finding in doubt (the evidence rule, findings.hpp).
std::string doubt_text(const Association &a, Doubt doubt, Party party) {
    switch (doubt) {
    case Doubt::None: break;
    case Doubt::SenderBytesMissed:
        return "uncertain: the capture missed bytes " + a.party_label(party, false) + " sent before this";
    case Doubt::BytesMissed: return "uncertain: the capture missed bytes of this association before this";
    case Doubt::SyntaxInferred:
        return "uncertain: the transfer syntax was inferred from the bytes (the set-up is not in the capture)";
    case Doubt::RolesUnknown:
        return "uncertain: the association's set-up is not in the capture, so which side is the requestor is a guess";
    case Doubt::RolesInferred:
        return std::string("uncertain: the association's set-up is not in the capture; which side is the requestor "
                           "was inferred from ") + (a.roles_evidence == RolesEvidence::Requests ? "the requests it sent"
                                                                                            : "the port the acceptor listens on");
    case Doubt::Reordered:
        return "uncertain: the same direction showed reordering or loss within a round trip, so the network may "
               "have held the bytes";
    }
    return std::string();
}

std::string sentence(const Association &a, const Diagnostic &d);

} // namespace

std::string diagnostic_text(const Association &a, const Diagnostic &d) {
    if (d.doubt == Doubt::None) return sentence(a, d);
    return sentence(a, d) + " (" + doubt_text(a, d.doubt, d.party) + ")";
}

namespace {

std::string sentence(const Association &a, const Diagnostic &d) {
    const Words w(a, d);
    switch (d.code) {
    case DiagCode::AssociationRejected:
    case DiagCode::AssociationAborted:
    case DiagCode::ContextRejected:
    case DiagCode::NoContextAccepted:
    case DiagCode::ClosedWithoutRelease:
    case DiagCode::UnansweredRequest: return association_text(w);
    case DiagCode::FailureStatus:
    case DiagCode::WarningStatus:
    case DiagCode::SlowResponse:
    case DiagCode::SlowSetup:
    case DiagCode::SlowRelease: return response_text(w);
    case DiagCode::DelayedAckStall:
    case DiagCode::ReceiverWindowFull:
    case DiagCode::RetransmissionTimeout:
    case DiagCode::SenderStall:
    case DiagCode::RoundTripStall:
    case DiagCode::Retransmissions:
    case DiagCode::OutOfOrder:
    case DiagCode::CaptureGap:
    case DiagCode::CaptureMirrorPort:
    case DiagCode::OneAssociationPerObject:
    case DiagCode::SmallMaxPdu: return transport_text(w);
    case DiagCode::ProtocolViolation: return violation_text(w);
    case DiagCode::Count: break;
    default: return conformance_text(w);
    }
    return w.who;
}

std::string merged_text(const Association &a, const DiagnosticSummary &s);

} // namespace

std::string summary_text(const Association &a, const DiagnosticSummary &s) {
    if (!s.doubtful) return merged_text(a, s);
    const std::string doubt = doubt_text(a, s.first_doubt, s.party);
    if (s.doubtful == s.count) return merged_text(a, s) + " (" + doubt + ")";
    return merged_text(a, s) + " (" + std::to_string(s.doubtful) + " of them " + doubt + ")";
}

namespace {

std::string merged_text(const Association &a, const DiagnosticSummary &s) {
    Diagnostic first{s.code, s.party, s.first_frame, 0, s.first_value, s.first_aux, s.first_message}; // its doubt is told once, by summary_text
    if (s.count <= 1) return diagnostic_text(a, first);
    const std::string who = a.party_label(s.party), peer = a.party_label(other_party(s.party), false);
    const std::string times = std::to_string(s.count) + " times";
    switch (s.code) {
    case DiagCode::DelayedAckStall:
        return who + " waited " + duration(s.total / 1000) + " in all (" + times + ", up to " + duration(s.worst / 1000) +
               ") for " + peer + "'s delayed ACK after writing part of a PDU (Nagle's algorithm: the sender should set "
               "TCP_NODELAY)";
    case DiagCode::ReceiverWindowFull:
        return who + " was not reading: " + peer + " waited " + duration(s.total / 1000) + " in all (" + times +
               ") with the receive window full";
    case DiagCode::RetransmissionTimeout:
        return "the network lost segments: the peers waited " + duration(s.total / 1000) + " in all (" + times +
               ", up to " + duration(s.worst / 1000) + ") for retransmissions";
    case DiagCode::SenderStall:
        return who + " paused " + duration(s.total / 1000) + " in all (" + times + ", up to " + duration(s.worst / 1000) +
               ") in the middle of messages (its application did not write)";
    case DiagCode::RoundTripStall:
        return "the network: transfers paused " + duration(s.total / 1000) + " in all (" + times +
               ") while acknowledgements made the round trip or segments waited on the way (the link's delay limits "
               "the transfer)";
    case DiagCode::SlowResponse:
        return who + " was slow to answer " + times + " (up to " + duration(s.worst / 1000) + ", frame " +
               std::to_string(s.worst_frame) + "); first: " + diagnostic_text(a, first);
    case DiagCode::CaptureMirrorPort:
        return diagnostic_text(a, first) + " (" + times + ")";
    case DiagCode::Retransmissions:
    case DiagCode::OutOfOrder:
    case DiagCode::CaptureGap: {
        Diagnostic all = first;
        all.value = s.total;
        return diagnostic_text(a, all) + " (" + times + ")";
    }
    default: return diagnostic_text(a, first) + " (" + times + " in all)";
    }
}

} // namespace

Severity finding_severity(const Association &a, const DiagnosticSummary &s) {
    if (s.code != DiagCode::DelayedAckStall || s.severity != Severity::Note || s.doubtful ||
        a.roles_evidence < RolesEvidence::Handshake)
        return s.severity;
    const double start = a.rq_time ? a.rq_time : a.first_time;
    const double duration_ms = (a.end_time() - start) * 1000;
    return duration_ms > 0 && s.total > kDelayedAckWarningShare * duration_ms ? Severity::Warning : Severity::Note;
}

std::string finding_summary(const Association &a, const Diagnostic &d, const std::string &sentence) {
    if (sentence.size() <= kSummaryLength) return sentence;
    std::string s = std::string(diag_code_title(d.code)) + ": " + a.party_label(d.party, false);
    switch (d.code) {
    case DiagCode::Retransmissions:
    case DiagCode::OutOfOrder:
    case DiagCode::CaptureGap: s += ", " + fmt("%.0f", d.value) + " bytes"; break;
    default:
        if (diag_value_is_ms(d.code)) s += ", " + duration(d.value / 1000);
    }
    if (d.doubt != Doubt::None) s += " (uncertain)";
    if (s.size() > kSummaryLength) s = s.substr(0, kSummaryLength - 3) + "...";
    return s;
}

std::vector<const DiagnosticSummary *> ordered_findings(const Association &a) {
    std::vector<const DiagnosticSummary *> v;
    for (const DiagnosticSummary &s : a.diagnostics) v.push_back(&s);
    auto cost = [](const DiagnosticSummary *s) { return diag_value_is_ms(s->code) ? s->total : -1.0; };
    std::stable_sort(v.begin(), v.end(), [&](const DiagnosticSummary *x, const DiagnosticSummary *y) {
        const Severity sx = finding_severity(a, *x), sy = finding_severity(a, *y);
        if (sx != sy) return sx > sy;
        const bool fx = cost(x) < 0, fy = cost(y) < 0; // not a matter of time
        if (fx != fy) return fx;
        return cost(x) > cost(y);
    });
    return v;
}

const DiagnosticSummary *most_severe_finding(const Association &a) {
    const std::vector<const DiagnosticSummary *> v = ordered_findings(a);
    return v.empty() ? nullptr : v.front();
}

} // namespace dicom
