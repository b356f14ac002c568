// Test helpers for the stream layer: cutting a real stream into TCP segments, impairing them
// the way networks and capture hosts do, and reading back what the walk produced, both as
// PDU/PDV units and as the DIMSE messages an association assembled from them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "session/association.hpp"
#include "dimse/message.hpp"
#include "ul/stream.hpp"
#include "session/upper_layer.hpp"

struct Segment {
    uint32_t seq = 0;
    std::vector<uint8_t> bytes;
};

// Cuts `stream` into segments of `size` bytes (the last may be shorter), from sequence number `base`.
std::vector<Segment> cut(const std::vector<uint8_t> &stream, size_t size, uint32_t base = 1000);

// What a walk produced, in a form two walks can be compared by.
struct Walk {
    std::vector<std::string> units;               // "PDU 01 <len>", "PDATA <len>", "PDV ctx flags len" ...
    std::vector<std::vector<uint8_t>> values;      // each PDV's value, reassembled from its pieces
    std::vector<std::string> trouble;              // Garbage, Skip, Resync, Lost, Duplicate, Held events
    uint64_t event_bytes = 0;                      // bytes of all events that carry bytes
    uint64_t lost = 0, duplicate = 0, held_max = 0;
};

// A sink that records a Walk and, given an association, assembles messages (apply_event).
class Recorder final : public dicom::StreamSink {
public:
    explicit Recorder(dicom::Association *assoc = nullptr) : assoc_(assoc) {}
    uint64_t on_event(const dicom::StreamEvent &e) override;
    Walk walk;
    dicom::MessageAssembler messages;
    std::vector<dicom::StreamEvent> events; // copies without bytes
    uint32_t frame = 1;                     // frame number given to the next events

private:
    dicom::Association *assoc_;
    std::vector<uint8_t> *open_value_ = nullptr;
};

// One message as a test compares it.
struct MessageDigest {
    uint16_t command = 0, id = 0;
    uint64_t data_size = 0;
    size_t elements = 0;
    bool incomplete = false;
    std::string sop_instance;
    bool operator==(const MessageDigest &o) const {
        return command == o.command && id == o.id && data_size == o.data_size && elements == o.elements &&
               incomplete == o.incomplete && sop_instance == o.sop_instance;
    }
};
std::vector<MessageDigest> digest(const dicom::MessageAssembler &m);

// The association that a sample capture's first two streams negotiate (RQ, then AC).
dicom::Association negotiated(const std::vector<uint8_t> &rq_stream, const std::vector<uint8_t> &ac_stream);
