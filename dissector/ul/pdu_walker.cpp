#include "ul/pdu_walker.hpp"

#include <algorithm>

namespace dicom {

namespace {
constexpr size_t kResyncWindow = 96;   // enough for every PDU type's plausibility check
constexpr size_t kKeepCapacity = 64 * 1024;

bool cheap_candidate(ByteView b, size_t k) {
    const uint8_t t = b.u8(k);
    return t >= kAssociateRq && t <= kAbort && (k + 1 >= b.size || b.u8(k + 1) == 0);
}

WalkedBytes walked_bytes(uint64_t offset, ByteView bytes, Origin origin) {
    WalkedBytes w;
    w.offset = offset;
    w.length = w.origin_length = uint32_t(bytes.size);
    w.bytes = bytes;
    w.origin = origin;
    return w;
}
} // namespace

Origin PduWalker::pending_origin(uint64_t off) const {
    Origin found;
    for (const Piece &p : pieces_)
        if (off >= p.offset && off - p.offset < p.length) found = p.origin;
    return found;
}

Plausibility PduWalker::resync_plausibility(ByteView b) const {
    const Plausibility p = pdu_start_plausibility(b, pdu_cap_);
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

void PduWalker::walk(uint64_t offset, ByteView b, Origin origin, WalkObserver &obs) {
    walked_ = offset;
    size_t pos = 0;
    unsigned stalls = 0; // steps that only changed state; a few in a row at most
    while (pos < b.size) {
        const Origin at = origin.at(uint32_t(pos));
        size_t k = step(b.sub(pos, b.size - pos), at, obs);
        if (k == 0 && ++stalls > 4) { // cannot happen; but every loop must advance
            drop_pending();
            obs.garbage(walked_bytes(walked_, b.sub(pos, 1), at));
            mode_ = AtPdu;
            k = 1;
        }
        if (k) stalls = 0;
        pos += k;
        walked_ += k;
    }
}

size_t PduWalker::take_pending(ByteView b, Origin origin, uint64_t offset, size_t need) {
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

void PduWalker::report_unreadable(const WalkedBytes &w, WalkObserver &obs) {
    if (garbage_) obs.garbage(w);
    else obs.resync(w, resync_reason_);
}

void PduWalker::report_pending_prefix(size_t n, WalkObserver &obs) {
    size_t done = 0;
    while (done < n && !pieces_.empty()) {
        Piece &p = pieces_.front();
        const uint32_t k = uint32_t(std::min<size_t>(p.length, n - done));
        WalkedBytes w = walked_bytes(p.offset, ByteView(pending_.data() + done, k), p.origin);
        report_unreadable(w, obs);
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
void PduWalker::announce_piece(uint8_t unit, WalkObserver &obs) {
    const Piece &p = pieces_.back();
    WalkedBytes w = walked_bytes(p.offset, ByteView(pending_.data() + (pending_.size() - p.length), p.length), p.origin);
    obs.fragment(w, unit, ByteView(pending_.data(), pending_.size()));
}

// `w` is the unit made of the first `n` pending bytes, completed by the bytes of `at` (the
// origin being walked): it is shown there, and the pieces that came from other origins
// (announced by fragment() when they came) learn where it completed.
void PduWalker::complete_fragments(WalkedBytes &w, uint8_t unit, size_t n, Origin at, WalkObserver &obs) {
    size_t covered = 0;
    uint32_t here = 0;
    for (size_t i = 0; i < pieces_.size() && covered < n; ++i) {
        const Piece &p = pieces_[i];
        const uint32_t len = uint32_t(std::min<size_t>(p.length, n - covered));
        if (p.origin.source == at.source) {
            if (!here) w.origin = p.origin;
            here += len;
        } else {
            obs.fragment_completed(walked_bytes(p.offset, ByteView(pending_.data() + covered, len), p.origin), unit, at);
        }
        covered += len;
    }
    if (!here) w.origin = at;
    w.offset = pieces_.front().offset;
    w.length = uint32_t(n);
    w.bytes = ByteView(pending_.data(), n);
    w.origin_length = here;
    w.assembled = true; // shown from a copy, where it completed
}

// Drops the first `n` pending bytes (a unit just reported); the rest starts the next unit.
void PduWalker::consume_pending(size_t n) {
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

void PduWalker::enter_resync(bool garbage, ResyncReason reason) {
    mode_ = Resync;
    garbage_ = garbage;
    resync_reason_ = reason;
}

void PduWalker::after_value() {
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
void PduWalker::start_pdv(ByteView h, WalkedBytes &w, WalkObserver &obs) {
    const uint32_t len = h.be32(0);
    pdv_ = PdvPosition();
    pdv_.index = ++pdv_index_;
    pdv_.context_id = h.u8(4);
    pdv_.flags = h.u8(5);
    if (!pdv_length_fits(len, uint64_t(pdu_left_) + 2)) { // pdu_left_ is what follows the 6-byte header
        pdv_.invalid = true;
        value_left_ = 0;
        obs.pdv_header(w, pdv_);
        mode_ = pdu_left_ ? InSkip : AtPdu;
        skip_reason_ = SkipReason::PdvInvalid;
        return;
    }
    pdv_.value_length = value_left_ = len - 2;
    contexts_seen_.set(pdv_.context_id);
    obs.pdv_header(w, pdv_);
    mode_ = InValue;
    if (value_left_ == 0) { // an empty value is complete right here
        WalkedBytes v;
        v.offset = w.offset + w.length;
        v.origin = w.origin.at(w.origin_length);
        PdvPosition piece = pdv_;
        piece.first = piece.last = true;
        obs.pdv_value(v, piece);
        after_value();
    }
}

size_t PduWalker::step(ByteView b, Origin o, WalkObserver &obs) {
    switch (mode_) {
    case InValue: return step_value(b, o, obs);
    case InSkip:
    case InUnit: return step_passing(b, o, obs);
    case Resync: return step_resync(b, o, obs);
    default: return step_header(b, o, obs);
    }
}

size_t PduWalker::step_value(ByteView b, Origin o, WalkObserver &obs) {
    const uint32_t take = uint32_t(std::min<size_t>(value_left_, b.size));
    PdvPosition piece = pdv_;
    piece.value_offset = pdv_.value_length - value_left_;
    piece.first = value_left_ == pdv_.value_length;
    piece.last = take == value_left_;
    value_left_ -= take;
    pdu_left_ -= take;
    obs.pdv_value(walked_bytes(walked_, b.sub(0, take), o), piece);
    if (value_left_ == 0) after_value();
    return take;
}

// The rest of a P-DATA-TF that cannot be read, or of a PDU a capture gap damaged.
size_t PduWalker::step_passing(ByteView b, Origin o, WalkObserver &obs) {
    const bool skip = mode_ == InSkip;
    uint32_t &left = skip ? pdu_left_ : unit_left_;
    const uint32_t take = uint32_t(std::min<size_t>(left, b.size));
    left -= take;
    if (left == 0) mode_ = AtPdu;
    const WalkedBytes w = walked_bytes(walked_, b.sub(0, take), o);
    if (skip) obs.skipped(w, skip_reason_);
    else obs.resync(w, ResyncReason::Gap);
    return take;
}

size_t PduWalker::step_header(ByteView b, Origin o, WalkObserver &obs) {
    const bool pdv = mode_ == AtPdvHeader;
    const size_t header = pdv ? kPdvHeaderLen : kPduHeaderLen;
    size_t taken = 0;
    ByteView unit = b;
    if (!pending_.empty() || b.size < header) {
        taken = take_pending(b, o, walked_, header);
        if (pending_.size() < header) { // the rest comes with later bytes
            if (pdv) pdu_left_ -= uint32_t(taken);
            announce_piece(pdv ? 0 : pending_[0], obs);
            return taken;
        }
        unit = ByteView(pending_.data(), pending_.size());
    }
    if (pdv) return step_pdv_header(b, o, taken, obs);
    return step_pdu_header(b, unit, o, taken, obs);
}

size_t PduWalker::step_pdv_header(ByteView b, Origin o, size_t taken, WalkObserver &obs) {
    WalkedBytes w;
    w.offset = walked_;
    w.origin = o;
    if (pending_.empty()) {
        pdu_left_ -= kPdvHeaderLen;
        w.length = w.origin_length = kPdvHeaderLen;
        w.bytes = b.sub(0, kPdvHeaderLen);
        start_pdv(w.bytes, w, obs);
        return kPdvHeaderLen;
    }
    pdu_left_ -= uint32_t(taken);
    complete_fragments(w, 0, kPdvHeaderLen, o, obs);
    start_pdv(w.bytes, w, obs);
    consume_pending(kPdvHeaderLen);
    return taken;
}

size_t PduWalker::step_pdu_header(ByteView b, ByteView unit, Origin o, size_t taken, WalkObserver &obs) {
    const bool assembled = !pending_.empty();
    const Framing f = frame_next(unit.sub(0, kPduHeaderLen), pdu_cap_);
    if (f.kind != Framing::Pdu) {
        // No PDU starts here: a capture that starts inside a PDU, or bytes no PDU explains.
        if (at_start_) enter_resync(false, ResyncReason::CaptureStart);
        else enter_resync(true, ResyncReason::Gap);
        return taken; // what is pending is the resynchronisation's first window
    }
    at_start_ = false;
    const uint8_t type = unit.u8(0);
    const uint32_t len = unit.be32(2);
    WalkedBytes w;
    w.offset = walked_;
    w.origin = o;
    if (type == kPData) {
        pdu_left_ = len;
        if (len > longest_pdata_) longest_pdata_ = len;
        pdv_index_ = 0;
        mode_ = AtPdvHeader;
        if (assembled) {
            complete_fragments(w, type, kPduHeaderLen, o, obs);
            obs.pdata_header(w, len);
            consume_pending(kPduHeaderLen);
            // bytes a resynchronisation window took beyond the header start the first PDV header
            pdu_left_ -= uint32_t(std::min<size_t>(pending_.size(), pdu_left_));
            return taken;
        }
        obs.pdata_header(walked_bytes(walked_, b.sub(0, kPduHeaderLen), o), len);
        return kPduHeaderLen;
    }
    const size_t total = kPduHeaderLen + size_t(len);
    if (!assembled && b.size >= total) {
        obs.pdu(walked_bytes(walked_, b.sub(0, total), o), type, len);
        return total;
    }
    taken += take_pending(b.sub(taken, b.size - taken), o.at(uint32_t(taken)), walked_ + taken, total);
    if (pending_.size() < total) {
        announce_piece(type, obs);
        return taken;
    }
    complete_fragments(w, type, total, o, obs);
    obs.pdu(w, type, len);
    consume_pending(total);
    return taken;
}

// Looks for a plausible PDU start in `b` itself.
size_t PduWalker::scan_for_pdu(ByteView b, Origin o, WalkObserver &obs) {
    for (size_t k = 0; k < b.size; ++k) {
        if (!cheap_candidate(b, k)) continue;
        const Plausibility p = resync_plausibility(b.sub(k, b.size - k));
        if (p == Plausibility::No) continue;
        if (k) report_unreadable(walked_bytes(walked_, b.sub(0, k), o), obs);
        if (p == Plausibility::Yes) {
            mode_ = AtPdu;
            return k;
        }
        // Too few bytes to judge: keep them and look again when more arrive.
        const size_t t = take_pending(b.sub(k, b.size - k), o.at(uint32_t(k)), walked_ + k, b.size - k);
        announce_piece(b.u8(k), obs);
        return k + t;
    }
    report_unreadable(walked_bytes(walked_, b, o), obs);
    return b.size;
}

size_t PduWalker::step_resync(ByteView b, Origin o, WalkObserver &obs) {
    if (pending_.empty()) return scan_for_pdu(b, o, obs);
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
        report_pending_prefix(k, obs);
    }
    return 0; // no candidate left: scan `b` itself
}

// A capture gap reaches the unit being assembled: it can no longer complete.
void PduWalker::damage_pending_unit(WalkObserver &obs) {
    const ByteView w(pending_.data(), pending_.size());
    // fragment() announced the pieces already; they stay parts of a unit never completed.
    if (mode_ == AtPdu && w.size >= kPduHeaderLen && w.u8(0) != kPData &&
        frame_next(w.sub(0, kPduHeaderLen), pdu_cap_).kind == Framing::Pdu) {
        // a PDU whose header is known: its length says how far the damage goes
        const uint64_t total = kPduHeaderLen + uint64_t(w.be32(2));
        unit_left_ = uint32_t(total - w.size);
        drop_pending();
        mode_ = InUnit;
    } else if (mode_ == AtPdvHeader) {
        drop_pending();
    } else { // part of a PDU header, or a resynchronisation candidate
        if (mode_ != Resync) enter_resync(false, ResyncReason::Gap);
        const bool garbage = garbage_;
        garbage_ = false; // these pieces are skipped because of the gap
        report_pending_prefix(w.size, obs);
        garbage_ = garbage;
    }
}

void PduWalker::walk_hole(uint64_t offset, uint64_t n, WalkObserver &obs) {
    walked_ = offset;
    if (!pending_.empty()) damage_pending_unit(obs);
    while (n > 0) {
        WalkedBytes w;
        w.offset = walked_;
        PdvPosition pdv = pdv_;
        LostKind kind;
        uint64_t k = n;
        switch (mode_) {
        case InValue:
            k = std::min<uint64_t>(n, value_left_);
            kind = LostKind::InValue;
            pdv.value_offset = pdv_.value_length - value_left_;
            pdv.first = value_left_ == pdv_.value_length;
            pdv.last = k == value_left_;
            value_left_ -= uint32_t(k);
            pdu_left_ -= uint32_t(k);
            break;
        case AtPdvHeader:
        case InSkip:
            k = std::min<uint64_t>(n, pdu_left_);
            kind = LostKind::PduRest;
            pdu_left_ -= uint32_t(k);
            mode_ = pdu_left_ ? InSkip : AtPdu;
            skip_reason_ = SkipReason::AfterGap;
            break;
        case InUnit:
            k = std::min<uint64_t>(n, unit_left_);
            kind = LostKind::Unit;
            unit_left_ -= uint32_t(k);
            if (!unit_left_) mode_ = AtPdu;
            break;
        default: // a PDU boundary is in the gap: look for the next PDU after it
            k = std::min<uint64_t>(n, 0xFFFFFFFFu);
            kind = LostKind::Framing;
            enter_resync(false, ResyncReason::Gap);
            break;
        }
        w.length = uint32_t(k);
        obs.lost(w, kind, pdv);
        walked_ += k;
        n -= k;
        if (mode_ == InValue && value_left_ == 0) after_value();
    }
}

} // namespace dicom
