#include "ul/control_pdus.hpp"

#include "ul/pdu.hpp"

namespace dicom {


void parse_control_pdu(ByteView pdu, ControlPdu &out) {
    if (!pdu.has(0, kPduHeaderLen)) {
        out.findings.push_back({Problem::PduTruncated, Span{0, uint32_t(pdu.size)}});
        return;
    }
    out.type = pdu.u8(0);
    if (pdu.u8(1) != 0) out.findings.push_back({Problem::ReservedNotZero, Span{1, 1}});
    if (pdu.be32(2) != 4) out.findings.push_back({Problem::PduLengthInvalid, Span{2, 4}});
    if (!pdu.has(kPduHeaderLen, 4)) {
        out.findings.push_back({Problem::PduTruncated, Span{2, 4}});
        return;
    }
    const uint32_t b = kPduHeaderLen;
    auto reserved = [&](uint32_t off) {
        if (pdu.u8(off) != 0) out.findings.push_back({Problem::ReservedNotZero, Span{off, 1}});
    };
    switch (out.type) {
    case kAssociateRj:
        reserved(b);
        out.result = pdu.u8(b + 1);
        out.source = pdu.u8(b + 2);
        out.reason = pdu.u8(b + 3);
        if (!code_name(kRejectResults, out.result))
            out.findings.push_back({Problem::ValueOutOfRange, Span{b + 1, 1}});
        if (!code_name(kRejectSources, out.source))
            out.findings.push_back({Problem::ValueOutOfRange, Span{b + 2, 1}});
        else if (!reject_reason_name(out.source, out.reason))
            out.findings.push_back({Problem::ValueOutOfRange, Span{b + 3, 1}});
        break;
    case kAbort:
        reserved(b);
        reserved(b + 1);
        out.source = pdu.u8(b + 2);
        out.reason = pdu.u8(b + 3);
        if (out.source != 0 && out.source != 2)
            out.findings.push_back({Problem::ValueOutOfRange, Span{b + 2, 1}});
        if (out.source == 2 && (out.reason > 6 || out.reason == 3))
            out.findings.push_back({Problem::ValueOutOfRange, Span{b + 3, 1}});
        break;
    default: // releases: four reserved bytes
        for (uint32_t i = 0; i < 4; ++i) reserved(b + i);
    }
}

} // namespace dicom
