#include "conformance/check_iod.hpp"

#include <algorithm>

namespace dicom {

namespace {
#include "conformance/iod_table.inc"

constexpr size_t kAttributes = sizeof kIodAttributes / sizeof kIodAttributes[0];
constexpr unsigned kMaxIodDepth = 32; // the data set parser's own limit
} // namespace

const IodClass *iod_of(std::string_view sop_class) {
    while (!sop_class.empty() && (sop_class.back() == '\0' || sop_class.back() == ' ')) sop_class.remove_suffix(1);
    for (const IodClass &c : kIodClasses)
        if (sop_class == c.sop_class) return &c;
    return nullptr;
}

const IodAttribute *iod_attribute(uint32_t index) { return index < kAttributes ? &kIodAttributes[index] : nullptr; }

const IodModule &iod_module(const IodAttribute &a) { return kIodModules[a.module]; }

const IodAttribute *iod_parent(uint32_t index) {
    const IodClass *c = iod_class_of(index);
    if (!c) return nullptr;
    for (uint32_t i = c->first; i < uint32_t(c->first) + c->count; ++i) {
        const IodAttribute &a = kIodAttributes[i];
        if (a.child_count && index >= a.first_child && index < uint32_t(a.first_child) + a.child_count) return &a;
    }
    return nullptr;
}

const IodClass *iod_class_of(uint32_t index) {
    for (const IodClass &c : kIodClasses)
        if (index >= c.first && index < uint32_t(c.first) + c.count) return &c;
    return nullptr;
}

namespace {

// The attributes one item (or the top level) holds, with whether each has a value
using Held = std::vector<std::pair<uint32_t, bool>>;

struct Judge {
    const std::vector<uint16_t> &modules_held; // the C and U modules the data set holds
    std::vector<RuleHit> &out;
    std::vector<uint32_t> reported; // each attribute once per data set, however many items lack it

    // `held` sorted by tag
    void required(uint32_t first, uint32_t count, const Held &held) {
        for (uint32_t i = first; i < first + count; ++i) {
            const IodAttribute &a = kIodAttributes[i];
            if (!a.type) continue;
            if (a.when_present && std::find(modules_held.begin(), modules_held.end(), a.module) == modules_held.end())
                continue;
            auto it = std::lower_bound(held.begin(), held.end(), std::make_pair(a.tag, false));
            const bool present = it != held.end() && it->first == a.tag;
            Rule rule = Rule::Count;
            if (!present) rule = a.type == 1 ? Rule::IodType1Missing : Rule::IodType2Missing;
            else if (a.type == 1 && !it->second) rule = Rule::IodType1Empty;
            if (rule == Rule::Count || std::find(reported.begin(), reported.end(), i) != reported.end()) continue;
            reported.push_back(i);
            out.push_back({rule, i});
        }
    }
};

// The entry among attributes [first, first + count) with this tag, or kNone
constexpr uint32_t kNone = 0xFFFFFFFFu;
uint32_t entry_of(uint32_t tag, uint32_t first, uint32_t count) {
    for (uint32_t i = first; i < first + count; ++i)
        if (kIodAttributes[i].tag == tag) return i;
    return kNone;
}

} // namespace

void check_iod(std::string_view sop_class, const DataSet &ds, std::vector<RuleHit> &out) {
    const IodClass *c = iod_of(sop_class);
    if (!c) return;
    Held top;
    for (const Element &e : ds.elements)
        if (e.depth == 0 && (e.kind == ElementKind::Value || e.kind == ElementKind::Sequence))
            top.emplace_back(e.tag, e.kind != ElementKind::Value || e.length != 0);
    std::sort(top.begin(), top.end());
    std::vector<uint16_t> held_modules;
    for (uint32_t i = c->first_marker; i < uint32_t(c->first_marker) + c->marker_count; ++i) {
        auto it = std::lower_bound(top.begin(), top.end(), std::make_pair(kIodMarkers[i].tag, false));
        if (it != top.end() && it->first == kIodMarkers[i].tag) held_modules.push_back(kIodMarkers[i].module);
    }
    Judge judge{held_modules, out, {}};
    judge.required(c->first, c->top, top);

    // The items of the sequences the tables know, in one pass: `open` holds the items being read
    // (innermost last), each with its sequence's entry and what it holds so far.
    struct OpenItem {
        uint8_t depth;
        uint32_t sequence;
        Held held;
    };
    std::vector<OpenItem> open;
    uint32_t sequence_at[kMaxIodDepth] = {}; // the entry of the sequence last seen at each depth
    auto close_to = [&](unsigned depth) {    // items at `depth` or deeper are complete
        while (!open.empty() && open.back().depth >= depth) {
            const IodAttribute &s = kIodAttributes[open.back().sequence];
            std::sort(open.back().held.begin(), open.back().held.end());
            judge.required(s.first_child, s.child_count, open.back().held);
            open.pop_back();
        }
    };
    for (const Element &e : ds.elements) {
        if (e.depth >= kMaxIodDepth) continue;
        if (e.kind == ElementKind::Item) {
            close_to(e.depth);
            const uint32_t s = e.depth ? sequence_at[e.depth - 1] : kNone;
            if (s != kNone) open.push_back({e.depth, s, {}});
            continue;
        }
        if (e.kind != ElementKind::Value && e.kind != ElementKind::Sequence) continue;
        close_to(e.depth);
        uint32_t entry = kNone; // this element's entry, where its parent's is known
        if (e.depth == 0) {
            entry = entry_of(e.tag, c->first, c->top);
        } else if (!open.empty() && open.back().depth + 1 == e.depth) {
            open.back().held.emplace_back(e.tag, e.kind != ElementKind::Value || e.length != 0);
            const IodAttribute &s = kIodAttributes[open.back().sequence];
            entry = entry_of(e.tag, s.first_child, s.child_count);
        }
        if (e.kind == ElementKind::Sequence)
            sequence_at[e.depth] = entry != kNone && kIodAttributes[entry].child_count ? entry : kNone;
    }
    close_to(0);
}

} // namespace dicom
