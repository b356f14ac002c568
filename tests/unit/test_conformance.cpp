// The conformance rules (issue 24) on real bytes (the PDUs and command sets of captures of real
// peers and of tools/captures/rule_breaker.py) and on broken ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>
#include <utility>

#include "conformance/check_dimse.hpp"
#include "conformance/check_iod.hpp"
#include "conformance/check_pdus.hpp"
#include "conformance/check_values.hpp"
#include "conformance/violation_text.hpp"
#include "connection_harness.hpp"
#include "dataset/charset.hpp"
#include "dataset/dataset.hpp"
#include "dataset/dictionary.hpp"
#include "pcap_reader.hpp"
#include "ul/associate.hpp"
#include "ul/pdu.hpp"

using namespace dicom;

namespace {

bool has(const std::vector<RuleHit> &hits, Rule r, uint32_t value) {
    return std::any_of(hits.begin(), hits.end(), [&](const RuleHit &h) { return h.rule == r && h.value == value; });
}

// The PDUs of direction `dir` of a capture, as owned bytes.
std::vector<std::vector<uint8_t>> pdus_of(const std::string &capture, size_t dir) {
    auto streams = read_tcp_streams(sample(capture));
    std::vector<std::vector<uint8_t>> out;
    if (streams.size() <= dir) return out;
    for (ByteView p : split_pdus(streams[dir])) out.emplace_back(p.data, p.data + p.size);
    return out;
}

// The command sets a direction's P-DATA-TFs carry (each in one PDV, as dcmtk and the rule
// breaker send them), with their parsed commands.
struct CommandSet {
    std::vector<uint8_t> bytes;
    Command command;
};
std::vector<CommandSet> command_sets_of(const std::string &capture, size_t dir) {
    std::vector<CommandSet> out;
    for (const auto &pdu : pdus_of(capture, dir)) {
        if (pdu[0] != kPData || pdu.size() < 12) continue;
        const uint32_t len = uint32_t(pdu[6]) << 24 | uint32_t(pdu[7]) << 16 | uint32_t(pdu[8]) << 8 | pdu[9];
        if (!(pdu[11] & 1) || len < 2 || 10 + len > pdu.size()) continue; // not a command PDV
        CommandSet c;
        c.bytes.assign(pdu.begin() + 12, pdu.begin() + 10 + len);
        ChunkedBytes chunks;
        chunks.append(c.bytes.data(), c.bytes.size());
        DataSet ds;
        parse_dataset(chunks, Syntax{}, ds);
        extract_command(ds, c.command);
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<RuleHit> check_set(const CommandSet &c, const Command *request = nullptr) {
    std::vector<RuleHit> hits;
    check_command_set(ByteView(c.bytes.data(), c.bytes.size()), c.command, request, hits);
    return hits;
}

} // namespace

TEST(Conformance, EveryRuleHasAnIdOfItsClassATitleThatFitsAColumnAndAReference) {
    std::set<std::string> ids;
    const char *prefix[] = {"ul.", "pdu.", "dimse.", "enc.", "iod."};
    for (size_t i = 0; i < size_t(Rule::Count); ++i) {
        const RuleInfo &r = rule_info(Rule(i));
        EXPECT_TRUE(ids.insert(r.id).second) << r.id;
        EXPECT_EQ(strncmp(r.id, prefix[size_t(r.rule_class)], strlen(prefix[size_t(r.rule_class)])), 0) << r.id;
        EXPECT_LE(strlen(r.title), kSummaryLength) << r.id;
        EXPECT_EQ(strncmp(r.reference, "PS3.", 4), 0) << r.id;
        EXPECT_EQ(rule_by_id(r.id), Rule(i));
    }
    EXPECT_EQ(rule_by_id("no.such_rule"), Rule::Count);
    // every problem of a peer's bytes maps to a rule; those of the capture to none
    EXPECT_EQ(rule_for_problem(Problem::AeTitleInvalid), Rule::AeTitle);
    EXPECT_EQ(rule_for_problem(Problem::ElementOddLength), Rule::ValueLengthOdd);
    EXPECT_EQ(rule_for_problem(Problem::BytesMissing), Rule::Count);
    EXPECT_EQ(rule_for_problem(Problem::PduTruncated), Rule::Count);
}

TEST(Conformance, TheStateMachineAcceptsARegularAssociationAndAReleaseCollision) {
    UlWireState s;
    for (auto [rq, type] : std::vector<std::pair<bool, uint8_t>>{
             {true, kAssociateRq}, {false, kAssociateAc}, {true, kPData}, {false, kPData}, {true, kPData},
             {false, kPData}, {true, kReleaseRq}, {false, kPData}, {false, kReleaseRp}})
        EXPECT_EQ(check_pdu_order(s, rq, type).rule, Rule::Count) << int(type);
    UlWireState c; // both release at once (PS3.8 9.2.1, release collision)
    for (auto [rq, type] : std::vector<std::pair<bool, uint8_t>>{
             {true, kAssociateRq}, {false, kAssociateAc}, {true, kReleaseRq}, {false, kReleaseRq}, {true, kReleaseRp},
             {false, kReleaseRp}})
        EXPECT_EQ(check_pdu_order(c, rq, type).rule, Rule::Count) << int(type);
}

TEST(Conformance, TheStateMachineNamesEachPduOutOfState) {
    auto after = [](std::vector<std::pair<bool, uint8_t>> before, bool rq, uint8_t type) {
        UlWireState s;
        for (auto [r, t] : before) check_pdu_order(s, r, t);
        return check_pdu_order(s, rq, type).rule;
    };
    const std::pair<bool, uint8_t> RQ{true, kAssociateRq}, AC{false, kAssociateAc};
    EXPECT_EQ(after({RQ}, true, kPData), Rule::PdataBeforeAssociateAc);
    EXPECT_EQ(after({RQ}, true, kReleaseRq), Rule::ReleaseBeforeAssociateAc);
    EXPECT_EQ(after({RQ, {false, kAssociateRj}}, true, kPData), Rule::PduAfterAssociateRj);
    EXPECT_EQ(after({RQ, AC, {true, kReleaseRq}}, true, kPData), Rule::PdataAfterOwnReleaseRq);
    EXPECT_EQ(after({RQ, AC}, false, kReleaseRp), Rule::ReleaseRpWithoutRq);
    EXPECT_EQ(after({RQ, AC, {true, kReleaseRq}, {false, kReleaseRp}}, false, kPData), Rule::PduAfterReleaseRp);
    EXPECT_EQ(after({RQ, AC, {true, kAbort}}, true, kPData), Rule::PduAfterOwnAbort);
    EXPECT_EQ(after({RQ, AC, {true, kAbort}}, false, kPData), Rule::Count); // written before it read the abort
    EXPECT_EQ(after({RQ}, true, kAssociateAc), Rule::AssociateAnswerFromRequestor);
    EXPECT_EQ(after({RQ, AC}, false, kAssociateAc), Rule::AssociateAnswerRepeated);
    EXPECT_EQ(after({RQ, AC, {true, kReleaseRq}}, true, kReleaseRq), Rule::ReleaseRqRepeated);
}

TEST(Conformance, RealNegotiationsOfDcmtkBreakNoRule) {
    for (const char *capture : {"echo.pcap", "negotiation.pcap", "extended-negotiation.pcap", "user-identity.pcap"}) {
        const auto rq = pdus_of(capture, 0), ac = pdus_of(capture, 1);
        ASSERT_FALSE(rq.empty() || ac.empty()) << capture;
        Associate a, b;
        ASSERT_TRUE(parse_associate(ByteView(rq[0].data(), rq[0].size()), a)) << capture;
        ASSERT_TRUE(parse_associate(ByteView(ac[0].data(), ac[0].size()), b)) << capture;
        ProposedNegotiation p;
        std::vector<RuleHit> hits;
        check_associate_rq(a, p, hits);
        check_associate_ac(b, p, hits);
        EXPECT_TRUE(hits.empty()) << capture << ": " << (hits.empty() ? "" : rule_info(hits[0].rule).id);
    }
}

TEST(Conformance, AnAcceptorThatAnswersWhatWasNotProposed) {
    auto answer = [](const char *capture) {
        const auto rq = pdus_of(capture, 0), ac = pdus_of(capture, 1);
        Associate a, b;
        EXPECT_TRUE(parse_associate(ByteView(rq.at(0).data(), rq[0].size()), a));
        EXPECT_TRUE(parse_associate(ByteView(ac.at(0).data(), ac[0].size()), b));
        ProposedNegotiation p;
        std::vector<RuleHit> hits;
        check_associate_rq(a, p, hits);
        EXPECT_TRUE(hits.empty()) << "echoscu's request is correct";
        check_associate_ac(b, p, hits);
        return hits;
    };
    auto hits = answer("conformance-accept-unproposed-ts.pcap");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_TRUE(has(hits, Rule::TransferSyntaxNotProposed, 1));
    hits = answer("conformance-extra-negotiation.pcap");
    ASSERT_EQ(hits.size(), 2u);
    EXPECT_TRUE(has(hits, Rule::AsyncWindowNotProposed, 0));
    EXPECT_TRUE(has(hits, Rule::RoleReplyNotProposed, 0));
    // without the request in the capture nothing is answered against it
    Associate b;
    const auto ac = pdus_of("conformance-accept-unproposed-ts.pcap", 1);
    ASSERT_TRUE(parse_associate(ByteView(ac[0].data(), ac[0].size()), b));
    ProposedNegotiation unseen;
    hits.clear();
    check_associate_ac(b, unseen, hits);
    EXPECT_TRUE(hits.empty());
}

TEST(Conformance, BrokenNegotiationBytes) {
    auto rq = pdus_of("echo.pcap", 0).at(0);
    // the application context name, "1.2.840.10008.3.1.1.1" at its item, made another UID
    const std::string ctx = "1.2.840.10008.3.1.1.1";
    auto at = std::search(rq.begin(), rq.end(), ctx.begin(), ctx.end());
    ASSERT_NE(at, rq.end());
    *(at + long(ctx.size()) - 1) = '2';
    Associate a;
    ASSERT_TRUE(parse_associate(ByteView(rq.data(), rq.size()), a));
    ProposedNegotiation p;
    std::vector<RuleHit> hits;
    check_associate_rq(a, p, hits);
    EXPECT_TRUE(has(hits, Rule::ApplicationContext, 0));
    // every prefix of a request (a PDU cut anywhere) is checked without reading past it
    const auto whole = pdus_of("extended-negotiation.pcap", 0).at(0);
    for (size_t n = 0; n <= whole.size(); ++n) {
        std::vector<uint8_t> cut(whole.begin(), whole.begin() + long(n));
        Associate c;
        ProposedNegotiation q;
        std::vector<RuleHit> h;
        if (parse_associate(ByteView(cut.data(), cut.size()), c)) check_associate_rq(c, q, h);
    }
}

TEST(Conformance, CommandSetsOfRealPeersFollowTheirTables) {
    for (const char *capture : {"echo.pcap", "store-multi.pcap", "query-retrieve.pcap"})
        for (size_t dir : {0u, 1u}) {
            const auto sets = command_sets_of(capture, dir);
            ASSERT_FALSE(sets.empty()) << capture;
            for (const CommandSet &c : sets) {
                const auto hits = check_set(c);
                EXPECT_TRUE(hits.empty()) << capture << " " << std::hex << c.command.field << ": "
                                          << (hits.empty() ? "" : violation_text(hits[0]));
            }
        }
}

TEST(Conformance, CommandSetsThatBreakTheirTables) {
    auto first_of = [](const char *capture) { return std::move(command_sets_of(capture, 0).at(0)); };
    auto hits = check_set(first_of("conformance-store-no-instance.pcap"));
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_TRUE(has(hits, Rule::CommandElementMissing, uint32_t(kCStoreRq) << 16 | 0x1000));
    EXPECT_EQ(violation_text(hits[0]), "C-STORE-RQ without Affected SOP Instance UID (0000,1000)");
    EXPECT_EQ(violation_reference(hits[0]), "PS3.7 9.3.1.1");
    hits = check_set(first_of("conformance-priority-7.pcap"));
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_TRUE(has(hits, Rule::Priority, 7));
    hits = check_set(first_of("conformance-group-length.pcap"));
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_TRUE(has(hits, Rule::GroupLength, 0));
    const CommandSet store = first_of("conformance-uid-leading-zero.pcap");
    hits = check_set(store);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_TRUE(has(hits, Rule::UiValue, 0x1000));
    // storescp's response repeats the bad UID: the request's fault, not the response's
    const CommandSet rsp = std::move(command_sets_of("conformance-uid-leading-zero.pcap", 1).at(0));
    EXPECT_TRUE(check_set(rsp, &store.command).empty());
    EXPECT_TRUE(has(check_set(rsp), Rule::UiValue, 0x1000));
    // a C-ECHO-RQ that announces a data set, and one with Priority (C-ECHO has none)
    CommandSet echo = std::move(command_sets_of("echo.pcap", 0).at(0));
    echo.command.data_set_type = 0x0000;
    EXPECT_TRUE(has(check_set(echo), Rule::DataSetType, uint32_t(kCEchoRq) << 16 | 1));
    // every prefix of a command set is checked without reading past it
    for (size_t n = 0; n <= store.bytes.size(); ++n) {
        std::vector<RuleHit> h;
        check_command_set(ByteView(store.bytes.data(), n), store.command, nullptr, h);
    }
}

TEST(Conformance, TheCommandsSopClassAgainstItsContext) {
    const CommandSet echo = std::move(command_sets_of("conformance-echo-on-ct.pcap", 0).at(0));
    std::vector<RuleHit> hits;
    check_command_context(echo.command, "1.2.840.10008.5.1.4.1.1.2", hits);
    EXPECT_TRUE(has(hits, Rule::SopClassNotContext, uint32_t(kCEchoRq) << 16));
    hits.clear();
    check_command_context(echo.command, "1.2.840.10008.1.1", hits);
    check_command_context(echo.command, "", hits);                        // context not known
    check_command_context(echo.command, "1.2.840.10008.5.1.1.9", hits);   // a meta SOP class
    EXPECT_TRUE(hits.empty());
}

TEST(Conformance, StatusesTheServiceDefines) {
    auto status = [](uint16_t field, uint16_t s) {
        Command c;
        c.valid = true, c.field = field, c.has_status = true, c.status = s;
        std::vector<RuleHit> hits;
        check_status(c, hits);
        return hits.empty();
    };
    EXPECT_FALSE(status(kCEchoRsp, 0xA700)); // out of resources is C-STORE's and C-FIND's
    EXPECT_TRUE(status(kCEchoRsp, 0x0000));
    EXPECT_TRUE(status(kCEchoRsp, 0x0122));
    EXPECT_TRUE(status(kCStoreRsp, 0xA700));
    EXPECT_TRUE(status(kCStoreRsp, 0xB000));
    EXPECT_FALSE(status(kCStoreRsp, 0xFF00)); // pending: never a C-STORE's
    EXPECT_TRUE(status(kCFindRsp, 0xFF01));
    EXPECT_TRUE(status(kCMoveRsp, 0xA801));
    EXPECT_FALSE(status(kCGetRsp, 0xA801)); // move destination unknown: C-MOVE's only
    EXPECT_TRUE(status(kNSetRsp, 0x0107));
}

TEST(Conformance, MessageIdsOverTheOutstandingRequests) {
    std::vector<RuleHit> hits;
    OutstandingRequests o; // no window negotiated: one each
    o.request(true, 1, hits);
    o.request(true, 2, hits);
    EXPECT_TRUE(has(hits, Rule::OutstandingBeyondWindow, 2));
    hits.clear();
    o.request(true, 1, hits);
    EXPECT_TRUE(has(hits, Rule::MessageIdInUse, 1));
    hits.clear();
    o.response(false, 1, false, hits); // pending: still outstanding
    o.response(false, 1, true, hits);
    o.response(false, 1, true, hits);  // the reused ID is answered too
    o.response(false, 2, true, hits);
    EXPECT_TRUE(hits.empty());
    o.response(false, 2, true, hits);
    EXPECT_TRUE(has(hits, Rule::ResponseWithoutRequest, 2));
    hits.clear();
    OutstandingRequests w;
    w.set_window(0, 1); // unlimited for the requestor
    for (uint16_t id = 1; id <= 100; ++id) w.request(true, id, hits);
    w.request(false, 1, hits); // the acceptor's own numbering (a C-GET's C-STOREs)
    EXPECT_TRUE(hits.empty());
}

namespace {

// A capture of a requestor and an acceptor walked by the core as the plugin walks it: the set-up,
// then the rest of the requestor's stream, then the acceptor's. (So only captures with one
// request outstanding at most: replayed this way, a second request would look sent before the
// first was answered.)
std::vector<Violation> violations_of(const char *capture) {
    auto streams = read_tcp_streams(sample(capture));
    ConnectionHarness h;
    const auto first = h.open(streams.at(0).bytes, streams.at(1).bytes);
    for (int dir : {0, 1}) {
        const auto &b = streams[size_t(dir)].bytes;
        const size_t skip = dir ? first.second : first.first;
        h.payloads(dir, cut(std::vector<uint8_t>(b.begin() + long(skip), b.end()), 1448, uint32_t(1 + skip)));
    }
    return h.rec.violated;
}

} // namespace

TEST(Conformance, TheCoreRaisesEachViolationAgainstThePeerThatBrokeTheRule) {
    auto v = violations_of("conformance-echo-on-ct.pcap");
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].rule, Rule::SopClassNotContext);
    EXPECT_EQ(v[0].party, Party::Requestor);
    v = violations_of("conformance-two-outstanding.pcap");
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].rule, Rule::OutstandingBeyondWindow);
    v = violations_of("conformance-echo-status-a700.pcap");
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].rule, Rule::StatusNotForService);
    EXPECT_EQ(v[0].party, Party::Acceptor);
    v = violations_of("conformance-store-no-instance.pcap");
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].rule, Rule::CommandElementMissing);
    EXPECT_EQ(v[0].value, uint32_t(kCStoreRq) << 16 | 0x1000);
    EXPECT_TRUE(violations_of("echo.pcap").empty());
}

TEST(Conformance, ValuesFollowTheirVr) {
    const uint16_t DA = vr_code('D', 'A'), TM = vr_code('T', 'M'), DT = vr_code('D', 'T'), CS = vr_code('C', 'S'),
                   DS = vr_code('D', 'S'), IS = vr_code('I', 'S'), AS = vr_code('A', 'S'), UI = vr_code('U', 'I');
    EXPECT_TRUE(value_follows_vr(DA, "20040119"));
    EXPECT_FALSE(value_follows_vr(DA, "2004-01-19"));
    EXPECT_FALSE(value_follows_vr(DA, "20041319"));
    EXPECT_TRUE(value_follows_vr(TM, "072730.123456"));
    EXPECT_TRUE(value_follows_vr(TM, "0727 "));
    EXPECT_FALSE(value_follows_vr(TM, "07:27:30"));
    EXPECT_TRUE(value_follows_vr(DT, "20040119072730.5+0100"));
    EXPECT_FALSE(value_follows_vr(DT, "2004011907273"));
    EXPECT_TRUE(value_follows_vr(CS, "ORIGINAL"));
    EXPECT_TRUE(value_follows_vr(CS, "MONOCHROME2 "));
    EXPECT_FALSE(value_follows_vr(CS, "ct"));
    EXPECT_FALSE(value_follows_vr(CS, "SEVENTEEN_LETTERS"));
    EXPECT_TRUE(value_follows_vr(DS, " -1.5E+03"));
    EXPECT_TRUE(value_follows_vr(DS, ".5"));
    EXPECT_FALSE(value_follows_vr(DS, "1,5"));
    EXPECT_TRUE(value_follows_vr(IS, "+2147483647 "));
    EXPECT_FALSE(value_follows_vr(IS, "2147483648"));
    EXPECT_TRUE(value_follows_vr(AS, "045Y"));
    EXPECT_FALSE(value_follows_vr(AS, "45Y "));
    EXPECT_TRUE(value_follows_vr(UI, std::string_view("1.2.840.10008.1.2\0", 18)));
    EXPECT_FALSE(value_follows_vr(UI, "1.2.840.010008"));
    EXPECT_TRUE(value_follows_vr(DA, "  ")); // empty: absent, not wrong
}

TEST(Conformance, ValueMultiplicityOfTheDictionary) {
    EXPECT_TRUE(count_fits_vm("1", 1));
    EXPECT_FALSE(count_fits_vm("2", 1));
    EXPECT_TRUE(count_fits_vm("1-n", 7));
    EXPECT_FALSE(count_fits_vm("1-n", 0));
    EXPECT_TRUE(count_fits_vm("2-2n", 4));
    EXPECT_FALSE(count_fits_vm("2-2n", 3));
    EXPECT_TRUE(count_fits_vm("1-3", 3));
    EXPECT_FALSE(count_fits_vm("1-3", 4));
    EXPECT_TRUE(count_fits_vm("odd", 4)); // a VM it cannot read judges nothing
}

namespace {

// The data set of the first C-STORE-RQ of a capture, parsed as the plugin parses it.
DataSet first_data_set(const char *capture) {
    ChunkedBytes bytes;
    for (const auto &pdu : pdus_of(capture, 0)) {
        if (pdu[0] != kPData || pdu.size() < 12) continue;
        const uint32_t len = uint32_t(pdu[6]) << 24 | uint32_t(pdu[7]) << 16 | uint32_t(pdu[8]) << 8 | pdu[9];
        if (!(pdu[11] & 1) && 10 + len <= pdu.size()) bytes.append(pdu.data() + 12, len - 2);
    }
    DataSet ds;
    parse_dataset(bytes, syntax_for("1.2.840.10008.1.2.1"), ds);
    return ds;
}

} // namespace

namespace {

// An explicit VR little endian data set of short text elements: (tag, VR, value) in order
DataSet text_data_set(std::initializer_list<std::tuple<uint32_t, const char *, std::string>> elements) {
    std::vector<uint8_t> b;
    for (const auto &[tag, vr, value] : elements) {
        const std::string v = value.size() % 2 ? value + " " : value;
        const uint8_t head[8] = {uint8_t(tag >> 16), uint8_t(tag >> 24), uint8_t(tag), uint8_t(tag >> 8),
                                 uint8_t(vr[0]), uint8_t(vr[1]), uint8_t(v.size()), uint8_t(v.size() >> 8)};
        b.insert(b.end(), head, head + 8);
        b.insert(b.end(), v.begin(), v.end());
    }
    ChunkedBytes bytes;
    bytes.append(b.data(), b.size());
    DataSet ds;
    parse_dataset(bytes, syntax_for("1.2.840.10008.1.2.1"), ds);
    return ds;
}

} // namespace

TEST(Conformance, TextAgainstItsSpecificCharacterSet) {
    std::vector<RuleHit> hits;
    check_data_set_values(text_data_set({{0x00080005, "CS", "ISO_IR 100"}, {0x00100010, "PN", "M\xfcller"}}), true, hits);
    EXPECT_TRUE(hits.empty());
    check_data_set_values(text_data_set({{0x00080005, "CS", "\\ISO 2022 IR 87"},
                                         {0x00100010, "PN", "Mori=\x1b$B?9\x1b(B"}}), false, hits);
    EXPECT_TRUE(hits.empty()) << violation_text(hits[0]);
    // no Specific Character Set: the default repertoire, where 0xFC is no character
    check_data_set_values(text_data_set({{0x00100010, "PN", "M\xfcller"}}), true, hits);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_TRUE(has(hits, Rule::CharacterRepertoire, 0x00100010));
    EXPECT_EQ(violation_text(hits[0]), "Patient's Name (0010,0010) holds bytes that its Specific Character Set does not define");
    hits.clear();
    // a term PS3.3 does not define, and text that no known repertoire explains
    check_data_set_values(text_data_set({{0x00080005, "CS", "ISO_IR 999"}, {0x00100010, "PN", "M\xfcller"}}), true, hits);
    EXPECT_TRUE(has(hits, Rule::CharacterSetTerm, 0x00080005));
    EXPECT_TRUE(has(hits, Rule::CharacterRepertoire, 0x00100010));
    EXPECT_EQ(hits.size(), 2u);
    hits.clear();
    // UTF-8 declared, Latin-1 bytes sent; and UTF-8 may not be a code extension's value 2
    check_data_set_values(text_data_set({{0x00080005, "CS", "ISO_IR 192"}, {0x00100010, "PN", "J\xf6rg"}}), true, hits);
    EXPECT_TRUE(has(hits, Rule::CharacterRepertoire, 0x00100010));
    hits.clear();
    check_data_set_values(text_data_set({{0x00080005, "CS", "ISO 2022 IR 6\\ISO_IR 192"}}), true, hits);
    EXPECT_TRUE(has(hits, Rule::CharacterSetTerm, 0x00080005));
    EXPECT_TRUE(is_defined_character_set_term("GB18030", 0));
    EXPECT_FALSE(is_defined_character_set_term("GB18030", 1));
    EXPECT_TRUE(is_defined_character_set_term("", 0));
}

namespace {

bool iod_hit(const std::vector<RuleHit> &hits, Rule rule, uint32_t tag) {
    return std::any_of(hits.begin(), hits.end(), [&](const RuleHit &h) {
        return h.rule == rule && iod_attribute(h.value) && iod_attribute(h.value)->tag == tag;
    });
}

} // namespace

TEST(Conformance, IodModulesMandatoryAlwaysOptionalWhenHeld) {
    const char *ct = "1.2.840.10008.5.1.4.1.1.2";
    std::vector<RuleHit> hits;
    check_iod(ct, first_data_set("conformance-priority-7.pcap"), hits); // pydicom's CT_small, whole
    EXPECT_TRUE(hits.empty()) << (hits.empty() ? "" : violation_text(hits[0]));
    check_iod(ct, first_data_set("conformance-ct-no-series-uid.pcap"), hits);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_TRUE(iod_hit(hits, Rule::IodType1Missing, 0x0020000E));
    EXPECT_EQ(violation_text(hits[0]), "CT Image without Series Instance UID (0020,000E), Type 1 in the General Series module");
    // Contrast/Bolus (usage C): not judged while the data set does not hold it ...
    hits.clear();
    check_iod(ct, text_data_set({{0x00080016, "UI", ct}}), hits);
    EXPECT_TRUE(iod_hit(hits, Rule::IodType1Missing, 0x00080018)); // SOP Common, mandatory
    EXPECT_FALSE(iod_hit(hits, Rule::IodType2Missing, 0x00180010));
    // ... and whole once it does: Contrast/Bolus Volume says contrast was used, the Agent is missing
    hits.clear();
    check_iod(ct, text_data_set({{0x00080016, "UI", ct}, {0x00181041, "DS", "20"}}), hits);
    ASSERT_TRUE(iod_hit(hits, Rule::IodType2Missing, 0x00180010));
    for (const RuleHit &h : hits) {
        if (iod_attribute(h.value)->tag == 0x00180010) {
            EXPECT_EQ(violation_text(h), "CT Image without Contrast/Bolus Agent (0018,0010), Type 2 in the Contrast/Bolus "
                                         "module, which it holds");
        }
    }
}

TEST(Conformance, IodAttributesInsideSequenceItems) {
    // CT: Referenced Image Sequence (0008,1140, Type 3) with two items of undefined length, each
    // with Referenced SOP Class UID but without Referenced SOP Instance UID (Type 1 in its items)
    const char *ct = "1.2.840.10008.5.1.4.1.1.2";
    const std::string sop_class = std::string(ct) + '\0'; // padded to an even length
    std::vector<uint8_t> b = {0x08, 0x00, 0x16, 0x00, 'U', 'I', uint8_t(sop_class.size()), 0};
    b.insert(b.end(), sop_class.begin(), sop_class.end());
    const uint8_t sequence[] = {0x08, 0x00, 0x40, 0x11, 'S', 'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    const uint8_t item[] = {0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF};
    const uint8_t class_uid[] = {0x08, 0x00, 0x50, 0x11, 'U', 'I', 2, 0, '1', 0};
    const uint8_t item_end[] = {0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0};
    const uint8_t sequence_end[] = {0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0};
    b.insert(b.end(), sequence, sequence + sizeof sequence);
    for (int i = 0; i < 2; ++i) {
        b.insert(b.end(), item, item + sizeof item);
        b.insert(b.end(), class_uid, class_uid + sizeof class_uid);
        b.insert(b.end(), item_end, item_end + sizeof item_end);
    }
    b.insert(b.end(), sequence_end, sequence_end + sizeof sequence_end);
    ChunkedBytes bytes;
    bytes.append(b.data(), b.size());
    DataSet ds;
    parse_dataset(bytes, syntax_for("1.2.840.10008.1.2.1"), ds);
    std::vector<RuleHit> hits;
    check_iod(ct, ds, hits);
    ASSERT_TRUE(iod_hit(hits, Rule::IodType1Missing, 0x00081155));
    EXPECT_FALSE(iod_hit(hits, Rule::IodType1Missing, 0x00081150));
    size_t reported = 0; // once per object, not once per item
    for (const RuleHit &h : hits) {
        if (iod_attribute(h.value)->tag == 0x00081155) {
            ++reported;
            EXPECT_EQ(violation_text(h), "CT Image without Referenced SOP Instance UID (0008,1155) in an item of Referenced "
                                         "Image Sequence (0008,1140), Type 1 in the General Reference module, which it holds");
        }
    }
    EXPECT_EQ(reported, 1u);
}

TEST(Conformance, DataSetValuesOfARealObjectAndOfBrokenOnes) {
    std::vector<RuleHit> hits;
    check_data_set_values(first_data_set("conformance-priority-7.pcap"), true, hits); // pydicom's CT_small, whole
    EXPECT_TRUE(hits.empty()) << (hits.empty() ? "" : violation_text(hits[0]));
    check_data_set_values(first_data_set("conformance-ct-bad-values.pcap"), true, hits);
    EXPECT_TRUE(has(hits, Rule::ValueFormat, 0x00080020));       // Study Date 2004-01-19
    EXPECT_TRUE(has(hits, Rule::ValueFormat, 0x00080060));       // Modality ct
    EXPECT_TRUE(has(hits, Rule::ValueMultiplicity, 0x00280030)); // Pixel Spacing, one value
    EXPECT_EQ(hits.size(), 3u);
    hits.clear();
    const DataSet mismatch = first_data_set("conformance-ct-vr-mismatch.pcap");
    check_data_set_values(mismatch, true, hits);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_TRUE(has(hits, Rule::VrNotDictionary, 0x00081030));
    EXPECT_EQ(violation_text(hits[0]), "Study Description (0008,1030) sent with a VR other than the dictionary's (LO)");
    hits.clear();
    check_data_set_values(first_data_set("conformance-ct-bad-values.pcap"), false, hits); // a query: VRs only
    EXPECT_TRUE(hits.empty());
}
