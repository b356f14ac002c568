// DIMSE messages assembled from PDV fragments (PS3.7 Annex E, PS3.8 9.3.5): command and
// data set fragments are joined per presentation context in arrival order; a message is
// complete when its command (and its data set, if the command announces one) has its last
// fragment. Each message is parsed once, when it completes.
#pragma once
#include <cstdint>
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/chunks.hpp"
#include "base/containers.hpp"
#include "dataset/dataset.hpp"
#include "dimse/dimse.hpp"

namespace dicom {

// What a capture gap did to a message; only messages it hit carry one.
struct CaptureDamage {
    uint64_t bytes_missing = 0;            // known to be missing from its command or data set
    uint64_t first_missing = ~uint64_t(0); // data set offset of the first missing byte, if in the data set
    uint64_t gap_bytes = 0;                // stream bytes lost over PDU or PDV headers while it was in progress
    bool gap = false;                      // such a loss happened while it was in progress
    bool closed = false;                   // ended without its last fragment (lost in a gap)
    // A command set that lost bytes: its elements as far as they could be read (a whole one is
    // parsed again from Message::command_bytes when it is shown).
    DataSet command_set;
};

struct Message {
    uint32_t index = 0;          // 1, 2, ... within the association
    uint8_t context_id = 0;
    uint8_t stream = 0;          // the connection's direction that carried it
    int8_t from_requestor = -1;  // 1, 0, or -1 when the A-ASSOCIATE-RQ was not seen
    std::vector<uint32_t> frames; // frames that carried its fragments, ascending
    uint32_t command_frame = 0;  // frame whose PDV completed the command set
    uint32_t complete_frame = 0; // frame that completed the message; 0 while incomplete
    uint32_t command_fragments = 0, data_fragments = 0;
    Command command;
    // The command set as sent, kept for every whole command (they are small) and parsed again
    // when it is shown, so that each element can point at its bytes; and what its walk found.
    std::string command_bytes;
    std::vector<DataSetFinding> command_findings;
    bool has_data = false;
    std::string transfer_syntax; // of the data set, as negotiated (or inferred)
    bool syntax_inferred = false; // the negotiation was not captured: guessed from the data
    uint64_t data_size = 0;      // data set bytes as sent (before inflating)
    uint64_t expected_data_size = 0; // where the data set will end, once its Pixel Data header tells (0: not known)
    DataSet data_set;
    std::unique_ptr<ChunkedBytes> kept_data; // the data set as sent, kept only for Export Objects
    // A small data set (inflated if it was deflated) as walked, kept (kKeepToShow) so that each
    // element can be shown with its bytes; empty otherwise.
    std::string data_set_bytes;
    std::vector<Problem> problems;
    std::unique_ptr<CaptureDamage> damage; // bytes sent but not in the capture (not the peers' doing)
    CaptureDamage &damaged() {
        if (!damage) damage.reset(new CaptureDamage());
        return *damage;
    }
    bool incomplete() const { return damage != nullptr; }
    // The kept data set bytes (created empty on first use).
    ChunkedBytes &kept() {
        if (!kept_data) kept_data.reset(new ChunkedBytes());
        return *kept_data;
    }

    // Timing (seconds since the epoch, from the capture): the first byte (the P-DATA-TF header
    // of its first fragment), command complete, message complete.
    double first_time = 0, command_time = 0, complete_time = 0;
    // Request/response matching (PS3.7 9.1.1.1: by message ID within the association).
    Message *request = nullptr;         // for a response or a C-CANCEL: the request it answers
    Message *final_response = nullptr;  // for a request: the response that ended it
    Message *cancel = nullptr;          // for a request: the C-CANCEL-RQ that named it
    uint32_t responses = 0;             // for a request: responses seen (pending ones included)
    bool unanswered_reported = false;

    // Where its time went (first pass, from the TCP timeline).
    double stall_seconds = 0;           // TCP stalls while it was under way
    uint8_t stall_cause = 0;            // StallCause of the longest of them
    double acked_time = 0;              // a request: when its receiver acknowledged its last byte
    double processing = -1;             // a final response: the responder's processing time (s)
};

struct PdvOutcome {
    Message *message = nullptr;
    bool command_done = false; // this PDV completed the command set
    bool message_done = false; // this PDV completed the message
    uint32_t data_fragment = kNotData; // ordinal among the message's data set fragments
    uint64_t data_offset = 0;          // where this piece starts within the data set
    Message *closed = nullptr; // an earlier message on the context that this PDV showed to be over, incomplete
    Message *interrupted = nullptr; // an earlier message whose data set this PDV's new command cut short
    static constexpr uint32_t kNotData = 0xFFFFFFFFu;
};

// One piece of a PDV's value, in stream order (PS3.8 9.3.5, E.2).
struct PdvPiece {
    uint8_t stream = 0;            // which direction (PDVs are assembled per direction and context)
    int8_t from_requestor = -1;    // 1, 0, or -1 when unknown
    uint8_t context_id = 0;
    uint8_t flags = 0;             // message control header
    const uint8_t *value = nullptr;
    size_t length = 0;             // value == nullptr with length > 0: bytes missing from the capture
    bool first = true, last = true; // the piece starts / ends the PDV's value
    uint32_t frame = 0;            // the frame whose bytes these are
    uint32_t walk_frame = 0;       // the frame at which the receiver had them (later when held)
    double time = 0;               // of walk_frame
    double pdu_time = 0;           // when the receiver had the header of the P-DATA-TF they are in (0: `time`)
};

// What the assembler keeps of the bytes it walks, as flags.
enum KeepBytes : uint8_t {
    kKeepForExport = 1, // every data set, as sent (Message::kept_data)
    kKeepToShow = 2,    // data sets up to kShownDataSetLimit, as walked
};
constexpr uint64_t kShownDataSetLimit = 64 * 1024; // query identifiers, worklist items, reports: not images

class MessageAssembler {
public:
    // `transfer_syntax` is the context's negotiated one; `keep` says which bytes the messages
    // keep (KeepBytes flags).
    PdvOutcome add(const PdvPiece &piece, std::string_view transfer_syntax, uint8_t keep);
    // Bytes of PDVs that cannot be told apart were lost (a PDU header or PDV items in a
    // capture gap): every message in progress may lack some.
    void mark_gap(uint64_t stream_bytes);
    // The association ends (release, abort): messages still in progress can no longer
    // complete. Those that lost bytes in a gap are closed as incomplete and returned.
    std::vector<Message *> close_damaged(uint32_t frame, double time, uint8_t keep);
    // Bytes held for messages in progress (data set bytes not yet walked, command sets).
    uint64_t held_bytes() const;
    // The message that direction `stream` has under way (started, not complete), if any.
    Message *in_progress(uint8_t stream) const;
    // Messages whose command is complete and announced a data set that has not begun.
    std::vector<Message *> awaiting_data() const;
    StableList<Message> &messages() { return messages_; }
    const StableList<Message> &messages() const { return messages_; }

private:
    struct Pending {
        uint8_t stream = 0, context_id = 0;
        Message *message = nullptr;
        bool command_done = false;
        bool parse_at_end = false; // deflated: inflated and walked once complete
        uint32_t clean_epoch = 0;  // gap_epoch_ when its command started
        bool unparseable = false;  // a gap of unknown extent: later bytes are counted, not walked
        uint64_t command_sound = ~uint64_t(0); // command bytes before such a gap
        ChunkedBytes command, data;
        std::unique_ptr<DataSetParser> parser; // walks `data` as it arrives
    };
    Pending &pending(uint8_t stream, uint8_t context_id);
    Message &start(Pending &p, const PdvPiece &piece);
    void finish_data(Pending &p, uint8_t keep);
    void feed_data(Pending &p, uint8_t keep);
    static bool passes_unread(const Pending &p, uint64_t n, uint8_t keep);
    PdvOutcome finish_command(Pending &p, const PdvPiece &piece, uint8_t keep);
    void finish_command_bytes(Pending &p, uint8_t keep);
    void finish_command_set(Pending &p); // the command is read: on to its data set
    PdvOutcome complete(Pending &p, uint32_t frame, double time, PdvOutcome out); // message done
    Message *close(Pending &p, uint32_t frame, double time, uint8_t keep); // ends an incomplete message

    StableList<Pending> pending_;  // one per direction and context in use; a handful
    StableList<Message> messages_;
    uint32_t gap_epoch_ = 0;      // mark_gap() calls so far
    DataSet command_scratch_;     // each command set is walked here (its storage reused)
};

// Inflates a deflated data set (PS3.5 A.5: raw deflate, no zlib header) into `out`,
// stopping at `max_out` bytes. False when the stream is corrupt or truncated.
bool inflate_raw(const ChunkedBytes &in, ChunkedBytes &out, uint64_t max_out);

} // namespace dicom
