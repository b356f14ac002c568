// Everything the core can find wrong or noteworthy in a PDU. The plugin maps each kind to an
// expert info; the text here is the one the user reads.
#pragma once
#include <cstdint>
#include <vector>

#include "base/bytes.hpp"

#include <cstddef>

namespace dicom {

enum class Problem : uint8_t {
    PduTruncated,           // PDU shorter than its header says (capture cut)
    PduLengthInvalid,       // length field too small for this PDU type
    PduTypeUnknown,
    ReservedNotZero,
    ProtocolVersionUnsupported,
    AeTitleInvalid,
    ItemLengthInvalid,      // item header says more than its parent holds, or too little
    ItemTypeUnknown,
    ItemUnexpected,         // item type that does not belong here (e.g. 0x21 in a RQ)
    ItemDuplicated,
    ItemMissing,            // mandatory item absent
    UidInvalid,
    PresentationContextIdEven,
    PresentationContextIdDuplicated,
    AbstractSyntaxMissing,
    TransferSyntaxMissing,
    TransferSyntaxTooMany,  // an AC context carries exactly one transfer syntax
    PdvLengthInvalid,
    PdvFlagsReserved,
    ValueOutOfRange,        // an enumerated field holds a value PS3.8 does not define
    // Data sets and DIMSE messages (PS3.5, PS3.7)
    ElementPastEnd,         // value length runs past its sequence, item or the data set
    ElementOddLength,
    VrUnknown,
    UndefinedLengthNotAllowed,
    SequenceNotClosed,      // undefined-length sequence or item without its delimiter
    DelimiterUnexpected,
    NestingTooDeep,
    TooManyElements,
    InflateFailed,
    CommandInvalid,         // command set without a Command Field, or not a command group
    MessageInterrupted,     // a new command started before the previous message was complete
    DataWithoutCommand,
    TooManyOutstanding,     // the per-association cap on unanswered requests was reached
    // The capture, not the peers (a capture gap: bytes that were sent but never captured)
    BytesMissing,           // a message lost bytes in a capture gap
    DataSetBytesMissing,    // the data set walk reached bytes the capture does not hold
    CommandLostInGap,       // data set fragments whose command was in a capture gap
    Count
};

struct Finding {
    Problem what;
    Span where;
};

using Findings = std::vector<Finding>;

// Stable lower-case name for filter abbreviations, e.g. "pdv_length_invalid".
const char *problem_key(Problem p);

// One line for the user, e.g. "Item length exceeds the enclosing item".
const char *problem_text(Problem p);
// What an expert info's summary may hold to fit the Summary column of Expert Information: the
// problem texts, and the short form of longer sentences (the sentence goes in the tree).
constexpr size_t kSummaryLength = 100;

// Malformed (the bytes do not follow PS3.8) versus merely unusual.
bool problem_is_malformed(Problem p);

// Caused by the capture (bytes it does not hold), not by either peer.
bool problem_is_capture(Problem p);

} // namespace dicom
