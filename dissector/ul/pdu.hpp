// PDU framing (PS3.8 section 9.3): the 6-byte header, which PDU types exist, and how to find
// where the next PDU ends in a byte stream whose contents may be anything.
#pragma once
#include <cstdint>

#include "base/bytes.hpp"
#include "ul/ul_codes.hpp"

namespace dicom {


constexpr uint32_t kPduHeaderLen = 6;  // type, reserved, length (PS3.8 9.3.1)
constexpr uint32_t kPdvHeaderLen = 6;  // PDV item length (4), presentation context ID, message control header
// Message control header bits (PS3.8 Annex E.2).
constexpr uint8_t kPdvCommand = 0x01;
constexpr uint8_t kPdvLast = 0x02;

// A PDV item length counts the context ID and the message control header (2 bytes) and the
// value; it must fit the `room` bytes of its PDU that follow the length field (PS3.8 9.3.5.1).
constexpr bool pdv_length_fits(uint32_t item_length, uint64_t room) { return item_length >= 2 && item_length <= room; }
// Fixed part of A-ASSOCIATE-RQ/AC after the header: version, reserved, AE titles, reserved.
constexpr uint32_t kAssociateFixedLen = 68;
// Largest A-ASSOCIATE-RQ/AC accepted; anything longer is treated as not a PDU.
constexpr uint32_t kMaxAssociateLength = 1u << 20;

// The reserved byte of a P-DATA-TF header (PS3.8 9.3.5) is not zero (`header`: its 6 bytes).
inline bool pdata_reserved_set(ByteView header) { return header.has(1, 1) && header.u8(1) != 0; }
// A PDV's message control header uses bits PS3.8 E.2 reserves.
inline bool pdv_flags_reserved_set(uint8_t flags) { return (flags & ~(kPdvCommand | kPdvLast)) != 0; }


struct PduHeader {
    uint8_t type = 0;
    uint8_t reserved = 0;
    uint32_t length = 0; // of what follows the header
    uint64_t total() const { return uint64_t(kPduHeaderLen) + length; }
};

bool parse_pdu_header(ByteView bytes, PduHeader &out);

// Smallest and largest length field each PDU type can legitimately carry (largest bounded
// by `cap` for the variable-size types).
bool pdu_length_plausible(uint8_t type, uint32_t length, uint32_t cap);

// What the bytes at a PDU boundary are.
struct Framing {
    enum Kind : uint8_t { Pdu, NeedMore, Garbage } kind;
    uint64_t length; // Pdu: total PDU size; Garbage: bytes to skip; NeedMore: bytes wanted
};
Framing frame_next(ByteView available, uint32_t cap);

// How convincing the bytes at the start of `b` are as the start of a PDU, checked as far as
// they go: No, Yes, or Maybe (nothing wrong so far, but too few bytes to say).
enum class Plausibility : uint8_t { No, Yes, Maybe };
Plausibility pdu_start_plausibility(ByteView b, uint32_t cap);

// Where the next PDU probably starts in bytes that do not begin with one (a capture that
// starts inside a PDU, or after corruption): the first offset whose header is plausible and
// whose contents add up (a P-DATA-TF's PDV items, a release's zero bytes, an A-ASSOCIATE's
// AE titles). Returns bytes.size when there is none.
size_t find_resync_point(ByteView bytes, uint32_t cap);

// Heuristic test of a connection's first payload: is this an A-ASSOCIATE-RQ? Works on the
// first segment alone (the PDU may continue in later segments); checks as much as is there.
bool looks_like_associate_rq(ByteView first_bytes);

// The stricter test for claiming, on any port, a connection whose set-up was not captured:
// the segment starts with a P-DATA-TF whose first PDV begins a command set, or with an
// A-ASSOCIATE-AC, release or abort PDU that checks out in full.
bool looks_like_midstream_pdu(ByteView first_bytes, uint32_t cap);

} // namespace dicom
