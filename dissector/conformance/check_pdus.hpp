// Conformance of the Upper Layer as the wire shows it: the order of PDUs against the state
// machine of PS3.8 9.2 (Table 9-10) as both peers must see it, and the fields and items of
// A-ASSOCIATE-RQ/AC beyond what their parser notes (PS3.8 9.3, PS3.7 D.3.3). Pure functions on
// plain data; the session decides when the capture lets them judge (session/validate.hpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "conformance/rules.hpp"
#include "ul/associate.hpp"

namespace dicom {

// What each side has sent so far that the state machine cares about.
struct UlSideSent {
    bool associate_answer = false; // A-ASSOCIATE-AC or -RJ
    bool rejected = false;         // ... an A-ASSOCIATE-RJ
    bool release_rq = false, release_rp = false, abort = false;
};
struct UlWireState {
    UlSideSent side[2]; // [1]: the requestor's, [0]: the acceptor's
};
// The PDU `type` sent by the requestor (`from_requestor`) or the acceptor, checked against what
// both sides sent before it and then recorded. Rule::Count when the state allows it.
RuleHit check_pdu_order(UlWireState &s, bool from_requestor, uint8_t type);

// What an A-ASSOCIATE-RQ proposed, kept until its A-ASSOCIATE-AC is checked against it.
struct ProposedNegotiation {
    struct Context {
        uint8_t id = 0;
        std::vector<std::string> transfer_syntaxes;
        bool answered = false;
    };
    struct Role {
        std::string sop_class;
        uint8_t scu = 0, scp = 0;
    };
    std::vector<Context> contexts;
    std::vector<Role> roles;
    bool async_window = false;
    bool seen = false;
};
// The A-ASSOCIATE-RQ's own fields (application context, user information sub-items); its
// proposals recorded in `proposed`.
void check_associate_rq(const Associate &rq, ProposedNegotiation &proposed, std::vector<RuleHit> &out);
// The A-ASSOCIATE-AC's own fields, and its answers against `proposed` (when it was seen).
void check_associate_ac(const Associate &ac, ProposedNegotiation &proposed, std::vector<RuleHit> &out);

} // namespace dicom
