// Conformance of DIMSE messages (PS3.7 chapters 9 and 10, Annex C; PS3.4): the elements each
// command's table requires or does not list, its fixed values, its SOP class against its
// presentation context, statuses the service defines, sub-operation counts; Message ID rules
// over the association's outstanding requests; and the command set's encoding (PS3.5). Pure
// functions on plain data; the session decides when the capture lets them judge.
#pragma once
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/bytes.hpp"
#include "conformance/rules.hpp"
#include "dimse/dimse.hpp"

namespace dicom {

// A whole command set as sent (implicit VR little endian, PS3.7 E.1) against the table of its
// command: required elements, elements the table does not list, Command Data Set Type, Priority,
// the group length, and the UI and AE values. Commands whose field is not a DIMSE command are
// left to the parser's problems (dimse.command_invalid). `request`: a response's request, whose
// UIDs it repeats (null when not known).
void check_command_set(ByteView command_set, const Command &c, const Command *request, std::vector<RuleHit> &out);

// The command's SOP class against its presentation context's abstract syntax (empty when the
// context is not known); meta SOP classes (print management) carry other classes.
void check_command_context(const Command &c, std::string_view abstract_syntax, std::vector<RuleHit> &out);

// A response's status against those its service defines (PS3.7 Annex C, PS3.4).
void check_status(const Command &rsp, std::vector<RuleHit> &out);
// A response against its request: the SOP class and instance it names, the sub-operation counts
// of a retrieve (`previous`: the request's previous response, or null).
void check_response(const Command &rsp, const Command &rq, const Command *previous, std::vector<RuleHit> &out);

// The requests each side has outstanding, by Message ID, and the asynchronous operations window
// (PS3.7 D.3.3.3: 1 each unless negotiated; 0 means unlimited). Bounded: beyond `kCap` requests
// a side's are forgotten and its Message ID rules no longer judged.
class OutstandingRequests {
public:
    static constexpr size_t kCap = 4096;
    // `invoked`: requests the requestor may have outstanding; `performed`: those the acceptor may.
    void set_window(uint16_t invoked, uint16_t performed) { window_[1] = invoked, window_[0] = performed; }
    // A request (not C-CANCEL) from the side `from_requestor`.
    void request(bool from_requestor, uint16_t message_id, std::vector<RuleHit> &out);
    // A response from the side `from_requestor`, final or pending. False when it answers none
    // (a rule is then broken, unless the side's requests were forgotten).
    void response(bool from_requestor, uint16_t message_id_rsp, bool final, std::vector<RuleHit> &out);

private:
    std::unordered_map<uint16_t, uint8_t> open_[2]; // [1]: the requestor's requests
    uint16_t window_[2] = {1, 1};
    bool overflowed_[2] = {false, false};
};

} // namespace dicom
