#include "association.hpp"

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
    if (const UserInfoEntry *max = rq.find_sub(kSubMaxLength)) max_pdu_requestor = max->max_length;
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
    if (const UserInfoEntry *max = ac.find_sub(kSubMaxLength)) max_pdu_acceptor = max->max_length;
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

size_t Association::accepted_count() const {
    size_t n = 0;
    for (const NegotiatedContext &c : contexts_) n += c.accepted();
    return n;
}

} // namespace dicom
