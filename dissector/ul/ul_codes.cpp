#include "ul/ul_codes.hpp"

namespace dicom {

const CodeName kRejectResults[] = {
    {1, "rejected-permanent"}, {2, "rejected-transient"}, {0, nullptr}};
const CodeName kRejectSources[] = {
    {1, "DICOM UL service-user"},
    {2, "DICOM UL service-provider (ACSE related function)"},
    {3, "DICOM UL service-provider (Presentation related function)"},
    {0, nullptr}};
const CodeName kAbortSources[] = {
    {0, "DICOM UL service-user (initiated abort)"},
    {1, "reserved"},
    {2, "DICOM UL service-provider (initiated abort)"},
    {0, nullptr}};
const CodeName kAbortReasons[] = {
    {0, "reason-not-specified"},
    {1, "unrecognized-PDU"},
    {2, "unexpected-PDU"},
    {3, "reserved"},
    {4, "unrecognized-PDU parameter"},
    {5, "unexpected-PDU parameter"},
    {6, "invalid-PDU-parameter value"},
    {0, nullptr}};
const CodeName kContextResults[] = {
    {kAcceptance, "acceptance"},
    {kUserRejection, "user-rejection"},
    {kNoReason, "no-reason (provider rejection)"},
    {kAbstractSyntaxNotSupported, "abstract-syntax-not-supported (provider rejection)"},
    {kTransferSyntaxesNotSupported, "transfer-syntaxes-not-supported (provider rejection)"},
    {0, nullptr}};
const CodeName kUserIdentityTypes[] = {
    {1, "Username"},
    {2, "Username and passcode"},
    {3, "Kerberos Service ticket"},
    {4, "SAML Assertion"},
    {5, "JSON Web Token (JWT)"},
    {0, nullptr}};
const CodeName kPduTypes[] = {
    {kAssociateRq, "A-ASSOCIATE-RQ"}, {kAssociateAc, "A-ASSOCIATE-AC"},
    {kAssociateRj, "A-ASSOCIATE-RJ"}, {kPData, "P-DATA-TF"},
    {kReleaseRq, "A-RELEASE-RQ"},     {kReleaseRp, "A-RELEASE-RP"},
    {kAbort, "A-ABORT"},              {0, nullptr}};
const CodeName kItemTypes[] = {
    {kItemApplicationContext, "Application Context"},
    {kItemPresentationContextRq, "Presentation Context (RQ)"},
    {kItemPresentationContextAc, "Presentation Context (AC)"},
    {kItemAbstractSyntax, "Abstract Syntax"},
    {kItemTransferSyntax, "Transfer Syntax"},
    {kItemUserInformation, "User Information"},
    {kSubMaxLength, "Maximum Length"},
    {kSubImplementationClassUid, "Implementation Class UID"},
    {kSubAsyncOperationsWindow, "Asynchronous Operations Window"},
    {kSubRoleSelection, "SCP/SCU Role Selection"},
    {kSubImplementationVersionName, "Implementation Version Name"},
    {kSubSopClassExtendedNegotiation, "SOP Class Extended Negotiation"},
    {kSubSopClassCommonExtendedNegotiation, "SOP Class Common Extended Negotiation"},
    {kSubUserIdentityRq, "User Identity (RQ)"},
    {kSubUserIdentityAc, "User Identity (AC)"},
    {0, nullptr}};

const char *reject_reason_name(uint8_t source, uint8_t reason) {
    switch (source) {
    case 1:
        switch (reason) {
        case 1: return "no-reason-given";
        case 2: return "application-context-name-not-supported";
        case 3: return "calling-AE-title-not-recognized";
        case 7: return "called-AE-title-not-recognized";
        }
        return reason <= 10 ? "reserved" : nullptr;
    case 2:
        switch (reason) {
        case 1: return "no-reason-given";
        case 2: return "protocol-version-not-supported";
        }
        return nullptr;
    case 3:
        switch (reason) {
        case 1: return "temporary-congestion";
        case 2: return "local-limit-exceeded";
        }
        return reason <= 7 ? "reserved" : nullptr;
    }
    return nullptr;
}

const char *item_type_name(uint8_t type) { return code_name(kItemTypes, type); }
const char *pdu_type_name(uint8_t type) { return code_name(kPduTypes, type); }

} // namespace dicom
