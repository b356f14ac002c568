#include "session/diagnose.hpp"

#include <algorithm>

#include "dimse/dimse.hpp"
#include "session/association.hpp"
#include "ul/pdu.hpp"

namespace dicom {

namespace {

bool native_syntax(const std::string &ts) {
    return ts == "1.2.840.10008.1.2" || ts == "1.2.840.10008.1.2.1" || ts == "1.2.840.10008.1.2.2" ||
           ts == "1.2.840.10008.1.2.1.99";
}

bool encapsulated_syntax(const std::string &ts) {
    // JPEG family (1.2.840.10008.1.2.4.x), RLE (1.2.840.10008.1.2.5), encapsulated uncompressed
    // (1.2.840.10008.1.2.1.98) and the rest of the standard's compressed syntaxes
    return ts.rfind("1.2.840.10008.1.2.4.", 0) == 0 || ts == "1.2.840.10008.1.2.5" || ts == "1.2.840.10008.1.2.1.98" ||
           ts.rfind("1.2.840.10008.1.2.6.", 0) == 0 || ts.rfind("1.2.840.10008.1.2.7.", 0) == 0 ||
           ts.rfind("1.2.840.10008.1.2.8.", 0) == 0;
}

std::string trimmed_value(std::string_view v) { return std::string(trim_padding(v)); }

// The end of the association's P-DATA phase, for the checks that need it done once.
// `ender`: the party that aborted or closed the connection (Network: a release).
void end_checks(Association &a, uint32_t frame, double time, const MessageAssembler &messages, Party ender,
                std::vector<Diagnostic> &out) {
    if (a.end_checked) return;
    a.end_checked = true;
    // The time a responder is owed before a missing answer is its fault: the shorter of the
    // slow threshold and the association's typical response time. A side that ends the
    // association sooner than that carries it (its close or abort is the finding).
    double owed = a.diagnosis_settings.slow_seconds;
    const RecentValues<double, 64> &recent = a.recent_response_times;
    if (recent.size()) {
        std::vector<double> v;
        for (size_t i = 0; i < recent.size(); ++i) v.push_back(recent[i]);
        std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
        owed = std::min(owed, v[v.size() / 2]);
    }
    for (Message *m : a.unanswered()) {
        if (m->command.field == kCCancelRq) continue;
        // the side that should have answered: the acceptor, unless the acceptor sent the request;
        // when that side ended the association itself, its abort or close says it all
        const Party responder = m->from_requestor == 0 ? Party::Requestor : Party::Acceptor;
        if (responder == ender) continue;
        if (ender != Party::Network && m->complete_time && time - m->complete_time < owed) continue;
        a.raise(Diagnostic{DiagCode::UnansweredRequest, responder, frame, time, 1, m->index, m}, out);
    }
    for (Message *m : messages.awaiting_data())
        a.raise(Diagnostic{DiagCode::DataSetMissing, party_of(m->from_requestor, is_response(m->command.field)), frame,
                           time, 0, m->index, m},
                out);
    // A SOP class whose every proposed context was rejected and that the requestor needed, as
    // far as the wire tells: it sent no request at all (it had nothing else to do), or it
    // aborted while it had proposed only a few SOP classes (a requestor that proposes a
    // handful proposes what it has to send, and gives up on what it cannot; one that proposes
    // dozens proposes what it might send, and a rejection there says nothing).
    if (!a.ac_frame || a.accepted_count() == 0) return; // none accepted: no_context_accepted says it
    uint32_t requests = 0;
    for (const auto &kv : a.operations) requests += is_response(kv.first) ? 0 : kv.second;
    std::vector<std::string> proposed;
    for (const NegotiatedContext &c : a.contexts())
        if (!c.abstract_syntax.empty() && std::find(proposed.begin(), proposed.end(), c.abstract_syntax) == proposed.end())
            proposed.push_back(c.abstract_syntax);
    const bool needed = requests == 0 || (ender == Party::Requestor && proposed.size() <= 8);
    if (!needed) return;
    std::vector<std::string> reported;
    for (const NegotiatedContext &c : a.contexts()) {
        if (!c.answered || c.accepted() || c.abstract_syntax.empty()) continue;
        if (std::find(reported.begin(), reported.end(), c.abstract_syntax) != reported.end()) continue;
        bool any_accepted = false;
        for (const NegotiatedContext &o : a.contexts()) any_accepted |= o.abstract_syntax == c.abstract_syntax && o.accepted();
        if (any_accepted) continue;
        reported.push_back(c.abstract_syntax);
        a.raise(Diagnostic{DiagCode::ContextRejected, Party::Acceptor, frame, time, double(c.id), c.id, nullptr}, out);
    }
}

} // namespace

void diagnose_pdu(Association &a, const PduFacts &p, const MessageAssembler &messages, std::vector<Diagnostic> &out) {
    const DiagnosisSettings &cfg = a.diagnosis_settings;
    const Party sender = party_of(p.from_requestor, p.type == kAssociateAc || p.type == kAssociateRj);
    switch (p.type) {
    case kAssociateAc:
        if (a.rq_frame && a.ac_frame == p.frame) {
            if (a.accepted_count() == 0 && !a.contexts().empty())
                a.raise(Diagnostic{DiagCode::NoContextAccepted, Party::Acceptor, p.frame, p.time, double(a.contexts().size())},
                        out);
            if (a.max_pdu_requestor && a.max_pdu_requestor < cfg.small_pdu)
                a.raise(Diagnostic{DiagCode::SmallMaxPdu, Party::Requestor, p.frame, p.time, double(a.max_pdu_requestor)}, out);
            if (a.max_pdu_acceptor && a.max_pdu_acceptor < cfg.small_pdu)
                a.raise(Diagnostic{DiagCode::SmallMaxPdu, Party::Acceptor, p.frame, p.time, double(a.max_pdu_acceptor)}, out);
        }
        [[fallthrough]];
    case kAssociateRj:
        if (a.setup_time() > cfg.slow_seconds && (a.ac_frame == p.frame || a.rj_frame == p.frame))
            a.raise(Diagnostic{DiagCode::SlowSetup, Party::Acceptor, p.frame, p.time, a.setup_time() * 1000}, out);
        if (p.type == kAssociateRj && a.rj_frame == p.frame)
            a.raise(Diagnostic{DiagCode::AssociationRejected, Party::Acceptor, p.frame, p.time, double(a.reject_reason),
                               uint32_t(a.reject_source) << 8 | a.reject_result},
                    out);
        break;
    case kReleaseRq:
        if (a.release_rq_frame == p.frame) end_checks(a, p.frame, p.time, messages, Party::Network, out);
        break;
    case kReleaseRp:
        if (a.release_rp_frame == p.frame && a.release_time() > cfg.slow_seconds)
            a.raise(Diagnostic{DiagCode::SlowRelease, sender, p.frame, p.time, a.release_time() * 1000}, out);
        break;
    case kAbort:
        if (a.abort_frame == p.frame) {
            // A requestor that aborts while waiting for responses gave up on them (its timeout):
            // the unanswered requests come first, they are why.
            if (sender == Party::Requestor) end_checks(a, p.frame, p.time, messages, sender, out);
            a.raise(Diagnostic{DiagCode::AssociationAborted, sender, p.frame, p.time, double(a.abort_reason), a.abort_source},
                    out);
            end_checks(a, p.frame, p.time, messages, sender, out);
        }
        break;
    case kPData: {
        const uint32_t max = p.from_requestor == 1 ? a.max_pdu_acceptor : p.from_requestor == 0 ? a.max_pdu_requestor : 0;
        if (max && a.ac_frame && p.pdu_length > max)
            a.raise(Diagnostic{DiagCode::MaxPduExceeded, sender, p.frame, p.time, double(p.pdu_length), max}, out);
        break;
    }
    default: break;
    }
}

void diagnose_message(Association &a, const Message &m, std::vector<Diagnostic> &out) {
    const Command &c = m.command;
    if (!c.valid) return;
    const bool rsp = is_response(c.field);
    const Party sender = party_of(m.from_requestor, rsp);
    const uint32_t frame = m.complete_frame;
    const double time = m.complete_time;
    if (rsp && c.has_status) {
        const StatusCategory cat = status_category(c.status);
        if (cat == StatusCategory::Failure || cat == StatusCategory::Warning)
            a.raise(Diagnostic{cat == StatusCategory::Failure ? DiagCode::FailureStatus : DiagCode::WarningStatus, sender,
                               frame, time, double(c.status), c.field, &m},
                    out);
    }
    if (rsp && m.request && m.request->final_response == &m && c.field != kCCancelRq) {
        // a retrieve (C-GET, C-MOVE) is judged by the time its sub-operations do not explain:
        // from its last sign of progress to the final response
        double from = m.request->complete_time;
        if ((c.field == kCGetRsp || c.field == kCMoveRsp) && a.last_progress_time > from) from = a.last_progress_time;
        const double t = m.complete_time - from;
        if (t >= 0) {
            RecentValues<double, 64> &recent = a.recent_response_times;
            bool slow = t > a.diagnosis_settings.slow_seconds;
            if (!slow && t > 0.1 && recent.size() >= 5) { // the typical time (a median) only when it can matter
                double v[64];
                const size_t n = std::min<size_t>(recent.size(), 64);
                for (size_t i = 0; i < n; ++i) v[i] = recent[i];
                std::nth_element(v, v + n / 2, v + n);
                slow = t > 4 * v[n / 2];
            }
            if (slow) {
                // the responder's fault when its processing was most of it; TCP's otherwise
                const bool processing = m.processing < 0 || m.processing >= t / 2;
                a.raise(Diagnostic{DiagCode::SlowResponse, processing ? sender : Party::Network, frame, time, t * 1000,
                                   uint32_t(std::max(0.0, m.processing) * 1000), &m},
                        out);
            }
            recent.push(t);
        }
    }
    if (!rsp && m.has_data && !m.incomplete()) {
        if (c.field == kCStoreRq) {
            const Element *inst = m.data_set.find(0x00080018), *cls = m.data_set.find(0x00080016);
            if (inst && !c.affected_sop_instance.empty() && trimmed_value(m.data_set.value(*inst)) != trimmed_value(c.affected_sop_instance))
                a.raise(Diagnostic{DiagCode::SopInstanceMismatch, sender, frame, time, 0, 0, &m}, out);
            else if (cls && !c.affected_sop_class.empty() && trimmed_value(m.data_set.value(*cls)) != trimmed_value(c.affected_sop_class))
                a.raise(Diagnostic{DiagCode::SopInstanceMismatch, sender, frame, time, 0, 1, &m}, out);
        }
    }
    // bytes the peer sent that do not follow PS3.5 (not those a capture gap took away)
    for (int which = 1; which >= 0; --which) {
        const std::vector<DataSetFinding> &findings = which ? m.command_findings : m.data_set.findings;
        uint32_t bad = 0;
        for (const DataSetFinding &f : findings) bad += problem_is_malformed(f.what) && !problem_is_capture(f.what);
        if (bad && !(which == 0 && !m.has_data)) {
            a.raise(Diagnostic{DiagCode::MalformedDataSet, sender, frame, time, double(bad), uint32_t(which), &m}, out);
            break;
        }
    }
    const NegotiatedContext *nc = a.context(m.context_id);
    if (m.has_data && !m.syntax_inferred && nc && nc->accepted()) { /* a rejected context has no syntax */
        const Element *px = m.data_set.find(0x7FE00010);
        if (px && px->depth == 0) {
            const bool encapsulated = px->kind == ElementKind::Sequence;
            if (encapsulated && native_syntax(m.transfer_syntax))
                a.raise(Diagnostic{DiagCode::EncapsulatedOnNativeSyntax, sender, frame, time, 0, 0, &m}, out);
            else if (!encapsulated && px->kind == ElementKind::Value && encapsulated_syntax(m.transfer_syntax))
                a.raise(Diagnostic{DiagCode::NativeOnEncapsulatedSyntax, sender, frame, time, 0, 0, &m}, out);
        }
    }
}

void diagnose_interrupted(Association &a, const Message &m, uint32_t frame, double time, std::vector<Diagnostic> &out) {
    a.raise(Diagnostic{DiagCode::DataSetMissing, party_of(m.from_requestor, is_response(m.command.field)), frame, time, 0,
                       m.index, &m},
            out);
}

void diagnose_stall(Association &a, const Stall &s, int from_requestor, Message *m, Doubt doubt,
                    std::vector<Diagnostic> &out) {
    if (a.stalls.size() < a.diagnosis_settings.stalls_kept) a.stalls.push_back(s);
    else a.stall_seconds_unlisted += s.seconds();
    if (m) {
        if (s.seconds() > 0 && (!m->stall_cause || s.seconds() > m->stall_seconds)) m->stall_cause = uint8_t(s.cause);
        m->stall_seconds += s.seconds();
    }
    const Party sender = party_of(from_requestor, m && is_response(m->command.field));
    const double ms = s.seconds() * 1000;
    Diagnostic d{DiagCode::Count, sender, s.end_frame, s.end, ms, 0, m};
    switch (s.cause) {
    case StallCause::DelayedAck: d.code = DiagCode::DelayedAckStall; break;
    case StallCause::WindowFull: d.code = DiagCode::ReceiverWindowFull, d.party = other_party(sender); break;
    case StallCause::Retransmission:
        d.code = DiagCode::RetransmissionTimeout, d.party = Party::Network, d.aux = sender == Party::Requestor;
        break;
    case StallCause::RoundTrip:
        d.code = DiagCode::RoundTripStall, d.party = Party::Network, d.aux = sender == Party::Requestor;
        break;
    case StallCause::SenderIdle:
        d.code = DiagCode::SenderStall;
        d.doubt = doubt;
        break;
    case StallCause::None: return;
    }
    a.raise(d, out);
}

void diagnose_close(Association &a, int from_requestor, const TcpClose &c, const MessageAssembler &messages,
                    std::vector<Diagnostic> &out) {
    TcpClose &slot = from_requestor == 0 ? a.closed_by_acceptor : a.closed_by_requestor;
    if (slot.frame) return;
    slot = c;
    // Closing after A-RELEASE-RP, A-ABORT or A-ASSOCIATE-RJ is how associations end (PS3.8 9.1.6).
    if (a.release_rp_frame || a.abort_frame || a.rj_frame) return;
    if (a.closed_by_requestor.frame && a.closed_by_acceptor.frame) return; // the other side closed first
    if (!a.rq_frame && !a.ac_frame && !a.first_time) return;                 // nothing of an association yet
    a.raise(Diagnostic{DiagCode::ClosedWithoutRelease, party_of(from_requestor, false), c.frame, c.time,
                       c.reset ? 1.0 : 0.0},
            out);
    end_checks(a, c.frame, c.time, messages, party_of(from_requestor, false), out);
}

void diagnose_stream_trouble(Association &a, DiagCode code, int from_requestor, uint64_t bytes, uint32_t frame,
                             double time) {
    std::vector<Diagnostic> unused;
    if (code == DiagCode::CaptureGap) {
        if (from_requestor != 0) a.missed_from_requestor += bytes;
        if (from_requestor != 1) a.missed_from_acceptor += bytes;
    }
    a.raise(Diagnostic{code, code == DiagCode::CaptureGap ? Party::Capture : Party::Network, frame, time, double(bytes)},
            unused);
}

} // namespace dicom
