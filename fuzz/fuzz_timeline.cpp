// libFuzzer target: the TCP timeline and the diagnosis of what it finds. The input is a list
// of 16-byte segments (direction and flags, window, sequence and acknowledgement steps,
// payload length, doubt, time step, "message under way"), fed in order; every stall goes to an
// association, whose findings, sentences and time budget are then made. Nothing may crash,
// loop, or give a budget that does not add up.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <vector>

#include "analysis/finding_text.hpp"
#include "analysis/time_budget.hpp"
#include "session/association.hpp"
#include "session/diagnose.hpp"
#include "tcp/tcp_timeline.hpp"

using namespace dicom;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    TcpTimeline timeline(0.02);
    Association a;
    a.rq_time = 1;
    a.ac_time = 1.001;
    MessageAssembler &messages = a.messages;
    uint32_t seq[2] = {1000, 5000}, frame = 0;
    double time = 1;
    if (size && data[0] & 1) timeline.know_window_scales(data[0] >> 4 & 7, (data[0] >> 1 & 7) - 1);
    for (size_t off = 1; off + 16 <= size; off += 16) {
        const uint8_t *p = data + off;
        const int dir = p[0] & 1;
        TcpFacts f;
        f.frame = ++frame;
        time += (p[14] | p[15] << 8) * 1e-4;
        f.time = time;
        f.flags = p[1];
        f.window = uint16_t(p[2] | p[3] << 8);
        f.window_scale = int8_t(p[0] >> 4) - 1;
        const int32_t step = int32_t(p[4] | p[5] << 8 | p[6] << 16) - 0x400000; // back or forward
        seq[dir] += uint32_t(step);
        f.seq = seq[dir];
        f.ack = seq[dir ^ 1] + uint32_t(int8_t(p[7]) * 100);
        f.length = uint32_t(p[8] | p[9] << 8) % 65536;
        f.mid_message = p[0] & 2;
        Stall s;
        if (timeline.on_segment(dir, f, s)) {
            if (s.end < s.start || s.cause == StallCause::None) std::abort();
            std::vector<Diagnostic> found;
            diagnose_stall(a, s, dir == 0 ? 1 : 0, nullptr, Doubt(p[10] % 6), found);
            for (const Diagnostic &d : found) (void)diagnostic_text(a, d);
        }
        if (f.flags & 0x05) {
            std::vector<Diagnostic> found;
            diagnose_close(a, dir == 0 ? 1 : 0, timeline.close(dir), messages, found);
        }
        a.last_time = time;
        uint32_t end;
        if (timeline.sent_end(dir, end)) (void)timeline.acknowledged_at(dir, end, 0);
    }
    for (const DiagnosticSummary &s : a.diagnostics) (void)summary_text(a, s);
    const TimeBudget b = time_budget(a);
    const double sum = b.setup + b.release + b.waiting_for_acceptor + b.waiting_for_requestor + b.transfer + b.tcp_stalls;
    if (b.duration > 0 && std::fabs(sum - b.duration) > 1e-6 * (1 + b.duration)) std::abort();
    return 0;
}
