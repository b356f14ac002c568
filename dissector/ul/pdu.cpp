#include "ul/pdu.hpp"

#include "ul/ul_codes.hpp"


namespace dicom {

bool parse_pdu_header(ByteView b, PduHeader &out) {
    if (!b.has(0, kPduHeaderLen)) return false;
    out.type = b.u8(0);
    out.reserved = b.u8(1);
    out.length = b.be32(2);
    return true;
}

bool pdu_length_plausible(uint8_t type, uint32_t length, uint32_t cap) {
    switch (type) {
    case kAssociateRq:
    case kAssociateAc: // 128 contexts and every sub-item fit in far less than 1 MiB
        return length >= kAssociateFixedLen && length <= (cap < kMaxAssociateLength ? cap : kMaxAssociateLength);
    case kAssociateRj:
    case kReleaseRq:
    case kReleaseRp:
    case kAbort: return length == 4;
    case kPData: return length >= 6 && length <= cap; // one PDV: 4-byte length, id, flags
    default: return false;
    }
}

Framing frame_next(ByteView available, uint32_t cap) {
    PduHeader h;
    if (!parse_pdu_header(available, h))
        return {Framing::NeedMore, kPduHeaderLen - available.size};
    // PS3.8 9.3.1: reserved fields are not tested on receipt; the parsers report them.
    if (!pdu_length_plausible(h.type, h.length, cap))
        return {Framing::Garbage, available.size};
    return {Framing::Pdu, h.total()};
}

bool looks_like_associate_rq(ByteView b) {
    PduHeader h;
    // The header and the protocol version field: fewer bytes are too weak a signal.
    if (!b.has(0, 10) || !parse_pdu_header(b, h)) return false;
    if (h.type != kAssociateRq || h.reserved != 0) return false;
    if (h.length < kAssociateFixedLen + 4 || h.length > kMaxAssociateLength) return false;
    if ((b.be16(6) & 0x0001) == 0) return false;
    // The DICOM application context name in its item, right after the fixed fields, is proof
    // enough; without it the AE titles must be in their repertoire. (A peer that breaks the
    // repertoire, a conformance violation, is still recognised when its PDU says DICOM.)
    static constexpr char kDicomContext[] = "1.2.840.10008.3.1.1.1";
    constexpr size_t n = sizeof kDicomContext - 1; // some stacks pad the UID with a NUL
    const bool dicom_context = b.has(74, 4 + n) && b.u8(74) == 0x10 && b.chars(78, n) == kDicomContext &&
                               (b.be16(76) == n || (b.be16(76) == n + 1 && b.has(78 + n, 1) && b.u8(78 + n) == 0));
    if (b.has(10, 32) && !dicom_context) {
        if (!is_valid_ae_title(b.chars(10, 16)) || !is_valid_ae_title(b.chars(26, 16)))
            return false;
    }
    if (b.has(74, 1) && b.u8(74) != 0x10) return false; // application context item first
    return true;
}

Plausibility pdu_start_plausibility(ByteView b, uint32_t cap) {
    constexpr Plausibility No = Plausibility::No, Yes = Plausibility::Yes, Maybe = Plausibility::Maybe;
    if (b.size < kPduHeaderLen) { // what is there must fit a header
        if (b.size >= 1 && (b.u8(0) < kAssociateRq || b.u8(0) > kAbort)) return No;
        return b.size >= 2 && b.u8(1) != 0 ? No : Maybe;
    }
    PduHeader h;
    if (!parse_pdu_header(b, h) || h.reserved != 0 || !pdu_length_plausible(h.type, h.length, cap)) return No;
    switch (h.type) {
    case kAssociateRq:
        if (b.size < 10) return Maybe;
        if (!looks_like_associate_rq(b)) return No;
        return b.size > 74 ? Yes : Maybe;
    case kAssociateAc: // version 1, AE titles echoed, the application context item first
        if (b.size >= 8 && !(b.be16(6) & 1)) return No;
        if (!b.has(10, 32)) return Maybe;
        if (!is_valid_ae_title(b.chars(10, 16)) || !is_valid_ae_title(b.chars(26, 16))) return No;
        if (!b.has(74, 1)) return Maybe;
        return b.u8(74) == 0x10 ? Yes : No;
    case kPData: {
        // Walk the PDV items that are present: each length must fit, the context ID must be
        // odd and the flags must use only the two defined bits.
        // A command fragment that starts a command set begins with (0000,0000), the
        // command group length (PS3.7 E.1).
        uint64_t off = kPduHeaderLen, end = kPduHeaderLen + uint64_t(h.length);
        int checked = 0;
        while (off < end && b.has(off, kPdvHeaderLen) && checked < 64) { // 64 items convince; bounds the work
            uint32_t len = b.be32(off);
            uint8_t ctx = b.u8(off + 4), flags = b.u8(off + 5);
            if (!pdv_length_fits(len, end - off - 4) || !(ctx & 1) || (flags & 0xFC)) return No;
            if ((flags & 1) && len >= 6 && b.has(off + 6, 4) && b.be32(off + 6) != 0) return No;
            ++checked;
            off += 4 + uint64_t(len);
        }
        // The PDV items must fill the PDU exactly, as far as the bytes go.
        if (off > end) return No;
        return checked > 0 ? Yes : Maybe; // at least the first PDV header must be there
    }
    case kAssociateRj: // a result, source and reason that PS3.8 defines
        if (b.size < 10) return Maybe;
        return b.u8(6) == 0 && (b.u8(7) == 1 || b.u8(7) == 2) && reject_reason_name(b.u8(8), b.u8(9)) != nullptr ? Yes : No;
    case kReleaseRq:
    case kReleaseRp:
        if (b.size < 10) return Maybe;
        return b.be32(6) == 0 ? Yes : No;
    case kAbort:
        if (b.size < 10) return Maybe;
        return b.u8(6) == 0 && b.u8(7) == 0 && (b.u8(8) == 0 || b.u8(8) == 2) && b.u8(9) <= 6 ? Yes : No;
    }
    return No;
}

namespace {
bool plausible_pdu_start(ByteView b, uint32_t cap) { return pdu_start_plausibility(b, cap) == Plausibility::Yes; }
} // namespace

bool looks_like_midstream_pdu(ByteView b, uint32_t cap) {
    if (!plausible_pdu_start(b, cap)) return false;
    const uint8_t type = b.u8(0);
    if (type == kPData) {
        // First PDV: a command fragment whose first element is (0000,0000) UL, length 4.
        // dcmtk writes the PDU and PDV headers in a segment of their own: then the PDV must
        // be the PDU's only one.
        if (!b.has(kPduHeaderLen, 6) || !(b.u8(kPduHeaderLen + 5) & 1)) return false;
        const size_t e = kPduHeaderLen + 6;
        if (b.size == e) return b.be32(kPduHeaderLen) + 4 == b.be32(2);
        if (!b.has(e, 8)) return false;
        return b.be32(e) == 0 && b.u8(e + 4) == 4 && b.u8(e + 5) == 0 && b.be16(e + 6) == 0;
    }
    if (type == kAssociateRq) return false; // the ordinary heuristic's job
    return b.has(0, size_t(kPduHeaderLen) + b.be32(2)); // short PDUs: all of it is there
}

size_t find_resync_point(ByteView b, uint32_t cap) {
    for (size_t k = 0; k + kPduHeaderLen <= b.size; ++k) {
        uint8_t t = b.u8(k);
        if (t < kAssociateRq || t > kAbort || b.u8(k + 1) != 0) continue; // cheap filter first
        if (plausible_pdu_start(b.sub(k, b.size - k), cap)) return k;
    }
    return b.size;
}

} // namespace dicom
