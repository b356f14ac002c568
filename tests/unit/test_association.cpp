// Request/response bookkeeping of one association, including the cap on unanswered requests.
#include <gtest/gtest.h>

#include <deque>

#include "analysis/finding_text.hpp"
#include "session/association.hpp"
#include "session/diagnose.hpp"
#include "dimse/dimse.hpp"

using namespace dicom;

namespace {

Message &request(std::deque<Message> &msgs, uint16_t id) {
    Message &m = msgs.emplace_back();
    m.index = uint32_t(msgs.size());
    m.command.valid = true;
    m.command.field = kCEchoRq;
    m.command.message_id = id;
    m.command.has_message_id = true;
    return m;
}

Message &response(std::deque<Message> &msgs, uint16_t id) {
    Message &m = msgs.emplace_back();
    m.index = uint32_t(msgs.size());
    m.command.valid = true;
    m.command.field = kCEchoRsp;
    m.command.message_id_rsp = id;
    m.command.has_message_id_rsp = true;
    m.command.has_status = true;
    return m;
}

} // namespace

TEST(Association, ResponsesMatchTheirRequestsByMessageId) {
    Association a;
    std::deque<Message> msgs;
    for (uint16_t id = 1; id <= 3; ++id) a.on_message(request(msgs, id));
    a.on_message(response(msgs, 2));
    EXPECT_EQ(msgs.back().request, &msgs[1]);
    EXPECT_EQ(msgs[1].final_response, &msgs.back());
    auto open = a.unanswered();
    ASSERT_EQ(open.size(), 2u);
    EXPECT_EQ(open[0], &msgs[0]);
    EXPECT_EQ(open[1], &msgs[2]);
    a.on_message(response(msgs, 9)); // answers nothing
    EXPECT_EQ(msgs.back().request, nullptr);
    EXPECT_EQ(a.responses, 1u);
}

TEST(Association, OutstandingRequestsAreCappedOldestFirst) {
    Association a;
    a.outstanding_cap = 100;
    std::deque<Message> msgs;
    // A peer that never answers: 10 000 requests, every second one later answered.
    for (uint32_t i = 1; i <= 10000; ++i) {
        a.on_message(request(msgs, uint16_t(i)));
        if (i % 2 == 0) a.on_message(response(msgs, uint16_t(i)));
    }
    // Once 100 odd requests wait, each even request pushes the oldest odd one out, and its
    // own response brings the count back to 99.
    auto open = a.unanswered();
    EXPECT_EQ(open.size(), 99u);
    EXPECT_EQ(a.responses, 5000u); // the newest request is never the one forgotten
    EXPECT_EQ(a.requests_forgotten, 4901u);
    EXPECT_EQ(open.front()->command.message_id, 9999 - 2 * 98);
    EXPECT_EQ(open.back()->command.message_id, 9999);
    size_t flagged = 0;
    for (const Message &m : msgs)
        for (Problem p : m.problems) flagged += p == Problem::TooManyOutstanding;
    EXPECT_EQ(flagged, a.requests_forgotten);
    // A response to a forgotten request matches nothing.
    a.on_message(response(msgs, 1));
    EXPECT_EQ(msgs.back().request, nullptr);
}

// The evidence rule: a finding against a peer that the capture cannot prove is a note that says
// why; the same finding with nothing missed keeps its usual severity.
TEST(Association, FindingsTheCaptureCannotProveAreNotesInDoubt) {
    Association a;
    a.know_requestor(0, Endpoint{}, Endpoint{}); // its A-ASSOCIATE-RQ was seen
    std::vector<Diagnostic> out;
    a.raise(Diagnostic{DiagCode::MalformedDataSet, Party::Requestor, 10, 1.0, 2}, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].severity, Severity::Error);
    EXPECT_EQ(out[0].doubt, Doubt::None);
    // the capture missed bytes from the acceptor: the requestor's own data set is still proved,
    // an unanswered request is not (the response may be in the hole)
    a.missed_from_acceptor = 1448;
    a.raise(Diagnostic{DiagCode::MalformedDataSet, Party::Requestor, 11, 1.1, 1}, out);
    EXPECT_EQ(out.back().severity, Severity::Error);
    a.raise(Diagnostic{DiagCode::UnansweredRequest, Party::Acceptor, 12, 1.2, 1}, out);
    EXPECT_EQ(out.back().severity, Severity::Note);
    EXPECT_EQ(out.back().doubt, Doubt::BytesMissed);
    a.raise(Diagnostic{DiagCode::DataSetMissing, Party::Acceptor, 13, 1.3}, out);
    EXPECT_EQ(out.back().doubt, Doubt::SenderBytesMissed);
    // what the capture shows directly stays what it is
    a.raise(Diagnostic{DiagCode::FailureStatus, Party::Acceptor, 14, 1.4, 0xA700}, out);
    EXPECT_EQ(out.back().severity, Severity::Error);
    a.raise(Diagnostic{DiagCode::CaptureGap, Party::Capture, 15, 1.5, 1448}, out);
    EXPECT_EQ(out.back().severity, Severity::Warning);
    // merged: the highest severity, and how many were in doubt
    a.missed_from_requestor = 10;
    a.raise(Diagnostic{DiagCode::MalformedDataSet, Party::Requestor, 16, 1.6, 1}, out);
    EXPECT_EQ(out.back().doubt, Doubt::SenderBytesMissed);
    const DiagnosticSummary &s = a.diagnostics.front();
    EXPECT_EQ(s.code, DiagCode::MalformedDataSet);
    EXPECT_EQ(s.count, 3u);
    EXPECT_EQ(s.doubtful, 1u);
    EXPECT_EQ(s.severity, Severity::Error);
    EXPECT_EQ(s.first_doubt, Doubt::SenderBytesMissed);
    for (const DiagnosticSummary &t : a.diagnostics) {
        if (t.code == DiagCode::UnansweredRequest) {
            EXPECT_EQ(t.severity, Severity::Note);
        }
    }
    // a gap still in its grace is missed bytes that may yet come: the same doubt
    Association b;
    b.know_requestor(0, Endpoint{}, Endpoint{});
    b.pending_from_acceptor = true;
    b.raise(Diagnostic{DiagCode::ProtocolViolation, Party::Requestor, 20, 2.0}, out);
    EXPECT_EQ(out.back().doubt, Doubt::BytesMissed);
}

TEST(Association, WithoutTheSetUpTheRolesAreAGuess) {
    Association a; // no A-ASSOCIATE-RQ seen: which side is the requestor is not known
    std::vector<Diagnostic> out;
    a.raise(Diagnostic{DiagCode::AssociationAborted, Party::Requestor, 5, 0.5}, out);
    EXPECT_EQ(out.back().doubt, Doubt::RolesUnknown);
    EXPECT_EQ(out.back().severity, Severity::Note);
    a.raise(Diagnostic{DiagCode::CaptureGap, Party::Capture, 6, 0.6, 10}, out);
    EXPECT_EQ(out.back().doubt, Doubt::None);
}

TEST(Association, InferredRolesKeepFindingsInDoubtAndTheHandshakeProvesThem) {
    std::vector<Diagnostic> out;
    Association a;
    a.know_requestor(1, Endpoint{}, Endpoint{}, RolesEvidence::ListeningPort);
    a.raise(Diagnostic{DiagCode::AssociationAborted, Party::Requestor, 5, 0.5}, out);
    EXPECT_EQ(out.back().doubt, Doubt::RolesInferred);
    EXPECT_EQ(out.back().severity, Severity::Note);
    a.know_requestor(0, Endpoint{}, Endpoint{}, RolesEvidence::Requests); // weaker: changes nothing
    EXPECT_EQ(a.requestor_dir, 1);
    a.know_requestor(0, Endpoint{}, Endpoint{}, RolesEvidence::Handshake); // the requestor opened the connection
    EXPECT_EQ(a.requestor_dir, 0);
    a.raise(Diagnostic{DiagCode::AssociationAborted, Party::Requestor, 6, 0.6}, out);
    EXPECT_EQ(out.back().doubt, Doubt::None);
    EXPECT_EQ(out.back().severity, diag_severity(DiagCode::AssociationAborted));
}

TEST(Association, InferredTransferSyntaxPutsDataSetFindingsInDoubt) {
    EXPECT_EQ(doubt_for(DiagCode::MalformedDataSet, Party::Requestor, 0, 0, true), Doubt::SyntaxInferred);
    EXPECT_EQ(doubt_for(DiagCode::MalformedDataSet, Party::Requestor, 0, 0, false), Doubt::None);
    EXPECT_EQ(doubt_for(DiagCode::DataSetMissing, Party::Requestor, 0, 0, true), Doubt::None);
    EXPECT_EQ(doubt_for(DiagCode::MalformedDataSet, Party::Network, 5, 5, true), Doubt::None);
    EXPECT_EQ(doubt_for(DiagCode::ClosedWithoutRelease, Party::Requestor, 0, 5, false), Doubt::BytesMissed);
    EXPECT_EQ(doubt_for(DiagCode::AssociationAborted, Party::Requestor, 5, 5, false), Doubt::None);
}

TEST(Association, DelayedAckStallsAreNotesUntilTheyCostATenthOfTheTime) {
    std::vector<Diagnostic> out;
    Association a;
    a.know_requestor(1, Endpoint{}, Endpoint{}, RolesEvidence::Handshake);
    a.first_time = 10.0;
    a.last_time = 11.0; // one second
    Stall s;
    s.cause = StallCause::DelayedAck;
    s.start = 10.20, s.end = 10.24, s.end_frame = 7; // 40 ms: 4%
    diagnose_stall(a, s, 0, nullptr, Doubt::None, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out.back().severity, Severity::Note); // on its frame, always a note
    ASSERT_EQ(a.diagnostics.size(), 1u);
    EXPECT_EQ(finding_severity(a, a.diagnostics[0]), Severity::Note);
    s.start = 10.50, s.end = 10.55, s.end_frame = 9; // 90 ms in all: 9%
    diagnose_stall(a, s, 0, nullptr, Doubt::None, out);
    EXPECT_EQ(out.back().severity, Severity::Note);
    EXPECT_EQ(finding_severity(a, a.diagnostics[0]), Severity::Note);
    s.start = 10.70, s.end = 10.72, s.end_frame = 11; // 110 ms: more than a tenth
    diagnose_stall(a, s, 0, nullptr, Doubt::None, out);
    EXPECT_EQ(out.back().severity, Severity::Note);
    EXPECT_EQ(finding_severity(a, a.diagnostics[0]), Severity::Warning);
    EXPECT_EQ(most_severe_finding(a), &a.diagnostics[0]);
    a.last_time = 13.0; // the association went on: the same stalls are a small part of it
    EXPECT_EQ(finding_severity(a, a.diagnostics[0]), Severity::Note);
    // roles only inferred: the warning would name a guess
    Association b;
    b.know_requestor(1, Endpoint{}, Endpoint{}, RolesEvidence::ListeningPort);
    b.first_time = 10.0, b.last_time = 10.1;
    diagnose_stall(b, s, 0, nullptr, Doubt::None, out);
    EXPECT_EQ(finding_severity(b, b.diagnostics[0]), Severity::Note);
}

TEST(Association, ExpertSummariesFitAColumnAndLongSentencesGiveWhatAndWho) {
    for (int i = 0; i < int(Problem::Count); ++i)
        EXPECT_LE(std::string(problem_text(Problem(i))).size(), kSummaryLength) << problem_key(Problem(i));
    Association a;
    a.calling_ae = "MODALITY", a.called_ae = "PACS";
    a.acceptor_version = "OFFIS_DCMTK_367";
    Diagnostic d{DiagCode::SlowResponse, Party::Acceptor, 76, 2.0, 1999.0};
    EXPECT_EQ(finding_summary(a, d, "short enough"), "short enough");
    const std::string sentence(150, 'x');
    EXPECT_EQ(finding_summary(a, d, sentence), "Slow response: PACS (acceptor), 1.999 s");
    d.code = DiagCode::CaptureGap, d.party = Party::Capture, d.value = 1448;
    EXPECT_EQ(finding_summary(a, d, sentence), "Bytes missing from the capture: the capture, 1448 bytes");
    d.code = DiagCode::DelayedAckStall, d.party = Party::Acceptor, d.value = 42, d.doubt = Doubt::RolesInferred;
    a.called_ae = std::string(64, 'P'); // a long AE title (not valid, but seen): still cut to fit
    const std::string s = finding_summary(a, d, sentence);
    EXPECT_EQ(s.size(), kSummaryLength);
    EXPECT_EQ(s.substr(s.size() - 3), "...");
}
