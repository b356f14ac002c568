// Recognising TLS records where DICOM was expected, and DICOM where TLS was expected: the
// two halves of a DICOM-over-TLS misconfiguration (PS3.15 annex B.1 puts the secure
// transport on its own port, 2762). Read as a PDU header, a TLS ClientHello announces
// PDU type 0x16 and a length like 0x0105AF01, so it must be caught before framing.
#pragma once
#include <cstdint>

#include "base/bytes.hpp"

namespace dicom {

enum TlsContentType : uint8_t {
    kTlsChangeCipherSpec = 20,
    kTlsAlert = 21,
    kTlsHandshake = 22,
    kTlsApplicationData = 23,
    kTlsHeartbeat = 24,
};

struct TlsRecordStart {
    uint8_t content_type = 0;
    uint8_t version_major = 0, version_minor = 0; // record-layer version, 3.x
    uint16_t length = 0;                          // of the record's fragment
    uint8_t handshake_type = 0;                   // first handshake message (handshake records)
};

// A TLS record header at the start of `bytes`: a defined content type, version 3.0-3.4 and
// a length no larger than TLS allows (2^14 + 2048).
bool sniff_tls_record(ByteView bytes, TlsRecordStart &out);

// The stricter test used to decide that a connection speaks TLS: a handshake record whose
// first message is a ClientHello or ServerHello that fits in the record.
bool looks_like_tls_hello(ByteView first_bytes, TlsRecordStart &out);

// "Client Hello", "Server Hello", ...; nullptr for values not listed here.
const char *tls_handshake_name(uint8_t handshake_type);

} // namespace dicom
