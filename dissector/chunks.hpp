// A message assembled from PDV fragments: each fragment is copied once into its own chunk
// (never into one growing buffer that would be copied again), and read back by offset.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dicom {

class ChunkedBytes {
public:
    void append(const uint8_t *data, size_t n);
    uint64_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    // Copies [off, off+n) into dst; false (and nothing copied) when out of range.
    bool read(uint64_t off, size_t n, uint8_t *dst) const;
    // Appends [off, off+n) to out; false when out of range.
    bool read_into(uint64_t off, size_t n, std::string &out) const;
    // Calls f(ptr, len) for each contiguous piece of [off, off+n).
    template <class F> bool for_each_piece(uint64_t off, uint64_t n, F &&f) const;
    void clear();
    // Frees the chunks that lie wholly before `off` (offsets of the rest do not change); reads
    // that reach into them fail from then on.
    void discard_before(uint64_t off);
    uint64_t low() const { return low_; } // first byte still held (0 unless discarded)

private:
    size_t chunk_at(uint64_t off) const; // index of the chunk holding byte `off`
    std::vector<std::vector<uint8_t>> chunks_;
    std::vector<uint64_t> starts_;
    size_t first_ = 0; // chunks before this one were discarded
    uint64_t low_ = 0;
    uint64_t size_ = 0;
};

template <class F> bool ChunkedBytes::for_each_piece(uint64_t off, uint64_t n, F &&f) const {
    if (off > size_ || n > size_ - off || off < low_) return false;
    if (n == 0) return true;
    size_t i = chunk_at(off);
    uint64_t in_chunk = off - starts_[i];
    while (n > 0) {
        const std::vector<uint8_t> &c = chunks_[i];
        uint64_t take = c.size() - in_chunk < n ? c.size() - in_chunk : n;
        f(c.data() + in_chunk, size_t(take));
        n -= take;
        in_chunk = 0;
        ++i;
    }
    return true;
}

} // namespace dicom
