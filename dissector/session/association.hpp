// One association: what it negotiated, as later PDUs need it (AE titles, the presentation
// contexts with their abstract and accepted transfer syntaxes, each side's maximum PDU size),
// its DIMSE messages, who requested it, its timing, counters and findings. Updated by its
// connection (session/connection.hpp) as the first pass walks the capture; owned by the
// capture (session/capture.hpp).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "ul/associate.hpp"
#include "ul/control_pdus.hpp"
#include "base/containers.hpp"
#include "base/recent_values.hpp"
#include "dimse/message.hpp"
#include "session/findings.hpp"
#include "session/violations.hpp"
#include "tcp/endpoint.hpp"

namespace dicom {

struct NegotiatedContext {
    uint8_t id = 0;
    bool answered = false;   // an A-ASSOCIATE-AC carried this ID
    uint8_t result = 0;      // valid when answered
    std::string abstract_syntax;
    std::string transfer_syntax; // accepted one; the first proposed until answered
    uint32_t proposed_in = 0, answered_in = 0; // frame numbers
    bool inferred = false;   // not negotiated in the capture: learnt from a command set
    bool accepted() const { return answered && result == kAcceptance; }
};

struct DirectionStats {
    uint64_t bytes = 0; // PDU bytes, headers included
    uint32_t pdus = 0;
};

class Connection;

// What says which side of an association is the requestor, weakest first. Only the A-ASSOCIATE
// and the TCP handshake prove it (the requestor opens the connection, PS3.8 9.1.2); the port
// the acceptor listens on and the requests a side sends make it likely, no more.
enum class RolesEvidence : uint8_t { None, Requests, ListeningPort, Handshake, Associate };
const char *roles_evidence_name(RolesEvidence e); // "none", "requests", "listening_port", "tcp_handshake", "a_associate"

class Association {
public:
    uint32_t number = 0;           // in the capture, 1, 2, ... in order of first sight
    MessageAssembler messages;     // its DIMSE messages
    const Connection *connection = nullptr; // the TCP connection that carries it
    uint32_t tcp_stream = 0;       // Wireshark's index of that connection
    // The connection's direction the A-ASSOCIATE-RQ came in (-1: not seen), and the two ends.
    int requestor_dir = -1;
    Endpoint requestor, acceptor;
    RolesEvidence roles_evidence = RolesEvidence::None;
    bool requestor_known() const { return requestor_dir >= 0; }
    // `evidence` says that direction `dir` of the connection carries the requestor's PDUs;
    // `requestor` and `acceptor` are the two ends. Weaker evidence than the roles' does nothing.
    void know_requestor(int dir, const Endpoint &requestor_end, const Endpoint &acceptor_end,
                        RolesEvidence evidence = RolesEvidence::Associate) {
        if (evidence <= roles_evidence) return;
        requestor_dir = dir;
        requestor = requestor_end;
        acceptor = acceptor_end;
        roles_evidence = evidence;
    }
    // Neither its A-ASSOCIATE-RQ nor its connection's SYN is in the capture.
    bool began_before_capture = false;
    // Nothing in the capture ended it (no release, abort, rejection or TCP close).
    bool still_open_at_end() const;
    // 1 when direction `dir` of the connection carries the requestor's PDUs, 0 for the
    // acceptor's, -1 when the A-ASSOCIATE-RQ was not seen.
    int direction_from_requestor(int dir) const { return requestor_dir < 0 ? -1 : dir == requestor_dir; }
    const Association *previous_same_aes = nullptr; // the last association between the same AEs

    // Timing (seconds since the epoch) of the PDUs that shape the association; 0 = not seen.
    double first_time = 0, last_time = 0, rq_time = 0, ac_time = 0, rj_time = 0;
    double release_rq_time = 0, release_rp_time = 0, abort_time = 0;
    double first_pdata_time = 0, last_pdata_time = 0;
    double pdata_header_time[2] = {0, 0}; // the last P-DATA-TF header walked, per direction of the connection
    DirectionStats from_requestor, from_acceptor;
    uint64_t data_set_bytes = 0;        // DIMSE data sets, as sent
    std::map<uint16_t, uint32_t> operations; // completed messages by command field
    uint32_t failures = 0, warnings = 0;
    uint32_t store_requests = 0;        // C-STORE-RQs
    uint32_t stored = 0;                // C-STORE-RSPs with a success or warning status, matched with their request
    double last_message_time = 0;       // the last DIMSE message completed
    double last_progress_time = 0;      // the last pending response or C-GET sub-operation answered
    uint32_t responses = 0;                 // final responses matched with their request
    double response_time_sum = 0, response_time_max = 0; // request complete to final response
    uint8_t reject_result = 0, reject_source = 0, reject_reason = 0;
    uint8_t abort_source = 0, abort_reason = 0;
    int abort_by_requestor = -1;        // 1, 0, or -1 when unknown
    // At most this many requests wait for their response; beyond it the oldest is forgotten
    // (a peer that never answers must not make the dissector's state grow without bound).
    uint32_t outstanding_cap = 65536;
    uint32_t requests_forgotten = 0;

    // Every PDU, first pass, in order. `from_requestor` is -1 when unknown.
    void on_pdu(int from_requestor, uint8_t pdu_type, uint64_t bytes, double time);
    // A message completed: counts it and matches responses and C-CANCELs with their
    // request by message ID (several may be outstanding: asynchronous operations).
    void on_message(Message &m);
    // Requests still waiting for their final response, oldest first.
    std::vector<Message *> unanswered() const;
    // "released", "aborted by the acceptor (service-user)", "rejected-permanent: ...",
    // "closed by the requestor (TCP FIN in frame 12) without A-RELEASE or A-ABORT",
    // "cut off in the capture" ...
    std::string how_it_ended() const;
    // The same as a code: "released", "rejected", "aborted", "closed_without_release",
    // "release_unanswered", "no_answer", "cut_off".
    const char *outcome() const;
    // When it ended: the A-RELEASE-RP, A-ASSOCIATE-RJ, A-ABORT or TCP close, else the last PDU.
    double end_time() const;
    double setup_time() const; // A-ASSOCIATE-RQ to AC or RJ; -1 when not seen
    double release_time() const; // A-RELEASE-RQ to RP; -1 when not seen

    std::string calling_ae, called_ae;
    // The peers' software (PS3.7 D.3.3.2, D.3.3.3): implementation class UID and version name.
    std::string requestor_class_uid, requestor_version, acceptor_class_uid, acceptor_version;
    // "PACS (acceptor, OFFIS_DCMTK_367)", "the requestor", "the network" ...; without the
    // software: "PACS (acceptor)".
    std::string party_label(Party p, bool software = true) const;

    // Diagnosis: findings merged by code and party, in order of first occurrence; stalls.
    DiagnosisSettings diagnosis_settings;
    std::vector<DiagnosticSummary> diagnostics;
    std::vector<Stall> stalls;          // at most diagnosis_settings.stalls_kept
    double stall_seconds_unlisted = 0;  // stalls beyond that
    TcpClose closed_by_requestor, closed_by_acceptor; // the first FIN/RST of each side
    // Records a finding (merged into `diagnostics`) and appends it to `out`.
    void raise(const Diagnostic &d, std::vector<Diagnostic> &out);
    // Response times of the last final responses, for "slower than usual".
    RecentValues<double, 64> recent_response_times;
    // Bytes the capture missed so far, by sender (a hole in a stream whose sides are unknown
    // counts for both): the evidence rule's measure (findings.hpp, Doubt).
    uint64_t missed_from_requestor = 0, missed_from_acceptor = 0;
    // the connection waits for bytes of that side (a gap's grace, segments held for the data
    // they acknowledge) as a finding is raised: bytes that may yet prove it wrong
    bool pending_from_requestor = false, pending_from_acceptor = false;
    bool end_checked = false;            // unanswered requests etc. looked at (release, abort or close)
    bool mirror_noted = false;           // capture_mirror_port was noted on a frame
    bool protocol_state_reported = false;
    // Conformance (session/validate.hpp): the checks' state and the violations found.
    ConformanceState conformance;
    uint32_t rq_frame = 0, ac_frame = 0, rj_frame = 0;
    uint32_t release_rq_frame = 0, release_rp_frame = 0, abort_frame = 0;
    // Largest P-DATA-TF each side said it can receive (0: no limit, or not seen).
    uint32_t max_pdu_requestor = 0, max_pdu_acceptor = 0;
    bool max_pdu_requestor_announced = false, max_pdu_acceptor_announced = false; // 0 then means no limit

    void apply_rq(const Associate &rq, uint32_t frame);
    void count_stored(const Message &rsp);
    void apply_ac(const Associate &ac, uint32_t frame);
    // A-ASSOCIATE-RJ, A-RELEASE-RQ/RP, A-ABORT: their codes and frames (the first of each).
    void apply_control(const ControlPdu &pdu, uint32_t frame);
    // A message on a context whose negotiation was not captured: remember its SOP class and
    // the transfer syntax its data set appeared to use, marked as inferred.
    void infer_context(uint8_t id, const std::string &sop_class, const std::string &transfer_syntax);

    const NegotiatedContext *context(uint8_t id) const {
        return slot_[id] ? &contexts_[slot_[id] - 1] : nullptr;
    }
    const std::vector<NegotiatedContext> &contexts() const { return contexts_; }
    size_t accepted_count() const;

private:
    NegotiatedContext &context_slot(uint8_t id);
    std::array<uint16_t, 256> slot_{}; // 1-based index into contexts_, 0 = none
    std::vector<NegotiatedContext> contexts_;
    std::unordered_map<uint16_t, Message *> outstanding_; // requests by message ID
    std::unordered_map<uint16_t, Message *> answered_;    // last answered request by ID (late C-CANCELs)
    std::map<uint16_t, Message *> early_responses_;       // responses whose request was not complete yet
    Fifo<Message *> outstanding_order_; // oldest first; answered ones are skipped lazily
    void forget_oldest();
    bool is_outstanding(const Message *q) const;
};

} // namespace dicom
