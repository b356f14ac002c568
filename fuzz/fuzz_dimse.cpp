// libFuzzer target: a command set (implicit VR little endian) through the message
// assembler, split into PDVs at fuzzer-chosen points, then request/response matching.
#include <cstddef>
#include <cstdint>

#include "association.hpp"
#include "message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    dicom::MessageAssembler assembler;
    dicom::Association assoc;
    size_t split = data[0] % (size - 1) + 1; // command fragment boundary
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    size_t first = split < n ? split : n;
    assembler.add(1, 0x01, body, first, 1, 1.0, "1.2.840.10008.1.2", false);
    dicom::PdvOutcome o = assembler.add(1, 0x03, body + first, n - first, 2, 2.0, "1.2.840.10008.1.2", false);
    if (o.message_done) assoc.on_message(*o.message);
    // a data set on the same context, in explicit VR little endian, deflated, and big endian
    const char *syntaxes[] = {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2"};
    o = assembler.add(1, 0x02, body, n, 3, 3.0, syntaxes[data[0] % 3], true);
    if (o.message_done) assoc.on_message(*o.message);
    assoc.unanswered();
    return 0;
}
