// Request/response bookkeeping of one association, including the cap on unanswered requests.
#include <gtest/gtest.h>

#include <deque>

#include "session/association.hpp"
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
