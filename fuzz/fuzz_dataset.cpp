// libFuzzer target: the data set walker and value decoders, in every encoding.
#include <cstddef>
#include <cstdint>

#include "dataset.hpp"
#include "values.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static const char *syntaxes[] = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2",
                                     "1.2.840.10008.1.2.4.50"};
    dicom::ChunkedBytes bytes;
    // Two chunks, so reads across a chunk boundary are exercised too.
    size_t half = (size - 1) / 2;
    bytes.append(data + 1, half);
    bytes.append(data + 1 + half, size - 1 - half);
    dicom::DataSet ds;
    dicom::parse_dataset(bytes, dicom::syntax_for(syntaxes[data[0] & 3]), ds);
    dicom::Charset cs = dicom::charset_from((data[0] & 4) ? "ISO_IR 192" : "ISO_IR 100");
    // The same bytes arriving in pieces (sizes from the first byte), discarded once walked:
    // without a cut the walk must agree with the one over the whole.
    {
        const size_t piece = size_t(data[0] >> 3) + 1;
        dicom::ChunkedBytes streamed;
        dicom::DataSet inc;
        dicom::DataSetParser parser(streamed, dicom::syntax_for(syntaxes[data[0] & 3]), inc);
        for (size_t off = 1; off < size; off += piece) {
            streamed.append(data + off, off + piece < size ? piece : size - off);
            parser.feed();
            streamed.discard_before(parser.consumed());
        }
        parser.finish();
        bool complete = ds.parsed_to == ds.size && ds.findings.empty();
        if (complete && (inc.elements.size() != ds.elements.size() || inc.pool != ds.pool)) __builtin_trap();
    }
    for (const dicom::Element &e : ds.elements) {
        std::string_view v = ds.value(e);
        for (std::string_view part : dicom::split_values(e.vr, v)) dicom::to_utf8(part, cs);
        dicom::decode_numbers(e.vr, v, ds.syntax.big_endian);
    }
    return 0;
}
