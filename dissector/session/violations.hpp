// Conformance violations as data (conformance/rules.hpp): each names the rule, the peer that
// broke it and the frame where the capture shows it; the association keeps them merged by rule
// and party for `-z dicom_ul,validate`, and each frame shows its own (session/validate.hpp
// raises them).
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "conformance/check_dimse.hpp"
#include "conformance/check_pdus.hpp"
#include "session/findings.hpp"

namespace dicom {

struct Violation {
    Rule rule = Rule::Count;
    Party party = Party::Requestor; // always a peer: never the network or the capture
    uint32_t frame = 0;
    uint32_t value = 0;             // what it is about (RuleHit::value)
    const Message *message = nullptr;
    // the frame already shows it with an expert info of its own: a problem of the peer's bytes
    // (problems.hpp) or a diagnosis finding (max_pdu_exceeded, protocol_violation)
    bool already_shown = false;
    RuleHit hit() const { return RuleHit{rule, value, already_shown}; }
};

struct ViolationSummary {
    Rule rule = Rule::Count;
    Party party = Party::Requestor;
    uint32_t count = 0;
    uint32_t first_frame = 0;
    uint32_t first_value = 0;
};

// Which classes are checked (the preference dicom_ul.validate_data_sets turns encoding and iod off).
struct ValidationSettings {
    bool enabled = true;
    bool data_sets = true;
};

// What an association's checks need to remember between PDUs and messages.
struct ConformanceState {
    ValidationSettings settings;
    UlWireState ul;
    bool ul_from_start = false;     // the A-ASSOCIATE-RQ was walked: the state is known
    bool ul_diverged = false;       // a peer broke the state machine: the two states differ from then on
    ProposedNegotiation proposed;
    OutstandingRequests outstanding;
    bool message_ids_judged = true; // false once a side's messages were not all seen whole
    // a retrieve's previous response, for its sub-operation counts (bounded like outstanding)
    std::unordered_map<const Message *, const Message *> last_response;
    std::vector<ViolationSummary> summaries; // merged by rule and party, in order of first sight
    uint32_t total = 0;
    // Records `v` in the summaries.
    void count(const Violation &v);
};

} // namespace dicom
