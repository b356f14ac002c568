#include "stream_harness.hpp"

#include <algorithm>
#include <cstdio>

#include "ul/associate.hpp"
#include "pcap_reader.hpp"
#include "ul/pdu.hpp"

using namespace dicom;

std::vector<Segment> cut(const std::vector<uint8_t> &stream, size_t size, uint32_t base) {
    std::vector<Segment> out;
    for (size_t off = 0; off < stream.size(); off += size) {
        const size_t n = std::min(size, stream.size() - off);
        out.push_back(Segment{uint32_t(base + off), std::vector<uint8_t>(stream.begin() + long(off), stream.begin() + long(off + n))});
    }
    return out;
}

uint64_t Recorder::on_event(const StreamEvent &e) {
    StreamEvent copy = e;
    copy.bytes = ByteView();
    events.push_back(copy);
    char line[96];
    switch (e.kind) {
    case StreamEventKind::Pdu:
        std::snprintf(line, sizeof line, "PDU %02x %u", e.unit, e.length);
        walk.units.push_back(line);
        open_value_ = nullptr;
        break;
    case StreamEventKind::PdataHeader:
        std::snprintf(line, sizeof line, "PDATA %u", e.pdu_length);
        walk.units.push_back(line);
        open_value_ = nullptr;
        break;
    case StreamEventKind::PdvHeader:
        std::snprintf(line, sizeof line, "PDV %u %02x %u%s", e.pdv.context_id, e.pdv.flags, e.pdv.value_length,
                      e.pdv.invalid ? " invalid" : "");
        walk.units.push_back(line);
        open_value_ = nullptr;
        if (!e.pdv.invalid) {
            walk.values.emplace_back();
            open_value_ = &walk.values.back();
        }
        break;
    case StreamEventKind::Value:
        if (open_value_) open_value_->insert(open_value_->end(), e.bytes.data, e.bytes.data + e.bytes.size);
        break;
    case StreamEventKind::Fragment: break;
    default:
        std::snprintf(line, sizeof line, "%d at %llu len %u", int(e.kind), (unsigned long long)e.offset, e.length);
        walk.trouble.push_back(line);
    }
    if (e.kind == StreamEventKind::Lost) walk.lost += e.length;
    if (e.kind == StreamEventKind::Duplicate) walk.duplicate += e.length;
    // Every byte of a payload is reported once: by the unit it belongs to, as a Fragment of
    // an assembled unit, or as Duplicate/Held (held bytes are reported again when walked).
    if (e.kind != StreamEventKind::Lost && e.kind != StreamEventKind::Held &&
        !(e.kind == StreamEventKind::Fragment && e.completed_by.source))
        walk.event_bytes += e.origin_length;
    if (assoc_ && e.kind != StreamEventKind::Pdu) {
        EventContext c;
        c.frame = c.walk_frame = frame;
        c.keep = 0;
        apply_event(*assoc_, messages, e, c);
    }
    return (uint64_t(frame) << 32) | 1;
}

std::vector<MessageDigest> digest(const MessageAssembler &m) {
    std::vector<MessageDigest> out;
    for (const Message &msg : m.messages()) {
        MessageDigest d;
        d.command = msg.command.field;
        d.id = is_response(msg.command.field) ? msg.command.message_id_rsp : msg.command.message_id;
        d.data_size = msg.data_size;
        d.elements = msg.data_set.elements.size() + msg.command_set.elements.size();
        d.incomplete = msg.incomplete();
        d.sop_instance = msg.command.sop_instance();
        out.push_back(d);
    }
    return out;
}

Association negotiated(const std::vector<uint8_t> &rq_stream, const std::vector<uint8_t> &ac_stream) {
    Association a;
    TcpStream rq, ac;
    rq.bytes = rq_stream;
    ac.bytes = ac_stream;
    Associate p_rq, p_ac;
    auto rqs = split_pdus(rq), acs = split_pdus(ac);
    if (!rqs.empty() && rqs[0].u8(0) == kAssociateRq && parse_associate(rqs[0], p_rq)) a.apply_rq(p_rq, 1);
    if (!acs.empty() && acs[0].u8(0) == kAssociateAc && parse_associate(acs[0], p_ac)) a.apply_ac(p_ac, 2);
    return a;
}
