// libFuzzer target: a command set (implicit VR little endian) through the message
// assembler, split into PDVs at fuzzer-chosen points, then request/response matching; a
// data set with a hole and a gap of unknown extent on the way.
#include <cstddef>
#include <cstdint>

#include "session/association.hpp"
#include "dimse/message.hpp"
#include "ul/pdu.hpp"

namespace {
dicom::PdvPiece piece(uint8_t flags, const uint8_t *v, size_t n, uint32_t frame, bool first = true, bool last = true) {
    dicom::PdvPiece p;
    p.context_id = 1;
    p.flags = flags;
    p.value = v;
    p.length = n;
    p.first = first;
    p.last = last;
    p.frame = p.walk_frame = frame;
    p.time = frame;
    return p;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    dicom::MessageAssembler assembler;
    dicom::Association assoc;
    size_t split = data[0] % (size - 1) + 1; // command fragment boundary
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    size_t first = split < n ? split : n;
    assembler.add(piece(dicom::kPdvCommand, body, first, 1), "1.2.840.10008.1.2", false);
    dicom::PdvOutcome o = assembler.add(piece(dicom::kPdvCommand | dicom::kPdvLast, body + first, n - first, 2),
                                        "1.2.840.10008.1.2", false);
    if (o.message_done) assoc.on_message(*o.message);
    // a data set on the same context, in explicit VR little endian, deflated, and big endian,
    // with a hole where the split is (bytes missing from the capture)
    const char *syntaxes[] = {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2"};
    const char *ts = syntaxes[data[0] % 3];
    assembler.add(piece(0, body, first, 3, true, false), ts, true);
    assembler.add(piece(0, nullptr, data[0], 3, false, false), ts, true);
    if (data[0] & 0x80) assembler.mark_gap(data[0]);
    o = assembler.add(piece(dicom::kPdvLast, body + first, n - first, 4, false, true), ts, true);
    if (o.message_done) assoc.on_message(*o.message);
    assembler.close_damaged(5, 5, true);
    assoc.unanswered();
    return 0;
}
