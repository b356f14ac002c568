// libFuzzer target: framing and every PDU parser, on one PDU's worth of bytes.
#include <cstddef>
#include <cstdint>

#include "associate.hpp"
#include "association.hpp"
#include "control_pdus.hpp"
#include "pdata.hpp"
#include "pdu.hpp"
#include "stream.hpp"
#include "tls_sniff.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dicom::ByteView b(data, size);
    dicom::frame_next(b, 1u << 24);
    dicom::looks_like_associate_rq(b);
    dicom::TlsRecordStart tls;
    dicom::looks_like_tls_hello(b, tls);
    dicom::sniff_tls_record(b, tls);
    if (size < 1) return 0;
    // The segment-by-segment walk, with segments as long as the first byte says: every unit
    // must advance, none may read past what is at hand.
    {
        const size_t segment = size_t(data[0]) + 1;
        dicom::StreamCursor c;
        size_t pos = 0, end = 0;
        while (pos < size) {
            if (pos >= end) end = pos + segment < size ? pos + segment : size;
            dicom::Unit u = dicom::next_unit(c, dicom::ByteView(data + pos, end - pos), 1u << 24);
            if (u.length == 0) __builtin_trap();
            if (u.length > end - pos) { // wait for more, as TCP reassembly would
                if (end == size) break;
                end = pos + u.length < size ? pos + u.length : size;
                continue;
            }
            dicom::advance(c, u, dicom::ByteView(data + pos, u.length));
            pos += u.length;
        }
    }
    switch (data[0]) {
    case dicom::kAssociateRq:
    case dicom::kAssociateAc: {
        dicom::Associate a;
        dicom::parse_associate(b, a);
        dicom::Association state;
        if (a.pdu_type == dicom::kAssociateRq) state.apply_rq(a, 1);
        else state.apply_ac(a, 2);
        break;
    }
    case dicom::kPData: {
        dicom::PData p;
        dicom::parse_pdata(b, p);
        break;
    }
    default: {
        dicom::ControlPdu c;
        dicom::parse_control_pdu(b, c);
    }
    }
    return 0;
}
