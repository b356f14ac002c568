// The codes of the Upper Layer protocol (PS3.8 9.3): PDU and item types, presentation context
// results, and the tables of the A-ASSOCIATE-RJ, A-ABORT and user identity fields.
#pragma once
#include <cstdint>

#include "base/codes.hpp"

namespace dicom {

enum PduType : uint8_t {
    kAssociateRq = 0x01,
    kAssociateAc = 0x02,
    kAssociateRj = 0x03,
    kPData = 0x04,
    kReleaseRq = 0x05,
    kReleaseRp = 0x06,
    kAbort = 0x07,
};

enum ItemType : uint8_t {
    kItemApplicationContext = 0x10,
    kItemPresentationContextRq = 0x20,
    kItemPresentationContextAc = 0x21,
    kItemAbstractSyntax = 0x30,
    kItemTransferSyntax = 0x40,
    kItemUserInformation = 0x50,
    kSubMaxLength = 0x51,
    kSubImplementationClassUid = 0x52,
    kSubAsyncOperationsWindow = 0x53,
    kSubRoleSelection = 0x54,
    kSubImplementationVersionName = 0x55,
    kSubSopClassExtendedNegotiation = 0x56,
    kSubSopClassCommonExtendedNegotiation = 0x57,
    kSubUserIdentityRq = 0x58,
    kSubUserIdentityAc = 0x59,
};


// Presentation context result/reason of an A-ASSOCIATE-AC (PS3.8 Table 9-18).
enum ContextResult : uint8_t {
    kAcceptance = 0,
    kUserRejection = 1,
    kNoReason = 2,
    kAbstractSyntaxNotSupported = 3,
    kTransferSyntaxesNotSupported = 4,
};

// Each table ends with {0, nullptr}.
extern const CodeName kRejectResults[];
extern const CodeName kRejectSources[];
extern const CodeName kAbortSources[];
extern const CodeName kAbortReasons[]; // service-provider reasons (source 2)
extern const CodeName kContextResults[];
extern const CodeName kUserIdentityTypes[];
extern const CodeName kPduTypes[];
extern const CodeName kItemTypes[];

// "A-ASSOCIATE-RQ" etc., or nullptr for a type PS3.8 does not define.
const char *pdu_type_name(uint8_t type);
// "Presentation Context (RQ)" etc., or nullptr.
const char *item_type_name(uint8_t type);
// The reject reason's meaning depends on the source (PS3.8 Table 9-21).
const char *reject_reason_name(uint8_t source, uint8_t reason);

} // namespace dicom
