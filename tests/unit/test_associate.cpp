#include <gtest/gtest.h>

#include <algorithm>

#include "ul/associate.hpp"
#include "session/association.hpp"
#include "pcap_reader.hpp"
#include "ul/pdu.hpp"

using namespace dicom;

namespace {

struct Parsed {
    std::vector<uint8_t> bytes; // owns what `a` borrows
    Associate a;
};

// The first PDU of direction `dir` of a capture, parsed.
void first_pdu(const std::string &capture, size_t dir, Parsed &out) {
    auto streams = read_tcp_streams(sample(capture));
    ASSERT_GT(streams.size(), dir);
    ByteView pdu = split_pdus(streams[dir]).at(0);
    out.bytes.assign(pdu.data, pdu.data + pdu.size);
    ASSERT_TRUE(parse_associate(ByteView(out.bytes.data(), out.bytes.size()), out.a));
}

bool has(const Findings &f, Problem p) {
    return std::any_of(f.begin(), f.end(), [&](const Finding &x) { return x.what == p; });
}

} // namespace

TEST(Associate, EchoRequestFromEchoscu) {
    Parsed p;
    first_pdu("echo.pcap", 0, p);
    const Associate &a = p.a;
    EXPECT_EQ(a.pdu_type, kAssociateRq);
    EXPECT_EQ(a.pdu_length, 205u);
    EXPECT_EQ(a.protocol_version, 1);
    EXPECT_EQ(a.called_ae.value, "PACS");
    EXPECT_EQ(a.calling_ae.value, "MODALITY");
    EXPECT_EQ(a.app_context.value, "1.2.840.10008.3.1.1.1");
    ASSERT_EQ(a.contexts.size(), 1u);
    EXPECT_EQ(a.contexts[0].id, 1);
    EXPECT_EQ(a.contexts[0].abstract_syntax.value, "1.2.840.10008.1.1");
    ASSERT_EQ(a.contexts[0].transfer_syntaxes.size(), 1u);
    EXPECT_EQ(a.contexts[0].transfer_syntaxes[0].value, "1.2.840.10008.1.2");
    ASSERT_NE(a.find_sub(kSubMaxLength), nullptr);
    EXPECT_EQ(a.find_sub(kSubMaxLength)->max_length, 16384u);
    EXPECT_EQ(a.find_sub(kSubImplementationClassUid)->uid.value, "1.2.276.0.7230010.3.0.3.6.7");
    EXPECT_EQ(a.find_sub(kSubImplementationVersionName)->text, "OFFIS_DCMTK_367");
    EXPECT_TRUE(a.findings.empty());
}

TEST(Associate, RejectedFindContext) {
    Parsed rq, ac;
    first_pdu("find-rejected.pcap", 0, rq);
    first_pdu("find-rejected.pcap", 1, ac);
    ASSERT_EQ(rq.a.contexts.size(), 1u);
    EXPECT_EQ(rq.a.contexts[0].abstract_syntax.value, "1.2.840.10008.5.1.4.1.2.1.1");
    EXPECT_EQ(rq.a.contexts[0].transfer_syntaxes.size(), 3u);
    ASSERT_EQ(ac.a.contexts.size(), 1u);
    EXPECT_EQ(ac.a.contexts[0].result, kAbstractSyntaxNotSupported);
    EXPECT_TRUE(ac.a.findings.empty());

    Association state;
    state.apply_rq(rq.a, 4);
    state.apply_ac(ac.a, 6);
    const NegotiatedContext *c = state.context(1);
    ASSERT_NE(c, nullptr);
    EXPECT_FALSE(c->accepted());
    EXPECT_EQ(c->abstract_syntax, "1.2.840.10008.5.1.4.1.2.1.1");
    EXPECT_EQ(c->proposed_in, 4u);
    EXPECT_EQ(c->answered_in, 6u);
    EXPECT_EQ(state.accepted_count(), 0u);
    EXPECT_EQ(state.calling_ae, "MODALITY");
}

TEST(Associate, StorescuProposesManyContextsOverSeveralSegments) {
    Parsed rq, ac;
    first_pdu("heuristic-port.pcap", 0, rq);
    first_pdu("heuristic-port.pcap", 1, ac);
    EXPECT_EQ(rq.a.contexts.size(), 128u);
    EXPECT_EQ(ac.a.contexts.size(), 128u);
    EXPECT_TRUE(rq.a.findings.empty());
    Association state;
    state.apply_rq(rq.a, 15);
    state.apply_ac(ac.a, 20);
    for (const PresentationContext &pc : rq.a.contexts) EXPECT_EQ(pc.id % 2, 1);
    EXPECT_EQ(state.contexts().size(), 128u);
    EXPECT_EQ(state.max_pdu_requestor, 16384u);
    EXPECT_EQ(state.max_pdu_acceptor, 16384u);
    const NegotiatedContext *last = state.context(255);
    ASSERT_NE(last, nullptr);
    EXPECT_TRUE(last->accepted());
}

TEST(Associate, TitlesAreReadFromTheFirstSegmentOfALargeRequest) {
    Parsed rq;
    first_pdu("heuristic-port.pcap", 0, rq);
    std::string called, calling;
    // the capture's first segment holds the first 1448 bytes of the RQ
    EXPECT_TRUE(read_associate_titles(ByteView(rq.bytes.data(), 1448), called, calling));
    EXPECT_EQ(calling, std::string(rq.a.calling_ae.value));
    EXPECT_EQ(called, std::string(rq.a.called_ae.value));
    EXPECT_FALSE(calling.empty());
    // every shorter head: false until both titles are complete, never a read past the end
    for (size_t n = 0; n < 42; ++n) {
        std::vector<uint8_t> head(rq.bytes.begin(), rq.bytes.begin() + long(n));
        std::string x, y;
        EXPECT_FALSE(read_associate_titles(ByteView(head.data(), head.size()), x, y)) << n;
    }
    std::vector<uint8_t> ac(rq.bytes.begin(), rq.bytes.begin() + 42);
    ac[0] = kAssociateAc;
    EXPECT_FALSE(read_associate_titles(ByteView(ac.data(), ac.size()), called, calling));
}

TEST(Associate, UserIdentityUsernameAndPasscode) {
    Parsed p;
    first_pdu("user-identity.pcap", 0, p);
    const UserInfoEntry *id = p.a.find_sub(kSubUserIdentityRq);
    ASSERT_NE(id, nullptr);
    EXPECT_EQ(id->identity_type, 2);
    EXPECT_EQ(id->response_requested, 0);
    EXPECT_EQ(p.a.calling_ae.value, "WORKSTATION");
    auto text = [&](Span s) { return std::string(p.bytes.begin() + s.off, p.bytes.begin() + s.end()); };
    EXPECT_EQ(text(id->primary), "alice");
    EXPECT_EQ(text(id->secondary), "s3cret");
}

TEST(Associate, RoleSelectionAndExtendedNegotiationFromDcmtkProfiles) {
    Parsed rq, ac;
    first_pdu("negotiation.pcap", 0, rq);
    first_pdu("negotiation.pcap", 1, ac);
    const UserInfoEntry *role = rq.a.find_sub(kSubRoleSelection);
    ASSERT_NE(role, nullptr);
    EXPECT_EQ(role->uid.value, "1.2.840.10008.5.1.4.1.1.2");
    EXPECT_EQ(role->scu_role, 1);
    EXPECT_EQ(role->scp_role, 1);
    int extneg = 0;
    for (const UserInfoEntry &e : rq.a.user_info.entries) {
        if (e.item.type != kSubSopClassExtendedNegotiation) continue;
        ASSERT_TRUE(e.decoded);
        ++extneg;
        EXPECT_EQ(e.app_info.len, e.uid.value == "1.2.840.10008.5.1.4.1.1.2" ? 6u : 4u);
    }
    EXPECT_EQ(extneg, 2);
    EXPECT_TRUE(rq.a.findings.empty());
    ASSERT_NE(ac.a.find_sub(kSubRoleSelection), nullptr);
    EXPECT_EQ(ac.a.contexts.at(1).result, kAbstractSyntaxNotSupported);
}

TEST(Associate, AsyncWindowCommonExtendedNegotiationAndJwt) {
    Parsed p;
    first_pdu("extended-negotiation.pcap", 0, p);
    const UserInfoEntry *win = p.a.find_sub(kSubAsyncOperationsWindow);
    ASSERT_NE(win, nullptr);
    EXPECT_EQ(win->invoked, 5);
    EXPECT_EQ(win->performed, 3);
    const UserInfoEntry *common = p.a.find_sub(kSubSopClassCommonExtendedNegotiation);
    ASSERT_NE(common, nullptr);
    EXPECT_EQ(common->uid.value, "1.2.840.10008.5.1.4.1.1.88.22");
    EXPECT_EQ(common->service_class.value, "1.2.840.10008.4.2");
    ASSERT_EQ(common->related.size(), 1u);
    EXPECT_EQ(common->related[0].value, "1.2.840.10008.5.1.4.1.1.88.11");
    const UserInfoEntry *id = p.a.find_sub(kSubUserIdentityRq);
    ASSERT_NE(id, nullptr);
    EXPECT_EQ(id->identity_type, 5);
    EXPECT_EQ(id->response_requested, 1);
    EXPECT_EQ(id->secondary.len, 0u);
    EXPECT_GT(id->primary.len, 20u);
    EXPECT_TRUE(p.a.findings.empty());
}

TEST(AssociateBroken, SubItemBodiesThatDoNotAddUp) {
    Parsed p;
    first_pdu("extended-negotiation.pcap", 0, p);
    // Shrink each user information sub-item's declared length by one, one at a time: the
    // sub-item no longer decodes, is reported, and parsing goes on.
    for (const UserInfoEntry &e : p.a.user_info.entries) {
        auto bytes = p.bytes;
        uint32_t len_at = e.item.where.off + 2;
        uint16_t len = uint16_t(bytes[len_at] << 8 | bytes[len_at + 1]);
        if (len == 0) continue;
        --len;
        bytes[len_at] = uint8_t(len >> 8);
        bytes[len_at + 1] = uint8_t(len);
        Associate a;
        ASSERT_TRUE(parse_associate(ByteView(bytes.data(), bytes.size()), a));
        EXPECT_FALSE(a.findings.empty()) << "sub-item type " << int(e.item.type);
    }
}

TEST(AssociateBroken, EveryTruncationParsesWithoutOverrun) {
    Parsed p;
    first_pdu("user-identity.pcap", 0, p);
    for (size_t n = 0; n < p.bytes.size(); ++n) {
        std::vector<uint8_t> cut(p.bytes.begin(), p.bytes.begin() + n); // exact-size buffer for ASan
        Associate a;
        bool ok = parse_associate(ByteView(cut.data(), cut.size()), a);
        EXPECT_EQ(ok, n >= kPduHeaderLen + kAssociateFixedLen);
        if (ok) {
            EXPECT_TRUE(has(a.findings, Problem::PduTruncated)) << n;
        }
    }
}

TEST(AssociateBroken, LyingItemLengthsAreClampedAndReported) {
    Parsed p;
    first_pdu("echo.pcap", 0, p);
    auto bytes = p.bytes;
    bytes[74 + 2] = 0xff; // application context item length 0xff15
    Associate a;
    ASSERT_TRUE(parse_associate(ByteView(bytes.data(), bytes.size()), a));
    EXPECT_TRUE(has(a.findings, Problem::ItemLengthInvalid));
    EXPECT_LE(a.app_context_item.where.end(), bytes.size());
    EXPECT_TRUE(a.contexts.empty()); // swallowed by the lying item
    EXPECT_TRUE(has(a.findings, Problem::ItemMissing));
}

TEST(AssociateBroken, EvenContextIdUnknownItemAndBadUid) {
    Parsed p;
    first_pdu("echo.pcap", 0, p);
    auto bytes = p.bytes;
    size_t app_end = 74 + 4 + 21;      // application context item of echoscu
    ASSERT_EQ(bytes[app_end], 0x20);
    bytes[app_end + 4] = 2;            // even presentation context ID
    bytes[74 + 4] = 'x';               // application context name no longer a UID
    Associate a;
    ASSERT_TRUE(parse_associate(ByteView(bytes.data(), bytes.size()), a));
    EXPECT_TRUE(has(a.findings, Problem::PresentationContextIdEven));
    EXPECT_TRUE(has(a.findings, Problem::UidInvalid));

    bytes = p.bytes;
    bytes[app_end] = 0x33; // unknown item type
    Associate b;
    ASSERT_TRUE(parse_associate(ByteView(bytes.data(), bytes.size()), b));
    EXPECT_TRUE(has(b.findings, Problem::ItemTypeUnknown));
    EXPECT_EQ(b.other_items.size(), 1u);
}

TEST(AssociateBroken, ZeroLengthItemsStillAdvance) {
    // Header + fixed part, then 1000 empty items of type 0x50: must end, one entry each.
    std::vector<uint8_t> b(6 + 68 + 4000, 0);
    b[0] = kAssociateRq;
    uint32_t len = uint32_t(b.size() - 6);
    b[2] = uint8_t(len >> 24); b[3] = uint8_t(len >> 16); b[4] = uint8_t(len >> 8); b[5] = uint8_t(len);
    b[7] = 1;
    for (size_t i = 0; i < 1000; ++i) b[74 + 4 * i] = 0x50;
    Associate a;
    ASSERT_TRUE(parse_associate(ByteView(b.data(), b.size()), a));
    EXPECT_TRUE(has(a.findings, Problem::ItemDuplicated));
    EXPECT_TRUE(has(a.findings, Problem::AeTitleInvalid));
}
