#include "connection_harness.hpp"

#include <algorithm>
#include <cstdio>

#include "dimse/dimse.hpp"
#include "ul/pdu.hpp"

using namespace dicom;

std::vector<Segment> cut(const std::vector<uint8_t> &stream, size_t size, uint32_t base) {
    std::vector<Segment> out;
    for (size_t off = 0; off < stream.size(); off += size) {
        const size_t n = std::min(size, stream.size() - off);
        out.push_back(Segment{uint32_t(base + off), std::vector<uint8_t>(stream.begin() + long(off), stream.begin() + long(off + n))});
    }
    return out;
}

size_t first_pdu_size(const std::vector<uint8_t> &stream) {
    PduHeader h;
    if (!parse_pdu_header(ByteView(stream.data(), stream.size()), h)) return 0;
    return size_t(std::min<uint64_t>(h.total(), stream.size()));
}

const char *event_name(Event::Kind k) {
    static const char *const names[] = {"pdu", "pdata", "pdv", "value", "skip", "garbage",
                                        "resync", "fragment", "duplicate", "held", "lost"};
    return names[k];
}

// ---- Recorder ------------------------------------------------------------------------------------

Event &Recorder::record(Event::Kind kind, const UnitPlace &p, const WalkedBytes &w) {
    Event e;
    e.kind = kind;
    e.direction = p.direction;
    e.offset = w.offset;
    e.length = w.length;
    e.frame = w.origin.frame;
    events.push_back(e);
    Walk &walk = this->walk[p.direction & 1];
    // Every byte of a payload is accounted for once: by the unit it belongs to, as a fragment
    // of an assembled unit, or as a duplicate (held bytes are counted when walked).
    if (kind != Event::Lost && kind != Event::Held) walk.event_bytes += w.origin_length;
    return events.back();
}

void Recorder::trouble(const Event &e) {
    char line[96];
    std::snprintf(line, sizeof line, "%s at %llu len %u", event_name(e.kind), (unsigned long long)e.offset, e.length);
    walk[e.direction & 1].trouble.push_back(line);
}

void Recorder::pdu(const UnitPlace &p, const WalkedBytes &w, uint8_t type, uint32_t) {
    record(Event::Pdu, p, w);
    char line[64];
    std::snprintf(line, sizeof line, "PDU %02x %u", type, w.length);
    walk[p.direction & 1].units.push_back(line);
    open_value_[p.direction & 1] = nullptr;
}

void Recorder::pdata_header(const UnitPlace &p, const WalkedBytes &w, uint32_t length_field) {
    record(Event::PdataHeader, p, w);
    char line[64];
    std::snprintf(line, sizeof line, "PDATA %u", length_field);
    walk[p.direction & 1].units.push_back(line);
    open_value_[p.direction & 1] = nullptr;
}

void Recorder::pdv_header(const UnitPlace &p, const WalkedBytes &w, const PdvPosition &pdv) {
    record(Event::PdvHeader, p, w).pdv = pdv;
    Walk &walk = this->walk[p.direction & 1];
    char line[64];
    std::snprintf(line, sizeof line, "PDV %u %02x %u%s", pdv.context_id, pdv.flags, pdv.value_length,
                  pdv.invalid ? " invalid" : "");
    walk.units.push_back(line);
    open_value_[p.direction & 1] = nullptr;
    if (!pdv.invalid) {
        walk.values.emplace_back();
        open_value_[p.direction & 1] = &walk.values.back();
    }
}

void Recorder::pdv_value(const UnitPlace &p, const WalkedBytes &w, const PdvPosition &pdv, const PieceOutcome &) {
    record(Event::Value, p, w).pdv = pdv;
    if (std::vector<uint8_t> *v = open_value_[p.direction & 1]) v->insert(v->end(), w.bytes.data, w.bytes.data + w.bytes.size);
}

void Recorder::lost(const UnitPlace &p, const WalkedBytes &w, LostKind kind, const PdvPosition &pdv, const PieceOutcome &) {
    Event &e = record(Event::Lost, p, w);
    e.lost = kind;
    e.pdv = pdv;
    walk[p.direction & 1].lost += w.length;
    trouble(e);
}

void Recorder::skipped(const UnitPlace &p, const WalkedBytes &w, SkipReason why) {
    Event &e = record(Event::Skip, p, w);
    e.skip = why;
    trouble(e);
}

void Recorder::garbage(const UnitPlace &p, const WalkedBytes &w) { trouble(record(Event::Garbage, p, w)); }

void Recorder::resync(const UnitPlace &p, const WalkedBytes &w, ResyncReason why) {
    Event &e = record(Event::Resync, p, w);
    e.resync = why;
    trouble(e);
}

void Recorder::fragment(const UnitPlace &p, const WalkedBytes &w, uint8_t) { record(Event::Fragment, p, w); }

void Recorder::fragment_completed(const UnitPlace &, const WalkedBytes &, uint8_t, Origin) {}

void Recorder::duplicate(const UnitPlace &p, const WalkedBytes &w, const Repeat &r) {
    Event &e = record(Event::Duplicate, p, w);
    e.repeat = r;
    walk[p.direction & 1].duplicate += w.length;
    trouble(e);
}

void Recorder::held(const UnitPlace &p, const WalkedBytes &w, HeldReason) { trouble(record(Event::Held, p, w)); }

// ---- ConnectionHarness -----------------------------------------------------------------------------

namespace {
CaptureSettings capture_settings(const ConnectionSettings &s) {
    CaptureSettings c;
    c.connection = s;
    return c;
}
} // namespace

ConnectionHarness::ConnectionHarness(const ConnectionSettings &s)
    : capture(capture_settings(s)), conn(capture.new_connection(0)) {}

Packet ConnectionHarness::packet(int dir) {
    Packet p;
    p.frame = next_frame++;
    p.time = 1e9 + p.frame * 0.001 + time_offset_; // a millisecond per frame
    p.direction = dir;
    Endpoint a, b; // 127.0.0.1:40000 and 127.0.0.1:11112
    a.family = b.family = 4;
    a.ip[0] = b.ip[0] = 127;
    a.ip[3] = b.ip[3] = 1;
    a.port = 40000;
    b.port = 11112;
    p.src = dir ? b : a;
    p.dst = dir ? a : b;
    return p;
}

void ConnectionHarness::payload(int dir, const Segment &seg) {
    const Packet p = packet(dir);
    payload_ids_.push_back(int(p.frame));
    const Origin origin{&payload_ids_.back(), p.frame, 0};
    conn.payload(p, origin, ByteView(seg.bytes.data(), seg.bytes.size()), &seg.seq, nullptr, rec);
    Walk &w = rec.walk[dir & 1];
    w.held_max = std::max(w.held_max, conn.held_bytes(dir));
}

void ConnectionHarness::payloads(int dir, const std::vector<Segment> &segs) {
    for (const Segment &s : segs) payload(dir, s);
}

void ConnectionHarness::in_order(int dir, const std::vector<uint8_t> &bytes) {
    const Packet p = packet(dir);
    payload_ids_.push_back(int(p.frame));
    conn.payload(p, Origin{&payload_ids_.back(), p.frame, 0}, ByteView(bytes.data(), bytes.size()), nullptr, nullptr, rec);
}

void ConnectionHarness::ack(int dir, uint32_t ack) { conn.segment(packet(dir), nullptr, &ack, rec); }

void ConnectionHarness::pause(double seconds) {
    time_offset_ += seconds;
    conn.segment(packet(0), nullptr, nullptr, rec);
}

std::pair<size_t, size_t> ConnectionHarness::open(const std::vector<uint8_t> &rq_stream,
                                                  const std::vector<uint8_t> &ac_stream) {
    const size_t rq = first_pdu_size(rq_stream), ac = first_pdu_size(ac_stream);
    payload(0, Segment{1, std::vector<uint8_t>(rq_stream.begin(), rq_stream.begin() + long(rq))});
    payload(1, Segment{1, std::vector<uint8_t>(ac_stream.begin(), ac_stream.begin() + long(ac))});
    return {rq, ac};
}

std::vector<MessageDigest> ConnectionHarness::messages() const {
    std::vector<MessageDigest> out;
    for (const auto &a : capture.associations())
        for (const Message &msg : a->messages.messages()) {
            MessageDigest d;
            d.command = msg.command.field;
            d.id = is_response(msg.command.field) ? msg.command.message_id_rsp : msg.command.message_id;
            d.data_size = msg.data_size;
            d.elements = msg.data_set.elements.size() + msg.command_bytes.size() + msg.command_findings.size();
            d.incomplete = msg.incomplete();
            d.sop_instance = msg.command.sop_instance();
            out.push_back(d);
        }
    return out;
}

const Association *ConnectionHarness::association(size_t i) const {
    return i < capture.associations().size() ? capture.associations()[i].get() : nullptr;
}

PdvItems walk_pdvs(const std::vector<uint8_t> &bytes) {
    PdvItems items;
    PduWalker walker;
    static int id;
    walker.walk(0, ByteView(bytes.data(), bytes.size()), Origin{&id, 1, 0}, items);
    return items;
}
