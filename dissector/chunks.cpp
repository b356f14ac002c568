#include "chunks.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace dicom {

void ChunkedBytes::append(const uint8_t *data, size_t n) {
    if (n == 0) return;
    starts_.push_back(size_);
    chunks_.emplace_back(data, data + n);
    size_ += n;
}

size_t ChunkedBytes::chunk_at(uint64_t off) const {
    auto it = std::upper_bound(starts_.begin() + ptrdiff_t(first_), starts_.end(), off);
    return size_t(it - starts_.begin()) - 1;
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

void ChunkedBytes::discard_before(uint64_t off) {
    while (first_ < chunks_.size() && starts_[first_] + chunks_[first_].size() <= off) {
        std::vector<uint8_t>().swap(chunks_[first_]);
        ++first_;
        low_ = first_ < chunks_.size() ? starts_[first_] : size_;
    }
    // Keep the bookkeeping small too when a long value streams through.
    if (first_ > 64 && first_ * 2 > chunks_.size()) {
        chunks_.erase(chunks_.begin(), chunks_.begin() + ptrdiff_t(first_));
        starts_.erase(starts_.begin(), starts_.begin() + ptrdiff_t(first_));
        first_ = 0;
    }
}

void ChunkedBytes::clear() {
    first_ = 0;
    low_ = 0;
    chunks_.clear();
    chunks_.shrink_to_fit();
    starts_.clear();
    starts_.shrink_to_fit();
    size_ = 0;
}

} // namespace dicom
