// Bounds-checked big-endian reads over a borrowed byte range. Nothing here allocates or
// throws: a read past the end reports failure and the caller decides what that means.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dicom {

struct ByteView {
    const uint8_t *data = nullptr;
    size_t size = 0;

    ByteView() = default;
    ByteView(const uint8_t *d, size_t n) : data(d), size(n) {}

    bool has(size_t off, size_t n) const { return off <= size && n <= size - off; }
    uint8_t u8(size_t off) const { return data[off]; }
    uint16_t be16(size_t off) const { return uint16_t(data[off] << 8 | data[off + 1]); }
    uint32_t be32(size_t off) const {
        return uint32_t(data[off]) << 24 | uint32_t(data[off + 1]) << 16 |
               uint32_t(data[off + 2]) << 8 | uint32_t(data[off + 3]);
    }
    ByteView sub(size_t off, size_t n) const { return ByteView(data + off, n); }
    std::string_view chars(size_t off, size_t n) const {
        return std::string_view(reinterpret_cast<const char *>(data + off), n);
    }
};

// A place in the PDU, relative to the first byte of the PDU header.
struct Span {
    uint32_t off = 0;
    uint32_t len = 0;
    uint32_t end() const { return off + len; }
};

// Removes the padding that PS3.8 allows around AE titles and UIDs (spaces, NULs).
std::string_view trim_padding(std::string_view s);

// Characters allowed in an AE title: the default repertoire without backslash or controls.
bool is_valid_ae_title(std::string_view raw16);

// A UID is digits and dots, components without leading zeros, at most 64 characters.
bool is_valid_uid(std::string_view uid);

} // namespace dicom
