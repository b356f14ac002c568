#include "conformance/check_pdus.hpp"

#include <algorithm>

#include "ul/ul_codes.hpp"

namespace dicom {

RuleHit check_pdu_order(UlWireState &s, bool from_requestor, uint8_t type) {
    UlSideSent &me = s.side[from_requestor], &peer = s.side[!from_requestor];
    const UlSideSent &acceptor = s.side[0];
    RuleHit h;
    // a side that aborted, or that answered the release, has left the association (Sta1, Sta13)
    if (me.abort && type != kAbort) h = {Rule::PduAfterOwnAbort, type};
    else if (acceptor.rejected) h = {Rule::PduAfterAssociateRj, type};
    else if (me.release_rp && type != kAbort) h = {Rule::PduAfterReleaseRp, type};
    else switch (type) {
    case kAssociateAc:
    case kAssociateRj:
        if (from_requestor) h = {Rule::AssociateAnswerFromRequestor, type};
        else if (me.associate_answer) h = {Rule::AssociateAnswerRepeated, type};
        me.associate_answer = true;
        me.rejected = type == kAssociateRj && !from_requestor;
        break;
    case kPData:
        if (!acceptor.associate_answer) h = {Rule::PdataBeforeAssociateAc, type};
        else if (me.release_rq) h = {Rule::PdataAfterOwnReleaseRq, type};
        break;
    case kReleaseRq:
        if (!acceptor.associate_answer) h = {Rule::ReleaseBeforeAssociateAc, type};
        else if (me.release_rq) h = {Rule::ReleaseRqRepeated, type};
        me.release_rq = true;
        break;
    case kReleaseRp:
        if (!peer.release_rq) h = {Rule::ReleaseRpWithoutRq, type};
        me.release_rp = true;
        break;
    case kAbort: me.abort = true; break;
    default: break;
    }
    return h;
}

namespace {

constexpr const char *kDicomApplicationContext = "1.2.840.10008.3.1.1.1";

// ISO 646 G0 graphic characters and space, 1 to 16 of them (PS3.7 D.3.3.2.3)
bool is_version_name(std::string_view v) {
    if (v.empty() || v.size() > 16) return false;
    return std::all_of(v.begin(), v.end(), [](char c) { return uint8_t(c) >= 0x20 && uint8_t(c) < 0x7F; });
}

// The user information sub-items every A-ASSOCIATE-RQ and -AC carries (PS3.8 D.1, PS3.7 D.3.3.2).
void check_user_information(const Associate &a, std::vector<RuleHit> &out) {
    if (a.has_app_context && a.app_context.value != kDicomApplicationContext) out.push_back({Rule::ApplicationContext, 0});
    if (!a.has_user_info) return; // the parser notes the missing item (pdu.item_missing)
    if (!a.find_sub(0x51)) out.push_back({Rule::MaxLengthMissing, 0});
    if (!a.find_sub(0x52)) out.push_back({Rule::ImplementationClassUidMissing, 0});
    const UserInfoEntry *v = a.find_sub(0x55);
    if (v && v->decoded && !is_version_name(v->text)) out.push_back({Rule::ImplementationVersionName, 0});
}

} // namespace

void check_associate_rq(const Associate &rq, ProposedNegotiation &p, std::vector<RuleHit> &out) {
    check_user_information(rq, out);
    p = ProposedNegotiation();
    p.seen = true;
    for (const PresentationContext &pc : rq.contexts) {
        ProposedNegotiation::Context c;
        c.id = pc.id;
        for (const UidField &ts : pc.transfer_syntaxes) c.transfer_syntaxes.emplace_back(ts.value);
        if (p.contexts.size() < 256) p.contexts.push_back(std::move(c));
    }
    for (const UserInfoEntry &e : rq.user_info.entries) {
        if (e.item.type == 0x53 && e.decoded) p.async_window = true;
        if (e.item.type == 0x54 && e.decoded && p.roles.size() < 256)
            p.roles.push_back({std::string(e.uid.value), e.scu_role, e.scp_role});
    }
}

void check_associate_ac(const Associate &ac, ProposedNegotiation &p, std::vector<RuleHit> &out) {
    check_user_information(ac, out);
    if (!p.seen) return; // the proposals are not in the capture: nothing to answer against
    for (const PresentationContext &pc : ac.contexts) {
        auto c = std::find_if(p.contexts.begin(), p.contexts.end(), [&](const auto &x) { return x.id == pc.id; });
        if (c == p.contexts.end()) {
            out.push_back({Rule::ContextAnswerNotProposed, pc.id});
            continue;
        }
        c->answered = true;
        // only an acceptance names a syntax that counts (others "shall not be tested")
        if (pc.result == kAcceptance && !pc.transfer_syntaxes.empty() &&
            std::find(c->transfer_syntaxes.begin(), c->transfer_syntaxes.end(), pc.transfer_syntaxes.front().value) ==
                c->transfer_syntaxes.end())
            out.push_back({Rule::TransferSyntaxNotProposed, pc.id});
    }
    for (const auto &c : p.contexts)
        if (!c.answered) out.push_back({Rule::ContextNotAnswered, c.id});
    for (const UserInfoEntry &e : ac.user_info.entries) {
        if (e.item.type == 0x53 && e.decoded && !p.async_window) out.push_back({Rule::AsyncWindowNotProposed, 0});
        if (e.item.type != 0x54 || !e.decoded) continue;
        auto r = std::find_if(p.roles.begin(), p.roles.end(), [&](const auto &x) { return x.sop_class == e.uid.value; });
        if (r == p.roles.end()) out.push_back({Rule::RoleReplyNotProposed, 0});
        else if ((e.scu_role && !r->scu) || (e.scp_role && !r->scp)) out.push_back({Rule::RoleGrantedNotAsked, 0});
    }
    p = ProposedNegotiation(); // answered: nothing more to check against it
}

} // namespace dicom
