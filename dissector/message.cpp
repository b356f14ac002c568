#include "message.hpp"

#include <zlib.h>

#include "pdata.hpp"

namespace dicom {

MessageAssembler::Pending &MessageAssembler::pending(uint8_t id) {
    for (Pending &p : pending_)
        if (p.context_id == id) return p;
    pending_.emplace_back();
    pending_.back().context_id = id;
    return pending_.back();
}

Message &MessageAssembler::start(Pending &p) {
    messages_.emplace_back();
    Message &m = messages_.back();
    m.index = uint32_t(messages_.size());
    m.context_id = p.context_id;
    p.message = &m;
    p.command_done = false;
    p.parse_at_end = false;
    p.parser.reset();
    p.command.clear();
    p.data.clear();
    return m;
}

static void add_frame(Message &m, uint32_t frame) {
    if (m.frames.empty() || m.frames.back() != frame) m.frames.push_back(frame);
}

void MessageAssembler::feed_data(Pending &p, bool keep_data) {
    Message &m = *p.message;
    if (!p.parser) {
        if (p.parse_at_end) return;
        Syntax syntax = syntax_for(m.transfer_syntax);
        if (m.transfer_syntax.empty()) { // association set-up not captured
            if (p.data.size() < 8) return; // inference reads the first element's header
            syntax = infer_syntax(p.data);
            m.transfer_syntax = syntax_uid(syntax);
            m.syntax_inferred = true;
        }
        if (syntax.deflated) {
            p.parse_at_end = true;
            return;
        }
        p.parser.reset(new DataSetParser(p.data, syntax, m.data_set));
    }
    p.parser->feed();
    if (!keep_data) p.data.discard_before(p.parser->consumed());
}

void MessageAssembler::finish_data(Pending &p, bool keep_data) {
    Message &m = *p.message;
    m.data_size = p.data.size();
    if (p.parser) {
        p.parser->finish();
        p.parser.reset();
    } else {
        Syntax syntax = syntax_for(m.transfer_syntax);
        if (m.transfer_syntax.empty()) {
            syntax = infer_syntax(p.data);
            m.transfer_syntax = syntax_uid(syntax);
            m.syntax_inferred = true;
        }
        if (syntax.deflated) {
            ChunkedBytes inflated;
            if (!inflate_raw(p.data, inflated, uint64_t(4) << 30)) m.problems.push_back(Problem::InflateFailed);
            parse_dataset(inflated, syntax, m.data_set);
        } else {
            parse_dataset(p.data, syntax, m.data_set);
        }
    }
    if (keep_data && p.data.low() == 0) {
        m.raw_data = std::move(p.data);
        m.raw_fragments = m.data_fragments;
    }
    p.data.clear();
}

PdvOutcome MessageAssembler::add_piece(uint8_t id, uint8_t flags, const uint8_t *value, size_t length,
                                       uint32_t frame, double time, std::string_view transfer_syntax,
                                       bool keep_data, bool first, bool last_piece) {
    Pending &p = pending(id);
    PdvOutcome out;
    const bool last = (flags & kPdvLast) && last_piece;
    if (flags & kPdvCommand) {
        // A later piece of a PDV belongs to the command fragment already counted.
        if (first || !p.message || p.command_done) {
            if (p.message && p.command_done) { // still waiting for the previous data set
                p.message->problems.push_back(Problem::MessageInterrupted);
                p.message = nullptr;
            }
            if (!p.message) {
                start(p);
                p.message->first_time = time;
            }
            ++p.message->command_fragments;
        }
        Message &m = *p.message;
        add_frame(m, frame);
        p.command.append(value, length);
        out.message = &m;
        return last ? finish_command(p, frame, time) : out;
    }
    if (first || !p.message || !p.command_done) {
        if (!p.message || !p.command_done) {
            if (!p.message) {
                start(p);
                p.message->first_time = time;
            }
            p.message->problems.push_back(Problem::DataWithoutCommand);
            p.command_done = true;
        }
        Message &m = *p.message;
        if (!m.has_data) {
            m.has_data = true;
            m.transfer_syntax.assign(transfer_syntax);
        }
        ++m.data_fragments;
    }
    Message &m = *p.message;
    add_frame(m, frame);
    out.data_fragment = m.data_fragments - 1;
    out.data_offset = p.data.size();
    p.data.append(value, length);
    out.message = &m;
    if (!last) {
        feed_data(p, keep_data);
        return out;
    }
    finish_data(p, keep_data);
    return complete(p, frame, time, out);
}

PdvOutcome MessageAssembler::complete(Pending &p, uint32_t frame, double time, PdvOutcome out) {
    Message &m = *p.message;
    m.complete_frame = frame;
    m.complete_time = time;
    out.message_done = true;
    p.message = nullptr;
    return out;
}

PdvOutcome MessageAssembler::finish_command(Pending &p, uint32_t frame, double time) {
    Message &m = *p.message;
    PdvOutcome out;
    out.message = &m;
    parse_dataset(p.command, Syntax{}, m.command_set);
    m.command_set.elements.shrink_to_fit(); // kept for every message: no slack
    extract_command(m.command_set, m.command);
    if (!m.command.valid) m.problems.push_back(Problem::CommandInvalid);
    p.command.clear();
    p.command_done = true;
    m.command_frame = frame;
    m.command_time = time;
    out.command_done = true;
    if (m.command.valid && m.command.has_data_set()) return out;
    return complete(p, frame, time, out);
}

bool inflate_raw(const ChunkedBytes &in, ChunkedBytes &out, uint64_t max_out) {
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return false;
    std::vector<uint8_t> buf(64 * 1024);
    int rc = Z_OK;
    bool ok = in.for_each_piece(0, in.size(), [&](const uint8_t *p, size_t n) {
        z.next_in = const_cast<Bytef *>(p);
        z.avail_in = uInt(n);
        while (z.avail_in > 0 && rc == Z_OK && out.size() < max_out) {
            z.next_out = buf.data();
            z.avail_out = uInt(buf.size());
            rc = inflate(&z, Z_NO_FLUSH);
            out.append(buf.data(), buf.size() - z.avail_out);
        }
    });
    inflateEnd(&z);
    return ok && rc == Z_STREAM_END;
}

} // namespace dicom
