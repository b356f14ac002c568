// libFuzzer target: A-ASSOCIATE-RQ/AC items and user information sub-items. The input is
// the variable part; a valid header and fixed part are put in front so the fuzzer spends
// its time inside the items.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ul/associate.hpp"
#include "session/association.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    std::vector<uint8_t> pdu(74, 0);
    pdu[0] = (data[0] & 1) ? 0x02 : 0x01;
    uint32_t len = uint32_t(68 + size - 1);
    pdu[2] = uint8_t(len >> 24); pdu[3] = uint8_t(len >> 16); pdu[4] = uint8_t(len >> 8); pdu[5] = uint8_t(len);
    pdu[7] = 1;
    for (int i = 10; i < 42; ++i) pdu[i] = 'A';
    pdu.insert(pdu.end(), data + 1, data + size);
    dicom::Associate a;
    dicom::parse_associate(dicom::ByteView(pdu.data(), pdu.size()), a);
    dicom::Association state;
    state.apply_rq(a, 1);
    state.apply_ac(a, 2);
    return 0;
}
