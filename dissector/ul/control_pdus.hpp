// The small fixed-size PDUs: A-ASSOCIATE-RJ (PS3.8 9.3.4), A-RELEASE-RQ/RP (9.3.6, 9.3.7)
// and A-ABORT (9.3.8).
#pragma once
#include <cstdint>

#include "base/bytes.hpp"
#include "ul/ul_codes.hpp"
#include "base/problems.hpp"

namespace dicom {

struct ControlPdu {
    uint8_t type = 0;
    uint8_t result = 0, source = 0, reason = 0; // RJ and A-ABORT (A-ABORT has no result)
    Findings findings;
};

// Parses an A-ASSOCIATE-RJ, A-RELEASE-RQ/RP or A-ABORT (header included).
void parse_control_pdu(ByteView pdu, ControlPdu &out);

} // namespace dicom
