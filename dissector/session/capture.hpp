// Everything the first pass learns about a capture beyond one connection: every connection and
// association (owned here, numbered in order of first sight), and the indexes that link
// associations (the last one between the same AEs, C-MOVE requests and the sub-associations that
// carried their C-STOREs), the rule that finds one association per object, and the budget of
// bytes messages may keep to show their elements.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "session/association.hpp"
#include "session/connection.hpp"

namespace dicom {

struct CaptureSettings {
    ConnectionSettings connection;
    uint32_t outstanding_cap = 4096; // unanswered requests tracked per association
    DiagnosisSettings diagnosis;
    ValidationSettings validation;
};

class Capture final : public ConnectionHost {
public:
    explicit Capture(const CaptureSettings &settings) : settings_(settings) {}
    Capture(const Capture &) = delete;
    Capture &operator=(const Capture &) = delete;

    Connection &new_connection(uint32_t tcp_stream);
    // The capture ended (its reports are drawn): every connection's waiting bytes are walked
    // or declared lost (Connection::finish). Once per capture.
    void finish(ConnectionObserver &obs);
    // A new association on `conn`, numbered 1, 2, ... (it becomes the connection's current one).
    Association &new_association(const Connection &conn) override;
    const std::vector<std::unique_ptr<Association>> &associations() const { return associations_; }

    // ---- what one association tells the others (first pass) -----------------------------------
    // The A-ASSOCIATE-RQ of `a` was walked: links it to the last association between the same AEs.
    void associate_requested(Association &a) override;
    // A message of `a` completed (or was closed incomplete), or only its command set.
    void message_completed(Association &a, Message &m) override;
    void command_completed(Association &a, Message &m) override;
    // `a`'s A-RELEASE-RQ was walked at `frame`: findings that need the other associations.
    void release_requested(Association &a, uint32_t frame, double time, std::vector<Diagnostic> &out) override;

    // ---- the indexes, for display ---------------------------------------------------------------
    // The C-MOVE-RQ that a sub-association's C-STORE-RQ serves, if known.
    const Message *move_request(const Message &store) const;
    // The associations that carried a C-MOVE's sub-operations, in order (nullptr: none).
    const std::vector<uint32_t> *move_sub_associations(const Message *move) const;
    // The frames of `a`'s TCP connection that belong to it, ACKs and FINs included: from frame
    // `from` up to, not including, `before` (0: no bound). A connection that carried several
    // associations is cut at their A-ASSOCIATE-RQs.
    void connection_frames_of(const Association &a, uint32_t &from, uint32_t &before) const;
    // Whether messages may keep their command set and small data set (kKeepToShow): a capture of
    // millions of queries stops keeping them at a budget.
    bool may_keep_shown_bytes() const override { return shown_bytes_ < kShownBytesBudget; }

private:
    static constexpr uint64_t kShownBytesBudget = uint64_t(256) << 20;
    static std::string move_key(const std::string &ae, uint16_t id) { return ae + '\0' + std::to_string(id); }
    void infer_context(Association &a, const Message &m);

    CaptureSettings settings_;
    std::vector<std::unique_ptr<Connection>> connections_;
    bool finished_ = false;
    std::vector<std::unique_ptr<Association>> associations_;
    std::unordered_map<std::string, Association *> last_by_aes_; // "calling\0called"
    // C-MOVE requests by "originator AE\0message ID", for their sub-associations' C-STOREs
    std::unordered_map<std::string, const Message *> moves_;
    // for each C-MOVE-RQ: the associations that carried C-STOREs for it, in order
    std::unordered_map<const Message *, std::vector<uint32_t>> move_subs_;
    uint64_t shown_bytes_ = 0; // bytes messages keep to show their elements' bytes
};

} // namespace dicom
