#include "session/validate.hpp"

#include "conformance/check_iod.hpp"
#include "conformance/check_values.hpp"
#include "session/association.hpp"
#include "ul/control_pdus.hpp"

namespace dicom {

void ConformanceState::count(const Violation &v) {
    ++total;
    for (ViolationSummary &s : summaries)
        if (s.rule == v.rule && s.party == v.party) {
            ++s.count;
            return;
        }
    summaries.push_back(ViolationSummary{v.rule, v.party, 1, v.frame, v.value});
}

namespace {

bool class_enabled(const Association &a, Rule r) {
    const ValidationSettings &s = a.conformance.settings;
    if (!s.enabled) return false;
    const RuleClass c = rule_info(r).rule_class;
    return s.data_sets || (c != RuleClass::Encoding && c != RuleClass::Iod);
}

// The capture holds every byte `party` sent so far (and none is still awaited): its own acts
// can be judged.
bool sender_seen_whole(const Association &a, Party party) {
    return party == Party::Requestor ? !a.missed_from_requestor && !a.pending_from_requestor
                                     : !a.missed_from_acceptor && !a.pending_from_acceptor;
}

// ... and every byte of the other side too, in an order the capture can be trusted with: what
// one side did can be judged against what the other did before it.
bool both_seen_in_order(const Association &a) {
    return sender_seen_whole(a, Party::Requestor) && sender_seen_whole(a, Party::Acceptor) && !a.mirror_noted;
}

void raise(Association &a, const Violation &v, std::vector<Violation> &out) {
    if (!class_enabled(a, v.rule)) return;
    a.conformance.count(v);
    out.push_back(v);
}

// Rules whose judgement needs the other side's PDUs in the right order.
bool needs_both_sides(Rule r) {
    switch (r) {
    case Rule::PdataBeforeAssociateAc:
    case Rule::PduAfterAssociateRj:
    case Rule::ReleaseRpWithoutRq:
    case Rule::ReleaseBeforeAssociateAc: return true;
    default: return false;
    }
}

} // namespace

void validate_pdu_order(Association &a, int from_requestor, uint8_t type, uint32_t length_field, uint32_t frame,
                        double time, std::vector<Violation> &out, std::vector<Diagnostic> &found) {
    if (from_requestor < 0) return; // roles not proven: no order can be judged
    ConformanceState &c = a.conformance;
    const Party party = from_requestor ? Party::Requestor : Party::Acceptor;
    // the state is known from the A-ASSOCIATE-RQ on, when it opens the association
    if (type == kAssociateRq && !a.from_requestor.pdus && !a.from_acceptor.pdus) c.ul_from_start = true;
    if (c.ul_from_start && !c.ul_diverged) {
        const RuleHit h = check_pdu_order(c.ul, from_requestor == 1, type);
        if (h.rule != Rule::Count) {
            // the diagnosis' summary: the first error of the state machine, at the code's rules of evidence
            bool shown = false;
            if (rule_info(h.rule).severity == Severity::Error && !a.protocol_state_reported) {
                a.protocol_state_reported = shown = true;
                a.raise(Diagnostic{DiagCode::ProtocolViolation, party, frame, time, double(type),
                                   uint32_t(ViolationKind::PduOutOfState)},
                        found);
            }
            const bool proven = needs_both_sides(h.rule) ? both_seen_in_order(a) : sender_seen_whole(a, party);
            if (proven) raise(a, Violation{h.rule, party, frame, h.value, nullptr, shown}, out);
            // the peers' state machines now differ: what follows is its consequence, not judged
            c.ul_diverged = true;
        }
    }
    if (type == kPData && a.ac_frame && sender_seen_whole(a, party)) {
        const uint32_t max = from_requestor ? a.max_pdu_acceptor : a.max_pdu_requestor;
        if (max && length_field > max) raise(a, Violation{Rule::MaxLengthExceeded, party, frame, length_field, nullptr, true}, out); // max_pdu_exceeded
    }
}

void validate_associate(Association &a, const Associate &pdu, int from_requestor, uint32_t frame,
                        std::vector<Violation> &out) {
    if (from_requestor < 0) return;
    const Party party = from_requestor ? Party::Requestor : Party::Acceptor;
    if (!sender_seen_whole(a, party)) return;
    std::vector<RuleHit> hits;
    for (const Finding &f : pdu.findings) {
        const Rule r = rule_for_problem(f.what);
        if (r != Rule::Count) hits.push_back({r, 0, true});
    }
    if (pdu.pdu_type == kAssociateRq) check_associate_rq(pdu, a.conformance.proposed, hits);
    else check_associate_ac(pdu, a.conformance.proposed, hits);
    for (const RuleHit &h : hits) raise(a, Violation{h.rule, party, frame, h.value, nullptr, h.from_problem}, out);
    if (pdu.pdu_type == kAssociateAc) {
        const UserInfoEntry *w = pdu.find_sub(0x53);
        a.conformance.outstanding.set_window(w && w->decoded ? w->invoked : 1, w && w->decoded ? w->performed : 1);
    }
}

void validate_control(Association &a, const ControlPdu &pdu, int from_requestor, uint32_t frame,
                      std::vector<Violation> &out) {
    if (from_requestor < 0) return;
    const Party party = from_requestor ? Party::Requestor : Party::Acceptor;
    if (!sender_seen_whole(a, party)) return;
    for (const Finding &f : pdu.findings) {
        const Rule r = rule_for_problem(f.what);
        if (r != Rule::Count) raise(a, Violation{r, party, frame, 0, nullptr, true}, out);
    }
}

void validate_pdv_context(Association &a, int from_requestor, uint8_t context_id, uint32_t frame, double time,
                          std::vector<Violation> &out, std::vector<Diagnostic> &found) {
    const Party party = party_of(from_requestor, false);
    a.raise(Diagnostic{DiagCode::ProtocolViolation, party, frame, time, double(context_id),
                       uint32_t(ViolationKind::PdvOnRejectedContext)},
            found);
    if (from_requestor >= 0 && both_seen_in_order(a))
        raise(a, Violation{Rule::PdvContextNotAccepted, party, frame, context_id, nullptr, true}, out);
}

void validate_pdv_length(Association &a, int from_requestor, uint32_t frame, double time, std::vector<Violation> &out,
                         std::vector<Diagnostic> &found) {
    const Party party = party_of(from_requestor, false);
    a.raise(Diagnostic{DiagCode::ProtocolViolation, party, frame, time, 0, uint32_t(ViolationKind::PdvLengthInvalid)},
            found);
    if (from_requestor >= 0 && sender_seen_whole(a, party)) raise(a, Violation{Rule::PdvLength, party, frame, 0, nullptr, true}, out);
}

namespace {

// The Message ID rules: over the requests both sides have outstanding, from the association's start.
void validate_message_ids(Association &a, const Message &m, std::vector<RuleHit> &hits) {
    ConformanceState &c = a.conformance;
    if (!c.ul_from_start || !a.ac_frame || !both_seen_in_order(a)) c.message_ids_judged = false;
    if (!c.message_ids_judged) return;
    const Command &cmd = m.command;
    const bool from_requestor = m.from_requestor == 1;
    if (!is_response(cmd.field)) {
        if (cmd.field != kCCancelRq && cmd.has_message_id) c.outstanding.request(from_requestor, cmd.message_id, hits);
        return;
    }
    if (!cmd.has_message_id_rsp) return;
    const bool pending = cmd.has_status && status_category(cmd.status) == StatusCategory::Pending;
    c.outstanding.response(from_requestor, cmd.message_id_rsp, !pending, hits);
}

} // namespace

void validate_message(Association &a, const Message &m, std::vector<Violation> &out) {
    if (m.incomplete() || m.from_requestor < 0 || !m.command.valid) {
        if (m.incomplete()) a.conformance.message_ids_judged = false;
        return;
    }
    const Party party = m.from_requestor ? Party::Requestor : Party::Acceptor;
    if (!sender_seen_whole(a, party)) return;
    std::vector<RuleHit> hits;
    for (const DataSetFinding &f : m.command_findings) {
        const Rule r = rule_for_problem(f.what);
        if (r != Rule::Count && !problem_is_capture(f.what)) hits.push_back({r, 0, true});
    }
    if (!m.command_bytes.empty())
        check_command_set(ByteView(reinterpret_cast<const uint8_t *>(m.command_bytes.data()), m.command_bytes.size()),
                          m.command, m.request && is_response(m.command.field) ? &m.request->command : nullptr, hits);
    const NegotiatedContext *nc = a.context(m.context_id);
    if (nc && !nc->inferred) check_command_context(m.command, nc->abstract_syntax, hits);
    check_status(m.command, hits);
    if (m.request && m.request->command.valid && is_response(m.command.field)) {
        auto &last = a.conformance.last_response;
        auto it = last.find(m.request);
        check_response(m.command, m.request->command, it == last.end() ? nullptr : &it->second->command, hits);
        const bool retrieve = m.command.field == kCGetRsp || m.command.field == kCMoveRsp;
        if (retrieve && m.request->final_response != &m && last.size() < OutstandingRequests::kCap) last[m.request] = &m;
        else if (it != last.end()) last.erase(it);
    }
    validate_message_ids(a, m, hits);
    if (m.has_data && !m.syntax_inferred && m.command.field == kCStoreRq && class_enabled(a, Rule::IodType1Missing))
        check_iod(m.command.affected_sop_class, m.data_set, hits);
    if (m.has_data && !m.syntax_inferred && class_enabled(a, Rule::ValueFormat))
        check_data_set_values(m.data_set, m.command.field == kCStoreRq, hits);
    if (m.has_data && !m.syntax_inferred)
        for (const DataSetFinding &f : m.data_set.findings) {
            const Rule r = rule_for_problem(f.what);
            if (r != Rule::Count && !problem_is_capture(f.what) && hits.size() < 64)
                hits.push_back({r, 0, true});
        }
    // one violation per rule and value in a message: a data set with a hundred odd lengths is one
    for (size_t i = 0; i < hits.size(); ++i) {
        bool repeated = false;
        for (size_t j = 0; j < i && !repeated; ++j) repeated = hits[j].rule == hits[i].rule && hits[j].value == hits[i].value;
        if (!repeated) raise(a, Violation{hits[i].rule, party, m.complete_frame, hits[i].value, &m, hits[i].from_problem}, out);
    }
}

} // namespace dicom
