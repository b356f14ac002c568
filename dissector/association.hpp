// What one association negotiated, as later PDUs need it: AE titles, the presentation
// contexts (abstract and accepted transfer syntax per ID) and each side's maximum PDU size.
// Plain data, updated from parsed A-ASSOCIATE PDUs; the plugin keeps one per association.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "associate.hpp"

namespace dicom {

struct NegotiatedContext {
    uint8_t id = 0;
    bool answered = false;   // an A-ASSOCIATE-AC carried this ID
    uint8_t result = 0;      // valid when answered
    std::string abstract_syntax;
    std::string transfer_syntax; // accepted one; the first proposed until answered
    uint32_t proposed_in = 0, answered_in = 0; // frame numbers
    bool accepted() const { return answered && result == kAcceptance; }
};

class Association {
public:
    std::string calling_ae, called_ae;
    uint32_t rq_frame = 0, ac_frame = 0, rj_frame = 0;
    uint32_t release_rq_frame = 0, release_rp_frame = 0, abort_frame = 0;
    // Largest P-DATA-TF each side said it can receive (0: no limit, or not seen).
    uint32_t max_pdu_requestor = 0, max_pdu_acceptor = 0;

    void apply_rq(const Associate &rq, uint32_t frame);
    void apply_ac(const Associate &ac, uint32_t frame);

    const NegotiatedContext *context(uint8_t id) const {
        return slot_[id] ? &contexts_[slot_[id] - 1] : nullptr;
    }
    const std::vector<NegotiatedContext> &contexts() const { return contexts_; }
    size_t accepted_count() const;

private:
    NegotiatedContext &context_slot(uint8_t id);
    std::array<uint16_t, 256> slot_{}; // 1-based index into contexts_, 0 = none
    std::vector<NegotiatedContext> contexts_;
};

} // namespace dicom
