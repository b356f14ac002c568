#include "conformance/check_dimse.hpp"

#include <algorithm>


namespace dicom {

namespace {

// PS3.7's tables of each command (9.3.x, 10.3.x): the elements it must carry (M) and those it
// may (U, C). Command Group Length is mandatory in all (E.1). Every response may add the
// status's related fields: Offending Element, Error Comment, Error ID (Annex C).
struct CommandTable {
    uint16_t field;
    std::initializer_list<uint16_t> required, optional;
    int8_t data_set; // 1: must have one, 0: must not, -1: may
};

const CommandTable kTables[] = {
    {kCStoreRq, {0x0002, 0x0100, 0x0110, 0x0700, 0x0800, 0x1000}, {0x1030, 0x1031}, 1},
    {kCStoreRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002, 0x1000}, 0},
    {kCFindRq, {0x0002, 0x0100, 0x0110, 0x0700, 0x0800}, {}, 1},
    {kCFindRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002}, -1},
    {kCGetRq, {0x0002, 0x0100, 0x0110, 0x0700, 0x0800}, {}, 1},
    {kCGetRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002, 0x1020, 0x1021, 0x1022, 0x1023}, -1},
    {kCMoveRq, {0x0002, 0x0100, 0x0110, 0x0600, 0x0700, 0x0800}, {}, 1},
    {kCMoveRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002, 0x1020, 0x1021, 0x1022, 0x1023}, -1},
    {kCEchoRq, {0x0002, 0x0100, 0x0110, 0x0800}, {}, 0},
    {kCEchoRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002}, 0},
    {kCCancelRq, {0x0100, 0x0120, 0x0800}, {}, 0},
    {kNEventReportRq, {0x0002, 0x0100, 0x0110, 0x0800, 0x1000, 0x1002}, {}, -1},
    {kNEventReportRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002, 0x1000, 0x1002}, -1},
    {kNGetRq, {0x0003, 0x0100, 0x0110, 0x0800, 0x1001}, {0x1005}, 0},
    {kNGetRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002, 0x1000}, -1},
    {kNSetRq, {0x0003, 0x0100, 0x0110, 0x0800, 0x1001}, {}, 1},
    {kNSetRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002, 0x1000}, -1},
    {kNActionRq, {0x0003, 0x0100, 0x0110, 0x0800, 0x1001, 0x1008}, {}, -1},
    {kNActionRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002, 0x1000, 0x1008}, -1},
    {kNCreateRq, {0x0002, 0x0100, 0x0110, 0x0800}, {0x1000}, -1},
    {kNCreateRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002, 0x1000}, -1},
    {kNDeleteRq, {0x0003, 0x0100, 0x0110, 0x0800, 0x1001}, {}, 0},
    {kNDeleteRsp, {0x0100, 0x0120, 0x0800, 0x0900}, {0x0002, 0x1000}, 0},
};

const CommandTable *table_of(uint16_t field) {
    for (const CommandTable &t : kTables)
        if (t.field == field) return &t;
    return nullptr;
}

uint16_t le16(ByteView b, size_t off) { return uint16_t(b.u8(off) | b.u8(off + 1) << 8); }
uint32_t le32(ByteView b, size_t off) { return uint32_t(le16(b, off)) | uint32_t(le16(b, off + 2)) << 16; }

bool listed(std::initializer_list<uint16_t> l, uint16_t e) { return std::find(l.begin(), l.end(), e) != l.end(); }

// AE (PS3.5 6.2): at most 16 characters of the default repertoire without backslash or control
// characters, not all spaces (leading and trailing spaces are padding)
bool is_ae_value(std::string_view v) {
    while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    if (v.empty() || v.size() > 16) return false;
    return std::all_of(v.begin(), v.end(), [](char c) { return uint8_t(c) >= 0x20 && uint8_t(c) < 0x7F && c != '\\'; });
}

std::string_view uid_value(std::string_view v) {
    if (!v.empty() && v.back() == '\0') v.remove_suffix(1); // PS3.5 9.1: one NUL pads to even length
    return v;
}

bool is_ui_element(uint16_t e) { return e == 0x0002 || e == 0x0003 || e == 0x1000 || e == 0x1001; }
bool is_ae_element(uint16_t e) { return e == 0x0600 || e == 0x1030; }

// PS3.7 Annex C and PS3.4: the statuses each service may answer with, beyond those every
// service may (success; refused: SOP class not supported, not authorized; duplicate invocation,
// unrecognized operation, mistyped argument, resource limitation; processing failure).
bool status_for_service(uint16_t s, uint16_t field) {
    switch (s) {
    case 0x0000: case 0x0110: case 0x0122: case 0x0124: case 0x0210: case 0x0211: case 0x0212: case 0x0213: return true;
    }
    const bool failure_ranges = (s >= 0xA700 && s <= 0xA7FF) || (s >= 0xA900 && s <= 0xA9FF) || (s >= 0xC000 && s <= 0xCFFF);
    switch (field) {
    case kCEchoRsp: return false;
    case kCStoreRsp: return failure_ranges || s == 0x0117 || s == 0xB000 || s == 0xB006 || s == 0xB007;
    case kCFindRsp: return failure_ranges || s == 0xFF00 || s == 0xFF01 || s == 0xFE00;
    case kCGetRsp: return failure_ranges || s == 0xFF00 || s == 0xFE00 || s == 0xB000;
    case kCMoveRsp: return failure_ranges || s == 0xFF00 || s == 0xFE00 || s == 0xB000 || s == 0xA801;
    default: // N- services: the general N- statuses and their services' own (print, commitment ...)
        return s == 0x0001 || (s >= 0x0100 && s <= 0x01FF) || (s >= 0xA000 && s <= 0xCFFF);
    }
}

// Meta SOP classes: their contexts carry the commands of several SOP classes (PS3.4 H.3, PS3.4 S)
bool is_meta_sop_class(std::string_view uid) {
    static const char *const kMeta[] = {
        "1.2.840.10008.5.1.1.9",  // Basic Grayscale Print Management Meta
        "1.2.840.10008.5.1.1.18", // Basic Color Print Management Meta
        "1.2.840.10008.5.1.1.9.1", "1.2.840.10008.5.1.1.18.1", // referenced print (retired)
        "1.2.840.10008.3.1.2.6.1", "1.2.840.10008.3.1.2.5.1", // detached management metas (retired)
        "1.2.840.10008.3.1.2.1.4", "1.2.840.10008.3.1.2.3.4",
    };
    return std::any_of(std::begin(kMeta), std::end(kMeta), [&](const char *m) { return uid == m; });
}

} // namespace

void check_command_set(ByteView b, const Command &c, const Command *request, std::vector<RuleHit> &out) {
    const CommandTable *t = c.valid ? table_of(c.field) : nullptr;
    if (!t) return;
    const uint32_t field = uint32_t(c.field) << 16;
    uint16_t present_at[64]; // the elements present (a command has a dozen): no allocation per message
    size_t n_present = 0;
    size_t off = 0, group_end = 0;
    bool group_length = false;
    while (b.size - off >= 8) {
        const uint16_t group = le16(b, off), elem = le16(b, off + 2);
        const uint32_t len = le32(b, off + 4);
        if (group != 0 || len > b.size - off - 8) break; // the parser notes what is wrong here
        const std::string_view v = b.chars(off + 8, len);
        if (n_present < 64) present_at[n_present++] = elem;
        if (elem == 0x0000 && len == 4) group_length = true, group_end = off + 12 + le32(b, off + 8);
        // a response repeats its request's UIDs: a bad one is the request's fault, judged there
        const bool repeated = request && ((elem == 0x0002 && uid_value(v) == uid_value(request->sop_class())) ||
                                          (elem == 0x1000 && uid_value(v) == uid_value(request->sop_instance())));
        if (is_ui_element(elem) && !repeated && !is_valid_uid(uid_value(v))) out.push_back({Rule::UiValue, elem});
        if (is_ae_element(elem) && !is_ae_value(v)) out.push_back({Rule::AeValue, elem});
        off += 8 + size_t(len);
    }
    if (group_length && group_end != off) out.push_back({Rule::GroupLength, 0x0000});
    const uint16_t *present = present_at, *present_end = present_at + n_present;
    for (uint16_t e : t->required)
        if (std::find(present, present_end, e) == present_end)
            out.push_back({Rule::CommandElementMissing, field | e});
    if (!group_length) out.push_back({Rule::CommandElementMissing, field | 0x0000});
    for (const uint16_t *p = present; p != present_end; ++p) {
        const uint16_t e = *p;
        const bool status_related = is_response(c.field) && (e == 0x0901 || e == 0x0902 || e == 0x0903);
        if (e != 0x0000 && !listed(t->required, e) && !listed(t->optional, e) && !status_related)
            out.push_back({Rule::CommandElementNotAllowed, field | e});
    }
    if ((t->data_set == 1 && !c.has_data_set()) || (t->data_set == 0 && c.has_data_set()))
        out.push_back({Rule::DataSetType, field | uint32_t(c.has_data_set())});
    if (listed(t->required, 0x0700) && std::find(present, present_end, 0x0700) != present_end && c.priority > 2)
        out.push_back({Rule::Priority, c.priority});
}

void check_command_context(const Command &c, std::string_view abstract_syntax, std::vector<RuleHit> &out) {
    if (!c.valid || abstract_syntax.empty() || c.field == kCCancelRq) return;
    // a response names its request's class (checked against the request); a request must match
    if (is_response(c.field)) return;
    const std::string_view cls = uid_value(c.sop_class());
    if (cls.empty() || cls == uid_value(abstract_syntax) || is_meta_sop_class(uid_value(abstract_syntax))) return;
    out.push_back({Rule::SopClassNotContext, uint32_t(c.field) << 16});
}

void check_status(const Command &rsp, std::vector<RuleHit> &out) {
    if (rsp.valid && is_response(rsp.field) && rsp.has_status && !status_for_service(rsp.status, rsp.field))
        out.push_back({Rule::StatusNotForService, uint32_t(rsp.field) << 16 | rsp.status});
}

void check_response(const Command &rsp, const Command &rq, const Command *previous, std::vector<RuleHit> &out) {
    if (!rsp.valid || !rq.valid || rsp.field == kCCancelRq) return;
    const std::string_view rsp_class = uid_value(rsp.affected_sop_class), rq_class = uid_value(rq.sop_class());
    const std::string_view rsp_inst = uid_value(rsp.affected_sop_instance), rq_inst = uid_value(rq.sop_instance());
    if ((!rsp_class.empty() && !rq_class.empty() && rsp_class != rq_class) ||
        (!rsp_inst.empty() && !rq_inst.empty() && rsp_inst != rq_inst && rq.field != kNCreateRq))
        out.push_back({Rule::ResponseSopMismatch, uint32_t(rsp.field) << 16});
    if (rsp.field != kCGetRsp && rsp.field != kCMoveRsp) return;
    // a final success reports no failed or warning sub-operations (PS3.4 C.4.2.1.4, C.4.3.1.4)
    bool bad = rsp.status == 0x0000 && ((rsp.has_failed && rsp.failed) || (rsp.has_warning && rsp.warning));
    // done sub-operations never go back between responses of one retrieve
    if (previous && previous->has_completed && rsp.has_completed && previous->has_failed && rsp.has_failed &&
        previous->has_warning && rsp.has_warning &&
        uint32_t(rsp.completed) + rsp.failed + rsp.warning < uint32_t(previous->completed) + previous->failed + previous->warning)
        bad = true;
    if (bad) out.push_back({Rule::SuboperationCounts, uint32_t(rsp.field) << 16});
}

void OutstandingRequests::request(bool from_requestor, uint16_t id, std::vector<RuleHit> &out) {
    auto &open = open_[from_requestor];
    if (overflowed_[from_requestor]) return;
    auto it = open.find(id);
    if (it != open.end()) {
        out.push_back({Rule::MessageIdInUse, id});
        if (it->second < 255) ++it->second; // each of them may still be answered
        return;
    }
    if (open.size() >= kCap) {
        overflowed_[from_requestor] = true;
        open.clear();
        return;
    }
    open[id] = 1;
    const uint16_t window = window_[from_requestor];
    if (window && open.size() > window) out.push_back({Rule::OutstandingBeyondWindow, uint32_t(open.size())});
}

void OutstandingRequests::response(bool from_requestor, uint16_t id, bool final, std::vector<RuleHit> &out) {
    auto &open = open_[!from_requestor]; // it answers the other side's requests
    if (overflowed_[!from_requestor]) return;
    auto it = open.find(id);
    if (it == open.end()) {
        out.push_back({Rule::ResponseWithoutRequest, id});
        return;
    }
    if (final && --it->second == 0) open.erase(it);
}

} // namespace dicom
