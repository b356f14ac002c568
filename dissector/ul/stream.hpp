// One direction of a DICOM connection as the receiving peer got it: TCP segments put back in
// sequence order, then walked PDU by PDU (PS3.8 9.3) into events.
//
// A capture is evidence about a network, not a clean byte stream. Segments come
// retransmitted, duplicated, overlapping and out of order, and some never come because the
// capture missed them. PduStream therefore places each segment by its sequence number:
// bytes already walked are reported as Duplicate and not walked again, bytes ahead of the
// walk are copied and Held until the gap before them fills, and a gap that cannot fill (the
// receiver acknowledged past it, or the hold limit is reached) is declared Lost. The walk
// then goes on: inside a PDV value the structure is still known, so only the value has a
// hole; where a header was lost the walk resynchronises at the next plausible PDU.
//
// The walk never holds large PDUs whole. A P-DATA-TF is its 6-byte header, PDV item headers
// (6 bytes) and value pieces passed on as the segments carry them. Only headers, the other
// PDU types (at most 1 MiB) and a few bytes while resynchronising are assembled when a
// segment boundary splits them. Each event says where its bytes sit in the capture
// (Origin), so the caller can show it on the frame that carried it.
#pragma once
#include <bitset>
#include <cstdint>
#include <map>
#include <vector>

#include "base/bytes.hpp"
#include "ul/pdu.hpp"
#include "base/recent_values.hpp"

namespace dicom {

// Where bytes sit in the capture: the caller's handle for a payload it fed, and an offset in
// that payload. Opaque to the stream.
struct Origin {
    void *source = nullptr;
    uint32_t offset = 0;
};

// The PDV that a header, a value piece or a lost range belongs to.
struct PdvPosition {
    uint16_t index = 0;        // 1, 2, ... within its P-DATA-TF
    uint8_t context_id = 0;
    uint8_t flags = 0;         // message control header (kPdvCommand, kPdvLast)
    uint32_t value_length = 0;
    uint32_t value_offset = 0; // of this piece within the value
    bool invalid = false;      // the item length does not fit its PDU
};

enum class StreamEventKind : uint8_t {
    Pdu,         // a whole PDU other than P-DATA-TF
    PdataHeader, // the 6-byte header of a P-DATA-TF
    PdvHeader,   // a PDV item header; an empty value follows as a Value of length 0
    Value,       // a piece of the current PDV's value, never longer than one origin's bytes
    Skip,        // bytes of a P-DATA-TF that cannot be read as PDV items (see SkipReason)
    Garbage,     // bytes where no PDU header is plausible (the peer sent them, or corruption)
    Resync,      // bytes skipped to the next PDU header after a capture gap or capture start
    Fragment,    // bytes of one origin that start or continue a unit that later bytes complete
                 // (`unit`); emitted again with `completed_by` once the unit is complete
    Duplicate,   // bytes already walked or held: retransmitted, duplicated or overlapping
    Held,        // bytes ahead of the walk, copied until the missing bytes before them arrive
    Lost,        // bytes that never arrived (capture gap): a place and a length, no bytes
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

struct StreamEvent {
    StreamEventKind kind = StreamEventKind::Pdu;
    uint64_t offset = 0;  // stream offset of the first byte
    uint32_t length = 0;  // bytes (Lost: missing bytes)
    ByteView bytes;       // the event's bytes, contiguous (assembled units: a copy); none for Lost
    Origin origin;        // where `bytes` start; for an assembled unit, where its last piece is
    uint32_t origin_length = 0; // bytes of the event that are in `origin` (== length unless assembled)
    bool assembled = false; // the bytes came from more than one origin (Fragment events name the others)
    uint8_t unit = 0;     // Pdu, Fragment: the PDU type (Fragment of a PDV header: 0)
    uint32_t pdu_length = 0; // PdataHeader, Pdu: the PDU length field
    PdvPosition pdv;      // PdvHeader, Value, Lost InValue
    bool first = false, last = false; // Value, Lost InValue: the piece starts / ends the PDV's value
    LostKind lost = LostKind::Framing;
    SkipReason skip = SkipReason::PdvInvalid;
    ResyncReason resync = ResyncReason::Gap;
    uint64_t repeat_of = 0; // Duplicate: cookie of the walked unit these bytes repeat (0: unknown)
    bool of_held = false;   // Duplicate: the bytes repeat bytes held ahead of a gap, not walked yet
    Origin repeat_origin;   // Duplicate: where the repeated bytes came from, when they are part of
                            // a unit still being assembled (no cookie yet)
    Origin completed_by;    // Fragment: where the unit's last piece is (none when a gap damaged it)
    ByteView unit_so_far;   // Fragment, as the piece comes: the unit's bytes up to here, from its first
};

// Receives the events of a walk. Called synchronously; `bytes` are valid during the call only.
class StreamSink {
public:
    virtual ~StreamSink() = default;
    // Returns a cookie (0: none) that Duplicate events later give back for the same bytes.
    virtual uint64_t on_event(const StreamEvent &e) = 0;
};

struct StreamLimits {
    uint32_t pdu_cap = 1u << 24;     // a PDU header announcing more is not a PDU
    uint64_t hold_limit = 8u << 20;  // bytes held ahead of a gap before it is declared lost
};

class PduStream {
public:
    explicit PduStream(const StreamLimits &limits = {}) : limits_(limits) {}

    // The stream's first byte has sequence number `seq` (known from the connection's SYN, or
    // from TCP's relative numbering): segments that arrive ahead of it wait for it.
    void expect_start(uint32_t seq);
    // A TCP segment's payload at sequence number `seq` (any base: only differences count).
    void add_segment(uint32_t seq, ByteView payload, Origin origin, StreamSink &sink);
    // Bytes known to follow the previous ones (decrypted TLS data): no sequence numbers.
    void add_in_order(ByteView payload, Origin origin, StreamSink &sink);
    // The receiving peer acknowledged every byte before `ack`: those the capture does not
    // hold will never come.
    void peer_acknowledged(uint32_t ack, StreamSink &sink);

    bool holding() const { return !held_.empty(); }
    // The walk stands between two PDUs: nothing of a PDU has been walked that is not complete.
    bool between_pdus() const { return mode_ == AtPdu && pending_.empty(); }
    // Whether an acknowledgement up to `ack` can tell anything: bytes wait for a gap, or it
    // acknowledges bytes the capture has not shown yet.
    bool ack_matters(uint32_t ack) const {
        return started_ && (!held_.empty() || offset_of(ack) > int64_t(walked_ > acked_ ? walked_ : acked_));
    }
    uint64_t walked() const { return walked_; }      // stream offset the walk has reached
    uint64_t held_bytes() const { return held_bytes_; }
    uint64_t lost_bytes() const { return lost_bytes_; }

private:
    enum Mode : uint8_t { AtPdu, AtPdvHeader, InValue, InSkip, InUnit, Resync };
    struct Held {
        std::vector<uint8_t> bytes;
        Origin origin;
    };
    struct Piece { // bytes of the unit being assembled, by origin
        Origin origin;
        uint32_t length;
        uint64_t offset;
    };
    struct Walked { // for naming what a duplicate repeats
        uint64_t offset;
        uint64_t cookie;
    };

    int64_t offset_of(uint32_t seq) const;
    void walk_bytes(ByteView b, Origin origin, StreamSink &sink);
    void walk_hole(uint64_t n, StreamSink &sink);
    void declare_lost(uint64_t up_to, StreamSink &sink); // the gap before the first held segment
    void deliver_held(StreamSink &sink);                 // held segments that the walk has reached
    void duplicate(int64_t off, ByteView b, Origin origin, bool of_held, StreamSink &sink);
    void hold(uint64_t off, ByteView b, Origin origin, StreamSink &sink);
    size_t step(ByteView b, Origin origin, StreamSink &sink); // one unit (or part); bytes taken
    size_t step_header(ByteView b, Origin origin, StreamSink &sink);
    size_t step_resync(ByteView b, Origin origin, StreamSink &sink);
    void after_value(StreamSink &sink);
    void start_pdv(ByteView header, StreamEvent &e, StreamSink &sink);
    void enter_resync(StreamEventKind kind, ResyncReason reason);
    void announce_piece(uint8_t unit, StreamSink &sink);
    void emit_fragments(StreamEvent &e, size_t n, Origin at, StreamSink &sink); // and points `e` at them
    void emit_assembled(StreamEvent &e, size_t n, Origin at, StreamSink &sink);
    void consume_pending(size_t n);
    void drop_pending();
    void settle(StreamSink &sink); // delivers what the walk reached, declares what cannot come
    void begin_if_known(StreamSink &sink);
    // Takes bytes into the unit being assembled until it has `need` (or `b` runs out).
    size_t take_pending(ByteView b, Origin origin, uint64_t offset, size_t need);
    // Emits the first `n` pending bytes as events of `kind`, one per origin piece, and drops them.
    void emit_pending_prefix(StreamEventKind kind, size_t n, uint8_t unit, StreamSink &sink);
    uint64_t emit(StreamEvent &e, StreamSink &sink);
    uint64_t repeat_cookie(uint64_t offset) const;
    Plausibility resync_plausibility(ByteView b) const;

    StreamLimits limits_;
    bool started_ = false;
    bool starting_ = false;          // the first segment did not start a PDU: waiting to see the start
    bool start_known_ = false;       // expect_start() said where the stream begins
    uint32_t base_seq_ = 0;          // sequence number of stream offset 0
    uint64_t walked_ = 0;
    uint64_t acked_ = 0;             // furthest offset the receiver acknowledged
    std::map<uint64_t, Held> held_;  // by stream offset; never overlapping
    uint64_t held_bytes_ = 0, lost_bytes_ = 0;
    RecentValues<Walked, 1024> recent_; // walked units, for Duplicate events

    Mode mode_ = AtPdu;
    bool at_start_ = true;           // nothing walked yet: a bad header means a late capture start
    StreamEventKind garbage_kind_ = StreamEventKind::Garbage; // what Resync mode emits
    ResyncReason resync_reason_ = ResyncReason::Gap;
    SkipReason skip_reason_ = SkipReason::PdvInvalid;
    uint16_t pdv_index_ = 0;
    PdvPosition pdv_;                // the current PDV
    uint32_t value_left_ = 0;
    uint32_t pdu_left_ = 0;          // bytes of the current P-DATA-TF not yet walked
    uint32_t unit_left_ = 0;         // InUnit: bytes of a damaged PDU still to pass
    std::vector<uint8_t> pending_;   // the unit being assembled
    std::vector<Piece> pieces_;
    // What the stream has shown so far, to judge where to resynchronise after a gap: bytes
    // inside a value (pixel data) can look like a PDU header, but rarely with a context ID
    // the stream uses and a length no longer than its P-DATA-TFs so far.
    std::bitset<256> contexts_seen_;
    uint32_t longest_pdata_ = 0;
};

} // namespace dicom
