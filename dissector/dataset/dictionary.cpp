#include "dataset/dictionary.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

namespace dicom {
namespace {

const DictEntry kDictionary[] = {
#include "dataset/dict_table.inc"
};

const std::vector<const DictEntry *> &repeating_entries() {
    static const std::vector<const DictEntry *> entries = [] {
        std::vector<const DictEntry *> v;
        for (const DictEntry &e : kDictionary)
            if (e.mask != 0xFFFFFFFFu) v.push_back(&e);
        return v;
    }();
    return entries;
}

} // namespace

const DictEntry *find_tag(uint32_t tag) {
    auto it = std::lower_bound(std::begin(kDictionary), std::end(kDictionary), tag,
                               [](const DictEntry &e, uint32_t t) { return e.tag < t; });
    for (; it != std::end(kDictionary) && it->tag == tag; ++it)
        if (it->mask == 0xFFFFFFFFu) return &*it;
    if ((tag >> 16) & 1) return nullptr; // private groups have no repeating entries
    for (const DictEntry *e : repeating_entries())
        if ((tag & e->mask) == e->tag) return e;
    return nullptr;
}

bool vr_is_known(uint16_t vr) {
    switch (vr) {
    case vr_code('A', 'E'): case vr_code('A', 'S'): case vr_code('A', 'T'): case vr_code('C', 'S'):
    case vr_code('D', 'A'): case vr_code('D', 'S'): case vr_code('D', 'T'): case vr_code('F', 'L'):
    case vr_code('F', 'D'): case vr_code('I', 'S'): case vr_code('L', 'O'): case vr_code('L', 'T'):
    case vr_code('O', 'B'): case vr_code('O', 'D'): case vr_code('O', 'F'): case vr_code('O', 'L'):
    case vr_code('O', 'V'): case vr_code('O', 'W'): case vr_code('P', 'N'): case vr_code('S', 'H'):
    case vr_code('S', 'L'): case vr_code('S', 'Q'): case vr_code('S', 'S'): case vr_code('S', 'T'):
    case vr_code('S', 'V'): case vr_code('T', 'M'): case vr_code('U', 'C'): case vr_code('U', 'I'):
    case vr_code('U', 'L'): case vr_code('U', 'N'): case vr_code('U', 'R'): case vr_code('U', 'S'):
    case vr_code('U', 'T'): case vr_code('U', 'V'):
        return true;
    }
    return false;
}

bool vr_has_long_length(uint16_t vr) {
    switch (vr) {
    case vr_code('O', 'B'): case vr_code('O', 'D'): case vr_code('O', 'F'): case vr_code('O', 'L'):
    case vr_code('O', 'V'): case vr_code('O', 'W'): case vr_code('S', 'Q'): case vr_code('S', 'V'):
    case vr_code('U', 'C'): case vr_code('U', 'N'): case vr_code('U', 'R'): case vr_code('U', 'T'):
    case vr_code('U', 'V'):
        return true;
    }
    return false;
}

bool vr_is_text(uint16_t vr) {
    switch (vr) {
    case vr_code('A', 'E'): case vr_code('A', 'S'): case vr_code('C', 'S'): case vr_code('D', 'A'):
    case vr_code('D', 'S'): case vr_code('D', 'T'): case vr_code('I', 'S'): case vr_code('L', 'O'):
    case vr_code('L', 'T'): case vr_code('P', 'N'): case vr_code('S', 'H'): case vr_code('S', 'T'):
    case vr_code('T', 'M'): case vr_code('U', 'C'): case vr_code('U', 'I'): case vr_code('U', 'R'):
    case vr_code('U', 'T'):
        return true;
    }
    return false;
}

bool vr_is_single_text(uint16_t vr) {
    return vr == vr_code('L', 'T') || vr == vr_code('S', 'T') || vr == vr_code('U', 'T') ||
           vr == vr_code('U', 'R');
}

unsigned vr_number_size(uint16_t vr) {
    switch (vr) {
    case vr_code('U', 'S'): case vr_code('S', 'S'): return 2;
    case vr_code('U', 'L'): case vr_code('S', 'L'): case vr_code('F', 'L'): case vr_code('A', 'T'): return 4;
    case vr_code('F', 'D'): case vr_code('U', 'V'): case vr_code('S', 'V'): return 8;
    }
    return 0;
}

uint16_t implicit_vr(uint32_t tag) {
    if ((tag & 0xFFFF) == 0) return vr_code('U', 'L');                                                // group length
    if (((tag >> 16) & 1) && (tag & 0xFF00) == 0 && (tag & 0xFF) >= 0x10) return vr_code('L', 'O'); // private creator
    const DictEntry *d = find_tag(tag);
    return d ? vr_code(d->vr[0], d->vr[1]) : vr_code('U', 'N');
}

} // namespace dicom
