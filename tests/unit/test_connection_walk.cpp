// A connection (session/connection.hpp) walking real streams from the sample captures: cut at
// every offset, fed duplicated, reordered, overlapping and with segments missing, it must give
// the same PDUs, PDVs and DIMSE messages as the clean stream, except for the messages that lost
// bytes, which must say so. The harness feeds the connection as the plugin does.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "pcap_reader.hpp"
#include "ul/pdu.hpp"
#include "connection_harness.hpp"

using namespace dicom;

namespace {

const char *kCaptures[] = {"echo.pcap", "store-multi.pcap", "max-pdu-4096.pcap", "transfer-syntaxes.pcap",
                           "query-retrieve.pcap", "heuristic-port.pcap", "negotiation.pcap",
                           "extended-negotiation.pcap", "charsets.pcap", "user-identity.pcap"};

Walk walk_segments(const std::vector<Segment> &segs, const ConnectionSettings &settings = {}) {
    ConnectionHarness h(settings);
    h.payloads(0, segs);
    return h.rec.walk[0];
}

Walk walk_whole(const std::vector<uint8_t> &stream) { return walk_segments(cut(stream, stream.size() ? stream.size() : 1)); }

// The association negotiated by the first PDU of each of two streams, then stream `dir`'s
// remaining bytes as `segments` of them (cut from the PDU after the A-ASSOCIATE): the messages.
template <class Segments>
std::vector<MessageDigest> messages_of(const std::vector<uint8_t> &rq, const std::vector<uint8_t> &ac, int dir,
                                       Segments segments, Walk *walk = nullptr) {
    ConnectionHarness h;
    const auto first = h.open(rq, ac);
    const std::vector<uint8_t> &bytes = dir ? ac : rq;
    const size_t skip = dir ? first.second : first.first;
    const std::vector<uint8_t> rest(bytes.begin() + long(skip), bytes.end());
    h.payloads(dir, segments(rest, uint32_t(1 + skip)));
    if (walk) *walk = h.rec.walk[dir];
    return h.messages();
}

std::vector<Segment> whole(const std::vector<uint8_t> &rest, uint32_t base) { return cut(rest, rest.size() ? rest.size() : 1, base); }

bool starts_with(const std::string &t, const char *prefix) { return t.rfind(prefix, 0) == 0; }

// PDUs as the pcap reader's independent framing finds them.
std::vector<std::string> reference_units(const TcpStream &s) {
    std::vector<std::string> out;
    char line[64];
    for (ByteView p : split_pdus(s)) {
        if (p.u8(0) != kPData) {
            std::snprintf(line, sizeof line, "PDU %02x %u", p.u8(0), unsigned(p.size));
            out.push_back(line);
            continue;
        }
        std::snprintf(line, sizeof line, "PDATA %u", p.be32(2));
        out.push_back(line);
        for (size_t off = kPduHeaderLen; off + kPdvHeaderLen <= p.size;) {
            const uint32_t len = p.be32(off);
            std::snprintf(line, sizeof line, "PDV %u %02x %u", p.u8(off + 4), p.u8(off + 5), len - 2);
            out.push_back(line);
            off += 4 + size_t(len);
        }
    }
    return out;
}

} // namespace

TEST(Stream, WholeStreamsGiveThePdusAnIndependentReadingFinds) {
    for (const char *name : kCaptures)
        for (const TcpStream &s : read_tcp_streams(sample(name))) {
            Walk w = walk_whole(s.bytes);
            EXPECT_FALSE(w.units.empty()) << name;
            EXPECT_EQ(w.units, reference_units(s)) << name;
            EXPECT_TRUE(w.trouble.empty()) << name << ": " << w.trouble.front();
            EXPECT_EQ(w.event_bytes, s.bytes.size()) << name;
        }
}

TEST(Stream, SameUnitsAndValuesCutAtEveryOffset) {
    // Segments of one byte cut the stream at every offset at once; other sizes put the cuts
    // everywhere relative to the PDU and PDV headers.
    for (const char *name : kCaptures)
        for (const TcpStream &s : read_tcp_streams(sample(name))) {
            const Walk clean = walk_whole(s.bytes);
            for (size_t size : {size_t(1), size_t(2), size_t(3), size_t(5), size_t(7), size_t(11), size_t(100),
                                size_t(1448), size_t(4096), size_t(65536)}) {
                Walk w = walk_segments(cut(s.bytes, size));
                EXPECT_EQ(w.units, clean.units) << name << " size " << size;
                EXPECT_EQ(w.values, clean.values) << name << " size " << size;
                for (const std::string &t : w.trouble) // first segments too short to judge wait for the next
                    EXPECT_TRUE(starts_with(t, "held ")) << name << " size " << size << t;
                EXPECT_EQ(w.event_bytes, s.bytes.size()) << name << " size " << size;
            }
        }
    // And a single cut at every offset of the small streams, with the two halves in either
    // order while the cut is inside the first PDU (a connection's first segment can only be
    // overtaken by the rest of its A-ASSOCIATE: the next PDU waits for the other side).
    for (const char *name : {"echo.pcap", "extended-negotiation.pcap", "find-rejected.pcap"})
        for (const TcpStream &s : read_tcp_streams(sample(name))) {
            const Walk clean = walk_whole(s.bytes);
            const size_t first_pdu = split_pdus(s).at(0).size;
            for (size_t k = 1; k < s.bytes.size(); ++k) {
                std::vector<Segment> two = {Segment{1, {s.bytes.begin(), s.bytes.begin() + long(k)}},
                                            Segment{uint32_t(1 + k), {s.bytes.begin() + long(k), s.bytes.end()}}};
                Walk w = walk_segments(two);
                ASSERT_EQ(w.units, clean.units) << name << " cut " << k;
                ASSERT_EQ(w.values, clean.values) << name << " cut " << k;
                if (k >= first_pdu) continue;
                std::swap(two[0], two[1]); // the second half first: held until the first comes
                w = walk_segments(two);
                ASSERT_EQ(w.units, clean.units) << name << " reversed cut " << k;
                ASSERT_EQ(w.values, clean.values) << name << " reversed cut " << k;
            }
        }
}

namespace {

// Retransmits, duplicates, reorders within a window and overlaps segments, losing nothing.
std::vector<Segment> impair(const std::vector<Segment> &in, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> pct(0, 99);
    std::vector<Segment> out;
    for (size_t i = 0; i < in.size(); ++i) {
        out.push_back(in[i]);
        if (pct(rng) < 8) out.push_back(in[i]);                                 // duplicated at once
        if (pct(rng) < 5 && i >= 3) out.push_back(in[i - 3]);                   // retransmitted later
        if (pct(rng) < 5 && i + 1 < in.size()) {                               // overlapping: half old, half new
            Segment o;
            const size_t half = in[i].bytes.size() / 2;
            o.seq = uint32_t(in[i].seq + half);
            o.bytes.assign(in[i].bytes.begin() + long(half), in[i].bytes.end());
            o.bytes.insert(o.bytes.end(), in[i + 1].bytes.begin(), in[i + 1].bytes.begin() + long(in[i + 1].bytes.size() / 2));
            out.push_back(o);
        }
    }
    for (size_t i = 0; i + 1 < out.size(); ++i) // reordered within a window of four
        if (pct(rng) < 10) std::swap(out[i], out[std::min(out.size() - 1, i + 1 + size_t(pct(rng) % 3))]);
    return out;
}

} // namespace

TEST(Stream, RetransmittedReorderedDuplicatedSegmentsGiveTheCleanMessages) {
    for (const char *name : {"store-multi.pcap", "transfer-syntaxes.pcap", "query-retrieve.pcap", "max-pdu-4096.pcap"}) {
        auto streams = read_tcp_streams(sample(name));
        for (size_t first = 0; first + 1 < streams.size(); first += 2) {
            const std::vector<uint8_t> &rq = streams[first].bytes, &ac = streams[first + 1].bytes;
            for (int dir : {0, 1}) {
                Walk w1;
                const std::vector<MessageDigest> clean = messages_of(rq, ac, dir, whole, &w1);
                ASSERT_FALSE(clean.empty()) << name;
                for (unsigned seed : {1u, 2u, 3u}) {
                    Walk w;
                    const std::vector<MessageDigest> got = messages_of(
                        rq, ac, dir, [&](const std::vector<uint8_t> &rest, uint32_t base) { return impair(cut(rest, 1448, base), seed); },
                        &w);
                    EXPECT_EQ(w.units, w1.units) << name << " seed " << seed;
                    EXPECT_EQ(w.values, w1.values) << name << " seed " << seed;
                    EXPECT_EQ(w.lost, 0u);
                    EXPECT_EQ(got, clean) << name << " seed " << seed;
                    for (const std::string &t : w.trouble) // only duplicates and held bytes, never a lost or bad byte
                        EXPECT_TRUE(starts_with(t, "duplicate ") || starts_with(t, "held ")) << name << ": " << t;
                }
            }
        }
    }
}

namespace {

// Byte ranges of the clean stream that each message's PDUs occupy.
struct Footprint {
    uint64_t begin = ~uint64_t(0), end = 0;
};

std::vector<Footprint> footprints(const std::vector<uint8_t> &bytes) {
    // one PDU's PDVs belong to one message in these dcmtk captures: walk PDU by PDU and give
    // each run of PDVs up to a "last" data fragment (or a last command without data) a number
    std::vector<Footprint> out;
    TcpStream s;
    s.bytes = bytes;
    Footprint cur;
    bool command_done = false, has_data = false;
    for (ByteView p : split_pdus(s)) {
        if (p.u8(0) != kPData) continue;
        const uint64_t off = uint64_t(p.data - s.bytes.data());
        cur.begin = std::min(cur.begin, off);
        cur.end = off + p.size;
        for (size_t o = kPduHeaderLen; o + kPdvHeaderLen <= p.size; o += 4 + size_t(p.be32(o))) {
            const uint8_t flags = p.u8(o + 5);
            if ((flags & kPdvCommand) && (flags & kPdvLast)) {
                command_done = true;
                // Data Set Type (0000,0800) 0x0101 means none: find it in the command set
                has_data = true;
                const size_t v = o + 6, n = p.be32(o) - 2;
                for (size_t e = v; e + 10 <= v + n;) {
                    const uint32_t tag = uint32_t(p.data[e + 2] | p.data[e + 3] << 8) | uint32_t(p.data[e] | p.data[e + 1] << 8) << 16;
                    const uint32_t len = uint32_t(p.data[e + 4] | p.data[e + 5] << 8 | p.data[e + 6] << 16 | uint32_t(p.data[e + 7]) << 24);
                    if (tag == 0x00000800 && len == 2) has_data = (p.data[e + 8] | p.data[e + 9] << 8) != 0x0101;
                    e += 8 + len;
                }
            }
            const bool done = command_done && (!has_data || (!(flags & kPdvCommand) && (flags & kPdvLast)));
            if (done) {
                out.push_back(cur);
                cur = Footprint();
                command_done = false;
            }
        }
    }
    return out;
}

} // namespace

TEST(Stream, LostSegmentsDamageOnlyTheMessagesTheyHit) {
    for (const char *name : {"store-multi.pcap", "transfer-syntaxes.pcap", "max-pdu-4096.pcap"}) {
        auto streams = read_tcp_streams(sample(name));
        const std::vector<uint8_t> &bytes = streams[0].bytes; // the requestor's: C-STOREs
        const std::vector<MessageDigest> want = messages_of(streams[0].bytes, streams[1].bytes, 0, whole);
        const std::vector<Footprint> where = footprints(bytes);
        ASSERT_EQ(where.size(), want.size()) << name;
        const size_t rq_size = first_pdu_size(bytes);
        const std::vector<uint8_t> rest(bytes.begin() + long(rq_size), bytes.end());
        const std::vector<Segment> segs = cut(rest, 1448, uint32_t(1 + rq_size));
        // drop every segment in turn (one at a time); the receiver's ACK past it declares it lost
        for (size_t drop = 1; drop < segs.size(); drop += 3) {
            ConnectionHarness h;
            h.open(streams[0].bytes, streams[1].bytes);
            for (size_t i = 0; i < segs.size(); ++i) {
                if (i == drop) continue;
                h.payload(0, segs[i]);
                if (i == drop + 2) h.ack(1, segs[i].seq); // acknowledges past the gap
            }
            h.ack(1, uint32_t(segs.back().seq + segs.back().bytes.size()));
            h.pause(1.0); // the grace for late bytes is over
            ASSERT_EQ(h.rec.walk[0].lost, segs[drop].bytes.size()) << name << " drop " << drop;
            ASSERT_EQ(h.conn.held_bytes(0), 0u);
            const uint64_t lo = segs[drop].seq - 1, hi = lo + segs[drop].bytes.size(); // offsets in the stream
            const std::vector<MessageDigest> got = h.messages();
            // Each clean message is there, unchanged, unless the lost bytes hit it; those that
            // were hit are there incomplete, or (command lost) not as themselves.
            size_t matched = 0;
            for (size_t m = 0; m < want.size(); ++m) {
                const bool hit = where[m].begin < hi && lo < where[m].end;
                auto it = std::find_if(got.begin(), got.end(), [&](const MessageDigest &d) {
                    return d.command == want[m].command && d.id == want[m].id && d.sop_instance == want[m].sop_instance;
                });
                if (!hit) {
                    ASSERT_NE(it, got.end()) << name << " drop " << drop << " message " << m;
                    EXPECT_EQ(*it, want[m]) << name << " drop " << drop << " message " << m;
                    ++matched;
                } else if (it != got.end()) {
                    EXPECT_TRUE(it->incomplete) << name << " drop " << drop << " message " << m;
                }
            }
            size_t hit = 0;
            for (const Footprint &f : where) hit += f.begin < hi && lo < f.end;
            EXPECT_EQ(matched + hit, want.size()) << name << " drop " << drop;
            EXPECT_LE(hit, 2u); // one segment reaches into two messages at most
            for (const MessageDigest &d : got) { // nothing else is marked incomplete
                if (d.incomplete) {
                    EXPECT_TRUE(std::any_of(where.begin(), where.end(), [&](const Footprint &f) { return f.begin < hi && lo < f.end; }));
                }
            }
        }
    }
}

TEST(Stream, HoldLimitBoundsWhatAGapThatNeverFillsHolds) {
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    const std::vector<Segment> segs = cut(streams[0].bytes, 1448);
    ConnectionSettings limits;
    limits.hold_limit = 16 * 1024;
    std::vector<Segment> gap(segs.begin(), segs.end());
    gap.erase(gap.begin() + 10); // never retransmitted, never acknowledged
    const Walk w = walk_segments(gap, limits);
    EXPECT_LE(w.held_max, limits.hold_limit + 1448);
    EXPECT_EQ(w.lost, 1448u);
    // everything after the gap was walked once the limit declared it lost
    const Walk clean = walk_whole(streams[0].bytes);
    EXPECT_EQ(w.units.back(), clean.units.back());
}

namespace {

// Feeds `bytes` as two segments without the `hole` bytes at `at`, then the receiver's ACK of
// everything: the hole is declared lost.
void feed_with_hole(const std::vector<uint8_t> &bytes, size_t at, size_t hole, ConnectionHarness &h) {
    h.payload(0, Segment{1, std::vector<uint8_t>(bytes.begin(), bytes.begin() + long(at))});
    h.payload(0, Segment{uint32_t(1 + at + hole), std::vector<uint8_t>(bytes.begin() + long(at + hole), bytes.end())});
    h.ack(1, uint32_t(1 + bytes.size()));
    h.pause(1.0);
}

} // namespace

TEST(Stream, GapInsideAValueKeepsTheFraming) {
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    const std::vector<uint8_t> &bytes = streams[0].bytes;
    const Walk clean = walk_whole(bytes);
    // lose 100 bytes in the middle of the first large data PDV value
    size_t at = 0;
    for (ByteView p : split_pdus(streams[0]))
        if (p.u8(0) == kPData && p.size > 8000 && !(p.u8(11) & kPdvCommand)) {
            at = size_t(p.data - bytes.data()) + 4000;
            break;
        }
    ASSERT_GT(at, 0u);
    ConnectionHarness h;
    feed_with_hole(bytes, at, 100, h);
    const Recorder &r = h.rec;
    EXPECT_EQ(r.walk[0].units, clean.units); // every PDU and PDV header is still found
    ASSERT_EQ(r.walk[0].lost, 100u);
    auto lost = std::find_if(r.events.begin(), r.events.end(), [](const Event &e) { return e.kind == Event::Lost; });
    ASSERT_NE(lost, r.events.end());
    EXPECT_EQ(lost->lost, LostKind::InValue);
    EXPECT_EQ(lost->offset, at);
}

TEST(Stream, GapOverHeadersResynchronisesAtTheNextPdu) {
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    const std::vector<uint8_t> &bytes = streams[0].bytes;
    std::vector<size_t> starts;
    for (ByteView p : split_pdus(streams[0])) starts.push_back(size_t(p.data - bytes.data()));
    ASSERT_GT(starts.size(), 8u);
    const Walk clean = walk_whole(bytes);
    // lose the bytes around the header of PDU 6: 50 before, 50 after its first byte
    const size_t at = starts[6] - 50;
    ConnectionHarness h;
    feed_with_hole(bytes, at, 100, h);
    const Walk &w = h.rec.walk[0];
    EXPECT_EQ(w.lost, 100u);
    // the PDUs from 7 on are found again, exactly; PDU 6, whose header was lost, is not
    const std::vector<std::string> tail(clean.units.end() - 5, clean.units.end());
    ASSERT_GE(w.units.size(), 5u);
    EXPECT_EQ(std::vector<std::string>(w.units.end() - 5, w.units.end()), tail);
    EXPECT_EQ(w.units.size(), clean.units.size() - 2);
    // nothing is reported as the peers' fault
    EXPECT_TRUE(std::none_of(h.rec.events.begin(), h.rec.events.end(), [](const Event &e) { return e.kind == Event::Garbage; }));
}

TEST(Stream, CaptureStartingInsideAPduIsNotThePeersFault) {
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    const std::vector<uint8_t> &bytes = streams[0].bytes;
    const Walk clean = walk_whole(bytes);
    for (size_t start : {size_t(3), size_t(700), size_t(5000), size_t(20000)}) {
        std::vector<uint8_t> late(bytes.begin() + long(start), bytes.end());
        Walk w = walk_segments(cut(late, 1448));
        ASSERT_FALSE(w.trouble.empty());
        for (const std::string &t : w.trouble) // skipped, or held a moment in case the start comes late
            EXPECT_TRUE(starts_with(t, "resync ") || starts_with(t, "held ")) << t;
        // the last PDUs are found as in the full stream
        EXPECT_EQ(std::vector<std::string>(w.units.end() - 4, w.units.end()),
                  std::vector<std::string>(clean.units.end() - 4, clean.units.end()));
    }
}

TEST(Stream, LyingPdvLengthSkipsOnlyItsPdu) {
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    std::vector<uint8_t> s = streams[0].bytes;
    auto pdus = split_pdus(streams[0]);
    size_t victim = 0, victim_size = 0;
    for (ByteView p : pdus)
        if (p.u8(0) == kPData && p.size > 4096) {
            victim = size_t(p.data - streams[0].bytes.data());
            victim_size = p.size;
            break;
        }
    ASSERT_GT(victim, 0u);
    s[victim + 6] = 0x7f; // PDV length 0x7f......
    ConnectionHarness h;
    h.payloads(0, cut(s, 1448));
    uint64_t skipped = 0;
    for (const Event &e : h.rec.events)
        if (e.kind == Event::Skip) {
            EXPECT_EQ(e.skip, SkipReason::PdvInvalid);
            skipped += e.length;
        }
    EXPECT_EQ(skipped, victim_size - 12); // the rest of that PDU, in several pieces
    const Walk good = walk_whole(streams[0].bytes);
    EXPECT_EQ(h.rec.walk[0].values.size(), good.values.size() - 1); // framing recovers at the next PDU
}

TEST(Stream, EveryStepAdvancesOnNoise) {
    std::vector<uint8_t> noise(20000);
    uint32_t x = 12345;
    for (auto &b : noise) b = uint8_t((x = x * 1103515245u + 12345u) >> 24);
    for (size_t i = 0; i + 12 < noise.size(); i += 997) { // P-DATA-looking headers with absurd lengths
        noise[i] = 4;
        noise[i + 1] = 0;
    }
    for (size_t size : {size_t(1), size_t(7), size_t(1448)}) {
        ConnectionHarness h;
        h.payloads(0, cut(noise, size));
        EXPECT_EQ(h.conn.delivered(0), noise.size()) << size;
        EXPECT_GE(h.rec.walk[0].event_bytes, noise.size()) << size;
    }
}

TEST(Stream, DuplicatesNameTheUnitTheyRepeat) {
    auto streams = read_tcp_streams(sample("echo.pcap"));
    const std::vector<uint8_t> &bytes = streams[0].bytes;
    std::vector<Segment> segs = cut(bytes, 40);
    segs.insert(segs.begin() + 8, segs[5]); // a retransmission of segment 5
    Walk w = walk_segments(segs);
    ASSERT_EQ(w.duplicate, segs[5].bytes.size());
    // the harness gives each segment a frame: segment 5 was frame 6
    ConnectionHarness h;
    h.payloads(0, segs);
    auto dup = std::find_if(h.rec.events.begin(), h.rec.events.end(), [](const Event &e) { return e.kind == Event::Duplicate; });
    ASSERT_NE(dup, h.rec.events.end());
    EXPECT_EQ(dup->repeat.frame, 6u);
    EXPECT_EQ(dup->frame, 9u);
}

// heuristic-port.pcap's A-ASSOCIATE-RQ is 7 kB: a retransmission of one of its first segments
// arrives while the PDU is still being assembled, before it has been emitted as a unit.
TEST(Stream, DuplicatesOfAUnitBeingAssembledNameWhereTheBytesCameFrom) {
    auto streams = read_tcp_streams(sample("heuristic-port.pcap"));
    std::vector<Segment> segs = cut(streams[0].bytes, 1448);
    ASSERT_GT(streams[0].bytes[2] << 24 | streams[0].bytes[3] << 16 | streams[0].bytes[4] << 8 | streams[0].bytes[5], 3 * 1448);
    segs.insert(segs.begin() + 2, segs[1]); // segment 2 (frame 2) again as frame 3
    ConnectionHarness h;
    h.payloads(0, segs);
    auto dup = std::find_if(h.rec.events.begin(), h.rec.events.end(), [](const Event &e) { return e.kind == Event::Duplicate; });
    ASSERT_NE(dup, h.rec.events.end());
    EXPECT_EQ(dup->repeat.message, nullptr); // no unit walked for those bytes yet
    EXPECT_FALSE(dup->repeat.of_held);       // but they were taken in, not held
    EXPECT_EQ(dup->repeat.frame, 2u);        // the frame whose bytes the assembled unit holds
    EXPECT_EQ(dup->length, segs[1].bytes.size());
}

TEST(Stream, DuplicatesOfHeldBytesSaySo) {
    auto streams = read_tcp_streams(sample("echo.pcap"));
    std::vector<Segment> segs = cut(streams[0].bytes, 40);
    std::vector<Segment> order = {segs[0], segs[2], segs[2], segs[1]}; // 2 ahead of a gap, twice, then 1
    ConnectionHarness h;
    h.payloads(0, order);
    auto dup = std::find_if(h.rec.events.begin(), h.rec.events.end(), [](const Event &e) { return e.kind == Event::Duplicate; });
    ASSERT_NE(dup, h.rec.events.end());
    EXPECT_TRUE(dup->repeat.of_held);
    EXPECT_EQ(dup->repeat.frame, 0u);
}

TEST(Stream, SequenceNumbersWrapAround) {
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    const Walk clean = walk_whole(streams[0].bytes);
    Walk w = walk_segments(cut(streams[0].bytes, 1448, 0xFFFFF000u)); // wraps after a few segments
    EXPECT_EQ(w.units, clean.units);
    EXPECT_EQ(w.values, clean.values);
}

// A capture that starts after the A-ASSOCIATE: which side is the requestor comes from the best
// evidence there is, and says which it was.
TEST(Stream, RolesOfALateStartComeFromTheBestEvidenceThereIs) {
    auto streams = read_tcp_streams(sample("echo.pcap"));
    const std::vector<uint8_t> &rq = streams[0].bytes, &ac = streams[1].bytes; // the requestor's, the acceptor's
    const size_t rq_skip = first_pdu_size(rq), ac_skip = first_pdu_size(ac);
    auto late = [&](ConnectionHarness &h) { // both streams after their A-ASSOCIATE PDU
        h.payload(0, Segment{uint32_t(1 + rq_skip), std::vector<uint8_t>(rq.begin() + long(rq_skip), rq.end())});
        h.payload(1, Segment{uint32_t(1 + ac_skip), std::vector<uint8_t>(ac.begin() + long(ac_skip), ac.end())});
        return h.association();
    };
    {
        ConnectionHarness h; // only the C-ECHO-RQ says who requested
        const Association *a = late(h);
        ASSERT_NE(a, nullptr);
        EXPECT_EQ(a->roles_evidence, RolesEvidence::Requests);
        EXPECT_EQ(a->requestor_dir, 0);
        EXPECT_TRUE(a->began_before_capture);
    }
    {
        ConnectionHarness h;
        h.conn.listens(0); // direction 0's sender is on the DICOM port: that outweighs the requests
        const Association *a = late(h);
        EXPECT_EQ(a->roles_evidence, RolesEvidence::ListeningPort);
        EXPECT_EQ(a->requestor_dir, 1);
    }
    {
        ConnectionHarness h;
        h.conn.listens(0);
        h.conn.opened_by(0); // the SYN was captured (the A-ASSOCIATE-RQ was not): proof
        const Association *a = late(h);
        EXPECT_EQ(a->roles_evidence, RolesEvidence::Handshake);
        EXPECT_EQ(a->requestor_dir, 0);
        EXPECT_FALSE(a->began_before_capture);
    }
    {
        ConnectionHarness h;
        h.conn.listens(0);
        h.open(rq, ac); // the A-ASSOCIATE itself
        EXPECT_EQ(h.association()->roles_evidence, RolesEvidence::Associate);
        EXPECT_EQ(h.association()->requestor_dir, 0);
    }
}

// A connection that carried two associations, one after the other: each one's frames, ACKs
// and FINs included, are the connection's cut at the other's A-ASSOCIATE-RQ (the conversation
// filter "DICOM association with its TCP frames").
TEST(Stream, EachAssociationOfAConnectionHasItsOwnFrames) {
    auto streams = read_tcp_streams(sample("echo.pcap"));
    const std::vector<uint8_t> &rq = streams[0].bytes, &ac = streams[1].bytes;
    ConnectionHarness h;
    h.payload(0, Segment{1, rq}); // frame 1: the first association, whole
    h.payload(1, Segment{1, ac});
    h.payload(0, Segment{uint32_t(1 + rq.size()), rq}); // frame 3: the same again, a second association
    h.payload(1, Segment{uint32_t(1 + ac.size()), ac});
    ASSERT_EQ(h.capture.associations().size(), 2u);
    const Association &first = *h.capture.associations()[0], &second = *h.capture.associations()[1];
    EXPECT_EQ(second.rq_frame, 3u);
    uint32_t from = 99, before = 99;
    h.capture.connection_frames_of(first, from, before);
    EXPECT_EQ(from, 0u);
    EXPECT_EQ(before, 3u);
    h.capture.connection_frames_of(second, from, before);
    EXPECT_EQ(from, 3u);
    EXPECT_EQ(before, 0u);
}
