#include "tcp/reassembly.hpp"

#include <algorithm>

namespace dicom {

namespace {
constexpr size_t kStartWindow = 96; // bytes the start judge sees: enough to tell a PDU start
constexpr size_t kStartSegments = 4;
constexpr uint64_t kStartBytes = 8 * 1024;
} // namespace

int64_t TcpReassembly::offset_of(uint32_t seq) const {
    const uint32_t delivered_seq = base_seq_ + uint32_t(delivered_);
    return int64_t(delivered_) + int32_t(seq - delivered_seq);
}

void TcpReassembly::starts_at(uint32_t seq) {
    if (started_) return;
    started_ = true;
    base_seq_ = seq;
}

void TcpReassembly::add_segment(uint32_t seq, ByteView b, Origin origin, double time, ReassemblyOutput &out) {
    if (b.size == 0) return;
    if (grace_open_ && grace_segments_left_) --grace_segments_left_;
    if (!started_) {
        started_ = true;
        base_seq_ = seq;
        // A first segment that does not start a unit may have overtaken the stream's real
        // first one: hold it briefly instead of delivering from the middle of a unit.
        starting_ = !judge_(b, judge_context_);
    }
    int64_t off = offset_of(seq);
    if (starting_) {
        add_while_starting(off, seq, b, origin, time, out);
        return;
    }
    const int64_t delivered = int64_t(delivered_);
    if (off < delivered) { // bytes already delivered: retransmitted, duplicated or overlapping
        const uint64_t old = std::min<uint64_t>(uint64_t(delivered - off), b.size);
        out.duplicate(off < 0 ? 0 : uint64_t(off), off < 0, b.sub(0, old), origin, false);
        b = b.sub(old, b.size - old);
        origin = origin.at(uint32_t(old));
        off = delivered;
        if (b.size == 0) return;
    }
    if (off > delivered) hold(uint64_t(off), b, origin, time, out);
    else deliver(b, origin, time, out);
    settle(time, out);
}

void TcpReassembly::add_while_starting(int64_t off, uint32_t seq, ByteView b, Origin origin, double time,
                                       ReassemblyOutput &out) {
    if (off < 0) { // earlier than anything seen: the stream starts here
        std::map<uint64_t, Held> moved;
        for (auto &kv : held_) moved.emplace(kv.first + uint64_t(-off), std::move(kv.second));
        held_.swap(moved);
        base_seq_ = seq;
        off = 0;
    }
    hold(uint64_t(off), b, origin, time, out);
    begin_if_known(time, out);
}

void TcpReassembly::add_in_order(ByteView b, Origin origin, double time, ReassemblyOutput &out) {
    if (b.size == 0) return;
    started_ = true;
    deliver(b, origin, time, out);
}

void TcpReassembly::peer_acknowledged(uint32_t ack, double time, ReassemblyOutput &out) {
    if (!started_) return;
    const int64_t a = offset_of(ack);
    if (a <= int64_t(acked_)) return;
    acked_ = uint64_t(a);
    if (starting_) begin_if_known(time, out);
    else settle(time, out);
}

void TcpReassembly::acknowledged_bytes_lost(uint32_t ack, double time, ReassemblyOutput &out, double captured_by) {
    if (!started_ || starting_) return;
    const int64_t a = offset_of(ack);
    if (a <= int64_t(delivered_)) return;
    if (uint64_t(a) > acked_) acked_ = uint64_t(a);
    const uint64_t to = held_.empty() ? uint64_t(a) : std::min(uint64_t(a), held_.begin()->first);
    if (to <= delivered_) return;
    grace_open_ = false;
    const uint64_t at = delivered_;
    delivered_ = to;
    out.deliver_hole(at, to - at, time);
    if (deliver_held(time, out, captured_by)) settle(time, out, captured_by);
}

void TcpReassembly::give_up_gaps(double time, ReassemblyOutput &out) {
    while (!held_.empty()) {
        const uint64_t first = held_.begin()->first;
        if (first > delivered_) {
            const uint64_t at = delivered_;
            delivered_ = first;
            grace_open_ = false;
            out.deliver_hole(at, first - at, time);
        }
        deliver_held(time, out);
    }
}

// The receiver acknowledged past the gap at the delivery point: the first time, a grace starts
// (late bytes may still come, as from a mirror port); once it is over, the gap is lost, and so
// is every later gap the same acknowledgement covers (they had the same time to come).
bool TcpReassembly::acknowledged_gap_is_lost(double time) {
    if (delivered_ < waited_through_) return true;
    if (!grace_open_ || grace_at_ != delivered_) {
        grace_open_ = true;
        grace_at_ = delivered_;
        grace_ack_ = acked_;
        grace_from_ = time;
        grace_until_ = time + grace_.seconds;
        grace_segments_left_ = grace_.segments;
    }
    if (time <= grace_until_ && grace_segments_left_) return false;
    waited_through_ = grace_ack_;
    return true;
}

// While the stream's first byte is uncertain: deliver once a held segment at the start begins
// a unit, or once a few segments or an acknowledgement say that nothing earlier is coming.
void TcpReassembly::begin_if_known(double time, ReassemblyOutput &out) {
    if (held_.empty()) return;
    const uint64_t start = held_.begin()->first;
    // the bytes held contiguously from the start, as far as judging a unit start needs
    std::vector<uint8_t> head;
    uint64_t at = start;
    for (auto it = held_.begin(); it != held_.end() && it->first == at && head.size() < kStartWindow; ++it) {
        const std::vector<uint8_t> &b = it->second.bytes;
        head.insert(head.end(), b.begin(), b.begin() + long(std::min(b.size(), kStartWindow - head.size())));
        at += b.size();
    }
    // the receiver says it has the bytes before what is held, and no late segment brought them
    const bool acked = acked_ && acknowledged_gap_is_lost(time);
    const bool plausible = start == 0 && judge_(ByteView(head.data(), head.size()), judge_context_);
    if (!plausible && held_.size() < kStartSegments && held_bytes_ < kStartBytes && !acked) return;
    starting_ = false;
    grace_open_ = false;
    delivered_ = start; // nothing before it is known
    settle(time, out);
}

void TcpReassembly::deliver(ByteView b, Origin origin, double time, ReassemblyOutput &out) {
    const uint64_t at = delivered_;
    delivered_ += b.size;
    out.deliver(at, b, origin, time);
}

void TcpReassembly::hold(uint64_t off, ByteView b, Origin origin, double time, ReassemblyOutput &out) {
    // Keep only what is not held yet; the overlap is a duplicate of held bytes.
    const uint64_t end = off + b.size;
    uint64_t pos = off;
    while (pos < end) {
        auto next = held_.upper_bound(pos);
        if (next != held_.begin()) {
            auto prev = std::prev(next);
            const uint64_t prev_end = prev->first + prev->second.bytes.size();
            if (prev_end > pos) {
                const uint64_t to = std::min(end, prev_end);
                out.duplicate(pos, false, b.sub(pos - off, to - pos), origin.at(uint32_t(pos - off)), true);
                pos = to;
                continue;
            }
        }
        const uint64_t to = next == held_.end() ? end : std::min(end, next->first);
        ByteView part = b.sub(pos - off, to - pos);
        Held h;
        h.bytes.assign(part.data, part.data + part.size);
        h.origin = origin.at(uint32_t(pos - off));
        h.time = time;
        const Origin where = h.origin;
        held_.emplace(pos, std::move(h));
        held_bytes_ += part.size;
        out.held(pos, part, where);
        pos = to;
    }
}

bool TcpReassembly::deliver_held(double not_before, ReassemblyOutput &out, double captured_by) {
    if (grace_open_ && !held_.empty() && held_.begin()->first <= delivered_) { // late bytes filled an acknowledged gap
        grace_open_ = false;
        ++acked_gaps_filled_;
    }
    while (!held_.empty() && held_.begin()->first <= delivered_) {
        if (held_.begin()->second.time > captured_by) return false;
        auto node = held_.extract(held_.begin());
        Held &h = node.mapped();
        held_bytes_ -= h.bytes.size();
        const uint64_t start = node.key();
        if (start + h.bytes.size() <= delivered_) continue; // cannot happen: delivery stops at held bytes
        const uint64_t skip = delivered_ - start;
        deliver(ByteView(h.bytes.data() + skip, h.bytes.size() - skip), h.origin.at(uint32_t(skip)),
                std::max(h.time, not_before), out);
    }
    return true;
}

void TcpReassembly::settle(double time, ReassemblyOutput &out, double captured_by) {
    if (!deliver_held(time, out, captured_by)) return;
    while (!held_.empty()) {
        const uint64_t first = held_.begin()->first;
        uint64_t to = 0;
        double had = time; // when the receiver had what follows the hole
        if (held_bytes_ > hold_limit_) {
            to = first; // waited long enough
        } else if (acked_ > delivered_ && acknowledged_gap_is_lost(time)) {
            to = std::min(acked_, first); // the receiver has them, and they did not come late: the capture missed them
            had = grace_from_;
        }
        if (to <= delivered_) break;
        grace_open_ = false;
        const uint64_t at = delivered_;
        delivered_ = to;
        out.deliver_hole(at, to - at, had);
        if (!deliver_held(had, out, captured_by)) return;
    }
}

} // namespace dicom
