#include "analysis/time_budget.hpp"

#include <algorithm>
#include <vector>

#include "dimse/dimse.hpp"
#include "session/association.hpp"

namespace dicom {

TimeBudget time_budget(const Association &a) {
    const StableList<Message> &messages = a.messages.messages();
    TimeBudget b;
    const double start = a.rq_time ? a.rq_time : a.first_time;
    const double end = a.end_time();
    if (!start || end <= start) return b;
    b.duration = end - start;
    const double answered = a.ac_time ? a.ac_time : a.rj_time;
    const double phase_start = answered && answered <= end ? answered : start;
    const double phase_end = a.release_rq_time && a.release_rq_time <= end ? a.release_rq_time : end;
    b.setup = answered ? std::min(answered, end) - start : 0;
    b.release = a.release_rq_time && a.release_rq_time <= end ? end - a.release_rq_time : 0;
    if (phase_end <= phase_start) {
        b.setup = b.duration - b.release;
        return b;
    }
    // The P-DATA phase, cut into pieces by every boundary; each piece goes to the first that
    // applies: a stall, a message under way, a request waiting for its response, the requestor.
    enum Kind { Stall = 0, Transfer = 1, Outstanding = 2 };
    struct Edge {
        double t;
        int kind, delta;
    };
    std::vector<Edge> edges;
    auto add = [&](double from, double to, int kind) {
        from = std::max(from, phase_start);
        to = std::min(to, phase_end);
        if (to <= from) return;
        edges.push_back(Edge{from, kind, +1});
        edges.push_back(Edge{to, kind, -1});
    };
    for (const dicom::Stall &s : a.stalls) add(s.start, s.end, Stall);
    for (const Message &m : messages) {
        if (!m.first_time) continue;
        add(m.first_time, m.complete_time ? m.complete_time : phase_end, Transfer);
        if (!is_response(m.command.field) && m.command.valid && m.complete_time && m.command.field != kCCancelRq) {
            const Message *rsp = m.final_response;
            add(m.complete_time, rsp && rsp->first_time ? rsp->first_time : phase_end, Outstanding);
        }
    }
    std::sort(edges.begin(), edges.end(), [](const Edge &x, const Edge &y) { return x.t < y.t; });
    int open[3] = {0, 0, 0};
    double t = phase_start;
    double parts[4] = {0, 0, 0, 0};
    auto account = [&](double to) {
        if (to <= t) return;
        const int k = open[Stall] ? 0 : open[Transfer] ? 1 : open[Outstanding] ? 2 : 3;
        parts[k] += to - t;
        t = to;
    };
    for (const Edge &e : edges) {
        account(e.t);
        open[e.kind] += e.delta;
    }
    account(phase_end);
    b.tcp_stalls = parts[0];
    b.transfer = parts[1];
    b.waiting_for_acceptor = parts[2];
    b.waiting_for_requestor = parts[3];
    // whatever rounding left over belongs to the phase's waiting
    const double rest = b.duration - (b.setup + b.release + b.tcp_stalls + b.transfer + b.waiting_for_acceptor +
                                      b.waiting_for_requestor);
    b.waiting_for_requestor += rest;
    return b;
}

} // namespace dicom
