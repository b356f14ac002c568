#include "session/findings.hpp"

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
    {"delayed_ack_stall", Severity::Note, "TCP stall: partial write waiting for a delayed ACK (Nagle)"},
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
    {"capture_mirror_port", Severity::Note, "The capture looks taken on a switch's mirror port"},
};
static_assert(sizeof kCodes / sizeof kCodes[0] == size_t(DiagCode::Count), "one entry per code");

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

const char *diag_code_name(DiagCode c) { return c < DiagCode::Count ? kCodes[size_t(c)].name : "unknown"; }
Severity diag_severity(DiagCode c) { return c < DiagCode::Count ? kCodes[size_t(c)].severity : Severity::Note; }
const char *diag_code_title(DiagCode c) { return c < DiagCode::Count ? kCodes[size_t(c)].title : "Finding"; }

const char *doubt_name(Doubt d) {
    switch (d) {
    case Doubt::None: return "";
    case Doubt::SenderBytesMissed: return "sender_bytes_missed";
    case Doubt::BytesMissed: return "bytes_missed";
    case Doubt::SyntaxInferred: return "syntax_inferred";
    case Doubt::Reordered: return "reordered";
    case Doubt::RolesUnknown: return "roles_unknown";
    case Doubt::RolesInferred: return "roles_inferred";
    }
    return "";
}

Doubt doubt_for(DiagCode code, Party party, uint64_t missed_from_requestor, uint64_t missed_from_acceptor,
                bool syntax_inferred) {
    if (party != Party::Requestor && party != Party::Acceptor) return Doubt::None;
    const uint64_t from_party = party == Party::Requestor ? missed_from_requestor : missed_from_acceptor;
    switch (code) {
    // judged from the named party's own bytes: a hole in them can fake the trouble (a PDU
    // header read out of step, a data set cut short, a value that runs on)
    case DiagCode::MalformedDataSet:
    case DiagCode::SopInstanceMismatch:
    case DiagCode::EncapsulatedOnNativeSyntax:
    case DiagCode::NativeOnEncapsulatedSyntax:
        if (syntax_inferred) return Doubt::SyntaxInferred;
        [[fallthrough]];
    case DiagCode::DataSetMissing:
    case DiagCode::MaxPduExceeded:
        return from_party ? Doubt::SenderBytesMissed : Doubt::None;
    // judged from what both sides did (or did not) send: a hole on either side may hold the
    // missing response, the A-RELEASE, the A-ASSOCIATE-AC or the request the peer needed
    case DiagCode::ClosedWithoutRelease:
    case DiagCode::UnansweredRequest:
    case DiagCode::ProtocolViolation:
    case DiagCode::ContextRejected:
    case DiagCode::SenderStall: // told from TCP's pause by the ACKs, which may be in the hole
        return missed_from_requestor || missed_from_acceptor ? Doubt::BytesMissed : Doubt::None;
    default: return Doubt::None; // seen directly: a status, a rejection, an abort, a time
    }
}

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

} // namespace dicom
