// The conformance rules: what the standard asks of each peer, checked on the traffic (issue 24).
// Each rule has a stable id (for filters and reports), a class, a severity and the section of
// the standard it comes from; docs/conformance.md is generated from this table. A violation is
// always a peer's act: the checks run only on what the capture proves (conformance/README in
// docs/conformance.md: nothing across a capture gap, nothing before a late start).
#pragma once
#include <cstdint>

#include "base/problems.hpp"
#include "base/severity.hpp"

namespace dicom {

enum class RuleClass : uint8_t { UlState, PduField, DimseCommand, Encoding, Iod, Count };
const char *rule_class_name(RuleClass c); // "ul_state", "pdu_field", "dimse_command", "encoding", "iod"

enum class Rule : uint16_t {
    // ul_state: PS3.8 9.2, the state machine as both peers must see it
    PdataBeforeAssociateAc,
    PduAfterAssociateRj,
    PduAfterOwnAbort,
    PdataAfterOwnReleaseRq,
    PduAfterReleaseRp,
    ReleaseRpWithoutRq,
    ReleaseBeforeAssociateAc,
    AssociateAnswerFromRequestor,
    AssociateAnswerRepeated,
    ReleaseRqRepeated,
    // pdu_field: PS3.8 9.3 and PS3.7 Annex D.3.3
    ProtocolVersion,
    ReservedNotZero,
    AeTitle,
    UidSyntax,
    PduLength,
    ItemMissing,
    ItemRepeated,
    ItemUnexpected,
    ContextIdEven,
    ContextIdRepeated,
    ValueUndefined,
    ApplicationContext,
    ContextAnswerNotProposed,
    ContextNotAnswered,
    TransferSyntaxNotProposed,
    MaxLengthMissing,
    ImplementationClassUidMissing,
    ImplementationVersionName,
    RoleReplyNotProposed,
    RoleGrantedNotAsked,
    AsyncWindowNotProposed,
    PdvContextNotAccepted,
    PdvLength,
    PdvFlags,
    MaxLengthExceeded,
    // dimse_command: PS3.7 chapters 9, 10 and Annex C, PS3.4
    CommandInvalid,
    CommandElementMissing,
    CommandElementNotAllowed,
    DataSetType,
    Priority,
    SopClassNotContext,
    MessageIdInUse,
    ResponseWithoutRequest,
    OutstandingBeyondWindow,
    StatusNotForService,
    ResponseSopMismatch,
    SuboperationCounts,
    // encoding: PS3.5
    ValueLengthOdd,
    ElementStructure,
    GroupLength,
    UiValue,
    AeValue,
    VrNotDictionary,
    ValueFormat,
    ValueMultiplicity,
    CharacterSetTerm,
    CharacterRepertoire,
    // iod: PS3.3, the mandatory modules of the common storage SOP classes
    IodType1Missing,
    IodType1Empty,
    IodType2Missing,
    Count
};

struct RuleInfo {
    const char *id;        // "ul.pdata_after_own_release_rq": filters, JSON, the docs
    RuleClass rule_class;
    Severity severity;
    const char *reference; // "PS3.8 9.2 (Table 9-10)"
    const char *title;     // one line, for the expert info and the report
};
const RuleInfo &rule_info(Rule r);
// The rule with that id, or Rule::Count.
Rule rule_by_id(const char *id);

// One check that failed: the rule and what it is about (a PDU type, an element tag with its
// command field, a context ID, a status, an IOD attribute; conformance/violation_text.hpp).
struct RuleHit {
    Rule rule = Rule::Count;
    uint32_t value = 0;
    bool from_problem = false; // stands for a problem the parser noted (rule_for_problem)
};

// The rule a problem found in a peer's bytes breaks (problems.hpp), or Rule::Count for those
// that are not a peer's (a capture gap) or break none.
Rule rule_for_problem(Problem p);

} // namespace dicom
