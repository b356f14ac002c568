/* The dicom_ul tap, the collector the tshark reports share, and the conversation filter. */
#include "stats/tap.h"

#include <algorithm>
#include <cstdio>

#include <epan/conversation_filter.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "compat.h"
#include "model/records.h"
#include "model/registry.h"
#include "session/association.hpp"
#include "session/capture.hpp"
#include "time_util.h"

static int dicom_tap = -1;

void dicom_tap_pdu(packet_info *pinfo, const dicom::Association *assoc, const dicom::Message *final_response) {
    if (!have_tap_listener(dicom_tap)) return;
    auto *info = wmem_new0(pinfo->pool, DicomTapInfo);
    info->assoc = assoc;
    if (final_response && final_response->request) {
        const dicom::Message *rq = final_response->request;
        info->is_response = true;
        info->command = rq->command.field;
        info->request_time = dicom_nstime(rq->complete_time);
    }
    tap_queue_packet(dicom_tap, pinfo, info);
}

/* ---- the associations the packets showed, in order --------------------------------------- */

AssocCollector::~AssocCollector() {}

void AssocCollector::add(const dicom::Association *a) {
    if (seen.insert(a).second) associations.push_back(a);
}

void AssocCollector::sort() {
    std::sort(associations.begin(), associations.end(),
              [](const dicom::Association *a, const dicom::Association *b) { return a->number < b->number; });
}

static tap_packet_status collect_packet(void *tapdata, packet_info *, epan_dissect_t *, const void *prv, tap_flags_t) {
    auto *c = static_cast<AssocCollector *>(tapdata);
    try {
        c->add(static_cast<const DicomTapInfo *>(prv)->assoc);
    } catch (...) {
    }
    return c->redraw_on_every_packet ? TAP_PACKET_REDRAW : TAP_PACKET_DONT_REDRAW;
}

/* The associations belong to the capture being read: a retap or another file starts afresh. */
static void collect_reset(void *tapdata) { static_cast<AssocCollector *>(tapdata)->clear(); }

/* The reports are drawn once the capture is read: what still waited (a segment held for the
 * data it acknowledges, a gap's grace) is settled first, and every association with a frame
 * in the capture is listed, also one whose frames never completed a PDU. */
static void draw_finished(void *tapdata) {
    try {
        auto *c = static_cast<AssocCollector *>(tapdata);
        if (c->capture_complete()) dicom_finish_capture();
        if (const dicom::Capture *cap = dicom_capture_if_any())
            for (const std::unique_ptr<dicom::Association> &a : cap->associations()) c->add(a.get());
        c->draw_report(tapdata);
    } catch (...) {
    }
}

bool dicom_register_collector(AssocCollector *c, const char *what, void (*draw)(void *), void (*finish)(void *)) {
    c->draw_report = draw;
    GString *err = register_tap_listener("dicom_ul", c, NULL, TL_REQUIRES_NOTHING, collect_reset, collect_packet,
                                         draw_finished, finish);
    if (!err) return true;
    fprintf(stderr, "%s: %s\n", what, err->str);
    g_string_free(err, TRUE);
    return false;
}

/* ---- text shared by the reports -------------------------------------------------------------- */

std::string dicom_endpoint_text(const dicom::Endpoint &e) {
    const address a = dicom_address_of(e);
    char *s = address_to_str(NULL, &a);
    std::string out = std::string(s ? s : "?") + ":" + std::to_string(e.port);
    wmem_free(NULL, s);
    return out;
}

std::string dicom_assoc_filter(unsigned number) { return "dicom.assoc.id == " + std::to_string(number); }

std::string dicom_json_escape(const std::string &in) {
    std::string o;
    for (char ch : in) {
        if (ch == '"' || ch == '\\') o += '\\';
        if ((unsigned char)ch < 0x20) {
            char buf[8];
            snprintf(buf, sizeof buf, "\\u%04x", ch);
            o += buf;
            continue;
        }
        o += ch;
    }
    return o;
}

/* ---- conversation filter: Conversation Filter > DICOM association --------------------------- */

static dicom_filter_valid_result conv_valid(packet_info *pinfo DICOM_CONV_FILTER_EXTRA_PARAM) {
    return dicom_frame_association(pinfo->num) != NULL;
}

static gchar *conv_build(packet_info *pinfo DICOM_CONV_FILTER_EXTRA_PARAM) {
    const dicom::Association *a = dicom_frame_association(pinfo->num);
    return a ? g_strdup(dicom_assoc_filter(a->number).c_str()) : NULL;
}

/* The association's frames and its TCP connection's own (ACKs, window updates, FIN, RST: what a
 * stall is studied in): the connection, cut at the A-ASSOCIATE-RQs of the associations before
 * and after it when it carried several. */
static gchar *conv_build_with_tcp(packet_info *pinfo DICOM_CONV_FILTER_EXTRA_PARAM) {
    const dicom::Association *a = dicom_frame_association(pinfo->num);
    const dicom::Capture *capture = dicom_capture_if_any();
    if (!a || !capture) return NULL;
    guint32 from, before;
    capture->connection_frames_of(*a, from, before);
    std::string f = "tcp.stream == " + std::to_string(a->tcp_stream);
    if (from) f += " && frame.number >= " + std::to_string(from);
    if (before) f += " && frame.number < " + std::to_string(before);
    return g_strdup(f.c_str());
}

void dicom_register_tap(void) {
    dicom_tap = register_tap("dicom_ul");
    register_conversation_filter("dicom_ul", "DICOM association", conv_valid, conv_build DICOM_CONV_FILTER_EXTRA_ARG);
    register_conversation_filter("dicom_ul", "DICOM association with its TCP frames", conv_valid,
                                 conv_build_with_tcp DICOM_CONV_FILTER_EXTRA_ARG);
}
