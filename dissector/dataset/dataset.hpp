// Data set encoding (PS3.5 chapter 7): walks a data set once and records every element,
// keeping copies of small values only; bulk values (pixel data, large OB/OW) are recorded
// as ranges and never read.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/chunks.hpp"
#include "base/problems.hpp"

namespace dicom {

struct Syntax {
    bool explicit_vr = false;
    bool big_endian = false;
    bool deflated = false;
    bool known = false; // the UID was recognised
};
// Transfer syntax UID -> encoding; unknown UIDs are explicit VR little endian (PS3.5 A.4
// requires that of every encapsulated syntax) and marked unknown.
Syntax syntax_for(std::string_view transfer_syntax_uid);

// The encoding of a data set whose transfer syntax was not seen (a capture that starts
// after the association set-up): explicit when a known VR follows the first tag, big endian
// when that reading gives the smaller group number. Always known = false.
Syntax infer_syntax(const ChunkedBytes &bytes);
// The transfer syntax UID for an inferred (non-deflated) syntax.
const char *syntax_uid(const Syntax &s);

enum class ElementKind : uint8_t {
    Value,        // an ordinary element
    Sequence,     // SQ, UN of undefined length, or encapsulated Pixel Data (fragments follow)
    Item,         // (FFFE,E000) inside a sequence
    ItemEnd,      // (FFFE,E00D)
    SequenceEnd,  // (FFFE,E0DD)
    Fragment,     // an item of encapsulated pixel data (the first is the basic offset table)
};

constexpr uint32_t kUndefinedLength = 0xFFFFFFFFu;

struct Element {
    uint32_t tag = 0;
    uint16_t vr = 0;           // 0 for items and delimiters
    ElementKind kind = ElementKind::Value;
    uint8_t depth = 0;         // 0: top level; items and their contents are deeper
    bool vr_implicit = false;  // VR taken from the dictionary
    bool truncated = false;    // value longer than what was kept (or than what was there)
    uint64_t offset = 0;       // of the element's first byte in the data set
    uint32_t header_len = 0;
    uint32_t length = 0;       // as encoded; kUndefinedLength for undefined
    uint32_t value_at = 0;     // kept value: pool offset
    uint32_t value_len = 0;    // kept value: bytes kept
    uint64_t value_offset() const { return offset + header_len; }
};

struct DataSetFinding {
    Problem what;
    uint32_t element; // index into elements, or kNoElement
};
constexpr uint32_t kNoElement = 0xFFFFFFFFu;

struct DataSet {
    Syntax syntax;
    uint64_t size = 0;
    uint64_t parsed_to = 0;     // bytes the walk understood (== size when all went well)
    std::vector<Element> elements;
    std::string pool;           // kept values, back to back
    std::vector<DataSetFinding> findings;

    std::string_view value(const Element &e) const { return std::string_view(pool).substr(e.value_at, e.value_len); }
    // First top-level element with this tag, or nullptr.
    const Element *find(uint32_t tag) const;
};

struct ParseLimits {
    unsigned max_depth = 32;
    size_t max_elements = 1000000;
    uint32_t keep_text = 10240;   // bytes of a text value kept
    uint32_t keep_numbers = 4096; // bytes of a binary numeric value kept
    uint32_t keep_bytes = 64;     // bytes of an OB/OW/UN... value kept (shown as a prefix)
};

void parse_dataset(const ChunkedBytes &bytes, Syntax syntax, DataSet &out, const ParseLimits &limits = {});

namespace detail {
class Walker;
}

// The same walk for a data set whose bytes are still arriving (PDV by PDV): feed() after each
// append goes as far as the bytes allow, finish() after the last one ends the walk as
// parse_dataset would. Bytes before consumed() are no longer read, so the caller may discard
// them: a large pixel data value is skipped as it streams past and never held.
class DataSetParser {
public:
    DataSetParser(const ChunkedBytes &bytes, Syntax syntax, DataSet &out, const ParseLimits &limits = {});
    ~DataSetParser();
    DataSetParser(const DataSetParser &) = delete;
    DataSetParser &operator=(const DataSetParser &) = delete;
    void feed();
    void finish();
    uint64_t consumed() const;

private:
    ParseLimits limits_;
    std::unique_ptr<detail::Walker> walker_;
    const ChunkedBytes &bytes_;
    DataSet &out_;
};

} // namespace dicom
