/* Timing on the tree: association set-up, release and duration on its PDUs; on each message
 * its request or response, response, processing and transport times, TCP stalls, and the
 * C-MOVE a sub-association's C-STORE serves. */
#include "view/tree_timing.h"

#include <string>
#include <vector>

#include "dimse/dimse.hpp"
#include "fields.h"
#include "model/registry.h"
#include "session/association.hpp"
#include "time_util.h"
#include "ul/pdu.hpp"

/* Associations that carried a C-MOVE's sub-operations, as "3, 4"; NULL if none. */
static const char *move_sub_associations(packet_info *pinfo, const dicom::Message *move, guint32 *first) {
    const dicom::Capture *capture = dicom_capture_if_any();
    if (!capture) return NULL;
    try {
        const std::vector<uint32_t> *subs = capture->move_sub_associations(move);
        if (!subs) return NULL;
        wmem_strbuf_t *b = wmem_strbuf_new(pinfo->pool, "");
        for (uint32_t n : *subs) wmem_strbuf_append_printf(b, "%s%u", wmem_strbuf_get_len(b) ? ", " : "", n);
        *first = subs->front();
        return wmem_strbuf_get_str(b);
    } catch (...) {
        return NULL;
    }
}

/* The C-MOVE-RQ (frame) that a sub-association's C-STORE-RQ serves, 0 if none is known. */
static guint32 move_request_frame(const dicom::Message &m) {
    const dicom::Capture *capture = dicom_capture_if_any();
    try {
        const dicom::Message *move = capture ? capture->move_request(m) : NULL;
        return move ? move->complete_frame : 0;
    } catch (...) {
        return 0;
    }
}

static void add_time(proto_tree *t, int hf, tvbuff_t *tvb, double seconds) {
    const nstime_t ns = dicom_nstime(seconds);
    proto_item_set_generated(proto_tree_add_time(t, hf, tvb, 0, 0, &ns));
}

/* The times the association recorded when the walk reached each PDU, which is when its
 * receiver had it: a PDU whose bytes waited for a gap is shown in a frame that came earlier. */
void tree_association(const PduContext &c, guint8 pdu_type) {
    const dicom::Association &a = *c.assoc;
    switch (pdu_type) {
    case dicom::kAssociateAc:
    case dicom::kAssociateRj:
        if (a.setup_time() >= 0) add_time(c.tree, hf_assoc_setup_time, c.tvb, a.setup_time());
        break;
    case dicom::kReleaseRp:
        if (a.release_time() >= 0) add_time(c.tree, hf_assoc_release_time, c.tvb, a.release_time());
        if (a.rq_time && a.release_rp_time) add_time(c.tree, hf_assoc_duration, c.tvb, a.release_rp_time - a.rq_time);
        break;
    case dicom::kAbort:
        if (a.rq_time && a.abort_time) add_time(c.tree, hf_assoc_duration, c.tvb, a.abort_time - a.rq_time);
        break;
    }
}

void tree_message_timing(const PduContext &c, proto_tree *t, const dicom::Message &m) {
    const dicom::Command &cmd = m.command;
    if (!cmd.valid) return;
    if (cmd.field == dicom::kCMoveRsp && m.request) {
        guint32 first = 0;
        if (const char *subs = move_sub_associations(c.pinfo, m.request, &first)) {
            proto_item *pi = proto_tree_add_uint_format_value(t, hf_move_sub_association, c.tvb, 0, 0, first,
                                                              "%s", subs);
            proto_item_set_generated(pi);
        }
    }
    if (m.request) {
        const dicom::Message &rq = *m.request;
        proto_item_set_generated(proto_tree_add_uint(t, hf_response_to, c.tvb, 0, 0, rq.complete_frame));
        /* no time when the request's end was in a capture gap, declared after its response */
        const double rt = m.complete_time - rq.complete_time;
        if (rt >= 0) add_time(t, hf_response_time, c.tvb, rt);
        if (rt >= 0 && m.processing >= 0) { /* where it went: the responder's work, and TCP */
            add_time(t, hf_processing_time, c.tvb, m.processing);
            add_time(t, hf_transport_time, c.tvb, rt > m.processing ? rt - m.processing : 0);
        }
    }
    if (m.stall_seconds > 0) { /* TCP stalls while it was under way (slow responses: dicom.expert.slow_response) */
        add_time(t, hf_stall_time, c.tvb, m.stall_seconds);
        proto_item_set_generated(proto_tree_add_string(t, hf_stall_cause, c.tvb, 0, 0,
                                                       dicom::stall_cause_name((dicom::StallCause)m.stall_cause)));
    }
    if (!dicom::is_response(cmd.field)) {
        if (m.final_response)
            proto_item_set_generated(proto_tree_add_uint(t, hf_response_in, c.tvb, 0, 0, m.final_response->complete_frame));
        if (m.cancel)
            proto_item_set_generated(proto_tree_add_uint(t, hf_cancel_in, c.tvb, 0, 0, m.cancel->complete_frame));
        if (m.has_data || m.command_frame != m.complete_frame) /* time spent sending the request */
            add_time(t, hf_send_time, c.tvb, m.complete_time - m.first_time);
        if (cmd.field == dicom::kCStoreRq) {
            if (guint32 move = move_request_frame(m))
                proto_item_set_generated(proto_tree_add_uint(t, hf_move_request_in, c.tvb, 0, 0, move));
        }
    }
}
