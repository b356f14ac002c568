#include "session/association.hpp"

#include <algorithm>

#include "ul/ul_codes.hpp"
#include "ul/control_pdus.hpp"
#include "ul/pdu.hpp"

namespace dicom {

NegotiatedContext &Association::context_slot(uint8_t id) {
    if (!slot_[id]) {
        contexts_.emplace_back();
        contexts_.back().id = id;
        slot_[id] = uint16_t(contexts_.size());
    }
    return contexts_[slot_[id] - 1];
}

void Association::apply_rq(const Associate &rq, uint32_t frame) {
    rq_frame = frame;
    calling_ae.assign(rq.calling_ae.value);
    called_ae.assign(rq.called_ae.value);
    if (const UserInfoEntry *max = rq.find_sub(kSubMaxLength)) {
        max_pdu_requestor = max->max_length;
        max_pdu_requestor_announced = true;
    }
    if (const UserInfoEntry *e = rq.find_sub(kSubImplementationClassUid)) requestor_class_uid.assign(e->uid.value);
    if (const UserInfoEntry *e = rq.find_sub(kSubImplementationVersionName)) requestor_version.assign(e->text);
    for (const PresentationContext &pc : rq.contexts) {
        if (pc.item.type != kItemPresentationContextRq || pc.item.body.len < 4) continue;
        NegotiatedContext &c = context_slot(pc.id);
        c.proposed_in = frame;
        c.abstract_syntax.assign(pc.abstract_syntax.value);
        if (!pc.transfer_syntaxes.empty()) c.transfer_syntax.assign(pc.transfer_syntaxes[0].value);
    }
}

void Association::apply_ac(const Associate &ac, uint32_t frame) {
    ac_frame = frame;
    if (const UserInfoEntry *max = ac.find_sub(kSubMaxLength)) {
        max_pdu_acceptor = max->max_length;
        max_pdu_acceptor_announced = true;
    }
    if (const UserInfoEntry *e = ac.find_sub(kSubImplementationClassUid)) acceptor_class_uid.assign(e->uid.value);
    if (const UserInfoEntry *e = ac.find_sub(kSubImplementationVersionName)) acceptor_version.assign(e->text);
    for (const PresentationContext &pc : ac.contexts) {
        if (pc.item.type != kItemPresentationContextAc || pc.item.body.len < 4) continue;
        NegotiatedContext &c = context_slot(pc.id);
        c.answered = true;
        c.answered_in = frame;
        c.result = pc.result;
        if (pc.result == kAcceptance && !pc.transfer_syntaxes.empty())
            c.transfer_syntax.assign(pc.transfer_syntaxes[0].value);
    }
}

void Association::apply_control(const ControlPdu &p, uint32_t frame) {
    if (p.type == kAssociateRj) {
        reject_result = p.result;
        reject_source = p.source;
        reject_reason = p.reason;
    } else if (p.type == kAbort) {
        abort_source = p.source;
        abort_reason = p.reason;
    }
    uint32_t *slot = p.type == kAssociateRj ? &rj_frame
                   : p.type == kReleaseRq   ? &release_rq_frame
                   : p.type == kReleaseRp   ? &release_rp_frame
                   : p.type == kAbort       ? &abort_frame
                                            : nullptr;
    if (slot && !*slot) *slot = frame;
}

void Association::infer_context(uint8_t id, const std::string &sop_class, const std::string &ts) {
    if (slot_[id] && !contexts_[slot_[id] - 1].inferred) return; // negotiated: keep it
    NegotiatedContext &c = context_slot(id);
    c.inferred = true;
    if (c.abstract_syntax.empty()) c.abstract_syntax = sop_class;
    if (c.transfer_syntax.empty()) c.transfer_syntax = ts;
}

size_t Association::accepted_count() const {
    size_t n = 0;
    for (const NegotiatedContext &c : contexts_) n += c.accepted();
    return n;
}

void Association::on_pdu(int from_req, uint8_t type, uint64_t bytes, double time) {
    if (first_time == 0) first_time = time;
    last_time = time;
    DirectionStats &d = from_req == 0 ? from_acceptor : from_requestor;
    d.bytes += bytes;
    ++d.pdus;
    switch (type) {
    case kAssociateRq: if (rq_time == 0) rq_time = time; break;
    case kAssociateAc: if (ac_time == 0) ac_time = time; break;
    case kAssociateRj: if (rj_time == 0) rj_time = time; break;
    case kReleaseRq: if (release_rq_time == 0) release_rq_time = time; break;
    case kReleaseRp: if (release_rp_time == 0) release_rp_time = time; break;
    case kAbort:
        if (abort_time == 0) {
            abort_time = time;
            abort_by_requestor = from_req;
        }
        break;
    case kPData:
        if (first_pdata_time == 0) first_pdata_time = time;
        last_pdata_time = time;
        break;
    }
}

// An object stored: a C-STORE-RSP with a success or warning status matched with its request,
// so that "N of M objects stored" never counts a response whose request the capture lacks.
void Association::count_stored(const Message &rsp) {
    const Command &c = rsp.command;
    if (c.field != kCStoreRsp || !c.has_status || !rsp.request || rsp.request->command.field != kCStoreRq) return;
    const StatusCategory cat = status_category(c.status);
    if (cat == StatusCategory::Success || cat == StatusCategory::Warning) ++stored;
}

void Association::on_message(Message &m) {
    if (!m.command.valid) return;
    const Command &c = m.command;
    ++operations[c.field];
    if (m.has_data) data_set_bytes += m.data_size;
    if (m.complete_time > last_message_time) last_message_time = m.complete_time;
    if (c.field == kCStoreRq) ++store_requests;
    if (is_response(c.field)) {
        const StatusCategory cat = c.has_status ? status_category(c.status) : StatusCategory::Success;
        failures += c.has_status && cat == StatusCategory::Failure;
        warnings += c.has_status && cat == StatusCategory::Warning;
        auto it = outstanding_.find(c.message_id_rsp);
        if (it == outstanding_.end() || (it->second->command.field | 0x8000) != c.field) {
            // The request may not be complete yet in the walk: its last bytes were lost in
            // a capture gap and are declared so only later. Keep the response a while.
            if (early_responses_.size() >= 64) early_responses_.erase(early_responses_.begin());
            early_responses_[c.message_id_rsp] = &m;
            return;
        }
        Message *rq = it->second;
        m.request = rq;
        ++rq->responses;
        count_stored(m);
        bool pending = c.has_status && status_category(c.status) == StatusCategory::Pending;
        // a retrieve's progress: its pending responses, and the C-STORE sub-operations of a
        // C-GET, which the requestor answers on this association
        if (pending || (c.field == kCStoreRsp && m.from_requestor == 1)) last_progress_time = m.complete_time;
        if (!pending && m.first_time) { // the responder's processing: from the request acknowledged to the response
            const double from = rq->acked_time > rq->complete_time && rq->acked_time <= m.first_time ? rq->acked_time
                                                                                                     : rq->complete_time;
            m.processing = m.first_time >= from ? m.first_time - from : 0;
        }
        if (!pending) {
            double t = m.complete_time - rq->complete_time;
            ++responses;
            response_time_sum += t;
            if (t > response_time_max) response_time_max = t;
            rq->final_response = &m;
            answered_[c.message_id_rsp] = rq;
            outstanding_.erase(it);
        }
    } else if (c.field == kCCancelRq) {
        auto it = outstanding_.find(c.message_id_rsp);
        if (it == outstanding_.end()) it = answered_.find(c.message_id_rsp); // arrived too late
        if (it != outstanding_.end() && it != answered_.end()) {
            m.request = it->second;
            it->second->cancel = &m;
        }
    } else if (c.has_message_id) {
        auto early = early_responses_.find(c.message_id);
        if (early != early_responses_.end() && (c.field | 0x8000) == early->second->command.field && m.incomplete()) {
            // answered before the walk had all of it (see above): no response time to tell
            Message *rsp = early->second;
            early_responses_.erase(early);
            rsp->request = &m;
            ++m.responses;
            count_stored(*rsp);
            if (!(rsp->command.has_status && status_category(rsp->command.status) == StatusCategory::Pending)) {
                m.final_response = rsp;
                answered_[c.message_id] = &m;
                return;
            }
        }
        outstanding_[c.message_id] = &m; // a reused ID replaces the older, unanswered request
        outstanding_order_.push(&m);
        if (outstanding_.size() > outstanding_cap) {
            forget_oldest();
            m.problems.push_back(Problem::TooManyOutstanding);
        }
        // Answered requests stay in the queue until they reach its front; compact it before
        // it grows much beyond what is outstanding.
        if (outstanding_order_.size() > 2 * outstanding_.size() + 64) {
            std::vector<Message *> live;
            for (Message *q : outstanding_order_)
                if (is_outstanding(q)) live.push_back(q);
            outstanding_order_.assign(std::move(live));
        }
    }
}

bool Association::is_outstanding(const Message *q) const {
    auto it = outstanding_.find(q->command.message_id);
    return it != outstanding_.end() && it->second == q;
}

void Association::forget_oldest() {
    while (!outstanding_order_.empty()) {
        Message *q = outstanding_order_.front();
        outstanding_order_.pop();
        if (!is_outstanding(q)) continue;
        outstanding_.erase(q->command.message_id);
        ++requests_forgotten;
        return;
    }
}

std::vector<Message *> Association::unanswered() const {
    std::vector<Message *> v;
    for (const auto &kv : outstanding_) v.push_back(kv.second);
    std::sort(v.begin(), v.end(), [](const Message *a, const Message *b) { return a->index < b->index; });
    return v;
}

double Association::setup_time() const {
    double answer = ac_time ? ac_time : rj_time;
    return rq_time && answer ? answer - rq_time : -1;
}

double Association::release_time() const {
    return release_rq_time && release_rp_time ? release_rp_time - release_rq_time : -1;
}

std::string Association::party_label(Party p, bool with_software) const {
    if (p == Party::Network) return "the network";
    if (p == Party::Capture) return "the capture";
    const bool rq = p == Party::Requestor;
    const std::string &ae = rq ? calling_ae : called_ae;
    const std::string &version = rq ? requestor_version : acceptor_version;
    const std::string &uid = rq ? requestor_class_uid : acceptor_class_uid;
    const std::string software = !with_software ? std::string() : !version.empty() ? version : uid;
    const char *role = rq ? "requestor" : "acceptor";
    if (ae.empty()) return std::string("the ") + role + (software.empty() ? "" : " (" + software + ")");
    return ae + " (" + role + (software.empty() ? "" : ", " + software) + ")";
}

void Association::raise(const Diagnostic &found, std::vector<Diagnostic> &out) {
    Diagnostic d = found;
    // bytes of a side still waited for count as missed (they may yet be)
    if (d.doubt == Doubt::None)
        d.doubt = doubt_for(d.code, d.party, missed_from_requestor + (pending_from_requestor ? 1 : 0),
                            missed_from_acceptor + (pending_from_acceptor ? 1 : 0), d.message && d.message->syntax_inferred);
    // who is requestor and who acceptor is not in the capture (its set-up is not): a finding
    // that names one of them names a guess
    if (d.doubt == Doubt::None && roles_evidence < RolesEvidence::Handshake &&
        (d.party == Party::Requestor || d.party == Party::Acceptor) && diag_severity(d.code) != Severity::Note &&
        d.code != DiagCode::TlsOnPlainPort && d.code != DiagCode::PlainOnTlsPort) /* those name the side by the port it connected to */
        d.doubt = requestor_dir < 0 ? Doubt::RolesUnknown : Doubt::RolesInferred;
    d.severity = d.doubt == Doubt::None ? diag_severity(d.code) : Severity::Note;
    out.push_back(d);
    for (DiagnosticSummary &s : diagnostics)
        if (s.code == d.code && s.party == d.party) {
            ++s.count;
            s.severity = std::max(s.severity, d.severity);
            if (d.doubt != Doubt::None && !s.doubtful++) s.first_doubt = d.doubt;
            s.total += d.value;
            if (d.value > s.worst) {
                s.worst = d.value;
                s.worst_frame = d.frame;
            }
            return;
        }
    DiagnosticSummary s;
    s.code = d.code;
    s.party = d.party;
    s.count = 1;
    s.first_frame = s.worst_frame = d.frame;
    s.total = s.worst = s.first_value = d.value;
    s.first_aux = d.aux;
    s.first_message = d.message;
    s.severity = d.severity;
    s.doubtful = d.doubt != Doubt::None;
    s.first_doubt = d.doubt;
    diagnostics.push_back(s);
}

double Association::end_time() const {
    if (rj_time) return rj_time;
    if (release_rp_time) return release_rp_time;
    if (abort_time) return abort_time;
    double closed = 0;
    for (const TcpClose *c : {&closed_by_requestor, &closed_by_acceptor})
        if (c->frame && (!closed || c->time < closed)) closed = c->time;
    if (closed && closed >= last_time) return closed;
    return last_time;
}

const char *roles_evidence_name(RolesEvidence e) {
    switch (e) {
    case RolesEvidence::None: return "none";
    case RolesEvidence::Requests: return "requests";
    case RolesEvidence::ListeningPort: return "listening_port";
    case RolesEvidence::Handshake: return "tcp_handshake";
    case RolesEvidence::Associate: return "a_associate";
    }
    return "none";
}

bool Association::still_open_at_end() const {
    return !rj_time && !abort_time && !release_rp_time && !closed_by_requestor.frame && !closed_by_acceptor.frame;
}

const char *Association::outcome() const {
    if (rj_time) return "rejected";
    if (abort_time) return "aborted";
    if (release_rp_time) return "released";
    if (closed_by_requestor.frame || closed_by_acceptor.frame) return "closed_without_release";
    if (release_rq_time) return "release_unanswered";
    if (rq_time && !ac_time) return "no_answer";
    return "cut_off";
}

std::string Association::how_it_ended() const {
    if (rj_time) {
        std::string s = "rejected: ";
        const char *r = reject_reason_name(reject_source, reject_reason);
        return s + (reject_result == 2 ? "transient, " : "permanent, ") + (r ? r : "unknown reason");
    }
    if (abort_time) {
        std::string s = "aborted by ";
        s += abort_by_requestor == 1 ? "the requestor" : abort_by_requestor == 0 ? "the acceptor" : "a peer";
        s += abort_source == 2 ? " (service-provider: " : " (service-user";
        if (abort_source == 2) {
            const char *r = code_name(kAbortReasons, abort_reason);
            s += r ? r : "unknown reason";
        }
        return s + ")";
    }
    if (release_rp_time) return "released";
    const TcpClose &rq = closed_by_requestor, &ac = closed_by_acceptor;
    if (rq.frame || ac.frame) {
        const bool by_rq = rq.frame && (!ac.frame || rq.frame < ac.frame);
        const TcpClose &c = by_rq ? rq : ac;
        return std::string("closed by the ") + (by_rq ? "requestor" : "acceptor") + " (TCP " + (c.reset ? "RST" : "FIN") +
               " in frame " + std::to_string(c.frame) + ") without " +
               (release_rq_time ? "A-RELEASE-RP" : "A-RELEASE or A-ABORT");
    }
    if (release_rq_time) return "release requested, no A-RELEASE-RP in the capture";
    if (rq_time && !ac_time) return "no answer to A-ASSOCIATE-RQ in the capture";
    return "still open at the end of the capture";
}

} // namespace dicom
