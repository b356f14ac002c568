// A-ASSOCIATE-RQ and A-ASSOCIATE-AC (PS3.8 9.3.2, 9.3.3) and their items, including the
// user information sub-items of PS3.7 Annex D.3.3.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/problems.hpp"
#include "ul/ul_codes.hpp"

namespace dicom {

struct Item {
    uint8_t type = 0;
    uint8_t reserved = 0; // the sub-item version for 0x57
    uint16_t length = 0;  // as the header says
    Span where;           // header and body, clamped to what is there
    Span body;
};

struct UidField {
    Span where;             // the raw bytes
    std::string_view value; // without padding, borrowing the PDU bytes
};

struct PresentationContext {
    Item item;
    uint8_t id = 0;
    uint8_t result = 0; // AC only; reserved (0) in a RQ
    bool has_abstract = false;
    Item abstract_item;
    UidField abstract_syntax;
    std::vector<Item> transfer_items;
    std::vector<UidField> transfer_syntaxes;
    std::vector<Item> other_items;
};

// One sub-item of the user information item. Only the members that belong to
// `item.type` are set; `decoded` is false when its body did not parse.
struct UserInfoEntry {
    Item item;
    bool decoded = false;
    uint32_t max_length = 0;                   // 0x51
    UidField uid;                              // 0x52; the SOP class of 0x54, 0x56, 0x57
    std::string_view text;                     // 0x55
    Span text_where;
    uint16_t invoked = 0, performed = 0;       // 0x53
    uint8_t scu_role = 0, scp_role = 0;        // 0x54
    Span scu_at, scp_at;
    Span app_info;                             // 0x56
    UidField service_class;                    // 0x57
    std::vector<UidField> related;             // 0x57
    uint8_t identity_type = 0, response_requested = 0; // 0x58
    Span primary, secondary;                   // 0x58 (values only)
    Span server_response;                      // 0x59 (value only)
};

struct UserInformation {
    Item item;
    std::vector<UserInfoEntry> entries; // wire order
};

struct Associate {
    uint8_t pdu_type = 0;
    uint32_t pdu_length = 0;
    uint16_t protocol_version = 0;
    UidField called_ae, calling_ae; // 16 bytes each, value trimmed
    bool has_app_context = false;
    Item app_context_item;
    UidField app_context;
    std::vector<PresentationContext> contexts;
    bool has_user_info = false;
    UserInformation user_info;
    std::vector<Item> other_items;
    Findings findings;

    // Convenience lookups over user_info (nullptr when absent).
    const UserInfoEntry *find_sub(uint8_t type) const;
};

// Parses a whole A-ASSOCIATE-RQ/AC PDU (header included). `pdu` may be shorter than the
// header says (capture cut): whatever is there is parsed and PduTruncated is noted.
// Returns false only when not even the header and fixed part are present.
bool parse_associate(ByteView pdu, Associate &out);

// The AE titles of an A-ASSOCIATE-RQ of which only the first bytes have arrived (its other
// segments come later): known from the first 42 bytes, so every segment can name its peers.
// False while fewer bytes are there, or when `head` is not an A-ASSOCIATE-RQ.
bool read_associate_titles(ByteView head, std::string &called, std::string &calling);

} // namespace dicom
