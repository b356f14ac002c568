// One end of a TCP connection: IP address and port, as plain bytes.
#pragma once
#include <cstdint>
#include <cstring>

namespace dicom {

struct Endpoint {
    uint8_t family = 0;  // 4 (IPv4) or 6 (IPv6); 0: not known
    uint8_t ip[16] = {}; // 4 or 16 bytes, in network order
    uint16_t port = 0;
    uint8_t ip_length() const { return family == 4 ? 4 : family == 6 ? 16 : 0; }
};

// Orders endpoints by address family, then address, then port.
inline int compare_endpoints(const Endpoint &a, const Endpoint &b) {
    if (a.family != b.family) return a.family < b.family ? -1 : 1;
    const int c = std::memcmp(a.ip, b.ip, a.ip_length());
    if (c) return c < 0 ? -1 : 1;
    return a.port < b.port ? -1 : a.port > b.port ? 1 : 0;
}

// Which of a connection's two directions a packet from `src` to `dst` belongs to: 0 or 1, the
// same for every packet of one direction, whatever the capture shows first.
inline int direction_of(const Endpoint &src, const Endpoint &dst) { return compare_endpoints(src, dst) > 0; }

} // namespace dicom
