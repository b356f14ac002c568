#include "dimse/message.hpp"

#include <zlib.h>

#include "ul/pdu.hpp"

namespace dicom {

MessageAssembler::Pending &MessageAssembler::pending(uint8_t stream, uint8_t id) {
    for (Pending &p : pending_)
        if (p.context_id == id && p.stream == stream) return p;
    pending_.emplace_back();
    pending_.back().stream = stream;
    pending_.back().context_id = id;
    return pending_.back();
}

Message &MessageAssembler::start(Pending &p, const PdvPiece &piece) {
    messages_.emplace_back();
    Message &m = messages_.back();
    m.index = uint32_t(messages_.size());
    m.context_id = p.context_id;
    m.stream = p.stream;
    m.from_requestor = piece.from_requestor;
    m.first_time = piece.pdu_time > 0 && piece.pdu_time <= piece.time ? piece.pdu_time : piece.time;
    p.message = &m;
    p.command_done = false;
    p.parse_at_end = false;
    p.unparseable = false;
    p.command_sound = ~uint64_t(0);
    p.clean_epoch = gap_epoch_;
    p.parser.reset();
    p.command.clear();
    p.data.clear();
    return m;
}

// Where the data set will end, as far as its elements so far tell: the end of a top-level Pixel
// Data of defined length, which comes last in nearly every image (0: not known).
static uint64_t expected_size(const DataSet &ds) {
    if (ds.elements.empty()) return 0;
    const Element &e = ds.elements.back();
    if (e.tag != 0x7FE00010 || e.depth != 0 || e.kind != ElementKind::Value || e.length == kUndefinedLength) return 0;
    return e.value_offset() + e.length;
}

// The encoding of the message's data set: its context's transfer syntax, or, when the
// association set-up was not captured, inferred from the first bytes (and remembered as such).
static Syntax data_set_syntax(Message &m, const ChunkedBytes &data) {
    if (!m.transfer_syntax.empty()) return syntax_for(m.transfer_syntax);
    const Syntax syntax = infer_syntax(data);
    m.transfer_syntax = syntax_uid(syntax);
    m.syntax_inferred = true;
    return syntax;
}

static void add_frame(Message &m, uint32_t frame) {
    if (frame == 0) return; // bytes no frame carried (lost in a capture gap)
    if (m.frames.empty() || m.frames.back() < frame) m.frames.push_back(frame);
    else if (m.frames.back() != frame) { // a held segment: its frame is older than the last one
        auto it = std::lower_bound(m.frames.begin(), m.frames.end(), frame);
        if (*it != frame) m.frames.insert(it, frame);
    }
}

// Whether the next `n` bytes of the data set would be discarded as soon as they were appended:
// nothing keeps them (export, or a small data set shown whole), and the parser has already
// stepped past them (the value it walks, typically Pixel Data, ends after them) or no longer
// walks at all.
bool MessageAssembler::passes_unread(const Pending &p, uint64_t n, uint8_t keep) {
    if (keep & kKeepForExport) return false;
    if (p.unparseable) return true;
    if (!p.parser) return false;
    const uint64_t end = p.data.size() + n;
    if ((keep & kKeepToShow) && end <= kShownDataSetLimit) return false;
    return p.parser->consumed() >= end;
}

void MessageAssembler::feed_data(Pending &p, uint8_t keep) {
    Message &m = *p.message;
    if (p.unparseable) { // counted, not walked: nothing will read these bytes again
        if (!(keep & kKeepForExport)) p.data.discard_before(p.data.size());
        return;
    }
    // The parser has passed every byte so far: these continue a value it does not keep (pixel
    // data), and a walk would only find that it must wait again.
    if (p.parser && p.parser->consumed() >= p.data.size()) {
        m.data_set.size = p.data.size();
        return;
    }
    if (!p.parser) {
        if (p.parse_at_end) return;
        if (m.transfer_syntax.empty() && p.data.size() < 8) return; // inference reads the first element's header
        const Syntax syntax = data_set_syntax(m, p.data);
        if (syntax.deflated) {
            p.parse_at_end = true;
            return;
        }
        p.parser.reset(new DataSetParser(p.data, syntax, m.data_set));
    }
    p.parser->feed();
    if (!m.expected_data_size) m.expected_data_size = expected_size(m.data_set);
    const bool shown = (keep & kKeepToShow) && p.data.size() <= kShownDataSetLimit;
    if (!(keep & kKeepForExport) && !shown) p.data.discard_before(p.parser->consumed());
}

void MessageAssembler::finish_data(Pending &p, uint8_t keep) {
    Message &m = *p.message;
    m.data_size = p.data.size();
    if (p.unparseable) {
        p.parser.reset(); // what it walked before the gap stays in m.data_set
    } else if (p.parser) {
        p.parser->finish();
        p.parser.reset();
    } else {
        const Syntax syntax = data_set_syntax(m, p.data);
        if (syntax.deflated) {
            ChunkedBytes inflated;
            const bool ok = inflate_raw(p.data, inflated, uint64_t(4) << 30);
            if (!ok && p.data.complete()) m.problems.push_back(Problem::InflateFailed);
            if (ok || p.data.complete()) parse_dataset(inflated, syntax, m.data_set);
            if ((keep & kKeepToShow) && ok && inflated.size() <= kShownDataSetLimit)
                inflated.read_into(0, size_t(inflated.size()), m.data_set_bytes);
        } else {
            parse_dataset(p.data, syntax, m.data_set);
        }
    }
    const bool walked_as_sent = !syntax_for(m.transfer_syntax).deflated && !p.unparseable;
    if ((keep & kKeepToShow) && walked_as_sent && p.data.size() <= kShownDataSetLimit && p.data.low() == 0 &&
        p.data.complete())
        p.data.read_into(0, size_t(p.data.size()), m.data_set_bytes);
    if ((keep & kKeepForExport) && p.data.low() == 0) m.kept() = std::move(p.data);
    p.data.clear();
}

PdvOutcome MessageAssembler::add(const PdvPiece &v, std::string_view transfer_syntax, uint8_t keep) {
    Pending &p = pending(v.stream, v.context_id);
    PdvOutcome out;
    const bool last = (v.flags & kPdvLast) && v.last;
    const bool missing = !v.value && v.length;
    const bool after_gap = p.clean_epoch < gap_epoch_; // a gap since this context's last clean start
    if (v.flags & kPdvCommand) {
        // A later piece of a PDV belongs to the command fragment already counted.
        if (v.first || !p.message || p.command_done) {
            if (p.message && (p.command_done || (v.first && after_gap))) {
                // still waiting for the previous data set (or its command, before a gap)
                if (p.message->incomplete() || after_gap) {
                    out.closed = close(p, v.walk_frame, v.time, keep);
                } else {
                    p.message->problems.push_back(Problem::MessageInterrupted);
                    if (p.command_done && p.message->command.has_data_set() && !p.message->data_fragments)
                        out.interrupted = p.message;
                    p.message = nullptr;
                }
            }
            if (!p.message) start(p, v);
            ++p.message->command_fragments;
        }
        Message &m = *p.message;
        add_frame(m, v.frame);
        if (missing) {
            p.command.append_hole(v.length);
            m.damaged().bytes_missing += v.length;
        } else {
            p.command.append(v.value, v.length);
        }
        out.message = &m;
        if (!last) return out;
        PdvOutcome done = finish_command(p, v, keep);
        done.closed = out.closed;
        done.interrupted = out.interrupted;
        return done;
    }
    if (v.first || !p.message || !p.command_done) {
        if (!p.message || !p.command_done) {
            if (!p.message) start(p, v);
            // after a gap of unknown extent the command was most likely lost in it
            p.message->problems.push_back(after_gap ? Problem::CommandLostInGap : Problem::DataWithoutCommand);
            if (after_gap) {
                p.message->damaged().gap = true;
                p.unparseable = true; // where the data set starts is unknown
            }
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
    add_frame(m, v.frame);
    out.data_fragment = m.data_fragments - 1;
    out.data_offset = p.data.size();
    if (missing) {
        CaptureDamage &d = m.damaged();
        if (d.first_missing > p.data.size()) d.first_missing = p.data.size();
        p.data.append_hole(v.length);
        d.bytes_missing += v.length;
    } else if (passes_unread(p, v.length, keep)) {
        p.data.append_passed(v.length); // pixel data streaming past: not copied
    } else {
        p.data.append(v.value, v.length);
    }
    out.message = &m;
    if (!last) {
        feed_data(p, keep);
        return out;
    }
    finish_data(p, keep);
    return complete(p, v.walk_frame, v.time, out);
}

uint64_t MessageAssembler::held_bytes() const {
    uint64_t n = 0;
    for (const Pending &p : pending_) n += p.data.size() - p.data.low() + p.command.size();
    return n;
}

Message *MessageAssembler::in_progress(uint8_t stream) const {
    Message *latest = nullptr;
    for (const Pending &p : pending_)
        if (p.stream == stream && p.message && (!latest || p.message->index > latest->index)) latest = p.message;
    return latest;
}

std::vector<Message *> MessageAssembler::awaiting_data() const {
    std::vector<Message *> out;
    for (const Pending &p : pending_)
        if (p.message && p.command_done && p.message->command.has_data_set() && !p.message->data_fragments)
            out.push_back(p.message);
    return out;
}

void MessageAssembler::mark_gap(uint64_t stream_bytes) {
    ++gap_epoch_;
    for (Pending &p : pending_) {
        if (!p.message) continue;
        Message &m = *p.message;
        m.damaged().gap = true;
        m.damaged().gap_bytes += stream_bytes;
        if (p.command_done) {
            if (!p.unparseable) m.data_set.findings.push_back({Problem::DataSetBytesMissing, kNoElement});
            p.unparseable = true;
        } else if (p.command_sound == ~uint64_t(0)) {
            p.command_sound = p.command.size();
        }
    }
}

Message *MessageAssembler::close(Pending &p, uint32_t frame, double time, uint8_t keep) {
    Message &m = *p.message;
    m.damaged().closed = true;
    m.problems.push_back(Problem::BytesMissing);
    if (!p.command_done) finish_command_bytes(p, keep);
    else if (m.has_data) finish_data(p, keep);
    m.complete_frame = frame;
    m.complete_time = time;
    p.message = nullptr;
    return &m;
}

std::vector<Message *> MessageAssembler::close_damaged(uint32_t frame, double time, uint8_t keep) {
    std::vector<Message *> out;
    for (Pending &p : pending_)
        if (p.message && (p.message->incomplete() || p.clean_epoch < gap_epoch_))
            out.push_back(close(p, frame, time, keep));
    return out;
}

PdvOutcome MessageAssembler::complete(Pending &p, uint32_t frame, double time, PdvOutcome out) {
    Message &m = *p.message;
    m.complete_frame = frame;
    m.complete_time = time;
    out.message_done = true;
    if (m.incomplete()) m.problems.push_back(Problem::BytesMissing);
    p.message = nullptr;
    return out;
}

// Parses the command set held so far (only the bytes before a gap of unknown extent). A whole
// one is walked in a scratch set and kept as bytes; a damaged one keeps its elements.
void MessageAssembler::finish_command_bytes(Pending &p, uint8_t) {
    Message &m = *p.message;
    DataSet *parsed = &command_scratch_;
    if (p.command_sound < p.command.size()) {
        parsed = &m.damaged().command_set;
        ChunkedBytes sound;
        std::string bytes;
        p.command.read_filled(0, size_t(p.command_sound), bytes);
        sound.append(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
        parse_dataset(sound, Syntax{}, *parsed);
        parsed->findings.push_back({Problem::DataSetBytesMissing, kNoElement});
    } else if (!p.command.complete()) {
        parsed = &m.damaged().command_set;
        parse_dataset(p.command, Syntax{}, *parsed);
    } else {
        p.command.read_into(0, size_t(p.command.size()), m.command_bytes);
        const ByteView bytes(reinterpret_cast<const uint8_t *>(m.command_bytes.data()), m.command_bytes.size());
        if (read_plain_command(bytes, m.command)) return finish_command_set(p);
        command_scratch_.elements.clear(); // storage kept for the next command
        command_scratch_.pool.clear();
        command_scratch_.findings.clear();
        command_scratch_.parsed_to = 0;
        parse_dataset(p.command, Syntax{}, command_scratch_);
    }
    m.command_findings = parsed->findings;
    extract_command(*parsed, m.command);
    finish_command_set(p);
}

void MessageAssembler::finish_command_set(Pending &p) {
    Message &m = *p.message;
    if (!m.command.valid && !m.incomplete()) m.problems.push_back(Problem::CommandInvalid);
    p.command.clear();
    p.command_done = true;
}

PdvOutcome MessageAssembler::finish_command(Pending &p, const PdvPiece &v, uint8_t keep) {
    Message &m = *p.message;
    PdvOutcome out;
    out.message = &m;
    finish_command_bytes(p, keep);
    m.command_frame = v.walk_frame;
    m.command_time = v.time;
    out.command_done = true;
    if (m.command.valid && m.command.has_data_set()) return out;
    return complete(p, v.walk_frame, v.time, out);
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
