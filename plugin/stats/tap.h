/* The "dicom_ul" tap: every PDU (for the association tables) and, on final responses, the
 * request's time (for the service response time tables); and the listener that gathers the
 * associations whose PDUs it saw, which the tshark reports are built on. */
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include <epan/packet.h>

namespace dicom {
class Association;
struct Endpoint;
struct Message;
} // namespace dicom

struct DicomTapInfo {
    const dicom::Association *assoc;
    guint16 command; /* the request's command field when this PDU completes a final response */
    nstime_t request_time;
    bool is_response;
};

void dicom_register_tap(void); /* the tap, and the conversation filter by association */
/* A PDU of `assoc` (and the final response it completes, if any) for the tap's listeners. */
void dicom_tap_pdu(packet_info *pinfo, const dicom::Association *assoc, const dicom::Message *final_response);

/* A tap listener that gathers the associations whose PDUs it saw (the tshark reports). */
struct AssocCollector {
    std::vector<const dicom::Association *> associations;
    std::unordered_set<const dicom::Association *> seen;
    virtual ~AssocCollector();
    void add(const dicom::Association *a);
    void sort(); /* by association number */
    void clear() { associations.clear(), seen.clear(); } /* the tap is reset: a retap or a new file */
    void (*draw_report)(void *) = nullptr; /* the report's own draw, after the capture is finished */
    /* Whether the capture is all read when drawn (tshark: always). Only then is what still waits
     * for data settled (the end of the capture); a GUI window drawn during a live capture shows
     * the associations as they stand. */
    virtual bool capture_complete() const { return true; }
    bool redraw_on_every_packet = false; /* a window that follows a live capture */
};
/* Registers `c` on the dicom_ul tap; false (and a message naming `what`) on failure. */
bool dicom_register_collector(AssocCollector *c, const char *what, void (*draw)(void *), void (*finish)(void *));

/* The display filter of one association's DICOM frames: "dicom.assoc.id == 3". */
std::string dicom_assoc_filter(unsigned number);

/* Text for reports: "10.0.0.1:104" ("?:104" without an address), and a JSON string's body. */
std::string dicom_endpoint_text(const dicom::Endpoint &e);
std::string dicom_json_escape(const std::string &in);
