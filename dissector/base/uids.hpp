// Names for UIDs: the DICOM registry (generated table) plus well-known implementation roots.
#pragma once
#include <string_view>

namespace dicom {

enum class UidKind { TransferSyntax, SopClass, ApplicationContext, WellKnownInstance,
                     ServiceClass, Other };

struct UidInfo {
    std::string_view uid; // its length known at compile time: a lookup compares without measuring
    const char *name;
    UidKind kind;
    bool retired;
};

// Exact registry match, or nullptr.
const UidInfo *find_uid(std::string_view uid);

// Name of a registry UID, or of the toolkit that owns an implementation class UID root;
// nullptr when unknown.
const char *uid_name(std::string_view uid);

} // namespace dicom
