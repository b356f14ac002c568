#include "dataset/dataset.hpp"

#include <algorithm>

#include "dataset/dictionary.hpp"

namespace dicom {

Syntax syntax_for(std::string_view uid) {
    Syntax s;
    s.known = true;
    if (uid == "1.2.840.10008.1.2") return s; // implicit VR little endian
    s.explicit_vr = true;
    if (uid == "1.2.840.10008.1.2.2") {
        s.big_endian = true;
    } else if (uid == "1.2.840.10008.1.2.1.99") {
        s.deflated = true;
    } else if (uid.substr(0, 18) != "1.2.840.10008.1.2.") {
        s.known = false;
    }
    return s;
}

Syntax infer_syntax(const ChunkedBytes &bytes) {
    Syntax s; // implicit VR little endian unless the bytes say otherwise
    uint8_t h[8];
    if (bytes.size() < 8 || !bytes.read(0, 8, h)) return s;
    s.explicit_vr = vr_is_known(vr_code(char(h[4]), char(h[5])));
    if (s.explicit_vr) {
        unsigned group_le = h[0] | h[1] << 8, group_be = h[0] << 8 | h[1];
        s.big_endian = group_be < group_le;
    }
    return s;
}

const char *syntax_uid(const Syntax &s) {
    if (!s.explicit_vr) return "1.2.840.10008.1.2";
    return s.big_endian ? "1.2.840.10008.1.2.2" : "1.2.840.10008.1.2.1";
}

const Element *DataSet::find(uint32_t tag) const {
    for (const Element &e : elements)
        if (e.depth == 0 && e.tag == tag) return &e;
    return nullptr;
}

namespace {
constexpr uint64_t kOpenEnd = ~uint64_t(0); // the end of a data set still arriving
}

namespace detail {

constexpr uint32_t kItem = 0xFFFEE000u, kItemEnd = 0xFFFEE00Du, kSequenceEnd = 0xFFFEE0DDu;
constexpr uint32_t kPixelData = 0x7FE00010u;

struct Container {
    enum Kind : uint8_t { Root, Sequence, Item } kind;
    bool undefined;
    bool fragments;     // encapsulated pixel data: items are raw fragments
    bool implicit;      // contents in implicit VR little endian (UN of undefined length)
    uint64_t end;       // for defined lengths
    uint32_t element = kNoElement; // the item or sequence that opened it
};

class Walker {
public:
    // `final`: all bytes are there. Otherwise the walk pauses where it needs bytes that have
    // not arrived, and run() goes on from there once they have.
    Walker(const ChunkedBytes &b, Syntax s, DataSet &o, const ParseLimits &l, bool final)
        : bytes_(b), syntax_(s), out_(o), limits_(l), final_(final) {}
    void run();
    void make_final();
    bool done() const { return done_; }
    uint64_t position() const { return off_; }

private:
    uint16_t u16(const uint8_t *p, bool big) const { return big ? uint16_t(p[0] << 8 | p[1]) : uint16_t(p[1] << 8 | p[0]); }
    uint32_t u32(const uint8_t *p, bool big) const {
        return big ? uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]
                   : uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
    }
    void note(Problem p, uint32_t element = kNoElement) { out_.findings.push_back({p, element}); }
    uint32_t emit(const Element &e) {
        out_.elements.push_back(e);
        return uint32_t(out_.elements.size() - 1);
    }
    void keep_value(Element &e, uint64_t avail);
    uint32_t keep_limit(const Element &e) const;
    // What step() read at off_.
    struct At {
        uint8_t h[12];
        uint32_t tag = 0;
        uint8_t depth = 0;
        bool implicit = false, big = false;
        uint64_t size = 0, container_end = 0, after_header = 0;
    };
    bool step(); // one element; false to stop
    bool step_item_or_delimiter(const At &a);
    bool read_vr_and_length(At &a, Element &e);
    bool step_undefined_length(Element &e);
    bool step_sequence(Element &e, uint64_t room);
    bool step_value(Element &e, uint64_t room);

    const ChunkedBytes &bytes_;
    Syntax syntax_;
    DataSet &out_;
    bool pause() { // false: stop stepping (for now, unless final)
        if (!final_) paused_ = true;
        return false;
    }
    bool missing() { // the bytes at off_ are not in the capture: the structure is lost from here
        note(Problem::DataSetBytesMissing);
        return false;
    }
    bool value_missing_ = false;

    const ParseLimits &limits_;
    std::vector<Container> stack_;
    uint64_t off_ = 0;
    uint32_t last_value_ = kNoElement; // the last element whose value was stepped over
    bool final_, paused_ = false, done_ = false;
};

uint32_t Walker::keep_limit(const Element &e) const {
    return vr_is_text(e.vr) ? limits_.keep_text : vr_number_size(e.vr) ? limits_.keep_numbers : limits_.keep_bytes;
}

void Walker::keep_value(Element &e, uint64_t avail) {
    uint32_t limit = keep_limit(e);
    uint64_t have = e.length < avail ? e.length : avail;
    uint32_t keep = uint32_t(have < limit ? have : limit);
    e.truncated = keep < e.length;
    e.value_at = uint32_t(out_.pool.size());
    e.value_len = keep;
    if (!bytes_.read_into(e.value_offset(), keep, out_.pool)) { // a capture gap in the value
        out_.pool.resize(e.value_at);
        e.value_len = 0;
        e.truncated = true;
        value_missing_ = true;
    }
}

// Reads the element header at off_ (its first 8 bytes are in `a.h`); false when the step stops.
bool Walker::step() {
    Container &top = stack_.back();
    const uint64_t size = bytes_.size();
    // Close defined-length containers that are exhausted.
    if (!top.undefined && off_ >= top.end) {
        if (top.kind == Container::Root) return false;
        stack_.pop_back();
        return true;
    }
    if (off_ >= size) {
        if (!final_) return pause();
        if (stack_.size() > 1) note(Problem::SequenceNotClosed);
        return false;
    }
    At a;
    a.implicit = top.implicit || !syntax_.explicit_vr;
    a.big = syntax_.big_endian && !top.implicit;
    a.size = size;
    if (size - off_ < 8) {
        if (!final_) return pause();
        note(Problem::ElementPastEnd);
        return false;
    }
    if (!bytes_.read(off_, 8, a.h)) return missing();
    a.tag = uint32_t(u16(a.h, a.big)) << 16 | u16(a.h + 2, a.big);
    a.depth = uint8_t(stack_.size() - 1);
    a.container_end = top.undefined ? (final_ ? size : kOpenEnd) : top.end;
    a.after_header = a.container_end >= off_ + 8 ? a.container_end - off_ - 8 : 0;
    if ((a.tag >> 16) == 0xFFFE) return step_item_or_delimiter(a);
    if (top.kind == Container::Sequence) { // only items may appear directly in a sequence
        Element e;
        e.tag = a.tag;
        e.offset = off_;
        e.depth = a.depth;
        note(Problem::DelimiterUnexpected, emit(e));
        return false;
    }
    Element e;
    e.tag = a.tag;
    e.offset = off_;
    e.depth = a.depth;
    if (!read_vr_and_length(a, e)) return false;
    if (e.length == kUndefinedLength) return step_undefined_length(e);
    const uint64_t value_start = off_ + e.header_len;
    const uint64_t room = a.container_end > value_start ? a.container_end - value_start : 0;
    if (e.vr == vr_code('S', 'Q')) return step_sequence(e, room);
    return step_value(e, room);
}

// An item, an item of encapsulated pixel data, or a delimiter.
bool Walker::step_item_or_delimiter(const At &a) {
    Container &top = stack_.back();
    Element e;
    e.tag = a.tag;
    e.offset = off_;
    e.header_len = 8;
    e.length = u32(a.h + 4, a.big);
    e.depth = a.depth;
    if (a.tag == kItem && top.kind == Container::Sequence) {
        if (top.fragments) {
            e.kind = ElementKind::Fragment;
            if (e.length == kUndefinedLength || e.length > a.after_header) {
                e.truncated = true;
                uint32_t at = emit(e);
                note(Problem::ElementPastEnd, at);
                return false;
            }
            last_value_ = emit(e);
            off_ += 8 + uint64_t(e.length);
            return true;
        }
        e.kind = ElementKind::Item;
        uint32_t at = emit(e);
        Container c{Container::Item, e.length == kUndefinedLength, false, top.implicit, 0, at};
        if (!c.undefined) {
            if (e.length > a.after_header) {
                note(Problem::ElementPastEnd, at);
                c.end = a.container_end;
            } else {
                c.end = off_ + 8 + e.length;
            }
        }
        off_ += 8;
        if (stack_.size() > limits_.max_depth) {
            note(Problem::NestingTooDeep, at);
            if (c.undefined) return false;
            off_ = c.end;
            return true;
        }
        stack_.push_back(c);
        return true;
    }
    // A delimiter closes the undefined-length container it belongs to.
    const bool closes_item = a.tag == kItemEnd && top.kind == Container::Item;
    const bool closes_sequence = a.tag == kSequenceEnd && top.kind == Container::Sequence;
    if ((closes_item || closes_sequence) && top.undefined) {
        e.kind = closes_item ? ElementKind::ItemEnd : ElementKind::SequenceEnd;
        e.depth = uint8_t(a.depth - 1);
        emit(e);
        stack_.pop_back();
        off_ += 8;
        return true;
    }
    note(Problem::DelimiterUnexpected, emit(e));
    off_ += 8;
    return true;
}

// The VR (from the dictionary in implicit VR) and value length; false when the step stops.
bool Walker::read_vr_and_length(At &a, Element &e) {
    if (a.implicit) {
        e.header_len = 8;
        e.length = u32(a.h + 4, a.big);
        e.vr_implicit = true;
        e.vr = implicit_vr(a.tag);
        return true;
    }
    e.vr = vr_code(char(a.h[4]), char(a.h[5]));
    if (!vr_is_known(e.vr)) {
        note(Problem::VrUnknown, emit(e));
        return false;
    }
    if (!vr_has_long_length(e.vr)) {
        e.header_len = 8;
        e.length = u16(a.h + 6, a.big);
        return true;
    }
    if (a.size - off_ < 12) {
        if (!final_) return pause();
        note(Problem::ElementPastEnd, emit(e));
        return false;
    }
    if (!bytes_.read(off_ + 8, 4, a.h + 8)) return missing();
    e.header_len = 12;
    e.length = u32(a.h + 8, a.big);
    return true;
}

// A sequence (or encapsulated pixel data) of undefined length: its items follow.
bool Walker::step_undefined_length(Element &e) {
    const Container &top = stack_.back();
    const bool sq = e.vr == vr_code('S', 'Q') || e.vr == vr_code('U', 'N');
    const bool pixels = e.tag == kPixelData;
    if (!sq && !pixels) {
        note(Problem::UndefinedLengthNotAllowed, emit(e));
        return false;
    }
    e.kind = ElementKind::Sequence;
    const bool top_implicit = top.implicit;
    uint32_t at = emit(e);
    off_ += e.header_len;
    if (stack_.size() > limits_.max_depth) {
        note(Problem::NestingTooDeep, at);
        return false;
    }
    // An undefined-length UN holds an implicit VR little endian sequence (PS3.5 6.2.2).
    bool inner_implicit = top_implicit || e.vr == vr_code('U', 'N');
    stack_.push_back(Container{Container::Sequence, true, pixels && !sq, inner_implicit, 0});
    return true;
}

// A sequence of defined length: its items follow, up to its end.
bool Walker::step_sequence(Element &e, uint64_t room) {
    const uint64_t value_start = off_ + e.header_len;
    e.kind = ElementKind::Sequence;
    const bool top_implicit = stack_.back().implicit;
    uint32_t at = emit(e);
    Container c{Container::Sequence, false, false, top_implicit, value_start + e.length, at};
    if (e.length > room) {
        note(Problem::ElementPastEnd, at);
        c.end = value_start + room;
    }
    off_ = value_start;
    if (stack_.size() > limits_.max_depth) {
        note(Problem::NestingTooDeep, at);
        off_ = c.end;
        return true;
    }
    stack_.push_back(c);
    return true;
}

// An ordinary element: its value is kept (as far as the limits say) or stepped over.
bool Walker::step_value(Element &e, uint64_t room) {
    const uint64_t value_start = off_ + e.header_len;
    const uint64_t size = bytes_.size();
    if (!final_) { // the part of the value that is kept must have arrived
        const uint64_t want = std::min<uint64_t>({e.length, room, keep_limit(e)});
        if (size < value_start || want > size - value_start) return pause();
    }
    keep_value(e, room);
    uint32_t at = emit(e);
    if (value_missing_) {
        value_missing_ = false;
        note(Problem::DataSetBytesMissing, at);
    }
    last_value_ = at;
    if (e.length & 1) note(Problem::ElementOddLength, at);
    if (e.length > room) {
        out_.elements[at].truncated = true;
        note(Problem::ElementPastEnd, at);
        off_ = value_start + room;
        return false;
    }
    off_ = value_start + e.length;
    return true;
}

// The last byte is in. A walk that went on while the end was open may have stepped past it:
// what a walk over the whole would have found too long is marked so now.
void Walker::make_final() {
    final_ = true;
    const uint64_t size = bytes_.size();
    if (stack_.empty()) return;
    stack_.front().end = size;
    for (size_t i = 1; i < stack_.size(); ++i) {
        Container &c = stack_[i];
        if (!c.undefined && c.end > size) {
            note(Problem::ElementPastEnd, c.element);
            c.end = size;
        }
    }
    if (off_ > size && last_value_ != kNoElement) {
        out_.elements[last_value_].truncated = true;
        note(Problem::ElementPastEnd, last_value_);
        off_ = size;
        done_ = true;
        out_.parsed_to = off_;
    }
}

void Walker::run() {
    if (done_) return;
    if (stack_.empty()) stack_.push_back(Container{Container::Root, false, false, false, final_ ? bytes_.size() : kOpenEnd});
    paused_ = false;
    while (step()) {
        if (out_.elements.size() >= limits_.max_elements) {
            note(Problem::TooManyElements);
            break;
        }
    }
    done_ = !paused_;
    out_.parsed_to = off_;
}

} // namespace detail

void parse_dataset(const ChunkedBytes &bytes, Syntax syntax, DataSet &out, const ParseLimits &limits) {
    out.syntax = syntax;
    out.size = bytes.size();
    detail::Walker(bytes, syntax, out, limits, true).run();
}

DataSetParser::DataSetParser(const ChunkedBytes &bytes, Syntax syntax, DataSet &out, const ParseLimits &limits)
    : limits_(limits), walker_(new detail::Walker(bytes, syntax, out, limits_, false)), bytes_(bytes), out_(out) {
    out.syntax = syntax;
}

DataSetParser::~DataSetParser() = default;

void DataSetParser::feed() {
    out_.size = bytes_.size();
    walker_->run();
}

void DataSetParser::finish() {
    out_.size = bytes_.size();
    walker_->make_final();
    walker_->run();
}

uint64_t DataSetParser::consumed() const { return walker_->position(); }

} // namespace dicom
