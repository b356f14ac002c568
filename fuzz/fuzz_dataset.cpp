// libFuzzer target: the data set walker and value decoders, in every encoding.
#include <cstddef>
#include <cstdint>

#include "dataset/charset.hpp"
#include "dataset/dataset.hpp"
#include "dataset/dictionary.hpp"
#include "dataset/values.hpp"

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
    // Text in the character set each element's data set or item declares
    dicom::CharsetScope scope;
    for (const dicom::Element &e : ds.elements) {
        std::string_view v = ds.value(e);
        const dicom::SpecificCharacterSet &cs = scope.apply(ds, e);
        if (dicom::vr_is_text(e.vr)) dicom::decode_values(e.vr, v, cs);
        dicom::decode_numbers(e.vr, v, ds.syntax.big_endian);
    }
    dicom::first_undecodable_text(ds);
    // The input itself as a value in each character set, code extensions included
    static const char *sets[] = {"", "ISO_IR 100", "ISO_IR 192", "GB18030", "GBK", "ISO_IR 13", "ISO_IR 166",
                                 "\\ISO 2022 IR 87\\ISO 2022 IR 159", "ISO 2022 IR 13\\ISO 2022 IR 87",
                                 "\\ISO 2022 IR 149", "\\ISO 2022 IR 58", "ISO 2022 IR 100\\ISO 2022 IR 144"};
    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    const dicom::SpecificCharacterSet cs = dicom::parse_specific_character_set(sets[data[0] % 12]);
    dicom::decode_values(dicom::vr_code('P', 'N'), text, cs);
    dicom::decode_values(dicom::vr_code('L', 'T'), text, cs);
    return 0;
}
