// libFuzzer target: a connection (session/connection.hpp) walking a byte stream, driven as the
// plugin drives it (tests/unit/connection_harness.hpp), with a differential check. The input's
// first four bytes choose a segment size and impairments; the rest is a byte stream. Walked as
// one segment and walked cut up, retransmitted, duplicated, overlapping and reordered, a stream
// whose clean walk is well framed must give the same units and values; with segments dropped
// and acknowledged, every step must still advance and every byte be accounted for. Every unit
// goes through the association and message assembly on the way.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "connection_harness.hpp"

namespace {

// Whether the walk found bytes it could not read as PDUs (not: bytes held or repeated).
bool unreadable(const Recorder &r) {
    return std::any_of(r.events.begin(), r.events.end(), [](const Event &e) {
        return e.kind == Event::Garbage || e.kind == Event::Resync || e.kind == Event::Skip;
    });
}

void check_events(const Recorder &r) {
    for (const Event &e : r.events)
        if (e.kind == Event::Lost && e.frame) __builtin_trap(); // lost bytes came in no frame
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 5) return 0;
    const size_t seg = size_t(data[0]) * 4 + 1;
    const unsigned dup = data[1] & 15, swap = data[1] >> 4, drop = data[2] & 7;
    const uint32_t base = uint32_t(data[3]) * 0x01010101u; // near 2^32 too: sequence numbers wrap
    const std::vector<uint8_t> stream(data + 4, data + size);
    const size_t n = stream.size();
    dicom::ConnectionSettings limits;
    limits.hold_limit = 4096;

    ConnectionHarness whole(limits);
    whole.payload(0, Segment{base, stream});
    whole.ack(1, uint32_t(base + n));
    whole.pause(1.0); // past the grace an acknowledged gap waits for late bytes
    if (whole.conn.delivered(0) != n) __builtin_trap();
    check_events(whole.rec);

    const std::vector<Segment> segs = cut(stream, seg, base);
    std::vector<Segment> rough;
    for (size_t i = 0; i < segs.size(); ++i) {
        rough.push_back(segs[i]);
        if (dup && i % dup == 0) rough.push_back(segs[i]);
        if (dup && i >= 2 && i % (dup + 3) == 0) rough.push_back(segs[i - 2]);
        if (dup && i % (dup + 1) == 0 && segs[i].bytes.size() > 1) { // overlapping: the second half again
            const size_t half = segs[i].bytes.size() / 2;
            rough.push_back(Segment{uint32_t(segs[i].seq + half),
                                    std::vector<uint8_t>(segs[i].bytes.begin() + long(half), segs[i].bytes.end())});
        }
    }
    for (size_t i = 0; swap && i + 2 < rough.size(); i += swap) std::swap(rough[i], rough[i + 2]);
    ConnectionHarness cut_up(limits);
    cut_up.payloads(0, rough);
    cut_up.ack(1, uint32_t(base + n));
    cut_up.pause(1.0);
    // Nothing waits and nothing is lost once every byte came; the walk covers the stream from
    // the first segment to arrive (one that overtook the real first and starts a PDU itself
    // is taken for the start: the bytes before it then count as old).
    const uint64_t walked = cut_up.conn.delivered(0);
    if (walked > n || cut_up.conn.held_bytes(0) != 0 || cut_up.rec.walk[0].lost) __builtin_trap();
    const bool first_first = rough[0].seq == base;
    if (first_first && walked != n) __builtin_trap();
    const Walk &w1 = whole.rec.walk[0], &w2 = cut_up.rec.walk[0];
    if (first_first && !unreadable(whole.rec) && (w1.units != w2.units || w1.values != w2.values)) __builtin_trap();
    check_events(cut_up.rec);

    // Segments missing: declared lost by the receiver's acknowledgement.
    if (drop) {
        ConnectionHarness gap(limits);
        for (size_t i = 0; i < segs.size(); ++i) {
            if (i % (drop + 1) == 1 && i + 1 < segs.size()) continue; // a lost last segment would wait for nothing
            gap.payload(0, segs[i]);
            if (gap.conn.held_bytes(0) > limits.hold_limit + seg) __builtin_trap();
        }
        gap.ack(1, uint32_t(base + n));
        gap.pause(1.0);
        if (gap.conn.delivered(0) != n || gap.conn.holding(0)) __builtin_trap();
        check_events(gap.rec);
    }
    return 0;
}
