// Raising conformance violations (session/violations.hpp) as the first pass walks the capture,
// at the frame where the capture shows them, and only where it proves them: nothing across a
// capture gap (bytes a side sent that the capture missed), nothing of a state the capture did
// not see begin (a late start), and no order across the two directions where the capture looks
// taken on a mirror port. Each function appends what it raised to `out`; ul_state violations
// are also summed up in the diagnosis as protocol_violation (appended to `found`).
#pragma once
#include <cstdint>
#include <vector>

#include "session/violations.hpp"

namespace dicom {

class Association;
struct Associate;
struct ControlPdu;
struct Message;

// Any PDU, in the order the walk reaches them (`length_field`: its PDU-length).
void validate_pdu_order(Association &a, int from_requestor, uint8_t type, uint32_t length_field, uint32_t frame,
                        double time, std::vector<Violation> &out, std::vector<Diagnostic> &found);
// A whole A-ASSOCIATE-RQ or -AC, after the association applied it.
void validate_associate(Association &a, const Associate &pdu, int from_requestor, uint32_t frame,
                        std::vector<Violation> &out);
// A whole A-ASSOCIATE-RJ, A-RELEASE-RQ/RP or A-ABORT.
void validate_control(Association &a, const ControlPdu &pdu, int from_requestor, uint32_t frame,
                      std::vector<Violation> &out);
// A completed DIMSE message, after Association::on_message.
void validate_message(Association &a, const Message &m, std::vector<Violation> &out);
// The first PDV of a message on a context the acceptor did not accept; a PDV item length that
// does not fit its PDU. Both are also protocol_violation findings of the diagnosis.
void validate_pdv_context(Association &a, int from_requestor, uint8_t context_id, uint32_t frame, double time,
                          std::vector<Violation> &out, std::vector<Diagnostic> &found);
void validate_pdv_length(Association &a, int from_requestor, uint32_t frame, double time, std::vector<Violation> &out,
                         std::vector<Diagnostic> &found);

} // namespace dicom
