// The sentences of the diagnosis: each finding told in words that name the peers by AE title,
// role and software, e.g. "PACS (acceptor, OFFIS_DCMTK_367) rejected the association:
// calling-AE-title-not-recognized", and the order in which a report lists them.
#pragma once
#include <string>
#include <vector>

#include "session/findings.hpp"

namespace dicom {

class Association;
struct Message;

// The sentence for one finding, naming the party by AE title, role and software.
std::string diagnostic_text(const Association &a, const Diagnostic &d);
// The finding in at most kSummaryLength characters, for the Summary column of Expert
// Information (kSummaryLength): `sentence` (diagnostic_text) when it fits, else what and who
// ("Slow response: PACS (acceptor), 1.999 s"); the sentence itself goes in the tree under it.
std::string finding_summary(const Association &a, const Diagnostic &d, const std::string &sentence);
// The sentence for all findings of one code and party in the association.
std::string summary_text(const Association &a, const DiagnosticSummary &s);
// "C-STORE-RQ id=3", "message 3" when its command is not known; with `with_frame`, the frame
// that completed it is added: "C-STORE-RQ id=3 (frame 45)".
std::string message_label(const Message &m, bool with_frame = true);

// A finding's severity in the diagnosis: the highest it was raised with, except for delayed-ACK
// stalls. Each of those is a note on its frame (Nagle's algorithm meeting a delayed ACK is the
// normal rhythm of many healthy associations); together they are one warning when they cost
// more than kDelayedAckWarningShare of the association's time and the roles are proven.
constexpr double kDelayedAckWarningShare = 0.10;
Severity finding_severity(const Association &a, const DiagnosticSummary &s);

// The association's findings, the most severe first (by finding_severity); among equals, what went wrong (a status, a
// rejection) before what was slow, the slow ones by the time they cost; then in order of first
// occurrence. The first is the verdict's and the tables' "most severe finding".
std::vector<const DiagnosticSummary *> ordered_findings(const Association &a);
const DiagnosticSummary *most_severe_finding(const Association &a); // nullptr: no finding

} // namespace dicom
