#include "conformance/rules.hpp"

#include <cstring>


namespace dicom {

namespace {

constexpr RuleClass U = RuleClass::UlState, P = RuleClass::PduField, D = RuleClass::DimseCommand,
                    E = RuleClass::Encoding, I = RuleClass::Iod;
constexpr Severity kE = Severity::Error, kW = Severity::Warning;

const RuleInfo kRules[] = {
    {"ul.pdata_before_associate_ac", U, kE, "PS3.8 9.2 (Table 9-10)", "P-DATA-TF before the A-ASSOCIATE-AC"},
    {"ul.pdu_after_associate_rj", U, kE, "PS3.8 9.2 (Table 9-10)", "PDU after the A-ASSOCIATE-RJ"},
    {"ul.pdu_after_own_abort", U, kE, "PS3.8 9.2 (Table 9-10)", "PDU after the sender's own A-ABORT"},
    {"ul.pdata_after_own_release_rq", U, kE, "PS3.8 9.2 (Table 9-10)", "P-DATA-TF after the sender's own A-RELEASE-RQ"},
    {"ul.pdu_after_release_rp", U, kE, "PS3.8 9.2 (Table 9-10)", "PDU after the sender's A-RELEASE-RP"},
    {"ul.release_rp_without_release_rq", U, kE, "PS3.8 9.2 (Table 9-10)", "A-RELEASE-RP without an A-RELEASE-RQ"},
    {"ul.release_before_associate_ac", U, kE, "PS3.8 9.2 (Table 9-10)", "A-RELEASE-RQ before the A-ASSOCIATE-AC"},
    {"ul.associate_answer_from_requestor", U, kE, "PS3.8 9.2 (Table 9-10)",
     "A-ASSOCIATE-AC or -RJ from the association's requestor"},
    {"ul.associate_answer_repeated", U, kE, "PS3.8 9.2 (Table 9-10)", "A second A-ASSOCIATE-AC or -RJ"},
    {"ul.release_rq_repeated", U, kW, "PS3.8 9.2 (Table 9-10)", "A second A-RELEASE-RQ from the same peer"},

    {"pdu.protocol_version", P, kE, "PS3.8 9.3.2 (Table 9-11)", "Protocol version without bit 0 (version 1)"},
    {"pdu.reserved_not_zero", P, kW, "PS3.8 9.3", "Reserved field sent non-zero"},
    {"pdu.ae_title", P, kE, "PS3.8 9.3.2 (Table 9-11)",
     "AE title outside ISO 646 G0 (a control character or backslash), or all spaces"},
    {"pdu.uid_syntax", P, kE, "PS3.5 9.1", "UID that is not a UID (characters, empty component, leading zero, length)"},
    {"pdu.length", P, kE, "PS3.8 9.3", "PDU or item length that does not match its content"},
    {"pdu.item_missing", P, kE, "PS3.8 9.3.2, 9.3.3", "Mandatory item or sub-item missing"},
    {"pdu.item_repeated", P, kE, "PS3.8 9.3.2, 9.3.3", "Item that may occur once occurs twice"},
    {"pdu.item_unexpected", P, kE, "PS3.8 9.3.2, 9.3.3", "Item that does not belong in this PDU"},
    {"pdu.context_id_even", P, kE, "PS3.8 9.3.2.2", "Presentation context ID is even"},
    {"pdu.context_id_repeated", P, kE, "PS3.8 9.3.2.2", "Presentation context ID used twice"},
    {"pdu.value_undefined", P, kE, "PS3.8 9.3", "Result, source or reason code PS3.8 does not define"},
    {"pdu.application_context", P, kE, "PS3.7 A.2.1", "Application context name is not 1.2.840.10008.3.1.1.1"},
    {"pdu.context_answer_not_proposed", P, kE, "PS3.8 9.3.3.2", "A-ASSOCIATE-AC answers a context that was not proposed"},
    {"pdu.context_not_answered", P, kW, "PS3.8 7.1.1.14, 9.3.3.2",
     "A-ASSOCIATE-AC leaves a proposed context unanswered"},
    {"pdu.transfer_syntax_not_proposed", P, kE, "PS3.8 9.3.3.2",
     "A-ASSOCIATE-AC accepts a transfer syntax that was not proposed"},
    {"pdu.max_length_missing", P, kE, "PS3.8 D.1", "User information without a Maximum Length sub-item"},
    {"pdu.implementation_class_uid_missing", P, kE, "PS3.7 D.3.3.2",
     "User information without an Implementation Class UID sub-item"},
    {"pdu.implementation_version_name", P, kE, "PS3.7 D.3.3.2.3",
     "Implementation version name not 1 to 16 ISO 646 G0 characters"},
    {"pdu.role_reply_not_proposed", P, kE, "PS3.7 D.3.3.4",
     "Role selection reply for a SOP class the requestor did not propose one for"},
    {"pdu.role_granted_not_asked", P, kE, "PS3.7 D.3.3.4", "Role selection reply grants a role the requestor did not ask for"},
    {"pdu.async_window_not_proposed", P, kE, "PS3.7 D.3.3.3",
     "Asynchronous operations window in the A-ASSOCIATE-AC without one in the RQ"},
    {"pdu.pdv_context_not_accepted", P, kE, "PS3.8 9.3.5, 7.1.1.14", "PDV on a presentation context that was not accepted"},
    {"pdu.pdv_length", P, kE, "PS3.8 9.3.5.1", "PDV item length that does not fit its PDU"},
    {"pdu.pdv_flags", P, kE, "PS3.8 E.2", "Reserved bits of the message control header set"},
    {"pdu.max_length_exceeded", P, kE, "PS3.8 D.1", "P-DATA-TF longer than the receiver's maximum length"},

    {"dimse.command_invalid", D, kE, "PS3.7 9.3, 10.3, E.1", "Command set without a valid Command Field"},
    {"dimse.command_element_missing", D, kE, "PS3.7 9.3, 10.3", "Command without an element its table requires"},
    {"dimse.command_element_not_allowed", D, kW, "PS3.7 9.3, 10.3", "Command with an element its table does not list"},
    {"dimse.data_set_type", D, kE, "PS3.7 9.3, 10.3 (Command Data Set Type)",
     "Command Data Set Type says a data set where the command has none, or none where it must"},
    {"dimse.priority", D, kE, "PS3.7 9.3.1.1 (Priority)", "Priority other than LOW (2), MEDIUM (0) or HIGH (1)"},
    {"dimse.sop_class_not_context", D, kE, "PS3.8 7.1.1.13, PS3.7 9.1.1",
     "SOP class of the command differs from its presentation context's abstract syntax"},
    {"dimse.message_id_in_use", D, kE, "PS3.7 9.3.1.1 (Message ID)",
     "Request with the Message ID of one of the sender's requests still outstanding"},
    {"dimse.response_without_request", D, kE, "PS3.7 9.3.1.2 (Message ID Being Responded To)",
     "Response to no outstanding request"},
    {"dimse.outstanding_beyond_window", D, kE, "PS3.7 D.3.3.3",
     "More requests outstanding than the asynchronous operations window allows"},
    {"dimse.status_not_for_service", D, kW, "PS3.7 Annex C, PS3.4", "Status code the service does not define"},
    {"dimse.response_sop_mismatch", D, kE, "PS3.7 9.3.1.2 (Affected SOP Class/Instance UID)",
     "Response names another SOP class or instance than its request"},
    {"dimse.suboperation_counts", D, kW, "PS3.4 C.4.2.3.1, C.4.3.3.1", "Sub-operation counts that do not add up"},

    {"enc.value_length_odd", E, kE, "PS3.5 7.1.1", "Value length is odd"},
    {"enc.element_structure", E, kE, "PS3.5 7.1, 7.5",
     "Element, sequence or item that does not follow PS3.5 (length past its end, delimiters)"},
    {"enc.group_length", E, kE, "PS3.5 7.2, PS3.7 E.1", "Group length that does not match the group's bytes"},
    {"enc.ui_value", E, kE, "PS3.5 6.2 (UI), 9.1", "UI value that is not a UID"},
    {"enc.ae_value", E, kE, "PS3.5 6.2 (AE)", "AE value with a control character or backslash, too long, or all spaces"},
    {"enc.vr_not_dictionary", E, kW, "PS3.5 6.2, 7.1.2; PS3.6 6", "Explicit VR that is not the one the data dictionary gives"},
    {"enc.value_format", E, kE, "PS3.5 6.2 (Table 6.2-1)",
     "Value that does not follow its VR's format (a date, time, code string, number, UID)"},
    {"enc.value_multiplicity", E, kE, "PS3.5 6.4; PS3.6 6", "Number of values outside the data dictionary's VM"},
    {"enc.character_set_term", E, kE, "PS3.3 C.12.1.1.2", "Specific Character Set with a term the standard does not define"},
    {"enc.character_repertoire", E, kE, "PS3.5 6.1, 6.1.2",
     "Text with bytes that its Specific Character Set does not define"},

    {"iod.type1_missing", I, kE, "PS3.3 (the module's table)", "Stored object without a Type 1 attribute of a module its IOD requires or that it holds"},
    {"iod.type1_empty", I, kE, "PS3.3 (the module's table)", "Stored object with a Type 1 attribute of a module its IOD requires or that it holds empty"},
    {"iod.type2_missing", I, kE, "PS3.3 (the module's table)", "Stored object without a Type 2 attribute of a module its IOD requires or that it holds"},
};
static_assert(sizeof kRules / sizeof kRules[0] == size_t(Rule::Count), "one entry per rule");

} // namespace

const char *rule_class_name(RuleClass c) {
    switch (c) {
    case RuleClass::UlState: return "ul_state";
    case RuleClass::PduField: return "pdu_field";
    case RuleClass::DimseCommand: return "dimse_command";
    case RuleClass::Encoding: return "encoding";
    case RuleClass::Iod: return "iod";
    case RuleClass::Count: break;
    }
    return "unknown";
}

const RuleInfo &rule_info(Rule r) { return kRules[r < Rule::Count ? size_t(r) : 0]; }

Rule rule_by_id(const char *id) {
    for (size_t i = 0; i < size_t(Rule::Count); ++i)
        if (strcmp(kRules[i].id, id) == 0) return Rule(i);
    return Rule::Count;
}

Rule rule_for_problem(Problem p) {
    switch (p) {
    case Problem::PduLengthInvalid:
    case Problem::ItemLengthInvalid: return Rule::PduLength;
    case Problem::ReservedNotZero: return Rule::ReservedNotZero;
    case Problem::ProtocolVersionUnsupported: return Rule::ProtocolVersion;
    case Problem::AeTitleInvalid: return Rule::AeTitle;
    case Problem::ItemUnexpected: return Rule::ItemUnexpected;
    case Problem::ItemDuplicated:
    case Problem::TransferSyntaxTooMany: return Rule::ItemRepeated;
    case Problem::ItemMissing:
    case Problem::AbstractSyntaxMissing:
    case Problem::TransferSyntaxMissing: return Rule::ItemMissing;
    case Problem::UidInvalid: return Rule::UidSyntax;
    case Problem::PresentationContextIdEven: return Rule::ContextIdEven;
    case Problem::PresentationContextIdDuplicated: return Rule::ContextIdRepeated;
    case Problem::PdvLengthInvalid: return Rule::PdvLength;
    case Problem::PdvFlagsReserved: return Rule::PdvFlags;
    case Problem::ValueOutOfRange: return Rule::ValueUndefined;
    case Problem::ElementOddLength: return Rule::ValueLengthOdd;
    case Problem::ElementPastEnd:
    case Problem::UndefinedLengthNotAllowed:
    case Problem::SequenceNotClosed:
    case Problem::DelimiterUnexpected: return Rule::ElementStructure;
    case Problem::CommandInvalid: return Rule::CommandInvalid;
    default: return Rule::Count; // the capture's (cut, gaps), the dissector's limits, or unknown types
    }
}

} // namespace dicom
