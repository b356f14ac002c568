#include "base/uids.hpp"

#include <algorithm>
#include <iterator>

namespace dicom {
namespace {

const UidInfo kRegistry[] = {
#include "base/uid_table.inc"
};

// Implementation Class UID roots of common toolkits (PS3.7 D.3.3.2 leaves them to vendors).
struct Root {
    const char *prefix;
    const char *name;
};
const Root kImplementationRoots[] = {
    {"1.2.276.0.7230010.3.", "OFFIS DCMTK"},
    {"1.2.826.0.1.3680043.9.3811.", "pynetdicom"},
    {"1.2.40.0.13.1.", "dcm4che"},
    {"1.3.6.1.4.1.30071.8", "fo-dicom"},
    {"1.2.826.0.1.3680043.2.1143.", "GDCM"},
};

} // namespace

const UidInfo *find_uid(std::string_view uid) {
    auto it = std::lower_bound(std::begin(kRegistry), std::end(kRegistry), uid,
                               [](const UidInfo &e, std::string_view u) { return e.uid < u; });
    if (it != std::end(kRegistry) && it->uid == uid) return &*it;
    return nullptr;
}

const char *uid_name(std::string_view uid) {
    if (const UidInfo *info = find_uid(uid)) return info->name;
    for (const Root &r : kImplementationRoots) {
        std::string_view p(r.prefix);
        if (uid.size() >= p.size() && uid.substr(0, p.size()) == p) return r.name;
    }
    return nullptr;
}

} // namespace dicom
