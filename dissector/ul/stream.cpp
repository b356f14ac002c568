#include "ul/stream.hpp"

#include <algorithm>

namespace dicom {

namespace {
constexpr size_t kResyncWindow = 96;   // enough for every PDU type's plausibility check
constexpr size_t kKeepCapacity = 64 * 1024;

bool cheap_candidate(ByteView b, size_t k) {
    const uint8_t t = b.u8(k);
    return t >= kAssociateRq && t <= kAbort && (k + 1 >= b.size || b.u8(k + 1) == 0);
}
} // namespace

// ---- placement ------------------------------------------------------------------------

int64_t PduStream::offset_of(uint32_t seq) const {
    const uint32_t walk_seq = base_seq_ + uint32_t(walked_);
    return int64_t(walked_) + int32_t(seq - walk_seq);
}

void PduStream::expect_start(uint32_t seq) {
    if (started_) return;
    started_ = starting_ = start_known_ = true;
    base_seq_ = seq;
}

void PduStream::add_segment(uint32_t seq, ByteView b, Origin origin, StreamSink &sink) {
    if (b.size == 0) return;
    if (!started_) {
        started_ = true;
        base_seq_ = seq;
        // A first segment that does not start a PDU may have overtaken the stream's real
        // first one: hold it briefly instead of walking from the middle of a PDU.
        starting_ = pdu_start_plausibility(b, limits_.pdu_cap) != Plausibility::Yes;
    }
    int64_t off = offset_of(seq);
    if (starting_) {
        if (off < 0 && start_known_) { // before the stream's first byte: older than the connection
            duplicate(off, b, origin, false, sink);
            return;
        }
        if (off < 0) { // earlier than anything seen: the stream starts here
            std::map<uint64_t, Held> moved;
            for (auto &kv : held_) moved.emplace(kv.first + uint64_t(-off), std::move(kv.second));
            held_.swap(moved);
            base_seq_ = seq;
            off = 0;
        }
        hold(uint64_t(off), b, origin, sink);
        begin_if_known(sink);
        return;
    }
    const int64_t walked = int64_t(walked_);
    if (off < walked) { // bytes the walk has passed: retransmitted, duplicated or overlapping
        const uint64_t old = std::min<uint64_t>(uint64_t(walked - off), b.size);
        duplicate(off, b.sub(0, old), origin, false, sink);
        b = b.sub(old, b.size - old);
        origin.offset += uint32_t(old);
        off = walked;
        if (b.size == 0) return;
    }
    if (off > walked) hold(uint64_t(off), b, origin, sink);
    else walk_bytes(b, origin, sink);
    settle(sink);
}

void PduStream::add_in_order(ByteView b, Origin origin, StreamSink &sink) {
    if (b.size == 0) return;
    started_ = true;
    walk_bytes(b, origin, sink);
}

void PduStream::peer_acknowledged(uint32_t ack, StreamSink &sink) {
    if (!started_) return;
    const int64_t a = offset_of(ack);
    if (a <= int64_t(acked_)) return;
    acked_ = uint64_t(a);
    if (starting_) begin_if_known(sink);
    else settle(sink);
}

// While the stream's first byte is uncertain: walk once a held segment at the start begins a
// PDU, or once a few segments or an acknowledgement say that nothing earlier is coming.
void PduStream::begin_if_known(StreamSink &sink) {
    constexpr size_t kStartSegments = 4;
    constexpr uint64_t kStartBytes = 8 * 1024;
    if (held_.empty()) return;
    const uint64_t start = held_.begin()->first;
    // the bytes held contiguously from the start, as far as judging a PDU start needs
    std::vector<uint8_t> head;
    uint64_t at = start;
    for (auto it = held_.begin(); it != held_.end() && it->first == at && head.size() < kResyncWindow; ++it) {
        const std::vector<uint8_t> &b = it->second.bytes;
        head.insert(head.end(), b.begin(), b.begin() + long(std::min(b.size(), kResyncWindow - head.size())));
        at += b.size();
    }
    if (start_known_) { // wait for the first byte, unless the receiver says it has it already
        if (start != 0 && !acked_ && held_bytes_ <= limits_.hold_limit) return;
    } else {
        const bool plausible = start == 0 && pdu_start_plausibility(ByteView(head.data(), head.size()),
                                                                    limits_.pdu_cap) == Plausibility::Yes;
        if (!plausible && held_.size() < kStartSegments && held_bytes_ < kStartBytes && !acked_) return;
    }
    starting_ = false;
    walked_ = start; // nothing before it is known
    settle(sink);
}

void PduStream::duplicate(int64_t off, ByteView b, Origin origin, bool of_held, StreamSink &sink) {
    StreamEvent e;
    e.kind = StreamEventKind::Duplicate;
    e.offset = off < 0 ? 0 : uint64_t(off); // before the stream's first byte: older than the capture
    e.length = e.origin_length = uint32_t(b.size);
    e.bytes = b;
    e.origin = origin;
    e.of_held = of_held;
    e.repeat_of = of_held || off < 0 ? 0 : repeat_cookie(uint64_t(off));
    if (!of_held && off >= 0 && !e.repeat_of)
        for (const Piece &p : pieces_)
            if (uint64_t(off) >= p.offset && uint64_t(off) - p.offset < p.length) e.repeat_origin = p.origin;
    sink.on_event(e);
}

void PduStream::hold(uint64_t off, ByteView b, Origin origin, StreamSink &sink) {
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
                duplicate(int64_t(pos), b.sub(pos - off, to - pos), Origin{origin.source, uint32_t(origin.offset + (pos - off))},
                          true, sink);
                pos = to;
                continue;
            }
        }
        const uint64_t to = next == held_.end() ? end : std::min(end, next->first);
        ByteView part = b.sub(pos - off, to - pos);
        Held h;
        h.bytes.assign(part.data, part.data + part.size);
        h.origin = Origin{origin.source, uint32_t(origin.offset + (pos - off))};
        StreamEvent e;
        e.kind = StreamEventKind::Held;
        e.offset = pos;
        e.length = e.origin_length = uint32_t(part.size);
        e.bytes = part;
        e.origin = h.origin;
        held_.emplace(pos, std::move(h));
        held_bytes_ += part.size;
        sink.on_event(e);
        pos = to;
    }
}

void PduStream::deliver_held(StreamSink &sink) {
    while (!held_.empty() && held_.begin()->first <= walked_) {
        auto node = held_.extract(held_.begin());
        Held &h = node.mapped();
        held_bytes_ -= h.bytes.size();
        const uint64_t start = node.key();
        if (start + h.bytes.size() <= walked_) continue; // cannot happen: the walk stops at held bytes
        const uint64_t skip = walked_ - start;
        walk_bytes(ByteView(h.bytes.data() + skip, h.bytes.size() - skip),
                   Origin{h.origin.source, uint32_t(h.origin.offset + skip)}, sink);
    }
}

void PduStream::declare_lost(uint64_t up_to, StreamSink &sink) {
    if (up_to <= walked_) return;
    lost_bytes_ += up_to - walked_;
    walk_hole(up_to - walked_, sink);
}

void PduStream::settle(StreamSink &sink) {
    deliver_held(sink);
    while (!held_.empty()) {
        const uint64_t first = held_.begin()->first;
        uint64_t to = 0;
        if (acked_ > walked_) to = std::min(acked_, first); // the receiver has them: the capture missed them
        else if (held_bytes_ > limits_.hold_limit) to = first; // waited long enough
        if (to <= walked_) break;
        declare_lost(to, sink);
        deliver_held(sink);
    }
}

uint64_t PduStream::repeat_cookie(uint64_t off) const {
    if (off >= walked_) return 0;
    size_t lo = 0, hi = recent_.size(); // the first unit starting after `off`
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (off < recent_[mid].offset) hi = mid;
        else lo = mid + 1;
    }
    return lo == 0 ? 0 : recent_[lo - 1].cookie;
}

uint64_t PduStream::emit(StreamEvent &e, StreamSink &sink) {
    const uint64_t cookie = sink.on_event(e);
    if (cookie && (recent_.empty() || recent_.back().cookie != cookie)) {
        recent_.push(Walked{e.offset, cookie});
    }
    return cookie;
}

// ---- the walk -------------------------------------------------------------------------

Plausibility PduStream::resync_plausibility(ByteView b) const {
    const Plausibility p = pdu_start_plausibility(b, limits_.pdu_cap);
    if (p == Plausibility::No || resync_reason_ != ResyncReason::Gap || !longest_pdata_ || b.u8(0) != kPData)
        return p;
    if (b.size >= kPduHeaderLen && b.be32(2) > longest_pdata_) return Plausibility::No;
    // A data fragment continues a message on a context the stream has used; a command
    // fragment may open a new one (its first element, (0000,0000), is checked already).
    if (b.size >= kPduHeaderLen + kPdvHeaderLen && !(b.u8(kPduHeaderLen + 5) & kPdvCommand) &&
        !contexts_seen_[b.u8(kPduHeaderLen + 4)])
        return Plausibility::No;
    return p;
}


void PduStream::walk_bytes(ByteView b, Origin origin, StreamSink &sink) {
    size_t pos = 0;
    unsigned stalls = 0; // steps that only changed state; a few in a row at most
    while (pos < b.size) {
        const Origin at{origin.source, uint32_t(origin.offset + pos)};
        size_t k = step(b.sub(pos, b.size - pos), at, sink);
        if (k == 0 && ++stalls > 4) { // cannot happen; but every loop must advance
            drop_pending();
            StreamEvent g;
            g.kind = StreamEventKind::Garbage;
            g.offset = walked_;
            g.length = g.origin_length = 1;
            g.bytes = b.sub(pos, 1);
            g.origin = at;
            emit(g, sink);
            mode_ = AtPdu;
            k = 1;
        }
        if (k) stalls = 0;
        pos += k;
        walked_ += k;
    }
}

size_t PduStream::take_pending(ByteView b, Origin origin, uint64_t offset, size_t need) {
    if (pending_.size() >= need || b.size == 0) return 0;
    const size_t n = std::min(need - pending_.size(), b.size);
    if (!pieces_.empty() && pieces_.back().origin.source == origin.source &&
        pieces_.back().origin.offset + pieces_.back().length == origin.offset)
        pieces_.back().length += uint32_t(n);
    else
        pieces_.push_back(Piece{origin, uint32_t(n), offset});
    pending_.insert(pending_.end(), b.data, b.data + n);
    return n;
}

void PduStream::emit_pending_prefix(StreamEventKind kind, size_t n, uint8_t unit, StreamSink &sink) {
    size_t done = 0;
    while (done < n && !pieces_.empty()) {
        Piece &p = pieces_.front();
        const uint32_t k = uint32_t(std::min<size_t>(p.length, n - done));
        StreamEvent e;
        e.kind = kind;
        e.offset = p.offset;
        e.length = e.origin_length = k;
        e.bytes = ByteView(pending_.data() + done, k);
        e.origin = p.origin;
        e.unit = unit;
        e.resync = resync_reason_;
        emit(e, sink);
        done += k;
        if (k == p.length) {
            pieces_.erase(pieces_.begin());
        } else {
            p.length -= k;
            p.offset += k;
            p.origin.offset += k;
        }
    }
    pending_.erase(pending_.begin(), pending_.begin() + ptrdiff_t(done));
    if (pending_.empty() && pending_.capacity() > kKeepCapacity) std::vector<uint8_t>().swap(pending_);
}

// The bytes just taken from an origin start or continue a unit that later segments complete.
void PduStream::announce_piece(uint8_t unit, StreamSink &sink) {
    const Piece &p = pieces_.back();
    StreamEvent f;
    f.kind = StreamEventKind::Fragment;
    f.offset = p.offset;
    f.length = f.origin_length = p.length;
    f.bytes = ByteView(pending_.data() + (pending_.size() - p.length), p.length);
    f.origin = p.origin;
    f.unit = unit;
    f.unit_so_far = ByteView(pending_.data(), pending_.size());
    sink.on_event(f);
}

// `e` is the unit made of the first `n` pending bytes, completed by the bytes of `at` (the
// origin being walked): it is shown there, and the pieces that came from other origins
// (announced as Fragment events when they came) learn where it completed.
void PduStream::emit_fragments(StreamEvent &e, size_t n, Origin at, StreamSink &sink) {
    size_t covered = 0;
    uint32_t here = 0;
    for (size_t i = 0; i < pieces_.size() && covered < n; ++i) {
        const Piece &p = pieces_[i];
        const uint32_t len = uint32_t(std::min<size_t>(p.length, n - covered));
        if (p.origin.source == at.source) {
            if (!here) e.origin = p.origin;
            here += len;
        } else {
            StreamEvent f;
            f.kind = StreamEventKind::Fragment;
            f.offset = p.offset;
            f.length = f.origin_length = len;
            f.bytes = ByteView(pending_.data() + covered, len);
            f.origin = p.origin;
            f.unit = e.unit;
            f.completed_by = at;
            emit(f, sink);
        }
        covered += len;
    }
    if (!here) e.origin = at;
    e.offset = pieces_.front().offset;
    e.length = uint32_t(n);
    e.bytes = ByteView(pending_.data(), n);
    e.origin_length = here;
    e.assembled = true; // shown from a copy, where it completed
}

// Drops the first `n` pending bytes (a unit just emitted); the rest starts the next unit.
void PduStream::consume_pending(size_t n) {
    size_t left = n;
    while (left && !pieces_.empty()) {
        Piece &p = pieces_.front();
        if (p.length <= left) {
            left -= p.length;
            pieces_.erase(pieces_.begin());
        } else {
            p.length -= uint32_t(left);
            p.offset += left;
            p.origin.offset += uint32_t(left);
            left = 0;
        }
    }
    pending_.erase(pending_.begin(), pending_.begin() + ptrdiff_t(std::min(n, pending_.size())));
    if (pending_.empty() && pending_.capacity() > kKeepCapacity) std::vector<uint8_t>().swap(pending_);
}

void PduStream::drop_pending() { consume_pending(pending_.size()); }

void PduStream::emit_assembled(StreamEvent &e, size_t n, Origin at, StreamSink &sink) {
    emit_fragments(e, n, at, sink);
    emit(e, sink);
    consume_pending(n);
}

void PduStream::enter_resync(StreamEventKind kind, ResyncReason reason) {
    mode_ = Resync;
    garbage_kind_ = kind;
    resync_reason_ = reason;
}

void PduStream::after_value(StreamSink &) {
    if (pdu_left_ == 0) {
        mode_ = AtPdu;
    } else if (pdu_left_ >= kPdvHeaderLen) {
        mode_ = AtPdvHeader;
    } else { // a few bytes that cannot hold another PDV
        mode_ = InSkip;
        skip_reason_ = SkipReason::TailShort;
    }
}

// `h` is a PDV item header whose 6 bytes are already taken off pdu_left_.
void PduStream::start_pdv(ByteView h, StreamEvent &e, StreamSink &sink) {
    const uint32_t len = h.be32(0);
    pdv_ = PdvPosition();
    pdv_.index = ++pdv_index_;
    pdv_.context_id = h.u8(4);
    pdv_.flags = h.u8(5);
    if (!pdv_length_fits(len, uint64_t(pdu_left_) + 2)) { // pdu_left_ is what follows the 6-byte header
        pdv_.invalid = true;
        value_left_ = 0;
        e.pdv = pdv_;
        emit(e, sink);
        mode_ = pdu_left_ ? InSkip : AtPdu;
        skip_reason_ = SkipReason::PdvInvalid;
        return;
    }
    pdv_.value_length = value_left_ = len - 2;
    contexts_seen_.set(pdv_.context_id);
    e.pdv = pdv_;
    emit(e, sink);
    mode_ = InValue;
    if (value_left_ == 0) { // an empty value is complete right here
        StreamEvent v;
        v.kind = StreamEventKind::Value;
        v.offset = e.offset + e.length;
        v.origin = e.origin;
        v.origin.offset += e.origin_length;
        v.pdv = pdv_;
        v.first = v.last = true;
        emit(v, sink);
        after_value(sink);
    }
}

size_t PduStream::step(ByteView b, Origin o, StreamSink &sink) {
    StreamEvent e;
    e.offset = walked_;
    e.origin = o;
    switch (mode_) {
    case InValue: {
        const uint32_t take = uint32_t(std::min<size_t>(value_left_, b.size));
        e.kind = StreamEventKind::Value;
        e.length = e.origin_length = take;
        e.bytes = b.sub(0, take);
        e.pdv = pdv_;
        e.pdv.value_offset = pdv_.value_length - value_left_;
        e.first = value_left_ == pdv_.value_length;
        e.last = take == value_left_;
        value_left_ -= take;
        pdu_left_ -= take;
        emit(e, sink);
        if (value_left_ == 0) after_value(sink);
        return take;
    }
    case InSkip:
    case InUnit: {
        uint32_t &left = mode_ == InSkip ? pdu_left_ : unit_left_;
        const uint32_t take = uint32_t(std::min<size_t>(left, b.size));
        e.kind = mode_ == InSkip ? StreamEventKind::Skip : StreamEventKind::Resync;
        e.skip = skip_reason_;
        e.resync = ResyncReason::Gap;
        e.length = e.origin_length = take;
        e.bytes = b.sub(0, take);
        left -= take;
        if (left == 0) mode_ = AtPdu;
        emit(e, sink);
        return take;
    }
    case Resync: return step_resync(b, o, sink);
    default: return step_header(b, o, sink);
    }
}

size_t PduStream::step_header(ByteView b, Origin o, StreamSink &sink) {
    const bool pdv = mode_ == AtPdvHeader;
    const size_t header = pdv ? kPdvHeaderLen : kPduHeaderLen;
    size_t taken = 0;
    ByteView unit = b;
    if (!pending_.empty() || b.size < header) {
        taken = take_pending(b, o, walked_, header);
        if (pending_.size() < header) { // the rest comes with later bytes
            if (pdv) pdu_left_ -= uint32_t(taken);
            announce_piece(pdv ? 0 : pending_[0], sink);
            return taken;
        }
        unit = ByteView(pending_.data(), pending_.size());
    }
    const bool assembled = !pending_.empty();
    StreamEvent e;
    e.offset = walked_;
    e.origin = o;
    if (pdv) {
        e.kind = StreamEventKind::PdvHeader;
        if (!assembled) {
            pdu_left_ -= kPdvHeaderLen;
            e.length = e.origin_length = kPdvHeaderLen;
            e.bytes = b.sub(0, kPdvHeaderLen);
            start_pdv(e.bytes, e, sink);
            return kPdvHeaderLen;
        }
        pdu_left_ -= uint32_t(taken);
        emit_fragments(e, kPdvHeaderLen, o, sink);
        start_pdv(e.bytes, e, sink);
        consume_pending(kPdvHeaderLen);
        return taken;
    }
    // A PDU header: is it one?
    const Framing f = frame_next(unit.sub(0, kPduHeaderLen), limits_.pdu_cap);
    if (f.kind != Framing::Pdu) {
        // No PDU starts here: a capture that starts inside a PDU, or bytes no PDU explains.
        if (at_start_) enter_resync(StreamEventKind::Resync, ResyncReason::CaptureStart);
        else enter_resync(StreamEventKind::Garbage, ResyncReason::Gap);
        return taken; // what is pending is the resynchronisation's first window
    }
    at_start_ = false;
    const uint8_t type = unit.u8(0);
    const uint32_t len = unit.be32(2);
    e.unit = type;
    e.pdu_length = len;
    if (type == kPData) {
        e.kind = StreamEventKind::PdataHeader;
        pdu_left_ = len;
        if (len > longest_pdata_) longest_pdata_ = len;
        pdv_index_ = 0;
        mode_ = AtPdvHeader;
        if (assembled) {
            emit_assembled(e, kPduHeaderLen, o, sink);
            // bytes a resynchronisation window took beyond the header start the first PDV header
            pdu_left_ -= uint32_t(std::min<size_t>(pending_.size(), pdu_left_));
            return taken;
        }
        e.length = e.origin_length = kPduHeaderLen;
        e.bytes = b.sub(0, kPduHeaderLen);
        emit(e, sink);
        return kPduHeaderLen;
    }
    e.kind = StreamEventKind::Pdu;
    const size_t total = kPduHeaderLen + size_t(len);
    if (!assembled && b.size >= total) {
        e.length = e.origin_length = uint32_t(total);
        e.bytes = b.sub(0, total);
        emit(e, sink);
        return total;
    }
    taken += take_pending(b.sub(taken, b.size - taken), Origin{o.source, uint32_t(o.offset + taken)}, walked_ + taken, total);
    if (pending_.size() < total) {
        announce_piece(type, sink);
        return taken;
    }
    emit_assembled(e, total, o, sink);
    return taken;
}

size_t PduStream::step_resync(ByteView b, Origin o, StreamSink &sink) {
    if (pending_.empty()) {
        for (size_t k = 0; k < b.size; ++k) {
            if (!cheap_candidate(b, k)) continue;
            const Plausibility p = resync_plausibility(b.sub(k, b.size - k));
            if (p == Plausibility::No) continue;
            if (k) {
                StreamEvent g;
                g.kind = garbage_kind_;
                g.resync = resync_reason_;
                g.offset = walked_;
                g.length = g.origin_length = uint32_t(k);
                g.bytes = b.sub(0, k);
                g.origin = o;
                emit(g, sink);
            }
            if (p == Plausibility::Yes) {
                mode_ = AtPdu;
                return k;
            }
            // Too few bytes to judge: keep them and look again when more arrive.
            const size_t t = take_pending(b.sub(k, b.size - k), Origin{o.source, uint32_t(o.offset + k)}, walked_ + k, b.size - k);
            announce_piece(b.u8(k), sink);
            return k + t;
        }
        StreamEvent g;
        g.kind = garbage_kind_;
        g.resync = resync_reason_;
        g.offset = walked_;
        g.length = g.origin_length = uint32_t(b.size);
        g.bytes = b;
        g.origin = o;
        emit(g, sink);
        return b.size;
    }
    // A candidate waits in pending_ (too few bytes to judge when it came): judge it with the
    // bytes that follow, without taking them yet.
    while (!pending_.empty()) {
        std::vector<uint8_t> window(pending_);
        if (window.size() < kResyncWindow)
            window.insert(window.end(), b.data, b.data + std::min(b.size, kResyncWindow - window.size()));
        const ByteView w(window.data(), window.size());
        const Plausibility p = resync_plausibility(w);
        // With kResyncWindow bytes every PDU type is judged: Maybe means fewer are there yet.
        if (p == Plausibility::Yes) {
            mode_ = AtPdu; // the header walk goes on from pending_ and `b`
            return 0;
        }
        if (p == Plausibility::Maybe) // all of `b` is not enough either: keep it too
            return take_pending(b, o, walked_, pending_.size() + b.size);
        // (a P-DATA-TF is judged from 12 bytes, so at most 11 wait here: its header and part
        // of the first PDV header, which step_header takes apart)
        size_t k = 1;
        while (k < pending_.size() && (!cheap_candidate(w, k) ||
                                       resync_plausibility(w.sub(k, w.size - k)) == Plausibility::No))
            ++k;
        emit_pending_prefix(garbage_kind_, k, 0, sink);
    }
    return 0; // no candidate left: scan `b` itself
}

void PduStream::walk_hole(uint64_t n, StreamSink &sink) {
    if (!pending_.empty()) { // the unit being assembled is damaged
        const ByteView w(pending_.data(), pending_.size());
        // Fragment events announced the pieces already; they stay parts of a unit never completed.
        if (mode_ == AtPdu && w.size >= kPduHeaderLen && w.u8(0) != kPData &&
            frame_next(w.sub(0, kPduHeaderLen), limits_.pdu_cap).kind == Framing::Pdu) {
            // a PDU whose header is known: its length says how far the damage goes
            const uint64_t total = kPduHeaderLen + uint64_t(w.be32(2));
            unit_left_ = uint32_t(total - w.size);
            drop_pending();
            mode_ = InUnit;
        } else if (mode_ == AtPdvHeader) {
            drop_pending();
        } else { // part of a PDU header, or a resynchronisation candidate
            if (mode_ != Resync) enter_resync(StreamEventKind::Resync, ResyncReason::Gap);
            emit_pending_prefix(StreamEventKind::Resync, w.size, 0, sink);
        }
    }
    while (n > 0) {
        StreamEvent e;
        e.kind = StreamEventKind::Lost;
        e.offset = walked_;
        uint64_t k = n;
        switch (mode_) {
        case InValue:
            k = std::min<uint64_t>(n, value_left_);
            e.lost = LostKind::InValue;
            e.pdv = pdv_;
            e.pdv.value_offset = pdv_.value_length - value_left_;
            e.first = value_left_ == pdv_.value_length;
            e.last = k == value_left_;
            value_left_ -= uint32_t(k);
            pdu_left_ -= uint32_t(k);
            break;
        case AtPdvHeader:
        case InSkip:
            k = std::min<uint64_t>(n, pdu_left_);
            e.lost = LostKind::PduRest;
            pdu_left_ -= uint32_t(k);
            mode_ = pdu_left_ ? InSkip : AtPdu;
            skip_reason_ = SkipReason::AfterGap;
            break;
        case InUnit:
            k = std::min<uint64_t>(n, unit_left_);
            e.lost = LostKind::Unit;
            unit_left_ -= uint32_t(k);
            if (!unit_left_) mode_ = AtPdu;
            break;
        default: // a PDU boundary is in the gap: look for the next PDU after it
            k = std::min<uint64_t>(n, 0xFFFFFFFFu);
            e.lost = LostKind::Framing;
            enter_resync(StreamEventKind::Resync, ResyncReason::Gap);
            break;
        }
        e.length = uint32_t(k);
        sink.on_event(e);
        walked_ += k;
        n -= k;
        if (mode_ == InValue && value_left_ == 0) after_value(sink);
    }
}

} // namespace dicom
