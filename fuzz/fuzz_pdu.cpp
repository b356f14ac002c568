// libFuzzer target: framing, the TLS sniffer and the parsers of A-ASSOCIATE, RJ, release
// and abort PDUs, on one PDU's worth of bytes (P-DATA-TFs: fuzz_stream).
#include <cstddef>
#include <cstdint>

#include "ul/associate.hpp"
#include "session/association.hpp"
#include "ul/control_pdus.hpp"
#include "ul/pdu.hpp"
#include "tcp/tls_sniff.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dicom::ByteView b(data, size);
    dicom::frame_next(b, 1u << 24);
    dicom::looks_like_associate_rq(b);
    dicom::TlsRecordStart tls;
    dicom::looks_like_tls_hello(b, tls);
    dicom::sniff_tls_record(b, tls);
    if (size < 1) return 0;
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
    case dicom::kPData: // the stream layer's target walks P-DATA-TFs
        dicom::find_resync_point(b, 1u << 24);
        break;
    default: {
        dicom::ControlPdu c;
        dicom::parse_control_pdu(b, c);
    }
    }
    return 0;
}
