// Who is at fault and where the time went: the findings of an association, each naming the
// party it concerns (the requestor, the acceptor, the network or the capture), and the
// association's time budget. Findings are raised as the first pass walks the capture, each at
// the frame where it happened; the association keeps them merged by code and party for the
// report. The texts name the peers by AE title, role and software, e.g. "PACS (acceptor,
// OFFIS_DCMTK_367) rejected the association: calling-AE-title-not-recognized".
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "tcp/tcp_timeline.hpp"

namespace dicom {

class Association;
struct Message;

enum class Party : uint8_t { Requestor, Acceptor, Network, Capture };
const char *party_name(Party p); // "requestor", "acceptor", "network", "capture"

enum class Severity : uint8_t { Note, Warning, Error };
const char *severity_name(Severity s); // "note", "warning", "error"

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
    Count
};
const char *diag_code_name(DiagCode c); // "association_rejected" ...
Severity diag_severity(DiagCode c);
// A PS3.8/PS3.7 phrase for the code's kind of trouble, for grouping: "Association rejected" ...
const char *diag_code_title(DiagCode c);

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
};

struct DiagnosisSettings {
    double slow_seconds = 1.0;   // a response, set-up or release slower than this is slow
    uint32_t small_pdu = 8192;   // a maximum PDU length below this is small
    size_t stalls_kept = 65536;  // stall intervals kept per association for the time budget
};

// Where an association's time went; the parts add up to `duration`.
struct TimeBudget {
    double duration = 0;
    double setup = 0, release = 0;           // A-ASSOCIATE-RQ to AC/RJ, A-RELEASE-RQ to RP (or the end)
    double waiting_for_acceptor = 0;         // a request was acknowledged, its response not started
    double waiting_for_requestor = 0;        // nothing outstanding, no message under way
    double transfer = 0;                     // a message was under way and its bytes moving
    double tcp_stalls = 0;                   // a message was under way and TCP did not advance
};

// The value that stands for all of a code's findings in a report: the total for times and byte
// counts (milliseconds, bytes), the first finding's value otherwise (a status, a length ...).
double summary_value(const DiagnosticSummary &s);
// Whether the code's value is a time in milliseconds.
bool diag_value_is_ms(DiagCode c);

// The sentence for one finding, naming the party by AE title, role and software.
std::string diagnostic_text(const Association &a, const Diagnostic &d);
// The sentence for all findings of one code and party in the association.
std::string summary_text(const Association &a, const DiagnosticSummary &s);
// "C-STORE-RQ id=3 (frame 45)" (the message's completing frame), "message 3" when unparsed.
std::string message_label(const Message &m);

// The association's time budget, from its PDU times, messages and stalls; `end` is when it
// ended (see Association::end_time()).
TimeBudget time_budget(const Association &a, const std::deque<Message> &messages);

} // namespace dicom

namespace dicom {

class MessageAssembler;

// ---- raising findings (first pass; each appends to `out` what it raised) ----------------------

// A PDU the walk reached (after the association applied it).
struct PduFacts {
    uint8_t type = 0;
    int from_requestor = -1;
    uint32_t pdu_length = 0; // the length field
    uint32_t frame = 0;      // where the receiver had it
    double time = 0;
};
void diagnose_pdu(Association &a, const PduFacts &p, const MessageAssembler &messages, std::vector<Diagnostic> &out);
// A completed (or closed) DIMSE message, after Association::on_message.
void diagnose_message(Association &a, const Message &m, std::vector<Diagnostic> &out);
// A message whose announced data set a new command cut short.
void diagnose_interrupted(Association &a, const Message &m, uint32_t frame, double time, std::vector<Diagnostic> &out);
// The first PDV of a message on a context the acceptor did not accept.
void diagnose_rejected_context_use(Association &a, int from_requestor, uint8_t context_id, uint32_t frame, double time,
                                   std::vector<Diagnostic> &out);
// A PDV item length that does not fit its PDU.
void diagnose_pdv_length(Association &a, int from_requestor, uint32_t frame, double time, std::vector<Diagnostic> &out);
// A TCP stall of the side `from_requestor` while `m` (may be null) was under way.
void diagnose_stall(Association &a, const Stall &s, int from_requestor, Message *m, std::vector<Diagnostic> &out);
// The side `from_requestor` sent FIN or RST.
void diagnose_close(Association &a, int from_requestor, const TcpClose &c, const MessageAssembler &messages,
                    std::vector<Diagnostic> &out);
// Trouble the capture shows in the bytes (retransmitted, out of order, missing), which the
// frames already carry expert infos for: counted, not shown again.
void diagnose_stream_trouble(Association &a, DiagCode code, uint64_t bytes, uint32_t frame, double time);

} // namespace dicom
