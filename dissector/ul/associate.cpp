#include "ul/associate.hpp"

#include "ul/ul_codes.hpp"
#include "ul/pdu.hpp"

#include <bitset>

namespace dicom {
namespace {

struct Parser {
    ByteView b;
    Findings &findings;

    // Hostile PDUs can hold thousands of broken items: report the first ones only.
    void note(Problem p, Span s) {
        if (findings.size() < kMaxFindings) findings.push_back({p, s});
    }
    static constexpr size_t kMaxFindings = 256;
    static constexpr size_t kMaxEntries = 1024;
    void note(Problem p, uint32_t off, uint32_t len) { note(p, Span{off, len}); }

    // Reads an item header at `off` within [off, end). Clamps a lying length to `end` and
    // records it. Returns false when not even the 4-byte header fits.
    bool read_item(uint32_t off, uint32_t end, Item &it) {
        if (end - off < 4) {
            note(Problem::ItemLengthInvalid, off, end - off);
            return false;
        }
        it.type = b.u8(off);
        it.reserved = b.u8(off + 1);
        it.length = b.be16(off + 2);
        uint32_t body_len = it.length;
        if (body_len > end - off - 4) {
            note(Problem::ItemLengthInvalid, off + 2, 2);
            body_len = end - off - 4;
        }
        it.body = Span{off + 4, body_len};
        it.where = Span{off, 4 + body_len};
        return true;
    }

    UidField uid_at(Span s, bool check = true) {
        UidField u{s, trim_padding(b.chars(s.off, s.len))};
        if (check && !is_valid_uid(u.value)) note(Problem::UidInvalid, s);
        return u;
    }

    // A 2-byte length followed by that many bytes, inside [off, end).
    bool counted(uint32_t &off, uint32_t end, Span &value) {
        if (end - off < 2) return false;
        uint32_t n = b.be16(off);
        if (n > end - off - 2) return false;
        value = Span{off + 2, n};
        off += 2 + n;
        return true;
    }

    void presentation_context(const Item &it, bool in_rq, PresentationContext &pc);
    void user_information(const Item &it, UserInformation &ui);
    void user_info_entry(UserInfoEntry &e);
    void role_selection(UserInfoEntry &e, uint32_t off, uint32_t end);
    void common_extended_negotiation(UserInfoEntry &e, uint32_t off, uint32_t end);
    void user_identity_rq(UserInfoEntry &e, uint32_t off, uint32_t end);
};

void Parser::presentation_context(const Item &it, bool in_rq, PresentationContext &pc) {
    pc.item = it;
    if (it.body.len < 4) {
        note(Problem::ItemLengthInvalid, it.where);
        return;
    }
    uint32_t off = it.body.off;
    pc.id = b.u8(off);
    pc.result = b.u8(off + 2);
    if (pc.id % 2 == 0) note(Problem::PresentationContextIdEven, off, 1);
    if (!in_rq && pc.result > kTransferSyntaxesNotSupported)
        note(Problem::ValueOutOfRange, off + 2, 1);
    uint32_t end = it.body.end();
    off += 4;
    while (off < end) {
        Item sub;
        if (!read_item(off, end, sub)) break;
        off = sub.where.end();
        if (sub.type == kItemAbstractSyntax) {
            if (pc.has_abstract) note(Problem::ItemDuplicated, sub.where);
            if (!in_rq) note(Problem::ItemUnexpected, sub.where);
            pc.has_abstract = true;
            pc.abstract_item = sub;
            pc.abstract_syntax = uid_at(sub.body);
        } else if (sub.type == kItemTransferSyntax) {
            pc.transfer_items.push_back(sub);
            pc.transfer_syntaxes.push_back(uid_at(sub.body));
        } else {
            note(Problem::ItemUnexpected, sub.where);
            pc.other_items.push_back(sub);
        }
    }
    if (in_rq && !pc.has_abstract) note(Problem::AbstractSyntaxMissing, it.where);
    bool accepted = !in_rq && pc.result == kAcceptance;
    if ((in_rq || accepted) && pc.transfer_syntaxes.empty())
        note(Problem::TransferSyntaxMissing, it.where);
    if (!in_rq && pc.transfer_syntaxes.size() > 1)
        note(Problem::TransferSyntaxTooMany, it.where);
}

// SCP/SCU Role Selection (PS3.7 D.3.3.4).
void Parser::role_selection(UserInfoEntry &e, uint32_t off, uint32_t end) {
    Span uid;
    if (!counted(off, end, uid) || end - off != 2) return;
    e.uid = uid_at(uid);
    e.scu_at = Span{off, 1};
    e.scp_at = Span{off + 1, 1};
    e.scu_role = b.u8(off);
    e.scp_role = b.u8(off + 1);
    if (e.scu_role > 1) note(Problem::ValueOutOfRange, e.scu_at);
    if (e.scp_role > 1) note(Problem::ValueOutOfRange, e.scp_at);
    e.decoded = true;
}

// SOP Class Common Extended Negotiation (PS3.7 D.3.3.6): SOP class, service class, related classes.
void Parser::common_extended_negotiation(UserInfoEntry &e, uint32_t off, uint32_t end) {
    Span sop, service, related;
    if (!counted(off, end, sop) || !counted(off, end, service) || !counted(off, end, related) || off != end) return;
    e.uid = uid_at(sop);
    e.service_class = uid_at(service);
    uint32_t r = related.off;
    while (r < related.end()) {
        Span one;
        if (!counted(r, related.end(), one)) {
            note(Problem::ItemLengthInvalid, r, related.end() - r);
            break;
        }
        e.related.push_back(uid_at(one));
    }
    e.decoded = true;
}

// User Identity Negotiation, request (PS3.7 D.3.3.7.1).
void Parser::user_identity_rq(UserInfoEntry &e, uint32_t off, uint32_t end) {
    const uint32_t start = off;
    if (end - off < 2) return;
    e.identity_type = b.u8(off);
    e.response_requested = b.u8(off + 1);
    off += 2;
    if (!counted(off, end, e.primary) || !counted(off, end, e.secondary) || off != end) return;
    if (e.identity_type < 1 || e.identity_type > 5) note(Problem::ValueOutOfRange, start, 1);
    e.decoded = true;
}

void Parser::user_info_entry(UserInfoEntry &e) {
    const Span body = e.item.body;
    uint32_t off = body.off, end = body.end();
    switch (e.item.type) {
    case kSubMaxLength:
        if (body.len != 4) break;
        e.max_length = b.be32(off);
        e.decoded = true;
        break;
    case kSubImplementationClassUid:
        e.uid = uid_at(body);
        e.decoded = true;
        break;
    case kSubImplementationVersionName:
        e.text_where = body;
        e.text = trim_padding(b.chars(body.off, body.len));
        e.decoded = body.len >= 1 && body.len <= 16;
        break;
    case kSubAsyncOperationsWindow:
        if (body.len != 4) break;
        e.invoked = b.be16(off);
        e.performed = b.be16(off + 2);
        e.decoded = true;
        break;
    case kSubRoleSelection: role_selection(e, off, end); break;
    case kSubSopClassExtendedNegotiation: {
        Span uid;
        if (!counted(off, end, uid)) break;
        e.uid = uid_at(uid);
        e.app_info = Span{off, end - off};
        e.decoded = true;
        break;
    }
    case kSubSopClassCommonExtendedNegotiation: common_extended_negotiation(e, off, end); break;
    case kSubUserIdentityRq: user_identity_rq(e, off, end); break;
    case kSubUserIdentityAc:
        if (!counted(off, end, e.server_response) || off != end) break;
        e.decoded = true;
        break;
    default:
        note(Problem::ItemTypeUnknown, e.item.where);
        return;
    }
    if (!e.decoded) note(Problem::ItemLengthInvalid, e.item.where);
}

void Parser::user_information(const Item &it, UserInformation &ui) {
    ui.item = it;
    uint32_t off = it.body.off, end = it.body.end();
    uint32_t seen = 0; // bit per sub-item type 0x51..0x59 that must appear at most once
    while (off < end) {
        UserInfoEntry e;
        if (!read_item(off, end, e.item)) break;
        off = e.item.where.end();
        user_info_entry(e);
        uint8_t t = e.item.type;
        bool once = t >= kSubMaxLength && t <= kSubUserIdentityAc && t != kSubRoleSelection &&
                    t != kSubSopClassExtendedNegotiation &&
                    t != kSubSopClassCommonExtendedNegotiation;
        if (once) {
            uint32_t bit = 1u << (t - kSubMaxLength);
            if (seen & bit) note(Problem::ItemDuplicated, e.item.where);
            seen |= bit;
        }
        if (ui.entries.size() >= kMaxEntries) {
            note(Problem::ItemLengthInvalid, Span{e.item.where.off, end - e.item.where.off});
            break;
        }
        ui.entries.push_back(std::move(e));
    }
    if (!(seen & (1u << (kSubMaxLength - kSubMaxLength))))
        note(Problem::ItemMissing, it.where.off, 4);
}

} // namespace

const UserInfoEntry *Associate::find_sub(uint8_t type) const {
    if (!has_user_info) return nullptr;
    for (const UserInfoEntry &e : user_info.entries)
        if (e.item.type == type && e.decoded) return &e;
    return nullptr;
}

bool parse_associate(ByteView pdu, Associate &out) {
    if (!pdu.has(0, kPduHeaderLen + kAssociateFixedLen)) return false;
    Parser p{pdu, out.findings};
    out.pdu_type = pdu.u8(0);
    out.pdu_length = pdu.be32(2);
    const bool in_rq = out.pdu_type == kAssociateRq;
    uint64_t declared_end = uint64_t(kPduHeaderLen) + out.pdu_length;
    uint32_t end = uint32_t(declared_end < pdu.size ? declared_end : pdu.size);
    if (declared_end > pdu.size) p.note(Problem::PduTruncated, 2, 4);
    if (out.pdu_length < kAssociateFixedLen) {
        p.note(Problem::PduLengthInvalid, 2, 4);
        end = kPduHeaderLen + kAssociateFixedLen;
    }
    if (pdu.u8(1) != 0) p.note(Problem::ReservedNotZero, 1, 1);
    out.protocol_version = pdu.be16(6);
    if (!(out.protocol_version & 1)) p.note(Problem::ProtocolVersionUnsupported, 6, 2);
    out.called_ae = UidField{Span{10, 16}, trim_padding(pdu.chars(10, 16))};
    out.calling_ae = UidField{Span{26, 16}, trim_padding(pdu.chars(26, 16))};
    // In an AC these fields are reserved, but PS3.8 asks that the RQ values be echoed.
    if (in_rq && !is_valid_ae_title(pdu.chars(10, 16))) p.note(Problem::AeTitleInvalid, out.called_ae.where);
    if (in_rq && !is_valid_ae_title(pdu.chars(26, 16))) p.note(Problem::AeTitleInvalid, out.calling_ae.where);

    std::bitset<256> ids_seen;
    uint32_t off = kPduHeaderLen + kAssociateFixedLen;
    while (off < end) {
        Item it;
        if (!p.read_item(off, end, it)) break;
        off = it.where.end();
        switch (it.type) {
        case kItemApplicationContext:
            if (out.has_app_context) p.note(Problem::ItemDuplicated, it.where);
            out.has_app_context = true;
            out.app_context_item = it;
            out.app_context = p.uid_at(it.body);
            break;
        case kItemPresentationContextRq:
        case kItemPresentationContextAc: {
            bool expected = (it.type == kItemPresentationContextRq) == in_rq;
            if (!expected) p.note(Problem::ItemUnexpected, it.where);
            if (out.contexts.size() >= 256) { // IDs are one byte: more cannot be meaningful
                p.note(Problem::PresentationContextIdDuplicated, it.where);
                break;
            }
            PresentationContext pc;
            p.presentation_context(it, it.type == kItemPresentationContextRq, pc);
            if (pc.item.body.len >= 4) {
                if (ids_seen.test(pc.id))
                    p.note(Problem::PresentationContextIdDuplicated, it.body.off, 1);
                ids_seen.set(pc.id);
            }
            out.contexts.push_back(std::move(pc));
            break;
        }
        case kItemUserInformation:
            if (out.has_user_info) { // only the first one is decoded
                p.note(Problem::ItemDuplicated, it.where);
                out.other_items.push_back(it);
                break;
            }
            out.has_user_info = true;
            p.user_information(it, out.user_info);
            break;
        default:
            p.note(item_type_name(it.type) ? Problem::ItemUnexpected : Problem::ItemTypeUnknown,
                   it.where);
            out.other_items.push_back(it);
        }
    }
    Span fixed_end{kPduHeaderLen, kAssociateFixedLen};
    if (!out.has_app_context) p.note(Problem::ItemMissing, fixed_end);
    if (out.contexts.empty()) p.note(Problem::ItemMissing, fixed_end);
    if (!out.has_user_info) p.note(Problem::ItemMissing, fixed_end);
    return true;
}

bool read_associate_titles(ByteView head, std::string &called, std::string &calling) {
    constexpr uint32_t kTitlesEnd = 42; // header 6, version 2, reserved 2, called 16, calling 16
    if (head.size < kTitlesEnd || head.u8(0) != kAssociateRq) return false;
    called.assign(trim_padding(head.chars(10, 16)));
    calling.assign(trim_padding(head.chars(26, 16)));
    return true;
}

} // namespace dicom
