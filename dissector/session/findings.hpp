// The findings of the diagnosis as data: who is at fault and where the time went. Each finding
// names the party it concerns (the requestor, the acceptor, the network or the capture), has a
// code with a usual severity, and is raised at the frame where it happened (session/diagnose.hpp);
// the association keeps them merged by code and party for the reports. Their sentences are made
// in analysis/finding_text.hpp.
#pragma once
#include <cstddef>
#include <cstdint>

#include "base/severity.hpp"
#include "tcp/tcp_timeline.hpp"

namespace dicom {

struct Message;

enum class Party : uint8_t { Requestor, Acceptor, Network, Capture };
const char *party_name(Party p); // "requestor", "acceptor", "network", "capture"

// The value each code carries is given in brackets.
enum class DiagCode : uint8_t {
    AssociationRejected,        // A-ASSOCIATE-RJ [reason; aux: source << 8 | result]
    AssociationAborted,         // A-ABORT [reason; aux: source]
    ContextRejected,            // every context of an abstract syntax the requestor needed was rejected [context ID]
    NoContextAccepted,          // the A-ASSOCIATE-AC accepted no context [contexts proposed]
    ClosedWithoutRelease,       // FIN or RST with no A-RELEASE or A-ABORT [1: RST]
    UnansweredRequest,          // a request without a final response when the association ended [message]
    FailureStatus,              // [status; aux: command field of the response]
    WarningStatus,              // [status; aux: command field]
    SlowResponse,               // [ms; aux: processing ms]
    SlowSetup,                  // A-ASSOCIATE-RQ to AC/RJ [ms]
    SlowRelease,                // A-RELEASE-RQ to RP [ms]
    DelayedAckStall,            // a partial write waited for the delayed ACK [ms]
    ReceiverWindowFull,         // the receiver's window was zero or full [ms]
    RetransmissionTimeout,      // data waited for a retransmission [ms]
    SenderStall,                // the sender's application paused inside a message [ms]
    RoundTripStall,             // the sender waited for acknowledgements, window open [ms]
    Retransmissions,            // retransmitted DICOM bytes [bytes]
    OutOfOrder,                 // segments that arrived ahead of a gap [bytes]
    CaptureGap,                 // bytes the capture missed [bytes]
    OneAssociationPerObject,    // [association number of the previous one]
    SmallMaxPdu,                // a maximum PDU length below the small_pdu setting [bytes]
    MaxPduExceeded,             // a P-DATA-TF longer than the receiver's maximum [PDU length; aux: maximum]
    SopInstanceMismatch,        // command vs data set SOP Instance or Class UID [message]
    EncapsulatedOnNativeSyntax, // encapsulated Pixel Data on a native transfer syntax [message]
    NativeOnEncapsulatedSyntax, // native Pixel Data on an encapsulated transfer syntax [message]
    DataSetMissing,             // the command announced a data set that never came [message]
    MalformedDataSet,           // a command or data set that does not follow PS3.5 [problems found; message]
    ProtocolViolation,          // [aux: which, see ViolationKind]
    TlsOnPlainPort,             // a TLS handshake on a plain DICOM port
    PlainOnTlsPort,             // plain DICOM on the DICOM-over-TLS port
    CaptureMirrorPort,          // ACKs before the data they acknowledge, frames captured twice [events]
    Count
};
const char *diag_code_name(DiagCode c); // "association_rejected" ...
Severity diag_severity(DiagCode c); // the code's usual severity
// A PS3.8/PS3.7 phrase for the code's kind of trouble, for grouping: "Association rejected" ...
const char *diag_code_title(DiagCode c);

// The evidence rule (docs/diagnosis.md): a finding that names a peer must be provable from the
// capture. Where the capture cannot tell, because it missed bytes or did not see the set-up,
// the finding is kept at severity note and says what is uncertain; it is never an error
// against a peer. Each finding carries its own severity: the code's usual one, or note.
enum class Doubt : uint8_t {
    None,
    SenderBytesMissed, // the capture missed bytes the named party sent before this
    BytesMissed,       // the capture missed bytes of the association (either side) before this
    SyntaxInferred,    // the transfer syntax was inferred from the bytes (set-up not in the capture)
    Reordered,         // the same direction showed reordering or loss within a round trip
    RolesUnknown,      // the set-up is not in the capture: which side is the requestor is a guess
    RolesInferred,     // ... and the roles were inferred from the listening port or the requests sent
};
const char *doubt_name(Doubt d); // "", "sender_bytes_missed", "bytes_missed", "syntax_inferred", "reordered",
                                 // "roles_unknown", "roles_inferred"

// What the finding of `code` against `party` relies on, given what the capture missed before it
// (bytes from the requestor, from the acceptor) and whether the data set's transfer syntax was
// inferred: the doubt that applies, or Doubt::None when the capture proves it.
Doubt doubt_for(DiagCode code, Party party, uint64_t missed_from_requestor, uint64_t missed_from_acceptor,
                bool syntax_inferred);

enum class ViolationKind : uint8_t {
    PdvOnRejectedContext = 1, // a PDV on a presentation context the acceptor did not accept
    PdvLengthInvalid,         // a PDV item length that does not fit its PDU (odd, too short or too long)
    PduOutOfState,            // a PDU the association's state does not allow (PS3.8 9.2)
};

// One finding at one frame.
struct Diagnostic {
    DiagCode code = DiagCode::Count;
    Party party = Party::Network;
    uint32_t frame = 0;
    double time = 0;
    double value = 0;
    uint32_t aux = 0;
    const Message *message = nullptr; // the DIMSE message it concerns, if any
    Doubt doubt = Doubt::None;        // set by Association::raise (the evidence rule)
    Severity severity = Severity::Note; // set by Association::raise: the code's, or note when in doubt
};

// The findings of one code and party in an association.
struct DiagnosticSummary {
    DiagCode code = DiagCode::Count;
    Party party = Party::Network;
    uint32_t count = 0;
    uint32_t first_frame = 0, worst_frame = 0;
    double total = 0, worst = 0; // of the values
    double first_value = 0;
    uint32_t first_aux = 0;
    const Message *first_message = nullptr;
    Severity severity = Severity::Note; // the highest of its findings
    uint32_t doubtful = 0;              // findings in doubt (at severity note)
    Doubt first_doubt = Doubt::None;
};

struct DiagnosisSettings {
    double slow_seconds = 1.0;   // a response, set-up or release slower than this is slow
    uint32_t small_pdu = 8192;   // a maximum PDU length below this is small
    size_t stalls_kept = 65536;  // stall intervals kept per association for the time budget
};


// The value that stands for all of a code's findings in a report: the total for times and byte
// counts (milliseconds, bytes), the first finding's value otherwise (a status, a length ...).
double summary_value(const DiagnosticSummary &s);
// Whether the code's value is a time in milliseconds.
bool diag_value_is_ms(DiagCode c);

// The party that sent a PDU or message: from the direction when the A-ASSOCIATE-RQ was seen
// (`from_requestor` 1 or 0), else by what it is (a response comes from the acceptor).
inline Party party_of(int from_requestor, bool response) {
    if (from_requestor == 1) return Party::Requestor;
    if (from_requestor == 0) return Party::Acceptor;
    return response ? Party::Acceptor : Party::Requestor;
}
inline Party other_party(Party p) { return p == Party::Requestor ? Party::Acceptor : Party::Requestor; }

} // namespace dicom
