// P-DATA-TF (PS3.8 9.3.5) and its presentation data value items.
#pragma once
#include <cstdint>
#include <vector>

#include "bytes.hpp"
#include "problems.hpp"

namespace dicom {

// Message control header bits (PS3.8 Annex E.2).
constexpr uint8_t kPdvCommand = 0x01;
constexpr uint8_t kPdvLast = 0x02;

struct Pdv {
    Span where;          // item length field through the end of the value
    uint32_t length = 0; // as the item says (context id + flags + value)
    uint8_t context_id = 0;
    uint8_t flags = 0;
    Span value;          // the fragment, clamped to the PDU
    bool is_command() const { return flags & kPdvCommand; }
    bool is_last() const { return flags & kPdvLast; }
};

struct PData {
    std::vector<Pdv> pdvs;
    Findings findings;
};

// Parses a whole P-DATA-TF PDU (header included). Fragment bytes are not copied.
void parse_pdata(ByteView pdu, PData &out);

} // namespace dicom
