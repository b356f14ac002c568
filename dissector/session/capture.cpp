#include "session/capture.hpp"

#include "dimse/dimse.hpp"

namespace dicom {

Connection &Capture::new_connection(uint32_t tcp_stream) {
    connections_.emplace_back(new Connection(*this, settings_.connection, tcp_stream));
    return *connections_.back();
}

Association &Capture::new_association(const Connection &conn) {
    associations_.emplace_back(new Association());
    Association &a = *associations_.back();
    a.number = uint32_t(associations_.size());
    a.outstanding_cap = settings_.outstanding_cap;
    a.diagnosis_settings = settings_.diagnosis;
    a.conformance.settings = settings_.validation;
    a.tcp_stream = conn.tcp_stream();
    a.connection = &conn;
    return a;
}

void Capture::associate_requested(Association &a) {
    Association *&slot = last_by_aes_[a.calling_ae + '\0' + a.called_ae];
    a.previous_same_aes = slot != &a ? slot : nullptr;
    slot = &a;
}

// Mid-stream: a command on a context whose negotiation was not captured tells its SOP class.
void Capture::infer_context(Association &a, const Message &m) {
    const Command &cmd = m.command;
    const NegotiatedContext *nc = a.context(m.context_id);
    if ((nc && !nc->inferred) || !cmd.valid || is_response(cmd.field) || cmd.sop_class().empty()) return;
    a.infer_context(m.context_id, cmd.sop_class(), m.complete_frame && m.has_data ? m.transfer_syntax : std::string());
}

void Capture::command_completed(Association &a, Message &m) { infer_context(a, m); }

void Capture::message_completed(Association &a, Message &m) {
    shown_bytes_ += m.command_bytes.size() + m.data_set_bytes.size();
    const Command &cmd = m.command;
    if (!cmd.valid) return;
    infer_context(a, m);
    if (cmd.field == kCMoveRq && cmd.has_message_id) moves_[move_key(a.calling_ae, cmd.message_id)] = &m;
    if (cmd.field == kCStoreRq) {
        const Message *move = move_request(m);
        if (!move) return;
        std::vector<uint32_t> &subs = move_subs_[move];
        if (subs.empty() || subs.back() != a.number) subs.push_back(a.number);
    }
}

void Capture::release_requested(Association &a, uint32_t frame, double time, std::vector<Diagnostic> &out) {
    // One object per association: the same AEs just used a fresh association for one C-STORE.
    const Association *prev = a.previous_same_aes;
    if (a.store_requests == 1 && prev && prev->store_requests == 1 && a.operations.size() <= 2)
        a.raise(Diagnostic{DiagCode::OneAssociationPerObject, Party::Requestor, frame, time, 1, prev->number}, out);
}

const Message *Capture::move_request(const Message &m) const {
    const Command &cmd = m.command;
    if (cmd.move_originator_ae().empty() || !cmd.has_move_originator_id) return nullptr;
    auto it = moves_.find(move_key(cmd.move_originator_ae(), cmd.move_originator_id));
    if (it == moves_.end()) return nullptr;
    const Message *move = it->second;
    // within the C-MOVE's life: after the request, before its final response
    if (move->complete_time > m.first_time) return nullptr;
    if (move->final_response && move->final_response->complete_time < m.first_time) return nullptr;
    return move;
}

const std::vector<uint32_t> *Capture::move_sub_associations(const Message *move) const {
    auto it = move_subs_.find(move);
    return it == move_subs_.end() || it->second.empty() ? nullptr : &it->second;
}

void Capture::connection_frames_of(const Association &a, uint32_t &from, uint32_t &before) const {
    from = before = 0;
    for (const auto &other : associations_) {
        if (other->connection != a.connection || other.get() == &a || !other->rq_frame) continue;
        if (other->number < a.number) from = a.rq_frame;
        if (other->number > a.number && (!before || other->rq_frame < before)) before = other->rq_frame;
    }
}

void Capture::finish(ConnectionObserver &obs) {
    if (finished_) return;
    finished_ = true;
    for (const std::unique_ptr<Connection> &c : connections_) c->finish(obs);
}

} // namespace dicom
