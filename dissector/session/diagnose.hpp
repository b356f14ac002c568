// Raising findings (session/findings.hpp) as the first pass walks the capture, at the frame
// where the evidence is: each function records what it finds in the association (merged by
// code and party) and appends it to `out`, so that the caller can show it on that frame.
#pragma once
#include <cstdint>
#include <vector>

#include "session/findings.hpp"

namespace dicom {

class Association;
struct Message;
class MessageAssembler;

// ---- raising findings (first pass; each appends to `out` what it raised) ----------------------

// A PDU the walk reached (after the association applied it).
struct PduFacts {
    uint8_t type = 0;
    int from_requestor = -1;
    uint32_t pdu_length = 0; // the length field
    uint32_t frame = 0;      // where the receiver had it
    double time = 0;
};
void diagnose_pdu(Association &a, const PduFacts &p, const MessageAssembler &messages, std::vector<Diagnostic> &out);
// A completed (or closed) DIMSE message, after Association::on_message.
void diagnose_message(Association &a, const Message &m, std::vector<Diagnostic> &out);
// A message whose announced data set a new command cut short.
void diagnose_interrupted(Association &a, const Message &m, uint32_t frame, double time, std::vector<Diagnostic> &out);
// A TCP stall of the side `from_requestor` while `m` (may be null) was under way.
// `doubt`: why the capture cannot prove that a pause was the sender's (reordering or loss of the
// same direction around it, a gap still pending); applies to sender_stall.
void diagnose_stall(Association &a, const Stall &s, int from_requestor, Message *m, Doubt doubt,
                    std::vector<Diagnostic> &out);
// The side `from_requestor` sent FIN or RST.
void diagnose_close(Association &a, int from_requestor, const TcpClose &c, const MessageAssembler &messages,
                    std::vector<Diagnostic> &out);
// Trouble the capture shows in the bytes (retransmitted, out of order, missing), which the
// frames already carry expert infos for: counted, not shown again. `from_requestor` as in
// Association::direction_from_requestor; a capture gap makes later findings uncertain.
void diagnose_stream_trouble(Association &a, DiagCode code, int from_requestor, uint64_t bytes, uint32_t frame,
                             double time);

} // namespace dicom
