#include "dimse/dimse.hpp"

#include <cstdio>

#include "dataset/dictionary.hpp"
#include "dataset/values.hpp"

namespace dicom {

const CodeName kCommandFields[] = {
    {kCStoreRq, "C-STORE-RQ"}, {kCStoreRsp, "C-STORE-RSP"}, {kCGetRq, "C-GET-RQ"},
    {kCGetRsp, "C-GET-RSP"}, {kCFindRq, "C-FIND-RQ"}, {kCFindRsp, "C-FIND-RSP"},
    {kCMoveRq, "C-MOVE-RQ"}, {kCMoveRsp, "C-MOVE-RSP"}, {kCEchoRq, "C-ECHO-RQ"},
    {kCEchoRsp, "C-ECHO-RSP"}, {kNEventReportRq, "N-EVENT-REPORT-RQ"},
    {kNEventReportRsp, "N-EVENT-REPORT-RSP"}, {kNGetRq, "N-GET-RQ"}, {kNGetRsp, "N-GET-RSP"},
    {kNSetRq, "N-SET-RQ"}, {kNSetRsp, "N-SET-RSP"}, {kNActionRq, "N-ACTION-RQ"},
    {kNActionRsp, "N-ACTION-RSP"}, {kNCreateRq, "N-CREATE-RQ"}, {kNCreateRsp, "N-CREATE-RSP"},
    {kNDeleteRq, "N-DELETE-RQ"}, {kNDeleteRsp, "N-DELETE-RSP"}, {kCCancelRq, "C-CANCEL-RQ"},
    {0, nullptr}};
const CodeName kPriorities[] = {{0x0000, "MEDIUM"}, {0x0001, "HIGH"}, {0x0002, "LOW"}, {0, nullptr}};
const CodeName kStatusCategories[] = {
    {uint32_t(StatusCategory::Success), "Success"}, {uint32_t(StatusCategory::Warning), "Warning"},
    {uint32_t(StatusCategory::Failure), "Failure"}, {uint32_t(StatusCategory::Cancel), "Cancel"},
    {uint32_t(StatusCategory::Pending), "Pending"}, {0, nullptr}};

StatusCategory status_category(uint16_t s) {
    if (s == 0x0000) return StatusCategory::Success;
    if (s == 0xFE00) return StatusCategory::Cancel;
    if (s == 0xFF00 || s == 0xFF01) return StatusCategory::Pending;
    if (s == 0x0001 || s == 0x0107 || s == 0x0116 || (s >= 0xB000 && s <= 0xBFFF))
        return StatusCategory::Warning;
    return StatusCategory::Failure;
}

const char *status_meaning(uint16_t s, uint16_t field) {
    const uint16_t rq = field & 0x7FFF;
    const bool retrieve = rq == kCMoveRq || rq == kCGetRq;
    switch (s) { // PS3.7 Annex C (general) and PS3.4 (service specific)
    case 0x0000: return "Success";
    case 0x0001: return "Requested optional attributes are not supported";
    case 0x0105: return "No such attribute";
    case 0x0106: return "Invalid attribute value";
    case 0x0107: return "Attribute list error";
    case 0x0110: return "Processing failure";
    case 0x0111: return "Duplicate SOP instance";
    case 0x0112: return "No such SOP instance";
    case 0x0113: return "No such event type";
    case 0x0114: return "No such argument";
    case 0x0115: return "Invalid argument value";
    case 0x0116: return "Attribute value out of range";
    case 0x0117: return "Invalid object instance";
    case 0x0118: return "No such SOP class";
    case 0x0119: return "Class-instance conflict";
    case 0x0120: return "Missing attribute";
    case 0x0121: return "Missing attribute value";
    case 0x0122: return "Refused: SOP class not supported";
    case 0x0123: return "No such action";
    case 0x0124: return "Refused: not authorized";
    case 0x0210: return "Duplicate invocation";
    case 0x0211: return "Unrecognized operation";
    case 0x0212: return "Mistyped argument";
    case 0x0213: return "Resource limitation";
    case 0xA700: return "Refused: out of resources";
    case 0xA701: return "Refused: out of resources - unable to calculate number of matches";
    case 0xA702: return "Refused: out of resources - unable to perform sub-operations";
    case 0xA801: return "Refused: move destination unknown";
    case 0xA900: return rq == kCStoreRq ? "Error: data set does not match SOP class"
                                        : "Identifier does not match SOP class";
    case 0xB000: return retrieve ? "Sub-operations complete - one or more failures or warnings"
                                 : "Coercion of data elements";
    case 0xB006: return "Elements discarded";
    case 0xB007: return "Data set does not match SOP class";
    case 0xFE00: return retrieve ? "Sub-operations terminated due to cancel" : "Matching terminated due to cancel";
    case 0xFF00: return retrieve ? "Sub-operations are continuing" : "Matches are continuing";
    case 0xFF01: return "Matches are continuing - warning that one or more optional keys were not supported";
    }
    if (s >= 0xA700 && s <= 0xA7FF) return "Refused: out of resources";
    if (s >= 0xA900 && s <= 0xA9FF) return "Error: data set does not match SOP class";
    if (s >= 0xC000 && s <= 0xCFFF)
        return rq == kCStoreRq ? "Error: cannot understand"
                               : retrieve ? "Failed: unable to process" : "Failed: unable to process";
    return nullptr;
}

std::string status_text(uint16_t status, uint16_t command_field) {
    if (status == 0x0000) return "Success";
    const char *category = code_name(kStatusCategories, uint32_t(status_category(status)));
    char code[16];
    snprintf(code, sizeof code, "0x%04X", status);
    const char *meaning = status_meaning(status, command_field);
    std::string s = category ? category : "Status";
    if (meaning) s += std::string(": ") + meaning + " (" + code + ")";
    else s += std::string(" (") + code + ")";
    return s;
}

namespace {

// What one element of a command set says (PS3.7 E.1), as far as the plugin shows it.
void apply_command_element(uint32_t tag, uint16_t vr, std::string_view v, Command &c) {
    auto u16 = [&](uint16_t &dst) {
        if (v.size() < 2) return false;
        dst = uint16_t(uint8_t(v[0]) | uint8_t(v[1]) << 8);
        return true;
    };
    auto text = [&](std::string &dst) { dst.assign(first_value(vr, v)); };
    switch (tag) {
    case kTagCommandField: c.valid = u16(c.field); break;
    case kTagMessageId: c.has_message_id = u16(c.message_id); break;
    case kTagMessageIdRsp: c.has_message_id_rsp = u16(c.message_id_rsp); break;
    case kTagPriority: u16(c.priority); break;
    case kTagDataSetType: u16(c.data_set_type); break;
    case kTagStatus: c.has_status = u16(c.status); break;
    case kTagAffectedSopClass: text(c.affected_sop_class); break;
    case kTagRequestedSopClass: text(c.extra().requested_sop_class); break;
    case kTagAffectedSopInstance: text(c.affected_sop_instance); break;
    case kTagRequestedSopInstance: text(c.extra().requested_sop_instance); break;
    case kTagMoveDestination: text(c.extra().move_destination); break;
    case kTagMoveOriginatorAe: text(c.extra().move_originator_ae); break;
    case kTagErrorComment: text(c.extra().error_comment); break;
    case kTagMoveOriginatorId: c.has_move_originator_id = u16(c.move_originator_id); break;
    case kTagRemaining: c.has_remaining = u16(c.remaining); break;
    case kTagCompleted: c.has_completed = u16(c.completed); break;
    case kTagFailed: c.has_failed = u16(c.failed); break;
    case kTagWarning: c.has_warning = u16(c.warning); break;
    case kTagEventTypeId: c.has_event_type = u16(c.event_type_id); break;
    case kTagActionTypeId: c.has_action_type = u16(c.action_type_id); break;
    }
}

} // namespace

void extract_command(const DataSet &cs, Command &c) {
    for (const Element &e : cs.elements) {
        if (e.depth != 0 || e.kind != ElementKind::Value || (e.tag >> 16) != 0) continue;
        apply_command_element(e.tag, e.vr, cs.value(e), c);
    }
    c.has_suboperations = c.has_remaining || c.has_completed || c.has_failed || c.has_warning;
}

bool read_plain_command(ByteView b, Command &out) {
    constexpr uint32_t kPlainValue = 1024; // longer values (never in a real command) take the walk
    Command c;
    size_t off = 0;
    while (off < b.size) {
        if (b.size - off < 8) return false;
        const uint32_t tag = uint32_t(b.u8(off + 1) << 8 | b.u8(off)) << 16 | uint32_t(b.u8(off + 3) << 8 | b.u8(off + 2));
        const uint32_t len = uint32_t(b.u8(off + 7)) << 24 | uint32_t(b.u8(off + 6)) << 16 |
                             uint32_t(b.u8(off + 5)) << 8 | b.u8(off + 4);
        if ((tag >> 16) != 0 || (len & 1) || len > kPlainValue || len > b.size - off - 8) return false;
        apply_command_element(tag, implicit_vr(tag), b.chars(off + 8, len), c);
        off += 8 + size_t(len);
    }
    c.has_suboperations = c.has_remaining || c.has_completed || c.has_failed || c.has_warning;
    out = std::move(c);
    return true;
}

} // namespace dicom
