// What a walked stream event changes in an association (the "update state" phase): PDUs
// shape the association (PS3.8 9.3), PDV pieces build DIMSE messages (PS3.7 E), and bytes
// lost in a capture gap mark the messages they hit. The plugin and the tests both drive an
// association through here, so the two cannot differ.
#pragma once
#include <cstdint>
#include <vector>

#include "session/association.hpp"
#include "dimse/message.hpp"
#include "ul/stream.hpp"

namespace dicom {

struct EventOutcome {
    PdvOutcome pdv;                // Value and Lost-in-value events: what the piece led to
    std::vector<Message *> closed; // messages found to be over without their last fragment
    bool parse_failed = false;     // a PDU too short even for its fixed part
    std::vector<Diagnostic> diagnostics; // findings this event raised (diagnosis.hpp)
};

struct EventContext {
    int from_requestor = -1;  // 1, 0, or -1 when the A-ASSOCIATE-RQ was not seen
    uint8_t stream = 0;       // which of the connection's two directions
    uint32_t frame = 0;       // the frame that carried the event's (last) bytes
    uint32_t walk_frame = 0;  // the frame at which the walk reached them
    double time = 0;          // of walk_frame
    uint8_t keep = 0;         // KeepBytes: which bytes messages keep (for Export Objects, to show)
};

// Applies one event of a PduStream to the association it belongs to. Messages it completes
// are counted and matched (Association::on_message), and what the event shows is diagnosed.
EventOutcome apply_event(Association &a, MessageAssembler &messages, const StreamEvent &e, const EventContext &c);

} // namespace dicom
