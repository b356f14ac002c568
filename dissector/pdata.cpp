#include "pdata.hpp"

#include "pdu.hpp"

namespace dicom {

static constexpr size_t kMaxFindings = 256; // a hostile PDU can hold millions of PDVs

void parse_pdata(ByteView pdu, PData &out) {
    if (!pdu.has(0, kPduHeaderLen)) {
        out.findings.push_back({Problem::PduTruncated, Span{0, uint32_t(pdu.size)}});
        return;
    }
    uint64_t declared_end = uint64_t(kPduHeaderLen) + pdu.be32(2);
    uint32_t end = uint32_t(declared_end < pdu.size ? declared_end : pdu.size);
    if (declared_end > pdu.size) out.findings.push_back({Problem::PduTruncated, Span{2, 4}});
    uint32_t off = kPduHeaderLen;
    while (off < end) {
        if (end - off < 6) { // length, context id, flags
            out.findings.push_back({Problem::PdvLengthInvalid, Span{off, end - off}});
            break;
        }
        Pdv v;
        v.length = pdu.be32(off);
        v.context_id = pdu.u8(off + 4);
        v.flags = pdu.u8(off + 5);
        uint32_t room = end - off - 4;
        bool fits = v.length >= 2 && v.length <= room;
        uint32_t item_len = fits ? v.length : room;
        if (!fits) out.findings.push_back({Problem::PdvLengthInvalid, Span{off, 4}});
        if ((v.flags & ~(kPdvCommand | kPdvLast)) && out.findings.size() < kMaxFindings)
            out.findings.push_back({Problem::PdvFlagsReserved, Span{off + 5, 1}});
        v.where = Span{off, 4 + item_len};
        v.value = Span{off + 6, item_len - 2};
        out.pdvs.push_back(v);
        off += 4 + item_len;
    }
    if (out.pdvs.empty()) out.findings.push_back({Problem::PdvEmptyList, Span{0, kPduHeaderLen}});
}

} // namespace dicom
