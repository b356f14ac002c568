// DIMSE messages assembled from PDV fragments (PS3.7 Annex E, PS3.8 9.3.5): command and
// data set fragments are joined per presentation context in arrival order; a message is
// complete when its command (and its data set, if the command announces one) has its last
// fragment. Each message is parsed once, when it completes.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chunks.hpp"
#include "dataset.hpp"
#include "dimse.hpp"

namespace dicom {

struct Message {
    uint32_t index = 0;          // 1, 2, ... within the association
    uint8_t context_id = 0;
    std::vector<uint32_t> frames; // frames that carried its fragments, ascending
    uint32_t command_frame = 0;  // frame whose PDV completed the command set
    uint32_t complete_frame = 0; // frame that completed the message; 0 while incomplete
    uint32_t command_fragments = 0, data_fragments = 0;
    DataSet command_set;
    Command command;
    bool has_data = false;
    std::string transfer_syntax; // of the data set, as negotiated (or inferred)
    bool syntax_inferred = false; // the negotiation was not captured: guessed from the data
    uint64_t data_size = 0;      // data set bytes as sent (before inflating)
    DataSet data_set;
    ChunkedBytes raw_data;       // the data set as sent, kept only when asked for
    uint32_t raw_fragments = 0;  // data fragments held in raw_data
    std::vector<Problem> problems;

    // Timing (seconds since the epoch, from the capture): first fragment, command complete,
    // message complete.
    double first_time = 0, command_time = 0, complete_time = 0;
    // Request/response matching (PS3.7 9.1.1.1: by message ID within the association).
    Message *request = nullptr;         // for a response or a C-CANCEL: the request it answers
    Message *final_response = nullptr;  // for a request: the response that ended it
    Message *cancel = nullptr;          // for a request: the C-CANCEL-RQ that named it
    uint32_t responses = 0;             // for a request: responses seen (pending ones included)
    bool unanswered_reported = false;
};

struct PdvOutcome {
    Message *message = nullptr;
    bool command_done = false; // this PDV completed the command set
    bool message_done = false; // this PDV completed the message
    uint32_t data_fragment = kNotData; // ordinal among the message's data set fragments
    uint64_t data_offset = 0;          // where this piece starts within the data set
    static constexpr uint32_t kNotData = 0xFFFFFFFFu;
};

class MessageAssembler {
public:
    // One PDV, in arrival order. `transfer_syntax` is the context's negotiated one;
    // `keep_data` keeps the data set bytes in the message (for Export Objects).
    PdvOutcome add(uint8_t context_id, uint8_t flags, const uint8_t *value, size_t length,
                   uint32_t frame, double time, std::string_view transfer_syntax, bool keep_data) {
        return add_piece(context_id, flags, value, length, frame, time, transfer_syntax, keep_data, true, true);
    }
    // Part of one PDV's value, for PDVs that arrive over many TCP segments and are not
    // reassembled: `first`/`last` say whether the piece starts/ends the PDV's value.
    PdvOutcome add_piece(uint8_t context_id, uint8_t flags, const uint8_t *value, size_t length,
                         uint32_t frame, double time, std::string_view transfer_syntax, bool keep_data,
                         bool first, bool last);
    std::deque<Message> &messages() { return messages_; }
    const std::deque<Message> &messages() const { return messages_; }

private:
    struct Pending {
        uint8_t context_id = 0;
        Message *message = nullptr;
        bool command_done = false;
        bool parse_at_end = false; // deflated: inflated and walked once complete
        ChunkedBytes command, data;
        std::unique_ptr<DataSetParser> parser; // walks `data` as it arrives
    };
    Pending &pending(uint8_t context_id);
    Message &start(Pending &p);
    void finish_data(Pending &p, bool keep_data);
    void feed_data(Pending &p, bool keep_data);
    PdvOutcome finish_command(Pending &p, uint32_t frame, double time);
    PdvOutcome complete(Pending &p, uint32_t frame, double time, PdvOutcome out); // message done

    std::deque<Pending> pending_; // one per context in use; a handful at most (stable addresses)
    std::deque<Message> messages_; // stable addresses
};

// Inflates a deflated data set (PS3.5 A.5: raw deflate, no zlib header) into `out`,
// stopping at `max_out` bytes. False when the stream is corrupt or truncated.
bool inflate_raw(const ChunkedBytes &in, ChunkedBytes &out, uint64_t max_out);

} // namespace dicom
