// Where an association's time went: set-up, release, waiting for each side, transfer and TCP
// stalls, from its PDU times, messages and stalls.
#pragma once
namespace dicom {

class Association;
struct Message;

// Where an association's time went; the parts add up to `duration`.
struct TimeBudget {
    double duration = 0;
    double setup = 0, release = 0;           // A-ASSOCIATE-RQ to AC/RJ, A-RELEASE-RQ to RP (or the end)
    double waiting_for_acceptor = 0;         // a request was acknowledged, its response not started
    double waiting_for_requestor = 0;        // nothing outstanding, no message under way
    double transfer = 0;                     // a message was under way and its bytes moving
    double tcp_stalls = 0;                   // a message was under way and TCP did not advance
};

// The association's time budget; it ends at Association::end_time().
TimeBudget time_budget(const Association &a);

} // namespace dicom
