// Finding a TCP segment in the bytes of a captured frame, given its endpoints. TCP keeps some
// payloads to itself (a segment its analysis takes for a retransmission, one it holds out of
// order): the plugin then reads the segment from the frame, the way it was captured.
#pragma once
#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"

namespace dicom {

struct TcpEndpoints {
    ByteView src_ip, dst_ip; // 4 bytes (IPv4) or 16 (IPv6), as they appear in the IP header
    uint16_t src_port = 0, dst_port = 0;
};

struct TcpSegment {
    uint32_t seq = 0, ack = 0; // as on the wire (not TCP analysis' relative numbers)
    uint8_t flags = 0;         // FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
    uint16_t window = 0;       // the window field, unscaled
    int8_t window_scale = -1;  // a SYN's window scale option (-1: none, or not a SYN)
    uint16_t ip_id = 0;        // the IPv4 identification (0 for IPv6)
    uint16_t checksum = 0;     // the TCP checksum: two captures of one segment have the same
    size_t payload_offset = 0, payload_length = 0; // within the frame; the length stops at what was captured
};

// The innermost IPv4 or IPv6 header (no IPv6 extension headers, no IP fragments) among the
// frame's first bytes whose addresses and TCP ports are `e`'s. False when there is none.
// `hint` (optional): where the IP header was found in an earlier frame of the connection; it
// is tried first and updated by a full search (0: none yet).
bool locate_tcp_segment(ByteView frame, const TcpEndpoints &e, TcpSegment &out, size_t *hint = nullptr);

} // namespace dicom
