#include "chunks.hpp"

#include <algorithm>
#include <cstring>

namespace dicom {

void ChunkedBytes::append(const uint8_t *data, size_t n) {
    if (n == 0) return;
    starts_.push_back(size_);
    chunks_.emplace_back(data, data + n);
    size_ += n;
}

size_t ChunkedBytes::chunk_at(uint64_t off) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), off);
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

void ChunkedBytes::clear() {
    chunks_.clear();
    chunks_.shrink_to_fit();
    starts_.clear();
    starts_.shrink_to_fit();
    size_ = 0;
}

} // namespace dicom
