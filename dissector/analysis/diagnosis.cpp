#include "analysis/diagnosis.hpp"

#include <algorithm>
#include <cstdio>

#include "session/association.hpp"
#include "base/codes.hpp"
#include "ul/control_pdus.hpp"
#include "dimse/dimse.hpp"
#include "dimse/message.hpp"
#include "ul/pdu.hpp"
#include "base/problems.hpp"
#include "base/uids.hpp"

namespace dicom {

namespace {

struct CodeInfo {
    const char *name;
    Severity severity;
    const char *title;
};

const CodeInfo kCodes[] = {
    {"association_rejected", Severity::Error, "Association rejected"},
    {"association_aborted", Severity::Error, "Association aborted"},
    {"context_rejected", Severity::Error, "Every presentation context for a SOP class the requestor needed was rejected"},
    {"no_context_accepted", Severity::Error, "No presentation context accepted"},
    {"closed_without_release", Severity::Error, "TCP connection closed without A-RELEASE or A-ABORT"},
    {"unanswered_request", Severity::Error, "Request without a final response"},
    {"failure_status", Severity::Error, "DIMSE response with a Failure status"},
    {"warning_status", Severity::Warning, "DIMSE response with a Warning status"},
    {"slow_response", Severity::Warning, "Slow response"},
    {"slow_setup", Severity::Warning, "Slow association set-up"},
    {"slow_release", Severity::Warning, "Slow association release"},
    {"delayed_ack_stall", Severity::Warning, "TCP stall: partial write waiting for a delayed ACK (Nagle)"},
    {"receiver_window_full", Severity::Warning, "TCP stall: the receiver's window was full"},
    {"retransmission_timeout", Severity::Warning, "TCP stall: waiting for a retransmission"},
    {"sender_stall", Severity::Warning, "TCP stall: the sender paused inside a message"},
    {"round_trip_stall", Severity::Note, "TCP stall: waiting for acknowledgements"},
    {"retransmissions", Severity::Note, "Retransmitted segments"},
    {"out_of_order", Severity::Note, "Segments out of order"},
    {"capture_gap", Severity::Warning, "Bytes missing from the capture"},
    {"one_association_per_object", Severity::Note, "One association per object"},
    {"small_max_pdu", Severity::Note, "Small maximum PDU length"},
    {"max_pdu_exceeded", Severity::Error, "PDU longer than the receiver's maximum"},
    {"sop_instance_mismatch", Severity::Error, "Command and data set name different SOP instances or classes"},
    {"encapsulated_on_native_syntax", Severity::Error, "Encapsulated Pixel Data on a native transfer syntax"},
    {"native_on_encapsulated_syntax", Severity::Error, "Native Pixel Data on an encapsulated transfer syntax"},
    {"data_set_missing", Severity::Error, "Announced data set never came"},
    {"malformed_data_set", Severity::Error, "Command or data set does not follow PS3.5"},
    {"protocol_violation", Severity::Error, "Upper Layer protocol violation"},
    {"tls_on_plain_port", Severity::Error, "TLS on a plain DICOM port"},
    {"plain_on_tls_port", Severity::Error, "Plain DICOM on the DICOM-over-TLS port"},
};
static_assert(sizeof kCodes / sizeof kCodes[0] == size_t(DiagCode::Count), "one entry per code");

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

Party party_of(int from_requestor, bool response) {
    if (from_requestor == 1) return Party::Requestor;
    if (from_requestor == 0) return Party::Acceptor;
    return response ? Party::Acceptor : Party::Requestor; // the A-ASSOCIATE-RQ was not seen
}

Party other(Party p) { return p == Party::Requestor ? Party::Acceptor : Party::Requestor; }

bool native_syntax(const std::string &ts) {
    return ts == "1.2.840.10008.1.2" || ts == "1.2.840.10008.1.2.1" || ts == "1.2.840.10008.1.2.2" ||
           ts == "1.2.840.10008.1.2.1.99";
}

bool encapsulated_syntax(const std::string &ts) {
    // JPEG family (1.2.840.10008.1.2.4.x), RLE (1.2.840.10008.1.2.5), encapsulated uncompressed
    // (1.2.840.10008.1.2.1.98) and the rest of the standard's compressed syntaxes
    return ts.rfind("1.2.840.10008.1.2.4.", 0) == 0 || ts == "1.2.840.10008.1.2.5" || ts == "1.2.840.10008.1.2.1.98" ||
           ts.rfind("1.2.840.10008.1.2.6.", 0) == 0 || ts.rfind("1.2.840.10008.1.2.7.", 0) == 0 ||
           ts.rfind("1.2.840.10008.1.2.8.", 0) == 0;
}

std::string trimmed(std::string_view v) {
    while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return std::string(v);
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

// The end of the association's P-DATA phase, for the checks that need it done once.
// `ender`: the party that aborted or closed the connection (Network: a release).
void end_checks(Association &a, uint32_t frame, double time, const MessageAssembler &messages, Party ender,
                std::vector<Diagnostic> &out) {
    if (a.end_checked) return;
    a.end_checked = true;
    for (Message *m : a.unanswered()) {
        if (m->command.field == kCCancelRq) continue;
        // the side that should have answered: the acceptor, unless the acceptor sent the request;
        // when that side ended the association itself, its abort or close says it all
        const Party responder = m->from_requestor == 0 ? Party::Requestor : Party::Acceptor;
        if (responder == ender) continue;
        a.raise(Diagnostic{DiagCode::UnansweredRequest, responder, frame, time, 1, m->index, m}, out);
    }
    for (Message *m : messages.awaiting_data())
        a.raise(Diagnostic{DiagCode::DataSetMissing, party_of(m->from_requestor, is_response(m->command.field)), frame,
                           time, 0, m->index, m},
                out);
    // A SOP class whose every proposed context was rejected and that the requestor needed, as
    // far as the wire tells: it sent no request at all (it had nothing else to do), or it
    // aborted while it had proposed only a few SOP classes (a requestor that proposes a
    // handful proposes what it has to send, and gives up on what it cannot; one that proposes
    // dozens proposes what it might send, and a rejection there says nothing).
    if (!a.ac_frame || a.accepted_count() == 0) return; // none accepted: no_context_accepted says it
    uint32_t requests = 0;
    for (const auto &kv : a.operations) requests += is_response(kv.first) ? 0 : kv.second;
    std::vector<std::string> proposed;
    for (const NegotiatedContext &c : a.contexts())
        if (!c.abstract_syntax.empty() && std::find(proposed.begin(), proposed.end(), c.abstract_syntax) == proposed.end())
            proposed.push_back(c.abstract_syntax);
    const bool needed = requests == 0 || (ender == Party::Requestor && proposed.size() <= 8);
    if (!needed) return;
    std::vector<std::string> reported;
    for (const NegotiatedContext &c : a.contexts()) {
        if (!c.answered || c.accepted() || c.abstract_syntax.empty()) continue;
        if (std::find(reported.begin(), reported.end(), c.abstract_syntax) != reported.end()) continue;
        bool any_accepted = false;
        for (const NegotiatedContext &o : a.contexts()) any_accepted |= o.abstract_syntax == c.abstract_syntax && o.accepted();
        if (any_accepted) continue;
        reported.push_back(c.abstract_syntax);
        a.raise(Diagnostic{DiagCode::ContextRejected, Party::Acceptor, frame, time, double(c.id), c.id, nullptr}, out);
    }
}

} // namespace

const char *party_name(Party p) {
    switch (p) {
    case Party::Requestor: return "requestor";
    case Party::Acceptor: return "acceptor";
    case Party::Network: return "network";
    case Party::Capture: return "capture";
    }
    return "network";
}

const char *severity_name(Severity s) { return s == Severity::Error ? "error" : s == Severity::Warning ? "warning" : "note"; }
const char *diag_code_name(DiagCode c) { return c < DiagCode::Count ? kCodes[size_t(c)].name : "unknown"; }
Severity diag_severity(DiagCode c) { return c < DiagCode::Count ? kCodes[size_t(c)].severity : Severity::Note; }
const char *diag_code_title(DiagCode c) { return c < DiagCode::Count ? kCodes[size_t(c)].title : "Finding"; }

bool diag_value_is_ms(DiagCode c) {
    switch (c) {
    case DiagCode::SlowResponse:
    case DiagCode::SlowSetup:
    case DiagCode::SlowRelease:
    case DiagCode::DelayedAckStall:
    case DiagCode::ReceiverWindowFull:
    case DiagCode::RetransmissionTimeout:
    case DiagCode::SenderStall:
    case DiagCode::RoundTripStall: return true;
    default: return false;
    }
}

double summary_value(const DiagnosticSummary &s) {
    switch (s.code) {
    case DiagCode::DelayedAckStall:
    case DiagCode::ReceiverWindowFull:
    case DiagCode::RetransmissionTimeout:
    case DiagCode::SenderStall:
    case DiagCode::RoundTripStall:
    case DiagCode::Retransmissions:
    case DiagCode::OutOfOrder:
    case DiagCode::CaptureGap: return s.total;
    case DiagCode::SlowResponse: return s.worst;
    default: return s.first_value;
    }
}

std::string message_label(const Message &m) {
    std::string s;
    if (!m.command.valid) {
        s = "message " + std::to_string(m.index);
    } else {
        s = command_name(m.command.field);
        s += " id=" + std::to_string(is_response(m.command.field) ? m.command.message_id_rsp : m.command.message_id);
    }
    if (m.complete_frame) s += " (frame " + std::to_string(m.complete_frame) + ")";
    return s;
}

std::string diagnostic_text(const Association &a, const Diagnostic &d) {
    const std::string who = a.party_label(d.party);
    const std::string peer = a.party_label(other(d.party), false); // named once with its software is enough
    const std::string msg = d.message ? message_label(*d.message) : std::string();
    const std::string in_msg = d.message ? " in " + msg : std::string();
    switch (d.code) {
    case DiagCode::AssociationRejected: {
        const uint8_t source = uint8_t(d.aux >> 8), result = uint8_t(d.aux);
        const char *reason = reject_reason_name(source, uint8_t(d.value));
        const char *src = code_name(kRejectSources, source);
        return who + " rejected the association (" + (result == 2 ? "transient" : "permanent") + ", " +
               (src ? src : "unknown source") + "): " + (reason ? reason : "unknown reason");
    }
    case DiagCode::AssociationAborted: {
        std::string s = who + " aborted the association";
        if (d.aux == 2) {
            const char *r = code_name(kAbortReasons, uint32_t(d.value));
            s += std::string(" (its Upper Layer provider: ") + (r ? r : "unknown reason") + ")";
        } else {
            s += " (service-user abort)";
        }
        return s + left_unanswered(a);
    }
    case DiagCode::ContextRejected: {
        const NegotiatedContext *c = a.context(uint8_t(d.aux));
        const std::string sop = c ? uid_label(c->abstract_syntax) : "an abstract syntax";
        return who + " rejected every presentation context for " + sop + " that " + peer + " proposed";
    }
    case DiagCode::NoContextAccepted:
        return who + " accepted none of the presentation contexts " + peer + " proposed (" + fmt("%.0f", d.value) + ")";
    case DiagCode::ClosedWithoutRelease:
        return who + " closed the TCP connection (" + (d.value > 0 ? "RST" : "FIN") + ") without A-RELEASE or A-ABORT" +
               left_unanswered(a);
    case DiagCode::UnansweredRequest:
        return who + " sent no final response to " + msg + " before the association ended";
    case DiagCode::FailureStatus:
    case DiagCode::WarningStatus: {
        const uint16_t status = uint16_t(d.value);
        const uint16_t rq = d.message && d.message->request ? d.message->request->command.field : uint16_t(d.aux & ~0x8000u);
        const char *meaning = status_meaning(status, rq);
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%04X", status);
        std::string target = d.message && d.message->request ? message_label(*d.message->request) : std::string(command_name(rq));
        return who + " answered " + target + " with " + (d.code == DiagCode::FailureStatus ? "failure" : "warning") +
               " status " + hex + (meaning ? std::string(" (") + meaning + ")" : std::string());
    }
    case DiagCode::SlowResponse: {
        std::string target = d.message && d.message->request ? message_label(*d.message->request) : "a request";
        std::string s = who + " took " + duration(d.value / 1000) + " to answer " + target;
        if (d.message && d.message->processing >= 0)
            s += ": " + duration(d.message->processing) + " processing, " +
                 duration(std::max(0.0, d.value / 1000 - d.message->processing)) + " transport";
        return s;
    }
    case DiagCode::SlowSetup: return who + " took " + duration(d.value / 1000) + " to answer the A-ASSOCIATE-RQ";
    case DiagCode::SlowRelease: return who + " took " + duration(d.value / 1000) + " to answer the A-RELEASE-RQ";
    case DiagCode::DelayedAckStall:
        return who + " waited " + duration(d.value / 1000) + " for " + peer +
               "'s delayed ACK after writing part of a PDU" + in_msg +
               " (Nagle: the sender should set TCP_NODELAY)";
    case DiagCode::ReceiverWindowFull:
        return who + " was not reading: " + peer + " waited " + duration(d.value / 1000) +
               " with the receive window full" + in_msg;
    case DiagCode::RetransmissionTimeout:
        return "the network lost a segment: " + a.party_label(d.aux ? Party::Requestor : Party::Acceptor) + " waited " +
               duration(d.value / 1000) + " before sending it again" + in_msg;
    case DiagCode::SenderStall:
        return who + " paused " + duration(d.value / 1000) + " in the middle of " + (d.message ? msg : "a PDU") +
               " (its application did not write; TCP was not holding it back)";
    case DiagCode::RoundTripStall:
        return "the network: the data of " + a.party_label(d.aux ? Party::Requestor : Party::Acceptor) + " paused " +
               duration(d.value / 1000) + in_msg +
               " while acknowledgements made the round trip or segments waited on the way (the link's delay limits "
               "the transfer)";
    case DiagCode::Retransmissions: return "the network: " + fmt("%.0f", d.value) + " DICOM bytes were retransmitted";
    case DiagCode::OutOfOrder: return "the network: " + fmt("%.0f", d.value) + " DICOM bytes arrived out of order";
    case DiagCode::CaptureGap:
        return "the capture misses " + fmt("%.0f", d.value) + " bytes the peers exchanged (not the peers' doing)";
    case DiagCode::OneAssociationPerObject:
        return who + " opens one association per object (associations " + std::to_string(d.aux) + " and " +
               std::to_string(a.number) + " each carried one C-STORE, and each paid for a set-up and a release)";
    case DiagCode::SmallMaxPdu:
        return who + " receives P-DATA-TF PDUs of at most " + fmt("%.0f", d.value) +
               " bytes, which multiplies PDUs and round trips";
    case DiagCode::MaxPduExceeded:
        return who + " sent a P-DATA-TF of " + fmt("%.0f", d.value) + " bytes, more than the " + std::to_string(d.aux) +
               " bytes " + peer + " can receive";
    case DiagCode::SopInstanceMismatch: {
        std::string s = who + "'s " + msg + " names ";
        if (!d.message) return s + "a different SOP instance in its command and its data set";
        const Command &c = d.message->command;
        const Element *inst = d.message->data_set.find(0x00080018), *cls = d.message->data_set.find(0x00080016);
        const std::string di = inst ? trimmed(d.message->data_set.value(*inst)) : "",
                          dc = cls ? trimmed(d.message->data_set.value(*cls)) : "";
        if (d.aux == 1) return s + "SOP Class UID " + c.sop_class() + " in its command but " + dc + " in its data set";
        return s + "SOP Instance UID " + c.sop_instance() + " in its command but " + di + " in its data set";
    }
    case DiagCode::EncapsulatedOnNativeSyntax:
    case DiagCode::NativeOnEncapsulatedSyntax: {
        const std::string ts = d.message ? uid_label(d.message->transfer_syntax) : "its transfer syntax";
        return d.code == DiagCode::EncapsulatedOnNativeSyntax
                   ? who + " sent encapsulated (compressed) Pixel Data" + in_msg + " on " + ts + ", a native transfer syntax"
                   : who + " sent native Pixel Data" + in_msg + " on " + ts + ", an encapsulated transfer syntax";
    }
    case DiagCode::DataSetMissing:
        return who + "'s " + msg + " announced a data set (Command Data Set Type) that never came";
    case DiagCode::MalformedDataSet: {
        std::string s = who + " sent " + msg + " with a " + (d.aux ? "command set" : "data set") +
                        " that does not follow PS3.5";
        const DataSet *ds = d.message ? (d.aux ? &d.message->command_set : &d.message->data_set) : nullptr;
        if (ds)
            for (const DataSetFinding &f : ds->findings)
                if (problem_is_malformed(f.what)) return s + ": " + problem_text(f.what);
        return s;
    }
    case DiagCode::ProtocolViolation:
        switch (ViolationKind(d.aux)) {
        case ViolationKind::PdvOnRejectedContext:
            return who + " sent a PDV on presentation context " + fmt("%.0f", d.value) + ", which " + peer +
                   " did not accept";
        case ViolationKind::PdvLengthInvalid: return who + " sent a PDV item whose length does not fit its P-DATA-TF";
        case ViolationKind::PduOutOfState: {
            const char *n = code_name(kPduTypes, uint32_t(d.value));
            return who + " sent an " + (n ? n : "unknown PDU") + " the association's state does not allow (PS3.8 9.2)";
        }
        }
        return who + " violated the Upper Layer protocol";
    case DiagCode::TlsOnPlainPort:
        return who + " started a TLS handshake on a plain DICOM port: one side is configured for DICOM over TLS, the other not";
    case DiagCode::PlainOnTlsPort:
        return who + " sent plain DICOM to the DICOM-over-TLS port: it is not configured for TLS";
    case DiagCode::Count: break;
    }
    return who;
}

std::string summary_text(const Association &a, const DiagnosticSummary &s) {
    Diagnostic first{s.code, s.party, s.first_frame, 0, s.first_value, s.first_aux, s.first_message};
    if (s.count <= 1) return diagnostic_text(a, first);
    const std::string who = a.party_label(s.party), peer = a.party_label(other(s.party), false);
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

// ---- raising ---------------------------------------------------------------------------------

void diagnose_pdu(Association &a, const PduFacts &p, const MessageAssembler &messages, std::vector<Diagnostic> &out) {
    const DiagnosisSettings &cfg = a.diagnosis_settings;
    const Party sender = party_of(p.from_requestor, p.type == kAssociateAc || p.type == kAssociateRj);
    switch (p.type) {
    case kAssociateAc:
        if (a.rq_frame && a.ac_frame == p.frame) {
            if (a.accepted_count() == 0 && !a.contexts().empty())
                a.raise(Diagnostic{DiagCode::NoContextAccepted, Party::Acceptor, p.frame, p.time, double(a.contexts().size())},
                        out);
            if (a.max_pdu_requestor && a.max_pdu_requestor < cfg.small_pdu)
                a.raise(Diagnostic{DiagCode::SmallMaxPdu, Party::Requestor, p.frame, p.time, double(a.max_pdu_requestor)}, out);
            if (a.max_pdu_acceptor && a.max_pdu_acceptor < cfg.small_pdu)
                a.raise(Diagnostic{DiagCode::SmallMaxPdu, Party::Acceptor, p.frame, p.time, double(a.max_pdu_acceptor)}, out);
        }
        [[fallthrough]];
    case kAssociateRj:
        if (a.setup_time() > cfg.slow_seconds && (a.ac_frame == p.frame || a.rj_frame == p.frame))
            a.raise(Diagnostic{DiagCode::SlowSetup, Party::Acceptor, p.frame, p.time, a.setup_time() * 1000}, out);
        if (p.type == kAssociateRj && a.rj_frame == p.frame)
            a.raise(Diagnostic{DiagCode::AssociationRejected, Party::Acceptor, p.frame, p.time, double(a.reject_reason),
                               uint32_t(a.reject_source) << 8 | a.reject_result},
                    out);
        break;
    case kReleaseRq:
        if (a.release_rq_frame == p.frame) end_checks(a, p.frame, p.time, messages, Party::Network, out);
        break;
    case kReleaseRp:
        if (a.release_rp_frame == p.frame && a.release_time() > cfg.slow_seconds)
            a.raise(Diagnostic{DiagCode::SlowRelease, sender, p.frame, p.time, a.release_time() * 1000}, out);
        break;
    case kAbort:
        if (a.abort_frame == p.frame) {
            // A requestor that aborts while waiting for responses gave up on them (its timeout):
            // the unanswered requests come first, they are why.
            if (sender == Party::Requestor) end_checks(a, p.frame, p.time, messages, sender, out);
            a.raise(Diagnostic{DiagCode::AssociationAborted, sender, p.frame, p.time, double(a.abort_reason), a.abort_source},
                    out);
            end_checks(a, p.frame, p.time, messages, sender, out);
        }
        break;
    case kPData: {
        const uint32_t max = p.from_requestor == 1 ? a.max_pdu_acceptor : p.from_requestor == 0 ? a.max_pdu_requestor : 0;
        if (max && a.ac_frame && p.pdu_length > max)
            a.raise(Diagnostic{DiagCode::MaxPduExceeded, sender, p.frame, p.time, double(p.pdu_length), max}, out);
        // P-DATA-TF only while established (PS3.8 9.2): not before the A-ASSOCIATE-AC, not after a
        // rejection, and not from a side after its own A-ABORT. (A side that the other one
        // aborted may still send what it wrote before it read the A-ABORT.)
        const bool before_ac = a.rq_frame && !a.ac_frame && !a.rj_frame;
        const bool after_end = a.rj_frame || (a.abort_frame && p.from_requestor >= 0 && a.abort_by_requestor == p.from_requestor);
        if ((before_ac || after_end) && !a.protocol_state_reported) {
            a.protocol_state_reported = true;
            a.raise(Diagnostic{DiagCode::ProtocolViolation, sender, p.frame, p.time, double(kPData),
                               uint32_t(ViolationKind::PduOutOfState)},
                    out);
        }
        break;
    }
    default: break;
    }
}

void diagnose_message(Association &a, const Message &m, std::vector<Diagnostic> &out) {
    const Command &c = m.command;
    if (!c.valid) return;
    const bool rsp = is_response(c.field);
    const Party sender = party_of(m.from_requestor, rsp);
    const uint32_t frame = m.complete_frame;
    const double time = m.complete_time;
    if (rsp && c.has_status) {
        const StatusCategory cat = status_category(c.status);
        if (cat == StatusCategory::Failure || cat == StatusCategory::Warning)
            a.raise(Diagnostic{cat == StatusCategory::Failure ? DiagCode::FailureStatus : DiagCode::WarningStatus, sender,
                               frame, time, double(c.status), c.field, &m},
                    out);
    }
    if (rsp && m.request && m.request->final_response == &m && c.field != kCCancelRq) {
        const double t = m.complete_time - m.request->complete_time;
        if (t >= 0) {
            std::deque<double> &recent = a.recent_response_times;
            double typical = -1;
            if (recent.size() >= 5) {
                std::vector<double> v(recent.begin(), recent.end());
                std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
                typical = v[v.size() / 2];
            }
            const bool slow = t > a.diagnosis_settings.slow_seconds || (typical >= 0 && t > 0.1 && t > 4 * typical);
            if (slow) {
                // the responder's fault when its processing was most of it; TCP's otherwise
                const bool processing = m.processing < 0 || m.processing >= t / 2;
                a.raise(Diagnostic{DiagCode::SlowResponse, processing ? sender : Party::Network, frame, time, t * 1000,
                                   uint32_t(std::max(0.0, m.processing) * 1000), &m},
                        out);
            }
            recent.push_back(t);
            if (recent.size() > 64) recent.pop_front();
        }
    }
    if (!rsp && m.has_data && !m.incomplete()) {
        if (c.field == kCStoreRq) {
            const Element *inst = m.data_set.find(0x00080018), *cls = m.data_set.find(0x00080016);
            if (inst && !c.affected_sop_instance.empty() && trimmed(m.data_set.value(*inst)) != trimmed(c.affected_sop_instance))
                a.raise(Diagnostic{DiagCode::SopInstanceMismatch, sender, frame, time, 0, 0, &m}, out);
            else if (cls && !c.affected_sop_class.empty() && trimmed(m.data_set.value(*cls)) != trimmed(c.affected_sop_class))
                a.raise(Diagnostic{DiagCode::SopInstanceMismatch, sender, frame, time, 0, 1, &m}, out);
        }
    }
    // bytes the peer sent that do not follow PS3.5 (not those a capture gap took away)
    for (int which = 1; which >= 0; --which) {
        const DataSet &ds = which ? m.command_set : m.data_set;
        uint32_t bad = 0;
        for (const DataSetFinding &f : ds.findings) bad += problem_is_malformed(f.what) && !problem_is_capture(f.what);
        if (bad && !(which == 0 && !m.has_data)) {
            a.raise(Diagnostic{DiagCode::MalformedDataSet, sender, frame, time, double(bad), uint32_t(which), &m}, out);
            break;
        }
    }
    const NegotiatedContext *nc = a.context(m.context_id);
    if (m.has_data && !m.syntax_inferred && nc && nc->accepted()) { /* a rejected context has no syntax */
        const Element *px = m.data_set.find(0x7FE00010);
        if (px && px->depth == 0) {
            const bool encapsulated = px->kind == ElementKind::Sequence;
            if (encapsulated && native_syntax(m.transfer_syntax))
                a.raise(Diagnostic{DiagCode::EncapsulatedOnNativeSyntax, sender, frame, time, 0, 0, &m}, out);
            else if (!encapsulated && px->kind == ElementKind::Value && encapsulated_syntax(m.transfer_syntax))
                a.raise(Diagnostic{DiagCode::NativeOnEncapsulatedSyntax, sender, frame, time, 0, 0, &m}, out);
        }
    }
}

void diagnose_interrupted(Association &a, const Message &m, uint32_t frame, double time, std::vector<Diagnostic> &out) {
    a.raise(Diagnostic{DiagCode::DataSetMissing, party_of(m.from_requestor, is_response(m.command.field)), frame, time, 0,
                       m.index, &m},
            out);
}

void diagnose_rejected_context_use(Association &a, int from_requestor, uint8_t context_id, uint32_t frame, double time,
                                   std::vector<Diagnostic> &out) {
    a.raise(Diagnostic{DiagCode::ProtocolViolation, party_of(from_requestor, false), frame, time, double(context_id),
                       uint32_t(ViolationKind::PdvOnRejectedContext)},
            out);
}

void diagnose_pdv_length(Association &a, int from_requestor, uint32_t frame, double time, std::vector<Diagnostic> &out) {
    a.raise(Diagnostic{DiagCode::ProtocolViolation, party_of(from_requestor, false), frame, time, 0,
                       uint32_t(ViolationKind::PdvLengthInvalid)},
            out);
}

void diagnose_stall(Association &a, const Stall &s, int from_requestor, Message *m, std::vector<Diagnostic> &out) {
    if (a.stalls.size() < a.diagnosis_settings.stalls_kept) a.stalls.push_back(s);
    else a.stall_seconds_unlisted += s.seconds();
    if (m) {
        if (s.seconds() > 0 && (!m->stall_cause || s.seconds() > m->stall_seconds)) m->stall_cause = uint8_t(s.cause);
        m->stall_seconds += s.seconds();
    }
    const Party sender = party_of(from_requestor, m && is_response(m->command.field));
    const double ms = s.seconds() * 1000;
    Diagnostic d{DiagCode::Count, sender, s.end_frame, s.end, ms, 0, m};
    switch (s.cause) {
    case StallCause::DelayedAck: d.code = DiagCode::DelayedAckStall; break;
    case StallCause::WindowFull: d.code = DiagCode::ReceiverWindowFull, d.party = other(sender); break;
    case StallCause::Retransmission:
        d.code = DiagCode::RetransmissionTimeout, d.party = Party::Network, d.aux = sender == Party::Requestor;
        break;
    case StallCause::RoundTrip:
        d.code = DiagCode::RoundTripStall, d.party = Party::Network, d.aux = sender == Party::Requestor;
        break;
    case StallCause::SenderIdle: d.code = DiagCode::SenderStall; break;
    case StallCause::None: return;
    }
    a.raise(d, out);
}

void diagnose_close(Association &a, int from_requestor, const TcpClose &c, const MessageAssembler &messages,
                    std::vector<Diagnostic> &out) {
    TcpClose &slot = from_requestor == 0 ? a.closed_by_acceptor : a.closed_by_requestor;
    if (slot.frame) return;
    slot = c;
    // Closing after A-RELEASE-RP, A-ABORT or A-ASSOCIATE-RJ is how associations end (PS3.8 9.1.6).
    if (a.release_rp_frame || a.abort_frame || a.rj_frame) return;
    if (a.closed_by_requestor.frame && a.closed_by_acceptor.frame) return; // the other side closed first
    if (!a.rq_frame && !a.ac_frame && !a.first_time) return;                 // nothing of an association yet
    a.raise(Diagnostic{DiagCode::ClosedWithoutRelease, party_of(from_requestor, false), c.frame, c.time,
                       c.reset ? 1.0 : 0.0},
            out);
    end_checks(a, c.frame, c.time, messages, party_of(from_requestor, false), out);
}

void diagnose_stream_trouble(Association &a, DiagCode code, uint64_t bytes, uint32_t frame, double time) {
    std::vector<Diagnostic> unused;
    a.raise(Diagnostic{code, code == DiagCode::CaptureGap ? Party::Capture : Party::Network, frame, time, double(bytes)},
            unused);
}

// ---- the time budget -------------------------------------------------------------------------

TimeBudget time_budget(const Association &a, const std::deque<Message> &messages) {
    TimeBudget b;
    const double start = a.rq_time ? a.rq_time : a.first_time;
    const double end = a.end_time();
    if (!start || end <= start) return b;
    b.duration = end - start;
    const double answered = a.ac_time ? a.ac_time : a.rj_time;
    const double phase_start = answered && answered <= end ? answered : start;
    const double phase_end = a.release_rq_time && a.release_rq_time <= end ? a.release_rq_time : end;
    b.setup = answered ? std::min(answered, end) - start : 0;
    b.release = a.release_rq_time && a.release_rq_time <= end ? end - a.release_rq_time : 0;
    if (phase_end <= phase_start) {
        b.setup = b.duration - b.release;
        return b;
    }
    // The P-DATA phase, cut into pieces by every boundary; each piece goes to the first that
    // applies: a stall, a message under way, a request waiting for its response, the requestor.
    enum Kind { Stall = 0, Transfer = 1, Outstanding = 2 };
    struct Edge {
        double t;
        int kind, delta;
    };
    std::vector<Edge> edges;
    auto add = [&](double from, double to, int kind) {
        from = std::max(from, phase_start);
        to = std::min(to, phase_end);
        if (to <= from) return;
        edges.push_back(Edge{from, kind, +1});
        edges.push_back(Edge{to, kind, -1});
    };
    for (const dicom::Stall &s : a.stalls) add(s.start, s.end, Stall);
    for (const Message &m : messages) {
        if (!m.first_time) continue;
        add(m.first_time, m.complete_time ? m.complete_time : phase_end, Transfer);
        if (!is_response(m.command.field) && m.command.valid && m.complete_time && m.command.field != kCCancelRq) {
            const Message *rsp = m.final_response;
            add(m.complete_time, rsp && rsp->first_time ? rsp->first_time : phase_end, Outstanding);
        }
    }
    std::sort(edges.begin(), edges.end(), [](const Edge &x, const Edge &y) { return x.t < y.t; });
    int open[3] = {0, 0, 0};
    double t = phase_start;
    double parts[4] = {0, 0, 0, 0};
    auto account = [&](double to) {
        if (to <= t) return;
        const int k = open[Stall] ? 0 : open[Transfer] ? 1 : open[Outstanding] ? 2 : 3;
        parts[k] += to - t;
        t = to;
    };
    for (const Edge &e : edges) {
        account(e.t);
        open[e.kind] += e.delta;
    }
    account(phase_end);
    b.tcp_stalls = parts[0];
    b.transfer = parts[1];
    b.waiting_for_acceptor = parts[2];
    b.waiting_for_requestor = parts[3];
    // whatever rounding left over belongs to the phase's waiting
    const double rest = b.duration - (b.setup + b.release + b.tcp_stalls + b.transfer + b.waiting_for_acceptor +
                                      b.waiting_for_requestor);
    b.waiting_for_requestor += rest;
    return b;
}

} // namespace dicom
