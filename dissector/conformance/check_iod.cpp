#include "conformance/check_iod.hpp"

#include <algorithm>

namespace dicom {

namespace {
#include "conformance/iod_table.inc"

constexpr size_t kAttributes = sizeof kIodAttributes / sizeof kIodAttributes[0];
} // namespace

const IodClass *iod_of(std::string_view sop_class) {
    while (!sop_class.empty() && (sop_class.back() == '\0' || sop_class.back() == ' ')) sop_class.remove_suffix(1);
    for (const IodClass &c : kIodClasses)
        if (sop_class == c.sop_class) return &c;
    return nullptr;
}

const IodAttribute *iod_attribute(uint32_t index) { return index < kAttributes ? &kIodAttributes[index] : nullptr; }

const IodModule &iod_module(const IodAttribute &a) { return kIodModules[a.module]; }

const IodClass *iod_class_of(uint32_t index) {
    for (const IodClass &c : kIodClasses)
        if (index >= c.first && index < uint32_t(c.first) + c.count) return &c;
    return nullptr;
}

void check_iod(std::string_view sop_class, const DataSet &ds, std::vector<RuleHit> &out) {
    const IodClass *c = iod_of(sop_class);
    if (!c) return;
    // the top level's tags, with whether each has a value, sorted for lookups
    std::vector<std::pair<uint32_t, bool>> top;
    for (const Element &e : ds.elements)
        if (e.depth == 0 && (e.kind == ElementKind::Value || e.kind == ElementKind::Sequence))
            top.emplace_back(e.tag, e.kind != ElementKind::Value || e.length != 0);
    std::sort(top.begin(), top.end());
    auto find = [&top](uint32_t tag) {
        auto it = std::lower_bound(top.begin(), top.end(), std::make_pair(tag, false));
        return it != top.end() && it->first == tag ? it : top.end();
    };
    std::vector<uint16_t> held; // the C and U modules the data set holds
    for (uint32_t i = c->first_marker; i < uint32_t(c->first_marker) + c->marker_count; ++i)
        if (find(kIodMarkers[i].tag) != top.end()) held.push_back(kIodMarkers[i].module);
    for (uint32_t i = c->first; i < uint32_t(c->first) + c->count; ++i) {
        const IodAttribute &a = kIodAttributes[i];
        if (a.when_present && std::find(held.begin(), held.end(), a.module) == held.end()) continue;
        const auto it = find(a.tag);
        if (it == top.end()) out.push_back({a.type == 1 ? Rule::IodType1Missing : Rule::IodType2Missing, i});
        else if (a.type == 1 && !it->second) out.push_back({Rule::IodType1Empty, i});
    }
}

} // namespace dicom
