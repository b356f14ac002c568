#include "conformance/violation_text.hpp"

#include <cstdio>

#include "conformance/check_iod.hpp"
#include "dataset/dictionary.hpp"
#include "dimse/dimse.hpp"
#include "ul/ul_codes.hpp"

namespace dicom {

namespace {

std::string hex4(uint32_t v) {
    char b[8];
    snprintf(b, sizeof b, "%04X", v & 0xFFFF);
    return b;
}

std::string command_name(uint16_t field) {
    const char *n = code_name(kCommandFields, field);
    return n ? n : "command 0x" + hex4(field);
}

std::string element_name(uint32_t tag) {
    const DictEntry *e = find_tag(tag);
    std::string s = e ? std::string(e->name) + " " : std::string();
    return s + "(" + hex4(tag >> 16) + "," + hex4(tag) + ")";
}

} // namespace

std::string violation_text(const RuleHit &h) {
    const uint16_t field = uint16_t(h.value >> 16);
    switch (h.rule) {
    case Rule::PduAfterAssociateRj:
    case Rule::PduAfterOwnAbort:
    case Rule::PduAfterReleaseRp: {
        const char *pdu = pdu_type_name(uint8_t(h.value));
        return std::string(pdu ? pdu : "PDU") + " after " +
               (h.rule == Rule::PduAfterAssociateRj ? "the A-ASSOCIATE-RJ"
                : h.rule == Rule::PduAfterOwnAbort  ? "the sender's own A-ABORT"
                                                    : "the sender's A-RELEASE-RP");
    }
    case Rule::ContextAnswerNotProposed:
    case Rule::ContextNotAnswered:
    case Rule::PdvContextNotAccepted:
    case Rule::ContextIdEven:
    case Rule::ContextIdRepeated:
        return std::string(rule_info(h.rule).title) + (h.value ? " (ID " + std::to_string(h.value) + ")" : "");
    case Rule::TransferSyntaxNotProposed:
        return "A-ASSOCIATE-AC accepts a transfer syntax not proposed for context " + std::to_string(h.value);
    case Rule::CommandElementMissing:
        return command_name(field) + " without " + element_name(h.value & 0xFFFF);
    case Rule::CommandElementNotAllowed:
        return command_name(field) + " with " + element_name(h.value & 0xFFFF) + ", which it does not take";
    case Rule::DataSetType:
        return command_name(field) + (h.value & 1 ? " announces a data set it does not take" : " without the data set it needs");
    case Rule::Priority: return "Priority " + std::to_string(h.value) + " (PS3.7 defines 0, 1 and 2)";
    case Rule::StatusNotForService:
        return command_name(field) + " with status 0x" + hex4(h.value) + ", which the service does not define";
    case Rule::MessageIdInUse: return "Message ID " + std::to_string(h.value) + " reused while its request is outstanding";
    case Rule::ResponseWithoutRequest:
        return "Response to Message ID " + std::to_string(h.value) + ", which no outstanding request has";
    case Rule::OutstandingBeyondWindow:
        return std::to_string(h.value) + " requests outstanding; the negotiated window allows fewer";
    case Rule::GroupLength:
    case Rule::UiValue:
    case Rule::AeValue:
        return std::string(rule_info(h.rule).title) + ": " + element_name(h.value);
    case Rule::VrNotDictionary:
    case Rule::ValueFormat:
    case Rule::ValueMultiplicity: {
        const DictEntry *d = find_tag(h.value);
        if (!d) break;
        const std::string name = element_name(h.value);
        if (h.rule == Rule::VrNotDictionary) return name + " sent with a VR other than the dictionary's (" + d->vr_text + ")";
        if (h.rule == Rule::ValueFormat) return name + " holds a value that is not a valid " + d->vr_text;
        return name + " with a number of values outside its VM (" + d->vm + ")";
    }
    case Rule::CharacterSetTerm: return "Specific Character Set (0008,0005) with a term PS3.3 C.12.1.1.2 does not define";
    case Rule::CharacterRepertoire:
        return element_name(h.value) + " holds bytes that its Specific Character Set does not define";
    case Rule::IodType1Missing:
    case Rule::IodType1Empty:
    case Rule::IodType2Missing: {
        const IodAttribute *a = iod_attribute(h.value);
        const IodClass *c = iod_class_of(h.value);
        if (!a || !c) break;
        const IodAttribute *sequence = iod_parent(h.value);
        return std::string(c->name) + (h.rule == Rule::IodType1Empty ? " with " : " without ") + element_name(a->tag) +
               (h.rule == Rule::IodType1Empty ? " empty" : "") +
               (sequence ? " in an item of " + element_name(sequence->tag) : std::string()) + ", Type " +
               std::to_string(a->type) + " in the " + iod_module(*a).name + " module" +
               (a->when_present ? ", which it holds" : "");
    }
    default: break;
    }
    return rule_info(h.rule).title;
}

std::string violation_reference(const RuleHit &h) {
    if (rule_info(h.rule).rule_class == RuleClass::Iod) {
        const IodAttribute *a = iod_attribute(h.value);
        return a ? iod_module(*a).reference : rule_info(h.rule).reference;
    }
    if (h.rule != Rule::CommandElementMissing && h.rule != Rule::CommandElementNotAllowed && h.rule != Rule::DataSetType)
        return rule_info(h.rule).reference;
    // PS3.7's table of the command: 9.3.x for the C- services, 10.3.x for the N- services
    const uint16_t field = uint16_t(h.value >> 16), rq = field & 0x7FFF;
    static const struct { uint16_t rq; const char *section; } kSections[] = {
        {kCStoreRq, "9.3.1"}, {kCFindRq, "9.3.2"}, {kCGetRq, "9.3.3"}, {kCMoveRq, "9.3.4"}, {kCEchoRq, "9.3.5"},
        {kNEventReportRq, "10.3.1"}, {kNGetRq, "10.3.2"}, {kNSetRq, "10.3.3"}, {kNActionRq, "10.3.4"},
        {kNCreateRq, "10.3.5"}, {kNDeleteRq, "10.3.6"}};
    if (rq == kCCancelRq) return "PS3.7 9.3.2.3";
    for (const auto &s : kSections)
        if (s.rq == rq) return std::string("PS3.7 ") + s.section + (is_response(field) ? ".2" : ".1");
    return rule_info(h.rule).reference;
}

} // namespace dicom
