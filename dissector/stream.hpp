// Walking one direction of a connection unit by unit without holding large PDUs whole.
//
// A P-DATA-TF of 16 KB spans a dozen TCP segments; reassembling it costs a copy of every
// byte kept for the life of the capture (and dcmtk sends even a C-ECHO's PDU as two
// segments: headers, then value). A P-DATA-TF that is not complete in the bytes at hand is
// therefore taken apart: its PDU and PDV headers are small units (reassembled only when a
// segment boundary splits them), and PDV values are passed on piece by piece as the segments
// carry them. Every other PDU, and a P-DATA-TF already complete at hand, is one unit.
#pragma once
#include <cstdint>

#include "bytes.hpp"

namespace dicom {

struct StreamCursor {
    enum Mode : uint8_t { AtPdu, AtPdvHeader, InValue, InSkip };
    uint8_t mode = AtPdu;
    uint8_t context_id = 0, flags = 0; // the current PDV's
    bool pdv_invalid = false;          // the last PDV header did not fit its PDU
    uint16_t pdv_index = 0;            // 1, 2, ... within the PDU
    uint32_t pdu_length = 0;           // the P-DATA-TF's length field
    uint32_t pdu_left = 0;             // bytes of it not yet walked
    uint32_t value_length = 0;         // the current PDV's value
    uint32_t value_left = 0;
};

enum class UnitKind : uint8_t {
    Pdu,       // a whole PDU (or, with fewer than 6 bytes at hand, its header still to come)
    Garbage,   // bytes where no PDU header is plausible, up to where one may start
    PdataHead, // a P-DATA-TF header and its first PDV header (12 bytes)
    PdvHeader, // a later PDV header of the same PDU (6 bytes)
    Value,     // a piece of the current PDV's value
    Skip,      // the rest of a PDU whose PDV header did not fit
};

struct Unit {
    UnitKind kind = UnitKind::Pdu;
    uint32_t length = 0; // may exceed the bytes at hand: then they must be reassembled first
};

// The unit that starts at the cursor, given the bytes from there on (at least one).
Unit next_unit(const StreamCursor &c, ByteView available, uint32_t cap);

// Moves the cursor past `u`, whose bytes are `bytes` (all of them, for header units).
void advance(StreamCursor &c, const Unit &u, ByteView bytes);

} // namespace dicom
