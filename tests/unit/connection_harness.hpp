// Test helpers that drive the core exactly as the plugin does: one dicom::Connection of a
// dicom::Capture, fed payloads of either direction (with TCP's relative sequence numbers) and
// acknowledgements, one frame per call; and a recorder of what the connection told its
// observer, in a form two walks can be compared by. Real streams are cut into segments and
// impaired the way networks and capture hosts do.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "session/capture.hpp"
#include "session/connection.hpp"

struct Segment {
    uint32_t seq = 0;
    std::vector<uint8_t> bytes;
};

// Cuts `stream` into segments of `size` bytes (the last may be shorter), from sequence number
// `base` (TCP's relative numbering starts a direction at 1).
std::vector<Segment> cut(const std::vector<uint8_t> &stream, size_t size, uint32_t base = 1);

// What a walk of one direction produced, in a form two walks can be compared by.
struct Walk {
    std::vector<std::string> units;           // "PDU 01 <len>", "PDATA <len>", "PDV ctx flags len" ...
    std::vector<std::vector<uint8_t>> values; // each PDV's value, reassembled from its pieces
    std::vector<std::string> trouble;         // "garbage|skip|resync|lost|duplicate|held at <offset> len <n>"
    uint64_t event_bytes = 0;                 // payload bytes the units, fragments, duplicates account for
    uint64_t lost = 0, duplicate = 0, held_max = 0;
};

// One thing the connection told its observer (without its bytes).
struct Event {
    enum Kind : uint8_t { Pdu, PdataHeader, PdvHeader, Value, Skip, Garbage, Resync, Fragment, Duplicate, Held, Lost };
    Kind kind = Pdu;
    int direction = 0;
    uint64_t offset = 0;
    uint32_t length = 0;
    uint32_t frame = 0;           // of the payload that carried the bytes
    dicom::PdvPosition pdv;
    dicom::LostKind lost = dicom::LostKind::Framing;
    dicom::SkipReason skip = dicom::SkipReason::PdvInvalid;
    dicom::ResyncReason resync = dicom::ResyncReason::Gap;
    dicom::Repeat repeat;
};
const char *event_name(Event::Kind k); // "pdu", ..., "lost"

class Recorder final : public dicom::ConnectionObserver {
public:
    Walk walk[2];
    std::vector<Event> events;
    std::vector<dicom::Diagnostic> raised; // findings
    std::vector<dicom::Violation> violated; // conformance violations

    void pdu(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, uint8_t type, uint32_t length_field) override;
    void pdata_header(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, uint32_t length_field) override;
    void pdv_header(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, const dicom::PdvPosition &pdv) override;
    void pdv_value(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, const dicom::PdvPosition &pdv,
                   const dicom::PieceOutcome &o) override;
    void lost(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, dicom::LostKind kind, const dicom::PdvPosition &pdv,
              const dicom::PieceOutcome &o) override;
    void skipped(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, dicom::SkipReason why) override;
    void garbage(const dicom::UnitPlace &p, const dicom::WalkedBytes &w) override;
    void resync(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, dicom::ResyncReason why) override;
    void fragment(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, uint8_t unit) override;
    void fragment_completed(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, uint8_t unit,
                            dicom::Origin completed_by) override;
    void duplicate(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, const dicom::Repeat &r) override;
    void held(const dicom::UnitPlace &p, const dicom::WalkedBytes &w, dicom::HeldReason why) override;
    void message_noted(const dicom::UnitPlace &, dicom::Message &, bool, bool) override {}
    void pdu_noted(const dicom::UnitPlace &, uint8_t, uint32_t) override {}
    void findings(const dicom::UnitPlace &, const std::vector<dicom::Diagnostic> &found) override {
        raised.insert(raised.end(), found.begin(), found.end());
    }
    void violations(const dicom::UnitPlace &, const std::vector<dicom::Violation> &found) override {
        violated.insert(violated.end(), found.begin(), found.end());
    }
    void data_set_kept(const dicom::UnitPlace &, const dicom::Message &, dicom::ChunkedBytes &&) override {}

private:
    Event &record(Event::Kind kind, const dicom::UnitPlace &p, const dicom::WalkedBytes &w);
    void trouble(const Event &e);
    std::vector<uint8_t> *open_value_[2] = {nullptr, nullptr};
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

class ConnectionHarness {
public:
    explicit ConnectionHarness(const dicom::ConnectionSettings &s = {});
    // A payload of direction `dir` at TCP relative sequence number `seq.seq`, as the next frame.
    void payload(int dir, const Segment &seg);
    void payloads(int dir, const std::vector<Segment> &segs); // each as a frame
    // Bytes of `dir` known to follow the previous ones (decrypted TLS data), as the next frame.
    void in_order(int dir, const std::vector<uint8_t> &bytes);
    // A segment of `dir` (no payload) acknowledging the other direction up to `ack`.
    void ack(int dir, uint32_t ack);
    // `seconds` of capture time pass (then a frame without payload): gaps the receiver
    // acknowledged past are declared lost once their grace is over.
    void pause(double seconds);
    // The first PDU of `rq_stream` as direction 0 and of `ac_stream` as direction 1 (an
    // A-ASSOCIATE-RQ and its -AC): the association is negotiated. Returns each PDU's size.
    std::pair<size_t, size_t> open(const std::vector<uint8_t> &rq_stream, const std::vector<uint8_t> &ac_stream);
    // Every message of every association, in order.
    std::vector<MessageDigest> messages() const;
    const dicom::Association *association(size_t i = 0) const;

    dicom::Capture capture;
    dicom::Connection &conn;
    Recorder rec;
    uint32_t next_frame = 1;

private:
    dicom::Packet packet(int dir);
    double time_offset_ = 0;
    std::deque<int> payload_ids_; // each payload's identity (Origin::source)
};

// Size of the PDU that starts `stream` (0 when none does).
size_t first_pdu_size(const std::vector<uint8_t> &stream);

// The PDV items of a byte stream as the PDU walker alone reports them (no reassembly).
struct PdvItems final : dicom::WalkObserver {
    struct Item {
        dicom::PdvPosition pdv;
        std::vector<uint8_t> value;
    };
    std::vector<Item> items;
    uint64_t skipped_total = 0;
    void pdu(const dicom::WalkedBytes &, uint8_t, uint32_t) override {}
    void pdata_header(const dicom::WalkedBytes &, uint32_t) override {}
    void pdv_header(const dicom::WalkedBytes &, const dicom::PdvPosition &pdv) override { items.push_back(Item{pdv, {}}); }
    void pdv_value(const dicom::WalkedBytes &w, const dicom::PdvPosition &) override {
        if (!items.empty()) items.back().value.insert(items.back().value.end(), w.bytes.data, w.bytes.data + w.bytes.size);
    }
    void skipped(const dicom::WalkedBytes &w, dicom::SkipReason) override { skipped_total += w.length; }
    void garbage(const dicom::WalkedBytes &) override {}
    void resync(const dicom::WalkedBytes &, dicom::ResyncReason) override {}
    void fragment(const dicom::WalkedBytes &, uint8_t, dicom::ByteView) override {}
    void fragment_completed(const dicom::WalkedBytes &, uint8_t, dicom::Origin) override {}
    void lost(const dicom::WalkedBytes &, dicom::LostKind, const dicom::PdvPosition &) override {}
};
PdvItems walk_pdvs(const std::vector<uint8_t> &bytes);
