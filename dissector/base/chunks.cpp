#include "base/chunks.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace dicom {

size_t ChunkedBytes::chunk_at(uint64_t off) const {
    auto it = std::upper_bound(chunks_.begin() + ptrdiff_t(first_), chunks_.end(), off,
                               [](uint64_t o, const Chunk &c) { return o < c.start; });
    const size_t i = size_t(it - chunks_.begin());
    return i > first_ ? i - 1 : first_;
}

void ChunkedBytes::place(uint64_t off, const uint8_t *data, size_t n) {
    if (n == 0) return;
    if (!chunks_.empty() && chunks_.back().start >= off) { // placed again (a second re-read): keep the first
        const size_t i = chunk_at(off);
        if (i < chunks_.size() && chunks_[i].start == off) return;
    }
    Chunk c{off, n, std::vector<uint8_t>(data, data + n)};
    if (chunks_.empty() || chunks_.back().start < off) {
        chunks_.push_back(std::move(c));
    } else { // out of order (a later pass reading frames in capture order)
        auto it = std::upper_bound(chunks_.begin() + ptrdiff_t(first_), chunks_.end(), off,
                                   [](uint64_t o, const Chunk &k) { return o < k.start; });
        chunks_.insert(it, std::move(c));
    }
    held_ += n;
    size_ = std::max<uint64_t>(size_, off + n);
}

void ChunkedBytes::append_hole(uint64_t n) {
    if (n == 0) return;
    chunks_.push_back(Chunk{size_, n, {}});
    holes_ += n;
    size_ += n;
}

void ChunkedBytes::append_passed(uint64_t n) {
    size_ += n;
    held_ += n;
    discard_before(size_);
    low_ = size_;
}

bool ChunkedBytes::read(uint64_t off, size_t n, uint8_t *dst) const {
    return for_each_piece(off, n, [&](const uint8_t *p, size_t k) {
        std::memcpy(dst, p, k);
        dst += k;
    });
}

bool ChunkedBytes::read_into(uint64_t off, size_t n, std::string &out) const {
    if (off > size_ || n > size_ - off) return false;
    out.reserve(out.size() + n);
    return for_each_piece(off, n, [&](const uint8_t *p, size_t k) {
        out.append(reinterpret_cast<const char *>(p), k);
    });
}

void ChunkedBytes::read_filled(uint64_t off, size_t n, std::string &out) const {
    const uint64_t end = off + n;
    out.reserve(out.size() + n);
    uint64_t at = off;
    for (size_t i = chunk_at(off); i < chunks_.size() && at < end; ++i) {
        const Chunk &c = chunks_[i];
        if (c.start + c.length <= at) continue;
        if (c.start >= end) break;
        if (c.start > at) { // nothing placed here
            out.append(size_t(c.start - at), '\0');
            at = c.start;
        }
        const uint64_t take = std::min(end, c.start + c.length) - at;
        if (c.bytes.empty()) out.append(size_t(take), '\0');
        else out.append(reinterpret_cast<const char *>(c.bytes.data() + (at - c.start)), size_t(take));
        at += take;
    }
    if (at < end) out.append(size_t(end - at), '\0');
}

void ChunkedBytes::discard_before(uint64_t off) {
    while (first_ < chunks_.size() && chunks_[first_].start + chunks_[first_].length <= off) {
        std::vector<uint8_t>().swap(chunks_[first_].bytes);
        ++first_;
        low_ = first_ < chunks_.size() ? chunks_[first_].start : size_;
    }
    // Keep the bookkeeping small too when a long value streams through.
    if (first_ > 64 && first_ * 2 > chunks_.size()) {
        chunks_.erase(chunks_.begin(), chunks_.begin() + ptrdiff_t(first_));
        first_ = 0;
    }
}

void ChunkedBytes::clear() {
    first_ = 0;
    low_ = 0;
    chunks_.clear();
    chunks_.shrink_to_fit();
    size_ = holes_ = held_ = 0;
}

} // namespace dicom
