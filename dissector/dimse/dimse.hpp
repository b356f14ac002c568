// DIMSE commands (PS3.7 chapters 9 and 10, Annex E): command fields, the command set's
// elements, and status codes with their meaning per service (PS3.7 Annex C, PS3.4).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/codes.hpp"
#include "dataset/dataset.hpp"

namespace dicom {

enum CommandField : uint16_t {
    kCStoreRq = 0x0001, kCStoreRsp = 0x8001, kCGetRq = 0x0010, kCGetRsp = 0x8010,
    kCFindRq = 0x0020, kCFindRsp = 0x8020, kCMoveRq = 0x0021, kCMoveRsp = 0x8021,
    kCEchoRq = 0x0030, kCEchoRsp = 0x8030, kNEventReportRq = 0x0100, kNEventReportRsp = 0x8100,
    kNGetRq = 0x0110, kNGetRsp = 0x8110, kNSetRq = 0x0120, kNSetRsp = 0x8120,
    kNActionRq = 0x0130, kNActionRsp = 0x8130, kNCreateRq = 0x0140, kNCreateRsp = 0x8140,
    kNDeleteRq = 0x0150, kNDeleteRsp = 0x8150, kCCancelRq = 0x0FFF,
};
extern const CodeName kCommandFields[];
extern const CodeName kPriorities[];
inline bool is_response(uint16_t command_field) { return command_field & 0x8000; }

enum class StatusCategory : uint8_t { Success, Warning, Failure, Cancel, Pending };
extern const CodeName kStatusCategories[];
StatusCategory status_category(uint16_t status);
// The status's meaning for the service of `command_field` (0xB000 means different things
// to C-STORE and to C-MOVE); nullptr when the standard gives it none.
const char *status_meaning(uint16_t status, uint16_t command_field);
// The status as a column shows it: "Success", "Warning: Coercion of data elements (0xB000)",
// "Failure (0xC123)" when the standard gives the code no meaning.
std::string status_text(uint16_t status, uint16_t command_field);

// Command set tags (group 0000) that the plugin shows in fields of their own.
enum CommandTag : uint32_t {
    kTagAffectedSopClass = 0x00000002, kTagRequestedSopClass = 0x00000003,
    kTagCommandField = 0x00000100, kTagMessageId = 0x00000110, kTagMessageIdRsp = 0x00000120,
    kTagMoveDestination = 0x00000600, kTagPriority = 0x00000700, kTagDataSetType = 0x00000800,
    kTagStatus = 0x00000900, kTagOffendingElement = 0x00000901, kTagErrorComment = 0x00000902,
    kTagErrorId = 0x00000903, kTagAffectedSopInstance = 0x00001000,
    kTagRequestedSopInstance = 0x00001001, kTagEventTypeId = 0x00001002,
    kTagAttributeIdList = 0x00001005, kTagActionTypeId = 0x00001008,
    kTagRemaining = 0x00001020, kTagCompleted = 0x00001021, kTagFailed = 0x00001022,
    kTagWarning = 0x00001023, kTagMoveOriginatorAe = 0x00001030, kTagMoveOriginatorId = 0x00001031,
};

// Command elements most commands do not carry, kept only by those that do.
struct CommandExtras {
    std::string requested_sop_class, requested_sop_instance, move_destination, move_originator_ae, error_comment;
};

struct Command {
    bool valid = false; // has a Command Field
    uint16_t field = 0;
    uint16_t message_id = 0, message_id_rsp = 0, priority = 0, data_set_type = 0x0101, status = 0;
    bool has_message_id = false, has_message_id_rsp = false, has_status = false;
    std::string affected_sop_class, affected_sop_instance;
    std::unique_ptr<CommandExtras> extras;
    bool has_suboperations = false;
    uint16_t remaining = 0, completed = 0, failed = 0, warning = 0;
    bool has_remaining = false, has_completed = false, has_failed = false, has_warning = false;
    bool has_move_originator_id = false;
    uint16_t move_originator_id = 0;
    bool has_event_type = false, has_action_type = false;
    uint16_t event_type_id = 0, action_type_id = 0;
    bool has_data_set() const { return data_set_type != 0x0101; }
    const std::string &requested_sop_class() const { return extras ? extras->requested_sop_class : none(); }
    const std::string &requested_sop_instance() const { return extras ? extras->requested_sop_instance : none(); }
    const std::string &move_destination() const { return extras ? extras->move_destination : none(); }
    const std::string &move_originator_ae() const { return extras ? extras->move_originator_ae : none(); }
    const std::string &error_comment() const { return extras ? extras->error_comment : none(); }
    const std::string &sop_class() const { return affected_sop_class.empty() ? requested_sop_class() : affected_sop_class; }
    const std::string &sop_instance() const {
        return affected_sop_instance.empty() ? requested_sop_instance() : affected_sop_instance;
    }
    CommandExtras &extra() {
        if (!extras) extras.reset(new CommandExtras());
        return *extras;
    }

private:
    static const std::string &none() {
        static const std::string empty;
        return empty;
    }
};

// Reads the elements of a parsed command set (always implicit VR little endian).
void extract_command(const DataSet &command_set, Command &out);
// The same for the common case, read straight from the bytes of a whole command set: every
// element of group 0000 with an even, defined length, the elements filling the set exactly
// (the data set walk finds nothing wrong with such a set). False, `out` untouched, for anything
// else, which the walk must look at.
bool read_plain_command(ByteView bytes, Command &out);

} // namespace dicom
