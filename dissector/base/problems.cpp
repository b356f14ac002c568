#include "base/problems.hpp"

namespace dicom {

const char *problem_text(Problem p) {
    switch (p) {
    case Problem::PduTruncated: return "PDU is cut short: the capture holds fewer bytes than its length field says";
    case Problem::PduLengthInvalid: return "PDU length field is too small for this PDU type";
    case Problem::PduTypeUnknown: return "Unknown PDU type (PS3.8 defines 0x01-0x07)";
    case Problem::ReservedNotZero: return "Reserved field is not zero";
    case Problem::ProtocolVersionUnsupported: return "Protocol version bit 0 (version 1) is not set";
    case Problem::AeTitleInvalid: return "AE title is empty or has characters outside the default repertoire";
    case Problem::ItemLengthInvalid: return "Item length does not fit the enclosing PDU or item";
    case Problem::ItemTypeUnknown: return "Unknown item type";
    case Problem::ItemUnexpected: return "Item type not allowed in this PDU";
    case Problem::ItemDuplicated: return "Item appears more than once";
    case Problem::ItemMissing: return "Mandatory item is missing";
    case Problem::UidInvalid: return "UID is not a valid UID (digits and dots, at most 64 characters)";
    case Problem::PresentationContextIdEven: return "Presentation context ID must be odd (1-255)";
    case Problem::PresentationContextIdDuplicated: return "Presentation context ID used twice in one PDU";
    case Problem::AbstractSyntaxMissing: return "Presentation context has no abstract syntax";
    case Problem::TransferSyntaxMissing: return "Presentation context has no transfer syntax";
    case Problem::TransferSyntaxTooMany: return "Accepted presentation context carries more than one transfer syntax";
    case Problem::PdvLengthInvalid: return "PDV item length does not fit the PDU";
    case Problem::PdvFlagsReserved: return "Reserved bits of the PDV message control header are set";
    case Problem::ValueOutOfRange: return "Value not defined by PS3.8";
    case Problem::ElementPastEnd: return "Element value length runs past the end of its sequence item or data set";
    case Problem::ElementOddLength: return "Element value length is odd (PS3.5 7.1.1 requires even lengths)";
    case Problem::VrUnknown: return "Unknown VR: the rest of the data set cannot be parsed";
    case Problem::UndefinedLengthNotAllowed: return "Undefined length on an element that is not a sequence or encapsulated pixel data";
    case Problem::SequenceNotClosed: return "Undefined-length sequence or item never closed by its delimiter";
    case Problem::DelimiterUnexpected: return "Item or sequence delimiter where none is open";
    case Problem::NestingTooDeep: return "Sequences nested deeper than the parser's limit; contents skipped";
    case Problem::TooManyElements: return "More elements than the parser's limit; the rest is not shown";
    case Problem::InflateFailed: return "Deflated data set could not be inflated";
    case Problem::CommandInvalid: return "Command set has no valid Command Field (0000,0100)";
    case Problem::MessageInterrupted: return "A new command started before the previous message on this presentation context was complete";
    case Problem::DataWithoutCommand: return "Data set fragment without a preceding command on this presentation context";
    case Problem::TooManyOutstanding: return "Outstanding-request limit reached: the oldest unanswered request is no longer matched";
    case Problem::BytesMissing: return "Bytes of this message are missing from the capture (a capture gap, not an error of the peers)";
    case Problem::DataSetBytesMissing: return "The data set walk reached bytes that are missing from the capture: the rest is not parsed";
    case Problem::CommandLostInGap:
        return "Data set fragment whose command set is not in the capture (a capture gap, or a late start)";
    case Problem::Count: break;
    }
    return "Unknown problem";
}

const char *problem_key(Problem p) {
    switch (p) {
    case Problem::PduTruncated: return "pdu_truncated";
    case Problem::PduLengthInvalid: return "pdu_length_invalid";
    case Problem::PduTypeUnknown: return "pdu_type_unknown";
    case Problem::ReservedNotZero: return "reserved_not_zero";
    case Problem::ProtocolVersionUnsupported: return "protocol_version";
    case Problem::AeTitleInvalid: return "ae_title_invalid";
    case Problem::ItemLengthInvalid: return "item_length_invalid";
    case Problem::ItemTypeUnknown: return "item_type_unknown";
    case Problem::ItemUnexpected: return "item_unexpected";
    case Problem::ItemDuplicated: return "item_duplicated";
    case Problem::ItemMissing: return "item_missing";
    case Problem::UidInvalid: return "uid_invalid";
    case Problem::PresentationContextIdEven: return "pctx_id_even";
    case Problem::PresentationContextIdDuplicated: return "pctx_id_duplicated";
    case Problem::AbstractSyntaxMissing: return "abstract_syntax_missing";
    case Problem::TransferSyntaxMissing: return "transfer_syntax_missing";
    case Problem::TransferSyntaxTooMany: return "transfer_syntax_too_many";
    case Problem::PdvLengthInvalid: return "pdv_length_invalid";
    case Problem::PdvFlagsReserved: return "pdv_flags_reserved";
    case Problem::ValueOutOfRange: return "value_out_of_range";
    case Problem::ElementPastEnd: return "element_past_end";
    case Problem::ElementOddLength: return "element_odd_length";
    case Problem::VrUnknown: return "vr_unknown";
    case Problem::UndefinedLengthNotAllowed: return "undefined_length";
    case Problem::SequenceNotClosed: return "sequence_not_closed";
    case Problem::DelimiterUnexpected: return "delimiter_unexpected";
    case Problem::NestingTooDeep: return "nesting_too_deep";
    case Problem::TooManyElements: return "too_many_elements";
    case Problem::InflateFailed: return "inflate_failed";
    case Problem::CommandInvalid: return "command_invalid";
    case Problem::MessageInterrupted: return "message_interrupted";
    case Problem::DataWithoutCommand: return "data_without_command";
    case Problem::TooManyOutstanding: return "too_many_outstanding";
    case Problem::BytesMissing: return "bytes_missing";
    case Problem::DataSetBytesMissing: return "dataset_bytes_missing";
    case Problem::CommandLostInGap: return "command_lost_in_gap";
    case Problem::Count: break;
    }
    return "unknown";
}

bool problem_is_malformed(Problem p) {
    switch (p) {
    case Problem::ReservedNotZero:
    case Problem::ItemTypeUnknown:
    case Problem::ValueOutOfRange:
    case Problem::PdvFlagsReserved:
    case Problem::ElementOddLength:
    case Problem::TooManyElements:
    case Problem::NestingTooDeep:
    case Problem::TooManyOutstanding:
    case Problem::BytesMissing:
    case Problem::DataSetBytesMissing:
    case Problem::CommandLostInGap:
        return false;
    default:
        return true;
    }
}

bool problem_is_capture(Problem p) {
    return p == Problem::BytesMissing || p == Problem::DataSetBytesMissing || p == Problem::CommandLostInGap;
}

} // namespace dicom
