#include "tcp/tcp_segment.hpp"

#include <algorithm>
#include <cstring>

namespace dicom {

namespace {

constexpr size_t kSearch = 512; // link, tunnel and IP headers come before this

// IPv4 addresses, on every frame: one load each instead of a call
inline bool same4(const uint8_t *at, const uint8_t *want) {
    uint32_t a, b;
    std::memcpy(&a, at, 4);
    std::memcpy(&b, want, 4);
    return a == b;
}

bool same(ByteView frame, size_t off, ByteView want) {
    if (!want.size || !frame.has(off, want.size)) return false;
    return std::memcmp(frame.data + off, want.data, want.size) == 0;
}

// A SYN's window scale option (RFC 7323 2.2), -1 without one. Out of line: one segment in
// thousands is a SYN, and the frames' common path stays short.
[[gnu::noinline]] int8_t syn_window_scale(ByteView frame, size_t tcp, size_t thl) {
    int8_t scale = -1;
    for (size_t o = tcp + 20; o < tcp + thl && frame.has(o, 1);) {
        const uint8_t kind = frame.u8(o);
        if (kind == 0) break;
        if (kind == 1) {
            ++o;
            continue;
        }
        if (!frame.has(o, 2) || frame.u8(o + 1) < 2) break;
        if (kind == 3 && frame.u8(o + 1) == 3 && frame.has(o, 3)) scale = int8_t(std::min<int>(frame.u8(o + 2), 14));
        o += frame.u8(o + 1);
    }
    return scale;
}

// The TCP header at `tcp`, its IP packet ending at `ip_end` (which may lie past the capture).
inline bool read_tcp(ByteView frame, size_t tcp, size_t ip_end, const TcpEndpoints &e, TcpSegment &out) {
    if (!frame.has(tcp, 20) || frame.be16(tcp) != e.src_port || frame.be16(tcp + 2) != e.dst_port) return false;
    const size_t thl = size_t(frame.u8(tcp + 12) >> 4) * 4;
    if (thl < 20 || tcp + thl > ip_end) return false;
    out.seq = frame.be32(tcp + 4);
    out.ack = frame.be32(tcp + 8);
    out.flags = frame.u8(tcp + 13);
    out.window = frame.be16(tcp + 14);
    out.checksum = frame.be16(tcp + 16);
    out.window_scale = (out.flags & 0x02) ? syn_window_scale(frame, tcp, thl) : int8_t(-1);
    out.payload_offset = tcp + thl;
    const size_t end = ip_end < frame.size ? ip_end : frame.size;
    out.payload_length = end > out.payload_offset ? end - out.payload_offset : 0;
    return true;
}

// The IP header at `off`, if it is `e`'s.
bool tcp_at(ByteView frame, size_t off, const TcpEndpoints &e, TcpSegment &out) {
    if (!frame.has(off, 20)) return false;
    const uint8_t version = frame.u8(off) >> 4;
    if (version == 4 && e.src_ip.size == 4) {
        const size_t ihl = size_t(frame.u8(off) & 15) * 4;
        if (ihl < 20 || frame.u8(off + 9) != 6 || (frame.be16(off + 6) & 0x3FFF) != 0) return false; // TCP, not a fragment
        if (!same4(frame.data + off + 12, e.src_ip.data) || !same4(frame.data + off + 16, e.dst_ip.data)) return false;
        const size_t total = frame.be16(off + 2);
        if (total < ihl + 20 || !read_tcp(frame, off + ihl, off + total, e, out)) return false;
        out.ip_id = frame.be16(off + 4);
        return true;
    }
    if (version == 6 && e.src_ip.size == 16 && frame.has(off, 40)) {
        if (frame.u8(off + 6) != 6) return false; // next header TCP (extension headers: not found)
        if (!same(frame, off + 8, e.src_ip) || !same(frame, off + 24, e.dst_ip)) return false;
        if (!read_tcp(frame, off + 40, off + 40 + frame.be16(off + 4), e, out)) return false;
        out.ip_id = 0;
        return true;
    }
    return false;
}

} // namespace

bool locate_tcp_segment(ByteView frame, const TcpEndpoints &e, TcpSegment &out, size_t *hint) {
    // The frames of one connection have the same link and tunnel headers: where the IP header
    // was last time is where it is now, which spares a scan of every offset.
    if (hint && *hint && tcp_at(frame, *hint, e, out)) return true;
    bool found = false;
    const size_t limit = frame.size < kSearch ? frame.size : kSearch;
    for (size_t off = 0; off + 20 <= limit; ++off) {
        TcpSegment s;
        if (tcp_at(frame, off, e, s)) {
            out = s;
            found = true;
            if (hint) *hint = off;
        }
    }
    return found;
}

} // namespace dicom
