#include "tcp/tls_sniff.hpp"

namespace dicom {

namespace {
constexpr uint32_t kTlsHeaderLen = 5;
constexpr uint32_t kTlsMaxFragment = (1u << 14) + 2048;
} // namespace

bool sniff_tls_record(ByteView bytes, TlsRecordStart &out) {
    if (bytes.size < kTlsHeaderLen) return false;
    const uint8_t type = bytes.u8(0);
    if (type < kTlsChangeCipherSpec || type > kTlsHeartbeat) return false;
    if (bytes.u8(1) != 3 || bytes.u8(2) > 4) return false;
    const uint16_t length = bytes.be16(3);
    if (length == 0 || length > kTlsMaxFragment) return false;
    out = TlsRecordStart{};
    out.content_type = type;
    out.version_major = bytes.u8(1);
    out.version_minor = bytes.u8(2);
    out.length = length;
    if (type == kTlsHandshake && bytes.size > kTlsHeaderLen) out.handshake_type = bytes.u8(kTlsHeaderLen);
    return true;
}

bool looks_like_tls_hello(ByteView first_bytes, TlsRecordStart &out) {
    TlsRecordStart r;
    if (!sniff_tls_record(first_bytes, r) || r.content_type != kTlsHandshake) return false;
    if (r.handshake_type != 1 && r.handshake_type != 2) return false;
    // Handshake header: type (1), length (3); a hello is at least version + random (34).
    if (first_bytes.size < kTlsHeaderLen + 4) return false;
    const uint32_t hs_len = (uint32_t(first_bytes.u8(6)) << 16) | first_bytes.be16(7);
    if (hs_len < 34) return false;
    // A hello may span records, but never starts with a record too short for its header.
    if (r.length < 4 + 34) return false;
    out = r;
    return true;
}

const char *tls_handshake_name(uint8_t t) {
    switch (t) {
    case 1: return "Client Hello";
    case 2: return "Server Hello";
    case 11: return "Certificate";
    case 16: return "Client Key Exchange";
    default: return nullptr;
    }
}

} // namespace dicom
