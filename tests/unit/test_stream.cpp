// The stream cursor against real streams cut into Ethernet-sized segments, the way
// tcp_dissect_pdus drives it: a unit longer than the bytes at hand waits for more.
#include <gtest/gtest.h>

#include <vector>

#include "pcap_reader.hpp"
#include "pdata.hpp"
#include "pdu.hpp"
#include "stream.hpp"

using namespace dicom;

namespace {

struct Walked {
    std::vector<std::vector<uint8_t>> values; // each PDV's value, in order
    std::vector<uint8_t> pdu_types;           // of PDUs taken whole or streamed
    size_t streamed = 0, garbage = 0, skipped = 0, skip_bytes = 0, units = 0;
};

Walked walk(const std::vector<uint8_t> &s, size_t segment, uint32_t cap = 1u << 24) {
    Walked w;
    StreamCursor c;
    size_t pos = 0, seg_end = 0;
    while (pos < s.size()) {
        if (pos >= seg_end) seg_end = std::min(s.size(), seg_end + segment);
        ByteView at_hand(s.data() + pos, seg_end - pos);
        Unit u = next_unit(c, at_hand, cap);
        if (u.length > at_hand.size) { // reassemble: wait for the segments that complete it
            if (seg_end == s.size()) break;
            seg_end = std::min(s.size(), seg_end + segment);
            continue;
        }
        EXPECT_GT(u.length, 0u);
        ByteView bytes(s.data() + pos, u.length);
        ++w.units;
        switch (u.kind) {
        case UnitKind::Pdu: {
            w.pdu_types.push_back(bytes.u8(0));
            if (bytes.u8(0) == kPData) {
                PData pd;
                parse_pdata(bytes, pd);
                for (const Pdv &v : pd.pdvs) w.values.emplace_back(bytes.data + v.value.off, bytes.data + v.value.off + v.value.len);
            }
            break;
        }
        case UnitKind::PdataHead:
            w.pdu_types.push_back(kPData);
            ++w.streamed;
            /* fall through */
        case UnitKind::PdvHeader: {
            StreamCursor after = c;
            advance(after, u, bytes);
            if (!after.pdv_invalid) w.values.emplace_back();
            break;
        }
        case UnitKind::Value: w.values.back().insert(w.values.back().end(), bytes.data, bytes.data + bytes.size); break;
        case UnitKind::Garbage: ++w.garbage; break;
        case UnitKind::Skip:
            ++w.skipped;
            w.skip_bytes += u.length;
            break;
        }
        advance(c, u, bytes);
        pos += u.length;
    }
    return w;
}

std::vector<std::vector<uint8_t>> pdv_values(const TcpStream &s, std::vector<uint8_t> *types = nullptr) {
    std::vector<std::vector<uint8_t>> out;
    for (ByteView p : split_pdus(s)) {
        if (types) types->push_back(p.u8(0));
        if (p.u8(0) != kPData) continue;
        PData pd;
        parse_pdata(p, pd);
        for (const Pdv &v : pd.pdvs) out.emplace_back(p.data + v.value.off, p.data + v.value.off + v.value.len);
    }
    return out;
}

} // namespace

TEST(Stream, SameValuesAsWholePdusAtAnySegmentSize) {
    for (const char *name : {"store-multi.pcap", "max-pdu-4096.pcap", "transfer-syntaxes.pcap", "query-retrieve.pcap"}) {
        for (const TcpStream &s : read_tcp_streams(sample(name))) {
            std::vector<uint8_t> types;
            auto expected = pdv_values(s, &types);
            for (size_t seg : {size_t(1448), size_t(100), size_t(7), size_t(65536)}) {
                Walked w = walk(s.bytes, seg);
                EXPECT_EQ(w.values, expected) << name << " segment " << seg;
                EXPECT_EQ(w.pdu_types, types) << name << " segment " << seg;
                EXPECT_EQ(w.garbage + w.skipped, 0u);
            }
        }
    }
    // The big transfers are streamed, not reassembled, at Ethernet segment sizes.
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    size_t big = 0, pdata = 0;
    for (ByteView p : split_pdus(streams[0])) {
        big += p.u8(0) == kPData && p.size > 1448;
        pdata += p.u8(0) == kPData;
    }
    EXPECT_GE(big, 3u);
    const size_t streamed = walk(streams[0].bytes, 1448).streamed;
    EXPECT_GE(streamed, big); // every PDU longer than a segment, and those a boundary splits
    EXPECT_LE(streamed, pdata);
}

TEST(Stream, LyingPdvLengthSkipsOnlyItsPdu) {
    auto streams = read_tcp_streams(sample("store-multi.pcap"));
    std::vector<uint8_t> s = streams[0].bytes;
    auto pdus = split_pdus(streams[0]);
    // the first P-DATA-TF large enough to be streamed: make its first PDV claim too much
    size_t victim = 0;
    for (ByteView p : pdus)
        if (p.u8(0) == kPData && p.size > 4096) {
            victim = size_t(p.data - streams[0].bytes.data());
            break;
        }
    ASSERT_GT(victim, 0u);
    size_t victim_size = 0;
    for (ByteView p : pdus)
        if (size_t(p.data - streams[0].bytes.data()) == victim) victim_size = p.size;
    s[victim + 6] = 0x7f; // PDV length 0x7f......
    Walked broken = walk(s, 1448), good = walk(streams[0].bytes, 1448);
    EXPECT_EQ(broken.skip_bytes, victim_size - 12); // the rest of that PDU, in several pieces
    EXPECT_EQ(broken.garbage, 0u);
    EXPECT_EQ(broken.pdu_types, good.pdu_types); // framing recovers at the next PDU
    EXPECT_EQ(broken.values.size(), good.values.size() - 1);
}

TEST(Stream, EveryUnitAdvancesOnNoise) {
    std::vector<uint8_t> noise(20000);
    uint32_t x = 12345;
    for (auto &b : noise) b = uint8_t((x = x * 1103515245u + 12345u) >> 24);
    // sprinkle P-DATA-looking headers with absurd lengths
    for (size_t i = 0; i + 12 < noise.size(); i += 997) {
        noise[i] = 4;
        noise[i + 1] = 0;
    }
    Walked w = walk(noise, 1448);
    EXPECT_GT(w.units, 0u);
}

#include "associate.hpp"
#include "association.hpp"
#include "message.hpp"

namespace {

struct Assembled {
    std::vector<uint16_t> commands;
    std::vector<uint64_t> data_sizes;
    std::vector<size_t> elements;
    std::vector<std::string> syntaxes;
};

Assembled summarize(const MessageAssembler &ma) {
    Assembled a;
    for (const Message &m : ma.messages()) {
        a.commands.push_back(m.command.field);
        a.data_sizes.push_back(m.data_size);
        a.elements.push_back(m.data_set.elements.size() + m.command_set.elements.size());
        a.syntaxes.push_back(m.transfer_syntax);
    }
    return a;
}

} // namespace

TEST(Stream, MessagesFromPiecesEqualMessagesFromWholePdus) {
    auto streams = read_tcp_streams(sample("transfer-syntaxes.pcap"));
    ASSERT_GE(streams.size(), 2u);
    for (size_t first = 0; first + 1 < streams.size(); first += 2) {
        // the negotiated transfer syntaxes of this association
        Association assoc;
        auto rq = split_pdus(streams[first]), ac = split_pdus(streams[first + 1]);
        Associate a_rq, a_ac;
        parse_associate(rq[0], a_rq);
        parse_associate(ac[0], a_ac);
        assoc.apply_rq(a_rq, 1);
        assoc.apply_ac(a_ac, 2);
        auto ts = [&](uint8_t id) {
            const NegotiatedContext *nc = assoc.context(id);
            return nc ? std::string_view(nc->transfer_syntax) : std::string_view();
        };
        for (size_t dir : {first, first + 1}) {
            const std::vector<uint8_t> &s = streams[dir].bytes;
            MessageAssembler whole, pieces;
            for (ByteView p : split_pdus(streams[dir])) {
                if (p.u8(0) != kPData) continue;
                PData pd;
                parse_pdata(p, pd);
                for (const Pdv &v : pd.pdvs)
                    whole.add(v.context_id, v.flags, p.data + v.value.off, v.value.len, 1, 0, ts(v.context_id), false);
            }
            StreamCursor c;
            size_t pos = 0, seg_end = 0;
            while (pos < s.size()) {
                if (pos >= seg_end) seg_end = std::min(s.size(), seg_end + 1448);
                Unit u = next_unit(c, ByteView(s.data() + pos, seg_end - pos), 1u << 24);
                if (u.length > seg_end - pos) {
                    seg_end = std::min(s.size(), seg_end + 1448);
                    continue;
                }
                ByteView bytes(s.data() + pos, u.length);
                StreamCursor before = c;
                advance(c, u, bytes);
                if (u.kind == UnitKind::Pdu && bytes.u8(0) == kPData) {
                    PData pd;
                    parse_pdata(bytes, pd);
                    for (const Pdv &v : pd.pdvs)
                        pieces.add(v.context_id, v.flags, bytes.data + v.value.off, v.value.len, 1, 0, ts(v.context_id), false);
                } else if (u.kind == UnitKind::Value) {
                    pieces.add_piece(before.context_id, before.flags, bytes.data, bytes.size, 1, 0, ts(before.context_id),
                                     false, before.value_left == before.value_length, u.length == before.value_left);
                } else if ((u.kind == UnitKind::PdataHead || u.kind == UnitKind::PdvHeader) && !c.pdv_invalid &&
                           c.value_length == 0) {
                    pieces.add_piece(c.context_id, c.flags, nullptr, 0, 1, 0, ts(c.context_id), false, true, true);
                }
                pos += u.length;
            }
            Assembled x = summarize(whole), y = summarize(pieces);
            EXPECT_FALSE(x.commands.empty());
            EXPECT_EQ(x.commands, y.commands) << dir;
            EXPECT_EQ(x.data_sizes, y.data_sizes) << dir;
            EXPECT_EQ(x.elements, y.elements) << dir;
            EXPECT_EQ(x.syntaxes, y.syntaxes) << dir;
        }
    }
}
