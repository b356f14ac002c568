// The message assembler on real PDV values (store-multi.pcap's C-STOREs, echo.pcap's
// C-ECHO) and on broken sequences: interrupted messages, data without a command, a corrupt
// deflated data set, and the capture gaps the stream layer reports.
#include <gtest/gtest.h>

#include <algorithm>

#include "pcap_reader.hpp"
#include "ul/pdu.hpp"
#include "connection_harness.hpp"
#include "dimse/message.hpp"

using namespace dicom;

namespace {

struct PdvValue {
    uint8_t context_id, flags;
    std::vector<uint8_t> value;
};

std::vector<PdvValue> pdvs(const char *capture, size_t stream) {
    auto streams = read_tcp_streams(sample(capture));
    std::vector<PdvValue> out;
    for (PdvItems::Item &i : walk_pdvs(streams[stream].bytes).items)
        out.push_back(PdvValue{i.pdv.context_id, i.pdv.flags, std::move(i.value)});
    return out;
}

const char kExplicitLe[] = "1.2.840.10008.1.2.1";

PdvOutcome add(MessageAssembler &m, const PdvValue &v, uint32_t frame, std::string_view ts = kExplicitLe,
               size_t from = 0, size_t n = ~size_t(0), bool missing = false, uint8_t keep = 0) {
    PdvPiece p;
    p.context_id = v.context_id;
    p.flags = v.flags;
    n = std::min(n, v.value.size() - from);
    p.value = missing ? nullptr : v.value.data() + from;
    p.length = n;
    p.first = from == 0;
    p.last = from + n == v.value.size();
    p.frame = p.walk_frame = frame;
    p.time = frame;
    return m.add(p, ts, keep);
}

bool has(const std::vector<Problem> &v, Problem p) { return std::find(v.begin(), v.end(), p) != v.end(); }
bool has(const DataSet &d, Problem p) {
    return std::any_of(d.findings.begin(), d.findings.end(), [&](const DataSetFinding &f) { return f.what == p; });
}

// The first C-STORE-RQ of store-multi.pcap: its command PDV and data PDVs.
std::vector<PdvValue> first_store() {
    std::vector<PdvValue> all = pdvs("store-multi.pcap", 0), out;
    for (const PdvValue &v : all) {
        if (!out.empty() && (v.flags & kPdvCommand)) break;
        out.push_back(v);
    }
    return out;
}

} // namespace

TEST(Message, CommandThenDataSetCompleteTheMessage) {
    std::vector<PdvValue> store = first_store();
    ASSERT_GE(store.size(), 3u);
    ASSERT_EQ(store[0].flags, kPdvCommand | kPdvLast);
    MessageAssembler m;
    PdvOutcome o = add(m, store[0], 1);
    EXPECT_TRUE(o.command_done);
    EXPECT_FALSE(o.message_done);
    uint64_t size = 0;
    for (size_t i = 1; i < store.size(); ++i) {
        o = add(m, store[i], uint32_t(i + 1));
        size += store[i].value.size();
        EXPECT_EQ(o.message_done, i + 1 == store.size());
    }
    const Message &msg = *o.message;
    EXPECT_EQ(msg.command.field, kCStoreRq);
    EXPECT_EQ(msg.data_size, size);
    EXPECT_FALSE(msg.incomplete());
    EXPECT_TRUE(msg.problems.empty());
    EXPECT_GT(msg.data_set.elements.size(), 20u);
    EXPECT_EQ(msg.data_set.parsed_to, size);
    EXPECT_EQ(msg.frames.size(), store.size());
}

TEST(Message, PiecesOfOnePdvEqualTheWholePdv) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler whole, pieces;
    for (size_t i = 0; i < store.size(); ++i) add(whole, store[i], 1);
    for (size_t i = 0; i < store.size(); ++i)
        for (size_t off = 0; off < store[i].value.size(); off += 333) add(pieces, store[i], 1, kExplicitLe, off, 333);
    ASSERT_EQ(whole.messages().size(), 1u);
    ASSERT_EQ(pieces.messages().size(), 1u);
    const Message &a = whole.messages()[0], &b = pieces.messages()[0];
    EXPECT_EQ(a.data_size, b.data_size);
    EXPECT_EQ(a.data_set.elements.size(), b.data_set.elements.size());
    EXPECT_EQ(a.command_fragments, b.command_fragments);
    EXPECT_EQ(a.data_fragments, b.data_fragments);
    EXPECT_EQ(b.complete_frame, 1u);
}

TEST(Message, NewCommandBeforeTheDataSetEndsInterruptsTheMessage) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    add(m, store[0], 1);
    add(m, store[1], 2);            // a data fragment, not the last
    PdvOutcome o = add(m, store[0], 3); // the next command on the same context
    ASSERT_EQ(m.messages().size(), 2u);
    const Message &first = m.messages()[0];
    EXPECT_TRUE(has(first.problems, Problem::MessageInterrupted));
    EXPECT_EQ(first.complete_frame, 0u); // never completed
    EXPECT_EQ(o.closed, nullptr);        // not a capture gap: the peer's doing
    EXPECT_EQ(o.message, &m.messages()[1]);
    EXPECT_EQ(o.interrupted, nullptr);   // its data set had begun: not a missing data set
}

TEST(Message, NewCommandWhereADataSetWasAnnouncedSaysItNeverCame) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    add(m, store[0], 1);                // the command: a data set follows
    PdvOutcome o = add(m, store[0], 2); // and the next command instead of it
    ASSERT_EQ(m.messages().size(), 2u);
    EXPECT_EQ(o.interrupted, &m.messages()[0]);
    EXPECT_TRUE(o.command_done);
    ASSERT_EQ(m.awaiting_data().size(), 1u); // the second one waits for its data set now
    EXPECT_EQ(m.awaiting_data()[0], &m.messages()[1]);
    EXPECT_EQ(m.in_progress(0), &m.messages()[1]);
}

TEST(Message, DataWithoutCommand) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    add(m, store[1], 1);
    ASSERT_EQ(m.messages().size(), 1u);
    EXPECT_TRUE(has(m.messages()[0].problems, Problem::DataWithoutCommand));
    EXPECT_FALSE(m.messages()[0].incomplete());
}

TEST(Message, CorruptDeflatedDataSetFailsToInflate) {
    std::vector<PdvValue> echo = pdvs("echo.pcap", 0);
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    add(m, store[0], 1); // the C-STORE command announces a data set
    PdvValue junk{store[0].context_id, kPdvLast, std::vector<uint8_t>(200, 0xEE)};
    PdvOutcome o = add(m, junk, 2, "1.2.840.10008.1.2.1.99");
    ASSERT_TRUE(o.message_done);
    EXPECT_TRUE(has(o.message->problems, Problem::InflateFailed));
    EXPECT_FALSE(o.message->incomplete());
    (void)echo;
}

TEST(Message, BytesMissingInsidePixelDataKeepTheRestParsed) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler clean, holed;
    for (const PdvValue &v : store) add(clean, v, 1);
    const Message &c = clean.messages()[0];
    const Element *pixels = c.data_set.find(0x7FE00010);
    ASSERT_NE(pixels, nullptr);
    // lose 100 bytes from the middle of the last data fragment (pixel data)
    add(holed, store[0], 1);
    for (size_t i = 1; i + 1 < store.size(); ++i) add(holed, store[i], 1);
    const PdvValue &last = store.back();
    const size_t mid = last.value.size() / 2;
    add(holed, last, 2, kExplicitLe, 0, mid);
    add(holed, last, 2, kExplicitLe, mid, 100, true);
    PdvOutcome o = add(holed, last, 3, kExplicitLe, mid + 100);
    ASSERT_TRUE(o.message_done);
    const Message &h = *o.message;
    EXPECT_EQ(h.damage->bytes_missing, 100u);
    EXPECT_EQ(h.damage->first_missing, c.data_size - last.value.size() + mid);
    EXPECT_TRUE(h.incomplete());
    EXPECT_TRUE(has(h.problems, Problem::BytesMissing));
    EXPECT_EQ(h.data_size, c.data_size);
    EXPECT_EQ(h.data_set.elements.size(), c.data_set.elements.size()); // the hole was inside a skipped value
    EXPECT_FALSE(has(h.data_set, Problem::DataSetBytesMissing));
}

TEST(Message, BytesMissingInTheElementsStopTheWalkThere) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    add(m, store[0], 1);
    add(m, store[1], 2, kExplicitLe, 0, 300);
    add(m, store[1], 2, kExplicitLe, 300, 50, true); // element headers lost
    add(m, store[1], 2, kExplicitLe, 350);
    PdvOutcome o;
    for (size_t i = 2; i < store.size(); ++i) o = add(m, store[i], 3);
    ASSERT_TRUE(o.message_done);
    EXPECT_TRUE(has(o.message->data_set, Problem::DataSetBytesMissing));
    EXPECT_LT(o.message->data_set.parsed_to, o.message->data_size);
    EXPECT_EQ(o.message->damage->bytes_missing, 50u);
}

TEST(Message, GapOfUnknownExtentMarksWhatWasInProgress) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    add(m, store[0], 1);
    add(m, store[1], 2);
    m.mark_gap(1448); // PDV headers of the next PDU were lost
    PdvOutcome o;
    for (size_t i = 2; i < store.size(); ++i) {
        o = add(m, store[i], 3);
        if (i + 1 < store.size()) {
            EXPECT_LT(m.held_bytes(), 20000u) << i; // counted, not held
        }
    }
    ASSERT_TRUE(o.message_done);
    const Message &damaged = *o.message;
    ASSERT_TRUE(damaged.damage);
    EXPECT_TRUE(damaged.damage->gap);
    EXPECT_EQ(damaged.damage->gap_bytes, 1448u);
    EXPECT_TRUE(damaged.incomplete());
    EXPECT_TRUE(has(damaged.data_set, Problem::DataSetBytesMissing)); // not walked past the gap
    EXPECT_LT(m.held_bytes(), 20000u); // not walked, not kept either
    // the next message is clean
    for (const PdvValue &v : store) o = add(m, v, 4);
    ASSERT_EQ(m.messages().size(), 2u);
    EXPECT_FALSE(m.messages()[1].incomplete());
    EXPECT_TRUE(m.messages()[1].problems.empty());
}

TEST(Message, DataAfterAGapBlamesTheGapNotThePeer) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    m.mark_gap(3000); // the command was in the gap
    add(m, store[2], 5);
    ASSERT_EQ(m.messages().size(), 1u);
    EXPECT_TRUE(has(m.messages()[0].problems, Problem::CommandLostInGap));
    EXPECT_FALSE(has(m.messages()[0].problems, Problem::DataWithoutCommand));
    EXPECT_TRUE(m.messages()[0].incomplete());
}

TEST(Message, CommandAfterAGapClosesTheDamagedMessage) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    add(m, store[0], 1);
    add(m, store[1], 2);
    m.mark_gap(1448); // its last fragment was in the gap
    PdvOutcome o = add(m, store[0], 7);
    ASSERT_NE(o.closed, nullptr);
    EXPECT_EQ(o.closed, &m.messages()[0]);
    EXPECT_TRUE(o.closed->damage->closed);
    EXPECT_EQ(o.closed->complete_frame, 7u);
    EXPECT_TRUE(has(o.closed->problems, Problem::BytesMissing));
    EXPECT_FALSE(has(o.closed->problems, Problem::MessageInterrupted));
}

TEST(Message, AssociationEndClosesOnlyDamagedMessages) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    add(m, store[0], 1);
    add(m, store[1], 2);
    EXPECT_TRUE(m.close_damaged(9, 9, false).empty()); // in progress but undamaged: left alone
    m.mark_gap(10);
    std::vector<Message *> closed = m.close_damaged(9, 9, false);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_TRUE(closed[0]->damage->closed);
}

TEST(Message, HeldBytesKeepTheFrameListInOrder) {
    std::vector<PdvValue> store = first_store();
    MessageAssembler m;
    add(m, store[0], 5);
    add(m, store[1], 9);
    add(m, store[2], 7); // bytes of an earlier frame, walked after a gap filled
    EXPECT_EQ(m.messages()[0].frames, (std::vector<uint32_t>{5, 7, 9}));
}

TEST(Message, SmallSetsAreKeptToShowTheirBytes) {
    // C-FIND identifiers and small objects keep their command and data set bytes, exactly as sent
    std::vector<PdvValue> store = first_store(); // CT_small: 39 kB, sent in 16 kB PDVs
    MessageAssembler m;
    uint64_t data_size = 0;
    std::string data;
    for (size_t i = 0; i < store.size(); ++i) {
        add(m, store[i], uint32_t(i + 1), kExplicitLe, 0, ~size_t(0), false, kKeepToShow);
        if (i) data.append(store[i].value.begin(), store[i].value.end()), data_size += store[i].value.size();
    }
    const Message &msg = m.messages().at(0);
    ASSERT_TRUE(msg.complete_frame);
    EXPECT_EQ(msg.command_bytes, std::string(store[0].value.begin(), store[0].value.end()));
    ASSERT_LE(data_size, kShownDataSetLimit);
    EXPECT_EQ(msg.data_set_bytes, data);
    EXPECT_FALSE(msg.kept_data); // not for Export Objects
    // each element's offset points at its tag in the kept bytes
    for (const Element &e : msg.data_set.elements) {
        ASSERT_LE(e.offset + 4, msg.data_set_bytes.size());
        EXPECT_EQ(uint8_t(msg.data_set_bytes[e.offset]), uint8_t(e.tag >> 16 & 0xFF));
    }
    // without the flag only the command set is kept (it replaces its parsed elements)
    MessageAssembler plain;
    for (size_t i = 0; i < store.size(); ++i) add(plain, store[i], uint32_t(i + 1));
    EXPECT_EQ(plain.messages().at(0).command_bytes, msg.command_bytes);
    EXPECT_TRUE(plain.messages().at(0).data_set_bytes.empty());
}

TEST(Message, LargeDataSetsAreNotKeptToShow) {
    // the same command with a data set past the limit: streamed and dropped, as without the flag
    std::vector<PdvValue> store = first_store();
    PdvValue big{store[1].context_id, kPdvLast, {}};
    const uint8_t header[] = {0xE0, 0x7F, 0x10, 0x00, 'O', 'B', 0, 0, 0, 0, 0, 0}; // (7FE0,0010) OB
    big.value.assign(header, header + sizeof header);
    const uint32_t n = uint32_t(kShownDataSetLimit) + 2;
    big.value[8] = uint8_t(n), big.value[9] = uint8_t(n >> 8), big.value[10] = uint8_t(n >> 16);
    big.value.resize(sizeof header + n);
    MessageAssembler m;
    add(m, store[0], 1, kExplicitLe, 0, ~size_t(0), false, kKeepToShow);
    for (size_t off = 0; off < big.value.size(); off += 16384)
        add(m, big, 2, kExplicitLe, off, 16384, false, kKeepToShow);
    const Message &msg = m.messages().at(0);
    ASSERT_TRUE(msg.complete_frame);
    EXPECT_FALSE(msg.command_bytes.empty());
    EXPECT_TRUE(msg.data_set_bytes.empty());
    ASSERT_EQ(msg.data_set.elements.size(), 1u);
    EXPECT_EQ(msg.data_set.elements[0].length, n);
}

TEST(Message, PixelDataStreamsPastWithoutBeingHeld) {
    // A long value the parser steps over is counted as received, not held: the same message as
    // when it arrives whole, nothing held while it streams, and Export Objects still gets every byte.
    std::vector<PdvValue> store = first_store();
    PdvValue big{store[1].context_id, kPdvLast, {}};
    const uint8_t header[] = {0xE0, 0x7F, 0x10, 0x00, 'O', 'W', 0, 0, 0, 0, 0, 0}; // (7FE0,0010) OW
    const uint32_t n = 300000;
    big.value.assign(header, header + sizeof header);
    big.value[8] = uint8_t(n), big.value[9] = uint8_t(n >> 8), big.value[10] = uint8_t(n >> 16);
    big.value.resize(sizeof header + n);
    for (size_t i = sizeof header; i < big.value.size(); ++i) big.value[i] = uint8_t(i * 7);
    MessageAssembler whole, streamed, exported;
    add(whole, store[0], 1);
    add(whole, big, 2);
    add(streamed, store[0], 1);
    add(exported, store[0], 1, kExplicitLe, 0, ~size_t(0), false, kKeepForExport);
    uint64_t most_held = 0;
    for (size_t off = 0; off < big.value.size(); off += 1448) {
        add(streamed, big, 2, kExplicitLe, off, 1448);
        most_held = std::max(most_held, streamed.held_bytes());
        // the data set's size follows the bytes that came, also while the parser only waits
        EXPECT_EQ(streamed.messages().at(0).data_set.size, std::min<size_t>(off + 1448, big.value.size()));
        add(exported, big, 2, kExplicitLe, off, 1448, false, kKeepForExport);
    }
    EXPECT_LT(most_held, 1448u * 2);
    const Message &w = whole.messages().at(0), &s = streamed.messages().at(0), &e = exported.messages().at(0);
    for (const Message *m : {&s, &e}) {
        ASSERT_TRUE(m->complete_frame);
        EXPECT_FALSE(m->incomplete());
        EXPECT_EQ(m->data_size, w.data_size);
        EXPECT_EQ(m->data_set.parsed_to, w.data_set.parsed_to);
        ASSERT_EQ(m->data_set.elements.size(), 1u);
        EXPECT_EQ(m->data_set.elements[0].length, n);
        EXPECT_TRUE(m->data_set.findings.empty());
    }
    ASSERT_TRUE(e.kept_data);
    std::string kept;
    ASSERT_TRUE(e.kept_data->read_into(0, big.value.size(), kept));
    EXPECT_TRUE(std::equal(kept.begin(), kept.end(), big.value.begin(), [](char a, uint8_t b) { return uint8_t(a) == b; }));
}
