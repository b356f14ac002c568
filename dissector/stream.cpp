#include "stream.hpp"

#include <algorithm>

#include "pdu.hpp"

namespace dicom {

namespace {
constexpr uint32_t kPdvHeaderLen = 6;

void after_value(StreamCursor &c) {
    if (c.pdu_left == 0) c.mode = StreamCursor::AtPdu;
    else if (c.pdu_left >= kPdvHeaderLen) c.mode = StreamCursor::AtPdvHeader;
    else { // a few bytes that cannot hold another PDV
        c.pdv_invalid = true;
        c.mode = StreamCursor::InSkip;
    }
}

// `h` is a PDV header whose 6 bytes are already taken off pdu_left.
void start_pdv(StreamCursor &c, ByteView h) {
    const uint32_t len = h.be32(0);
    c.context_id = h.u8(4);
    c.flags = h.u8(5);
    ++c.pdv_index;
    if (len < 2 || len - 2 > c.pdu_left) {
        c.pdv_invalid = true;
        c.value_length = c.value_left = 0;
        c.mode = c.pdu_left ? StreamCursor::InSkip : StreamCursor::AtPdu;
        return;
    }
    c.pdv_invalid = false;
    c.value_length = c.value_left = len - 2;
    c.mode = StreamCursor::InValue;
    if (c.value_left == 0) after_value(c);
}
} // namespace

Unit next_unit(const StreamCursor &c, ByteView b, uint32_t cap) {
    const uint32_t at_hand = uint32_t(std::min<size_t>(b.size, 0xFFFFFFFFu));
    switch (c.mode) {
    case StreamCursor::InValue: return {UnitKind::Value, std::min(c.value_left, at_hand)};
    case StreamCursor::InSkip: return {UnitKind::Skip, std::min(c.pdu_left, at_hand)};
    case StreamCursor::AtPdvHeader: return {UnitKind::PdvHeader, kPdvHeaderLen};
    default: break;
    }
    if (b.size < kPduHeaderLen) return {UnitKind::Pdu, kPduHeaderLen};
    Framing f = frame_next(b, cap);
    if (f.kind == Framing::Pdu) {
        if (b.u8(0) == kPData && f.length > b.size)
            return {UnitKind::PdataHead, kPduHeaderLen + kPdvHeaderLen};
        return {UnitKind::Pdu, uint32_t(f.length)};
    }
    // No header here (a capture that starts inside a PDU, or corruption): skip to where a
    // PDU plausibly starts, or to the end of what is at hand.
    size_t k = find_resync_point(b, cap);
    return {UnitKind::Garbage, k > 0 && k < b.size ? uint32_t(k) : at_hand};
}

void advance(StreamCursor &c, const Unit &u, ByteView bytes) {
    const uint32_t need = u.kind == UnitKind::PdataHead ? kPduHeaderLen + kPdvHeaderLen
                          : u.kind == UnitKind::PdvHeader ? kPdvHeaderLen : 0;
    if (bytes.size < need) { // the capture cut the header short: start over at a PDU boundary
        c = StreamCursor();
        return;
    }
    switch (u.kind) {
    case UnitKind::PdataHead:
        c.pdu_length = bytes.be32(2);
        c.pdu_left = c.pdu_length - kPdvHeaderLen; // frame_next: at least one PDV header fits
        c.pdv_index = 0;
        start_pdv(c, bytes.sub(kPduHeaderLen, kPdvHeaderLen));
        break;
    case UnitKind::PdvHeader:
        c.pdu_left -= kPdvHeaderLen;
        start_pdv(c, bytes);
        break;
    case UnitKind::Value:
        c.value_left -= u.length;
        c.pdu_left -= u.length;
        if (c.value_left == 0) after_value(c);
        break;
    case UnitKind::Skip:
        c.pdu_left -= u.length;
        if (c.pdu_left == 0) c.mode = StreamCursor::AtPdu;
        break;
    case UnitKind::Pdu:
    case UnitKind::Garbage:
        break;
    }
}

} // namespace dicom
