// Internal to the session layer: the walk of one direction of a connection within one entry
// call (connection_walk.cpp), used by the connection's entry points (connection_entry.cpp).
#pragma once
#include <vector>

#include "session/connection.hpp"

namespace dicom {

// The walk of one direction of a connection within one entry call: what reassembly delivers
// goes to the PDU walker, and each unit the walker finds is applied to its association,
// diagnosed and told to the connection's observer.
class Connection::Walk final : public ReassemblyOutput, public WalkObserver {
public:
    Walk(Connection &c, const Packet &p, int dir, const void *current_source, ConnectionObserver &obs);
    // the first message a PDV piece of the current payload belonged to
    Message *first_message() const { return first_message_; }
    // the payload is a second capture of a segment (a mirror port's copy), not a retransmission
    bool capture_copy = false;

    // ReassemblyOutput
    void deliver(uint64_t offset, ByteView bytes, Origin origin, double time) override;
    void deliver_hole(uint64_t offset, uint64_t length, double time) override;
    void duplicate(uint64_t offset, bool before_start, ByteView bytes, Origin origin, bool of_held) override;
    void held(uint64_t offset, ByteView bytes, Origin origin) override;
    // WalkObserver
    void pdu(const WalkedBytes &w, uint8_t type, uint32_t length_field) override;
    void pdata_header(const WalkedBytes &w, uint32_t length_field) override;
    void pdv_header(const WalkedBytes &w, const PdvPosition &pdv) override;
    void pdv_value(const WalkedBytes &w, const PdvPosition &pdv) override;
    void skipped(const WalkedBytes &w, SkipReason why) override;
    void garbage(const WalkedBytes &w) override;
    void resync(const WalkedBytes &w, ResyncReason why) override;
    void fragment(const WalkedBytes &w, uint8_t unit, ByteView so_far) override;
    void fragment_completed(const WalkedBytes &w, uint8_t unit, Origin completed_by) override;
    void lost(const WalkedBytes &w, LostKind kind, const PdvPosition &pdv) override;

private:
    // What applying one unit did.
    struct Step {
        Association *a = nullptr;
        int from_requestor = -1;
        PdvOutcome pdv;                // a PDV piece: what it led to
        std::vector<Message *> closed; // messages found to be over without their last fragment
        std::vector<Diagnostic> found; // findings the unit raised
        std::vector<Violation> violations; // conformance violations it showed
    };
    Step begin(bool associate_rq = false, bool associate_ac = false);
    void apply_pdu(Step &s, const WalkedBytes &w, uint8_t type, uint32_t length_field);
    void apply_piece(Step &s, const WalkedBytes &w, const PdvPosition &pdv, bool lost);
    void count_completed(Step &s);
    PieceOutcome outcome(const Step &s, const WalkedBytes &w, const PdvPosition &pdv, bool value) const;
    void after_piece(Step &s, bool lost, const WalkedBytes &w);
    void hand_over_kept(const Step &s, Message &m);
    void finish(Step &s, const WalkedBytes &w, uint8_t pdu_type, bool remember_walked);
    uint8_t keep() const;
    // the bytes are the payload this entry call was given
    bool current(const Origin &o) const { return current_source_ && o.source == current_source_; }
    UnitPlace place(const Step &s) const { return UnitPlace{s.a, dir_}; }

    Connection &c_;
    const Packet &packet_;
    double time_; // when the receiver had the bytes being walked
    int dir_;
    const void *current_source_;
    ConnectionObserver &obs_;
    Message *first_message_ = nullptr;
};

} // namespace dicom
