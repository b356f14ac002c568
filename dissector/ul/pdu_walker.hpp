// One direction of a DICOM connection walked PDU by PDU (PS3.8 9.3): the in-order bytes and
// holes that TCP reassembly delivers (tcp/reassembly.hpp) become PDUs, P-DATA-TF headers, PDV
// headers and value pieces.
//
// The walk never holds large PDUs whole. A P-DATA-TF is its 6-byte header, PDV item headers
// (6 bytes) and value pieces passed on as the segments carry them. Only headers, the other
// PDU types (at most 1 MiB) and a few bytes while resynchronising are assembled when a
// segment boundary splits them. Inside a PDV value a hole keeps the framing (the value has a
// hole); where a header was lost the walk resynchronises at the next plausible PDU. Each
// callback says where its bytes sit in the capture, so the caller can show it on the frame
// that carried it.
#pragma once
#include <bitset>
#include <cstdint>
#include <vector>

#include "base/bytes.hpp"
#include "base/origin.hpp"
#include "ul/pdu.hpp"

namespace dicom {

// The PDV that a header, a value piece or a lost range belongs to.
struct PdvPosition {
    uint16_t index = 0;        // 1, 2, ... within its P-DATA-TF
    uint8_t context_id = 0;
    uint8_t flags = 0;         // message control header (kPdvCommand, kPdvLast)
    uint32_t value_length = 0;
    uint32_t value_offset = 0; // of this piece within the value
    bool invalid = false;      // the item length does not fit its PDU
    bool first = false, last = false; // a value piece (or lost range) starts / ends the value
};

enum class LostKind : uint8_t {
    InValue, // inside a PDV value: the value has a hole, framing is intact
    PduRest, // PDV headers of the current P-DATA-TF: the rest of that PDU cannot be read
    Unit,    // part of a header or a PDU that was being assembled
    Framing, // a PDU boundary: the walk resynchronises at the next plausible PDU
};

enum class SkipReason : uint8_t {
    PdvInvalid, // the PDV item length does not fit the PDU
    TailShort,  // fewer bytes left in the PDU than a PDV item header
    AfterGap,   // PDV headers of this PDU were lost in a capture gap
};

enum class ResyncReason : uint8_t { CaptureStart, Gap };

// Where a walked unit's bytes are.
struct WalkedBytes {
    uint64_t offset = 0;        // stream offset of the first byte
    uint32_t length = 0;        // bytes (lost: bytes missing)
    ByteView bytes;             // contiguous (an assembled unit: a copy); none for lost bytes
    Origin origin;              // where `bytes` start; for an assembled unit, where its last piece is
    uint32_t origin_length = 0; // bytes of the unit that are in `origin`
    bool assembled = false;     // from more than one origin (fragment() named the others)
};

// What the walk finds, in stream order. `bytes` are valid during the call only.
class WalkObserver {
public:
    virtual void pdu(const WalkedBytes &w, uint8_t type, uint32_t length_field) = 0; // other than P-DATA-TF
    virtual void pdata_header(const WalkedBytes &w, uint32_t length_field) = 0;
    virtual void pdv_header(const WalkedBytes &w, const PdvPosition &pdv) = 0; // an empty value follows
    virtual void pdv_value(const WalkedBytes &w, const PdvPosition &pdv) = 0;  // never longer than one origin's bytes
    virtual void skipped(const WalkedBytes &w, SkipReason why) = 0; // bytes of a P-DATA-TF not readable as PDVs
    virtual void garbage(const WalkedBytes &w) = 0;                 // no PDU header plausible here
    virtual void resync(const WalkedBytes &w, ResyncReason why) = 0; // skipped to the next PDU header
    // Bytes of one origin that start or continue a unit (`unit`: its PDU type, 0 for a PDV
    // header) that later bytes complete; `so_far` is the unit's bytes up to here.
    virtual void fragment(const WalkedBytes &w, uint8_t unit, ByteView so_far) = 0;
    // The unit that piece belonged to is complete: its last piece is in `completed_by`.
    virtual void fragment_completed(const WalkedBytes &w, uint8_t unit, Origin completed_by) = 0;
    // Bytes that never arrived; `pdv` for those inside a PDV value (LostKind::InValue).
    virtual void lost(const WalkedBytes &w, LostKind kind, const PdvPosition &pdv) = 0;

protected:
    ~WalkObserver() = default;
};

class PduWalker {
public:
    explicit PduWalker(uint32_t pdu_cap = 1u << 24) : pdu_cap_(pdu_cap) {}

    // In-order bytes of the stream from stream offset `offset`.
    void walk(uint64_t offset, ByteView bytes, Origin origin, WalkObserver &obs);
    // `n` bytes from `offset` that the capture does not hold.
    void walk_hole(uint64_t offset, uint64_t n, WalkObserver &obs);

    // The walk stands between two PDUs: nothing of a PDU has been walked that is not complete.
    bool between_pdus() const { return mode_ == AtPdu && pending_.empty(); }
    uint64_t walked() const { return walked_; } // stream offset the walk has reached
    // Where the byte at stream offset `offset` came from, if it is part of a unit being
    // assembled (no origin otherwise).
    Origin pending_origin(uint64_t offset) const;
    uint32_t pdu_cap() const { return pdu_cap_; }
    // The longest PDU header taken for one from now on: what the receiver negotiated.
    void set_pdu_cap(uint32_t cap) { pdu_cap_ = cap; }

private:
    enum Mode : uint8_t { AtPdu, AtPdvHeader, InValue, InSkip, InUnit, Resync };
    struct Piece { // bytes of the unit being assembled, by origin
        Origin origin;
        uint32_t length;
        uint64_t offset;
    };

    size_t step(ByteView b, Origin origin, WalkObserver &obs); // one unit (or part); bytes taken
    size_t step_value(ByteView b, Origin origin, WalkObserver &obs);
    size_t step_passing(ByteView b, Origin origin, WalkObserver &obs);
    size_t step_header(ByteView b, Origin origin, WalkObserver &obs);
    size_t step_pdv_header(ByteView b, Origin origin, size_t taken, WalkObserver &obs);
    size_t step_pdu_header(ByteView b, ByteView unit, Origin origin, size_t taken, WalkObserver &obs);
    size_t step_resync(ByteView b, Origin origin, WalkObserver &obs);
    size_t scan_for_pdu(ByteView b, Origin origin, WalkObserver &obs);
    void after_value();
    void start_pdv(ByteView header, WalkedBytes &w, WalkObserver &obs);
    void enter_resync(bool garbage, ResyncReason reason);
    void report_unreadable(const WalkedBytes &w, WalkObserver &obs); // garbage or resync, as the mode says
    void announce_piece(uint8_t unit, WalkObserver &obs);
    void complete_fragments(WalkedBytes &w, uint8_t unit, size_t n, Origin at, WalkObserver &obs); // and points `w` at them
    void consume_pending(size_t n);
    void drop_pending() { consume_pending(pending_.size()); }
    void damage_pending_unit(WalkObserver &obs);
    // Takes bytes into the unit being assembled until it has `need` (or `b` runs out).
    size_t take_pending(ByteView b, Origin origin, uint64_t offset, size_t need);
    // Reports the first `n` pending bytes as unreadable, one call per origin piece, and drops them.
    void report_pending_prefix(size_t n, WalkObserver &obs);
    Plausibility resync_plausibility(ByteView b) const;

    uint32_t pdu_cap_;
    uint64_t walked_ = 0;
    Mode mode_ = AtPdu;
    bool at_start_ = true;          // nothing walked yet: a bad header means a late capture start
    bool garbage_ = true;           // Resync mode reports garbage (else resync)
    ResyncReason resync_reason_ = ResyncReason::Gap;
    SkipReason skip_reason_ = SkipReason::PdvInvalid;
    uint16_t pdv_index_ = 0;
    PdvPosition pdv_;               // the current PDV
    uint32_t value_left_ = 0;
    uint32_t pdu_left_ = 0;         // bytes of the current P-DATA-TF not yet walked
    uint32_t unit_left_ = 0;        // InUnit: bytes of a damaged PDU still to pass
    std::vector<uint8_t> pending_;  // the unit being assembled
    std::vector<Piece> pieces_;
    // What the stream has shown so far, to judge where to resynchronise after a gap: bytes
    // inside a value (pixel data) can look like a PDU header, but rarely with a context ID
    // the stream uses and a length no longer than its P-DATA-TFs so far.
    std::bitset<256> contexts_seen_;
    uint32_t longest_pdata_ = 0;
};

} // namespace dicom
