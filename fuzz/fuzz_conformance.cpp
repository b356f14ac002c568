// libFuzzer target: the conformance checks (conformance/*.hpp) on hostile bytes, read as what
// they judge: an A-ASSOCIATE-RQ and -AC (against each other), a command set, a data set (an
// object of the IOD the first byte picks, and a query), and PDU types through the state machine.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/chunks.hpp"
#include "conformance/check_dimse.hpp"
#include "conformance/check_iod.hpp"
#include "conformance/check_pdus.hpp"
#include "conformance/check_values.hpp"
#include "conformance/violation_text.hpp"
#include "dataset/dataset.hpp"
#include "ul/associate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace dicom;
    const ByteView bytes(data, size);
    std::vector<RuleHit> hits;
    // the bytes as an A-ASSOCIATE-RQ, then as the AC that answers it
    Associate rq, ac;
    ProposedNegotiation proposed;
    if (parse_associate(bytes, rq)) check_associate_rq(rq, proposed, hits);
    if (parse_associate(bytes, ac)) check_associate_ac(ac, proposed, hits);
    // as a command set
    ChunkedBytes chunks;
    chunks.append(data, size);
    DataSet command_set;
    parse_dataset(chunks, Syntax{}, command_set);
    Command c;
    extract_command(command_set, c);
    check_command_set(bytes, c, &c, hits);
    check_command_context(c, "1.2.840.10008.5.1.4.1.1.2", hits);
    check_status(c, hits);
    check_response(c, c, &c, hits);
    // as an object's data set and as a query's
    DataSet ds;
    parse_dataset(chunks, syntax_for("1.2.840.10008.1.2.1"), ds);
    static const char *const kClasses[] = {"1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4.1",
                                           "1.2.840.10008.5.1.4.1.1.481.5", "1.2.840.10008.5.1.4.1.1.88.33"};
    check_iod(size ? kClasses[data[0] % 4] : kClasses[0], ds, hits);
    check_data_set_values(ds, true, hits);
    check_data_set_values(ds, false, hits);
    // as PDU types, each from the side its low bit names
    UlWireState state;
    for (size_t i = 0; i < size && i < 64; ++i) check_pdu_order(state, data[i] & 1, uint8_t(data[i] >> 1) % 8);
    OutstandingRequests outstanding;
    for (size_t i = 0; i + 1 < size && i < 512; i += 2) {
        const uint16_t id = uint16_t(data[i + 1] % 8);
        if (data[i] & 1) outstanding.request(data[i] & 2, id, hits);
        else outstanding.response(data[i] & 2, id, data[i] & 4, hits);
    }
    for (const RuleHit &h : hits) {
        (void)violation_text(h);
        (void)violation_reference(h);
    }
    return 0;
}
