// libFuzzer target: the stream layer (dissector/stream.hpp) with a differential check.
// The input's first four bytes choose a segment size and impairments; the rest is a byte
// stream. Walked as one segment and walked cut up, retransmitted, duplicated, overlapping
// and reordered, a stream whose clean walk is well framed must give the same units and
// values; with segments dropped and acknowledged, every step must still advance and every
// byte be accounted for.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "session/association.hpp"
#include "dimse/message.hpp"
#include "ul/stream.hpp"
#include "session/upper_layer.hpp"

namespace {

struct Seg {
    uint32_t seq;
    const uint8_t *data;
    size_t size;
};

class Sink final : public dicom::StreamSink {
public:
    uint64_t on_event(const dicom::StreamEvent &e) override {
        using K = dicom::StreamEventKind;
        switch (e.kind) {
        case K::Pdu: units += "U" + std::to_string(e.unit) + ":" + std::to_string(e.length) + ";"; break;
        case K::PdataHeader: units += "P" + std::to_string(e.pdu_length) + ";"; break;
        case K::PdvHeader: units += "V" + std::to_string(e.pdv.context_id) + "/" + std::to_string(e.pdv.flags) + "/" +
                                    std::to_string(e.pdv.value_length) + ";";
            break;
        case K::Value: values.append(reinterpret_cast<const char *>(e.bytes.data), e.bytes.size); break;
        case K::Garbage:
        case K::Resync:
        case K::Skip: trouble = true; break;
        case K::Lost: lost += e.length; break;
        default: break;
        }
        if (e.bytes.size && e.bytes.data == nullptr) __builtin_trap();
        if (e.kind != K::Lost && e.bytes.size != e.length) __builtin_trap();
        // the assembler and the association take every event, as in the plugin
        dicom::EventContext c;
        c.frame = c.walk_frame = 1;
        dicom::apply_event(assoc, messages, e, c);
        return 1;
    }
    std::string units, values;
    bool trouble = false;
    uint64_t lost = 0;
    dicom::Association assoc;
    dicom::MessageAssembler messages;
};

// Feeds the segments, then the receiver's acknowledgement of the whole stream (a first
// segment that does not start a PDU waits for it or for more segments).
void feed(dicom::PduStream &s, const std::vector<Seg> &segs, uint32_t end, Sink &sink) {
    int id = 0;
    for (const Seg &g : segs) s.add_segment(g.seq, dicom::ByteView(g.data, g.size), dicom::Origin{&id, 0}, sink);
    s.peer_acknowledged(end, sink);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 5) return 0;
    const size_t seg = size_t(data[0]) * 4 + 1;
    const unsigned dup = data[1] & 15, swap = data[1] >> 4, drop = data[2] & 7;
    const uint32_t base = uint32_t(data[3]) * 0x01010101u; // near 2^32 too: sequence numbers wrap
    const uint8_t *stream = data + 4;
    const size_t n = size - 4;
    dicom::StreamLimits limits;
    limits.hold_limit = 4096;

    Sink whole;
    dicom::PduStream s1(limits);
    feed(s1, {Seg{base, stream, n}}, uint32_t(base + n), whole);
    if (s1.walked() != n) __builtin_trap();

    std::vector<Seg> segs;
    for (size_t off = 0; off < n; off += seg) segs.push_back(Seg{uint32_t(base + off), stream + off, std::min(seg, n - off)});
    std::vector<Seg> rough;
    for (size_t i = 0; i < segs.size(); ++i) {
        rough.push_back(segs[i]);
        if (dup && i % dup == 0) rough.push_back(segs[i]);
        if (dup && i >= 2 && i % (dup + 3) == 0) rough.push_back(segs[i - 2]);
        if (dup && i % (dup + 1) == 0 && segs[i].size > 1) // overlapping: the second half again
            rough.push_back(Seg{uint32_t(segs[i].seq + segs[i].size / 2), segs[i].data + segs[i].size / 2,
                                segs[i].size - segs[i].size / 2});
    }
    for (size_t i = 0; swap && i + 2 < rough.size(); i += swap) std::swap(rough[i], rough[i + 2]);
    Sink cut;
    dicom::PduStream s2(limits);
    feed(s2, rough, uint32_t(base + n), cut);
    // Nothing waits and nothing is lost once every byte came; the walk covers the stream from
    // the first segment to arrive (one that overtook the real first and starts a PDU itself
    // is taken for the start: the bytes before it then count as old).
    if (s2.walked() > n || s2.held_bytes() != 0 || cut.lost) __builtin_trap();
    const bool first_first = rough[0].seq == base;
    if (first_first && s2.walked() != n) __builtin_trap();
    if (first_first && !whole.trouble && (cut.units != whole.units || cut.values != whole.values)) __builtin_trap();

    // Segments missing: declared lost by the receiver's acknowledgement.
    if (drop) {
        Sink gap;
        dicom::PduStream s3(limits);
        int id = 0;
        for (size_t i = 0; i < segs.size(); ++i) {
            if (i % (drop + 1) == 1 && i + 1 < segs.size()) continue; // a lost last segment would wait for nothing
            s3.add_segment(segs[i].seq, dicom::ByteView(segs[i].data, segs[i].size), dicom::Origin{&id, 0}, gap);
            if (s3.held_bytes() > limits.hold_limit + seg) __builtin_trap();
        }
        s3.peer_acknowledged(uint32_t(base + n), gap);
        if (s3.walked() != n || s3.holding()) __builtin_trap();
    }
    return 0;
}
