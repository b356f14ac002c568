// A message assembled from PDV fragments: each fragment is copied once into its own chunk
// (never into one growing buffer that would be copied again), and read back by offset.
//
// Chunks are kept in offset order but may be placed out of order (a later pass re-reads
// frames in capture order, which is not stream order when segments arrived out of order),
// and a range may be a hole: bytes that were sent but are not in the capture. A read that
// touches a hole, or a range nothing was placed in, fails; read_filled() reads them as
// zeros instead.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dicom {

class ChunkedBytes {
public:
    void append(const uint8_t *data, size_t n) { place(size_, data, n); }
    // Records `n` bytes at the end that the capture does not hold (nothing is allocated).
    void append_hole(uint64_t n);
    // Records `n` bytes at the end that were received but that nothing will read (the part of
    // a long value a parser steps over): counted as held, discarded at once, never copied.
    // Everything before them is discarded too.
    void append_passed(uint64_t n);
    // Copies `data` to [off, off+n). Ranges placed must not overlap.
    void place(uint64_t off, const uint8_t *data, size_t n);
    uint64_t size() const { return size_; }   // end of the furthest byte placed or hole
    bool empty() const { return size_ == 0; }
    uint64_t hole_bytes() const { return holes_; }
    // True when every byte of [0, size()) is held (no hole, nothing missing).
    bool complete() const { return held_ == size_; }
    // Copies [off, off+n) into dst; false (and nothing usable) when any of it is not held.
    bool read(uint64_t off, size_t n, uint8_t *dst) const;
    // Appends [off, off+n) to out; false when any of it is not held.
    bool read_into(uint64_t off, size_t n, std::string &out) const;
    // Appends [off, off+n) to out, with zeros where bytes are not held.
    void read_filled(uint64_t off, size_t n, std::string &out) const;
    // Calls f(ptr, len) for each contiguous piece of [off, off+n); false, after the pieces
    // before it, when a byte of the range is not held.
    template <class F> bool for_each_piece(uint64_t off, uint64_t n, F &&f) const;
    void clear();
    // Frees the chunks that lie wholly before `off` (offsets of the rest do not change); reads
    // that reach into them fail from then on.
    void discard_before(uint64_t off);
    uint64_t low() const { return low_; } // first byte still held (0 unless discarded)

private:
    struct Chunk {
        uint64_t start;
        uint64_t length;
        std::vector<uint8_t> bytes; // empty for a hole
    };
    size_t chunk_at(uint64_t off) const; // index of the last chunk starting at or before `off`
    std::vector<Chunk> chunks_;
    size_t first_ = 0; // chunks before this one were discarded
    uint64_t low_ = 0;
    uint64_t size_ = 0;
    uint64_t holes_ = 0, held_ = 0; // bytes placed as holes and with data (discarding keeps the count)
};

template <class F> bool ChunkedBytes::for_each_piece(uint64_t off, uint64_t n, F &&f) const {
    if (off > size_ || n > size_ - off || off < low_) return false;
    if (n == 0) return true;
    size_t i = chunk_at(off);
    uint64_t at = off;
    while (n > 0) {
        if (i >= chunks_.size()) return false;
        const Chunk &c = chunks_[i];
        if (c.start > at || c.start + c.length <= at || c.bytes.empty()) return false;
        const uint64_t in_chunk = at - c.start;
        const uint64_t take = c.length - in_chunk < n ? c.length - in_chunk : n;
        f(c.bytes.data() + in_chunk, size_t(take));
        n -= take;
        at += take;
        ++i;
    }
    return true;
}

} // namespace dicom
