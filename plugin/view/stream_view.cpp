/* Units of a payload record that are not PDUs or PDVs: bytes the walk skipped, parts of units
 * completed elsewhere, retransmitted, held and lost bytes, and the notes of what the walk did
 * at this frame (messages and PDUs completed by other frames' bytes, findings). */
#include <epan/expert.h>

#include <string>

#include "analysis/finding_text.hpp"
#include "conformance/violation_text.hpp"
#include "dimse/dimse.hpp"
#include "fields.h"
#include "session/association.hpp"
#include "session/connection.hpp"
#include "stats/tap.h"
#include "time_util.h"
#include "ul/pdu.hpp"
#include "ul/pdu_walker.hpp"
#include "view/payload_build.h"

namespace {

void build_bytes_item(Build &b, const UnitRecord &u, const char *label, int hf, expert_field *ei, const char *info) {
    close_item(b);
    proto_tree *t = open_item(b, b.tvb, u.offset, u.length, label);
    proto_item *pi = proto_tree_add_item(t, hf, b.tvb, (gint)u.offset, (gint)u.length, ENC_NA);
    if (ei) expert_add_info(b.pinfo, pi, ei);
    if (info) set_info(b.pinfo, *b.info, info);
    close_item(b);
}

/* "C-STORE-RQ id=3", in pinfo->pool; NULL without a message. */
const char *message_label(packet_info *pinfo, const dicom::Message *m) {
    if (!m) return NULL;
    try {
        return wmem_strdup(pinfo->pool, dicom::message_label(*m, false).c_str());
    } catch (...) {
        return "a message";
    }
}

/* The sentence of a finding, made by the core (std::string) where no epan call can throw. */
/* The finding's sentence and its short form for the expert info (both in the packet's pool). */
void finding_text(packet_info *pinfo, const dicom::Association *a, const dicom::Diagnostic &d, const char *&sentence,
                  const char *&summary) {
    sentence = summary = dicom::diag_code_title(d.code);
    try {
        const std::string s = dicom::diagnostic_text(*a, d);
        sentence = wmem_strdup(pinfo->pool, s.c_str());
        summary = wmem_strdup(pinfo->pool, dicom::finding_summary(*a, d, s).c_str());
    } catch (...) {
    }
}

} // namespace

void build_garbage(Build &b, const UnitRecord &u) {
    close_item(b);
    proto_tree *t = open_item(b, b.tvb, u.offset, u.length, "not a PDU");
    proto_tree_add_item(t, hf_garbage, b.tvb, (gint)u.offset, (gint)u.length, ENC_NA);
    expert_add_info(b.pinfo, b.item, &ei_not_pdu);
    set_info(b.pinfo, *b.info, "Not a DICOM PDU (no plausible PDU header)");
    close_item(b);
}

void build_resync(Build &b, const UnitRecord &u) {
    if ((dicom::ResyncReason)u.reason == dicom::ResyncReason::CaptureStart)
        build_bytes_item(b, u, "the capture starts inside a PDU", hf_stream_skipped, &ei_capture_starts_inside_pdu,
                         "Bytes of a PDU that started before the capture (skipped to the next PDU)");
    else
        build_bytes_item(b, u, "bytes after a capture gap, skipped", hf_stream_skipped, &ei_resync_after_gap,
                         "Bytes after a capture gap (skipped to the next PDU)");
}

void build_skip(Build &b, const UnitRecord &u) {
    const auto why = (dicom::SkipReason)u.reason;
    if (why == dicom::SkipReason::AfterGap) {
        build_bytes_item(b, u, "P-DATA-TF (rest after a capture gap, skipped)", hf_stream_skipped, &ei_resync_after_gap,
                         "P-DATA (continued; PDV headers lost in a capture gap, rest of the PDU skipped)");
        return;
    }
    continue_pdata(b);
    proto_item *pi = proto_tree_add_item(b.item_tree, hf_garbage, b.tvb, (gint)u.offset, (gint)u.length, ENC_NA);
    if (why == dicom::SkipReason::TailShort)
        expert_add_info(b.pinfo, pi, &ei_problem[(int)dicom::Problem::PdvLengthInvalid]);
    proto_item_append_text(b.item, " (rest skipped)");
    extend_item(b, b.tvb, u.offset + u.length);
    set_info(b.pinfo, *b.info, "P-DATA (continued; rest of the PDU skipped)");
}

void build_fragment(Build &b, const UnitRecord &u) {
    close_item(b);
    const char *name = u.type ? dicom::pdu_type_name(u.type) : "PDV header";
    if (!name) name = "PDU";
    proto_tree *t = open_item(b, b.tvb, u.offset, u.length, wmem_strdup_printf(b.pinfo->pool, "part of %s", name));
    proto_tree_add_uint(t, hf_pdu_fragment, b.tvb, (gint)u.offset, (gint)u.length, u.type);
    /* like TCP's "Reassembled in", known from the frame that completes it on (later passes) */
    if (u.a) proto_item_set_generated(proto_tree_add_uint(t, hf_pdu_reassembled_in, b.tvb, 0, 0, u.a));
    set_info(b.pinfo, *b.info, wmem_strdup_printf(b.pinfo->pool, "%s (continues in later segments)", name), kContinued);
    close_item(b);
}

void build_duplicate(Build &b, const UnitRecord &u) {
    close_item(b);
    const bool copy = u.reason == 1; /* the same segment captured twice: not sent twice */
    proto_tree *t = open_item(b, b.tvb, u.offset, u.length,
                              copy ? "bytes captured twice (not decoded again)" : "retransmitted bytes (not decoded again)");
    proto_item *pi = proto_tree_add_uint(t, hf_stream_retransmitted, b.tvb, (gint)u.offset, (gint)u.length, u.length);
    auto *m = (const dicom::Message *)u.ptr;
    const char *what = message_label(b.pinfo, m);
    if (u.a) proto_item_set_generated(proto_tree_add_uint(t, hf_stream_first_seen_in, b.tvb, 0, 0, u.a));
    if (m) proto_item_set_generated(proto_tree_add_uint(t, hf_pdv_message, b.tvb, 0, 0, m->index));
    const char *first = u.a ? wmem_strdup_printf(b.pinfo->pool, " (first seen in frame %u)", u.a) : "";
    const char *sentence = wmem_strdup_printf(
        b.pinfo->pool, "%u %sDICOM bytes%s%s%s%s", u.length, copy ? "" : "retransmitted ", what ? " of " : "",
        what ? what : "", u.a ? first : (u.bits & kUnitOfHeld) ? " (already held, ahead of a gap)" : "",
        copy ? ", the same segment again at once (same IP ID and checksum: a mirror port's copy or a network "
               "duplicate, not a retransmission)"
             : "");
    dicom_expert_explained(b.pinfo, b.tvb, pi, &ei_retransmitted,
                           copy ? wmem_strdup_printf(b.pinfo->pool, "%u DICOM bytes%s%s captured twice (a mirror port's "
                                                     "copy or a duplicate)", u.length, what ? " of " : "", what ? what : "")
                                : sentence,
                           sentence);
    set_info(b.pinfo, *b.info,
             wmem_strdup_printf(b.pinfo->pool, "%s DICOM bytes%s%s%s", copy ? "Captured twice:" : "Retransmitted",
                                what ? " of " : "", what ? what : "", first),
             kContinued);
    close_item(b);
}

void build_held(Build &b, const UnitRecord &u) {
    close_item(b);
    const bool acked = (dicom::HeldReason)u.reason == dicom::HeldReason::AheadOfAcknowledged;
    proto_tree *t = open_item(b, b.tvb, u.offset, u.length,
                              acked ? "bytes captured before the data they acknowledge" : "bytes ahead of a gap");
    proto_item *pi = proto_tree_add_uint(t, hf_stream_held, b.tvb, (gint)u.offset, (gint)u.length, u.length);
    if (u.a) proto_item_set_generated(proto_tree_add_uint(t, hf_stream_delivered_in, b.tvb, 0, 0, u.a));
    if (acked)
        dicom_expert_explained(b.pinfo, b.tvb, pi, &ei_held,
                               "DICOM bytes captured before the data they acknowledge (a mirror port): put back in order",
                               "DICOM bytes captured before the data of the other direction that their segment "
                               "acknowledges (a mirror port): decoded in the order the peers had them");
    else
        expert_add_info(b.pinfo, pi, &ei_held);
    const char *what = acked ? "DICOM bytes captured before the data they acknowledge" : "DICOM bytes ahead of a gap";
    set_info(b.pinfo, *b.info,
             u.a ? wmem_strdup_printf(b.pinfo->pool, "%s (decoded at frame %u)", what, u.a)
                 : acked ? "DICOM bytes captured before the data they acknowledge (held until it is seen)"
                         : "DICOM bytes ahead of a gap (held until the missing bytes arrive)",
             kContinued);
    close_item(b);
}

void build_lost(Build &b, const UnitRecord &u) {
    close_item(b);
    proto_tree *t = open_item(b, b.tvb, 0, 0, "bytes missing from the capture");
    proto_item *pi = proto_tree_add_uint(t, hf_stream_lost, b.tvb, 0, 0, u.length);
    proto_item_set_generated(pi);
    const auto kind = (dicom::LostKind)u.reason;
    auto *m = (const dicom::Message *)u.ptr;
    const int from_rq = b.run->assoc ? b.run->assoc->direction_from_requestor(b.rec->direction) : -1;
    const char *stream = from_rq == 1 ? "requestor\xe2\x86\x92" "acceptor" : from_rq == 0 ? "acceptor\xe2\x86\x92" "requestor" : "one";
    const char *where;
    if (kind == dicom::LostKind::InValue) {
        where = wmem_strdup_printf(b.pinfo->pool, "inside the %s of %s (offset %" G_GUINT64_FORMAT ")",
                                   (u.pdv_flags & dicom::kPdvCommand) ? "command set" : "data set",
                                   m ? message_label(b.pinfo, m) : "a message", (guint64)u.data_offset);
        if (m) proto_item_set_generated(proto_tree_add_uint(t, hf_pdv_message, b.tvb, 0, 0, m->index));
    } else {
        proto_item_set_generated(proto_tree_add_uint64(t, hf_stream_offset, b.tvb, 0, 0, u.data_offset));
        where = kind == dicom::LostKind::PduRest ? "over PDV headers: the rest of that P-DATA-TF is skipped"
                : kind == dicom::LostKind::Unit  ? "inside a PDU or header being assembled"
                                                 : "over a PDU boundary: the next PDU header is searched for";
    }
    dicom_expert_explained(b.pinfo, b.tvb, pi, &ei_problem[(int)dicom::Problem::BytesMissing],
                           wmem_strdup_printf(b.pinfo->pool, "%u bytes of the %s stream missing from the capture (a "
                                              "capture gap)", u.length, stream),
                           wmem_strdup_printf(b.pinfo->pool, "%u bytes of the %s stream are missing from the capture, "
                                              "%s (a capture gap, not an error of the peers)", u.length, stream, where));
    set_info(b.pinfo, *b.info, wmem_strdup_printf(b.pinfo->pool, "%u bytes missing from the capture", u.length));
    close_item(b);
}

void build_note_message(Build &b, const UnitRecord &u) {
    close_item(b);
    auto *m = (const dicom::Message *)u.ptr;
    proto_tree *t = open_item(b, b.tvb, 0, 0, (u.bits & kUnitClosed) ? "message ended incomplete" : "message completed");
    if (m->frames.size())
        proto_item_set_generated(proto_tree_add_uint(t, hf_stream_bytes_in, b.tvb, 0, 0, m->frames.back()));
    show_completion(b, b.tvb, *m, u.bits);
    close_item(b);
}

void build_note_delivered(Build &b, const UnitRecord &u) {
    close_item(b);
    const char *name = dicom::pdu_type_name(u.type);
    proto_tree *t = open_item(b, b.tvb, 0, 0, wmem_strdup_printf(b.pinfo->pool, "%s delivered", name ? name : "PDU"));
    if (u.a) proto_item_set_generated(proto_tree_add_uint(t, hf_stream_bytes_in, b.tvb, 0, 0, u.a));
    set_info(b.pinfo, *b.info, wmem_strdup_printf(b.pinfo->pool, "%s (bytes in frame %u)", name ? name : "PDU", u.a));
    close_item(b);
}

/* A finding raised at this frame: a generated item under the unit that raised it, with the
 * expert info that names the party. */
void build_note_finding(Build &b, const UnitRecord &u) {
    const dicom::Association *a = b.run->assoc;
    if (!a) return;
    dicom::Diagnostic d;
    d.code = (dicom::DiagCode)u.type;
    d.party = (dicom::Party)u.reason;
    memcpy(&d.value, &u.data_offset, sizeof d.value);
    d.aux = u.a;
    d.message = (const dicom::Message *)u.ptr;
    d.severity = (dicom::Severity)u.pdv_flags;
    d.doubt = (dicom::Doubt)u.pdv_index;
    d.frame = b.pinfo->num;
    if (d.code >= dicom::DiagCode::Count) return;
    const char *text, *summary;
    finding_text(b.pinfo, a, d, text, summary);
    if (!b.item) open_item(b, b.tvb, 0, 0, dicom::diag_code_title(d.code));
    proto_item *fi = proto_tree_add_string(b.item_tree, hf_finding, b.tvb, 0, 0, dicom::diag_code_name(d.code));
    proto_item_set_generated(fi);
    proto_tree *ft = proto_item_add_subtree(fi, ett_finding);
    proto_item_set_generated(proto_tree_add_string(ft, hf_finding_party, b.tvb, 0, 0, dicom::party_name(d.party)));
    const std::string &ae = d.party == dicom::Party::Requestor ? a->calling_ae : a->called_ae;
    if ((d.party == dicom::Party::Requestor || d.party == dicom::Party::Acceptor) && !ae.empty())
        proto_item_set_generated(proto_tree_add_string(ft, hf_finding_ae, b.tvb, 0, 0, ae.c_str()));
    proto_item_set_generated(proto_tree_add_string(ft, hf_finding_severity, b.tvb, 0, 0,
                                                   dicom::severity_name(d.severity)));
    if (d.doubt != dicom::Doubt::None)
        proto_item_set_generated(proto_tree_add_string(ft, hf_finding_doubt, b.tvb, 0, 0, dicom::doubt_name(d.doubt)));
    proto_item_set_generated(proto_tree_add_string(ft, hf_finding_text, b.tvb, 0, 0, text));
    static const dicom::StallCause stall_of[] = {dicom::StallCause::DelayedAck, dicom::StallCause::WindowFull,
                                                 dicom::StallCause::Retransmission, dicom::StallCause::SenderIdle,
                                                 dicom::StallCause::RoundTrip};
    const int stall = (int)d.code - (int)dicom::DiagCode::DelayedAckStall;
    if (stall >= 0 && stall < (int)G_N_ELEMENTS(stall_of)) { /* the stall this frame ended */
        const nstime_t ns = dicom_nstime(d.value / 1000);
        proto_item_set_generated(proto_tree_add_time(ft, hf_stall_time, b.tvb, 0, 0, &ns));
        proto_item_set_generated(proto_tree_add_string(ft, hf_stall_cause, b.tvb, 0, 0, dicom::stall_cause_name(stall_of[stall])));
    }
    expert_add_info_format(b.pinfo, fi, &ei_diag[(int)d.code][(int)d.severity], "%s", summary);
    dicom_tap_pdu(b.pinfo, a, NULL); /* the tables name the association's most severe finding anew */
    if (!b.rec->length) set_info(b.pinfo, *b.info, text, u.ptr ? u.ptr : (const void *)&u);
}

/* A violation: its rule, class, party and reference under one item; the rule's expert info,
 * unless the frame shows the fault with an expert info of its own (a problem of the bytes, a
 * diagnosis finding): one expert info per fault. */
void build_note_violation(Build &b, const UnitRecord &u) {
    const dicom::Association *a = b.run->assoc;
    const dicom::Rule rule = (dicom::Rule)u.pdv_index;
    if (!a || rule >= dicom::Rule::Count) return;
    const dicom::RuleInfo &r = dicom::rule_info(rule);
    const dicom::RuleHit hit{rule, u.a, u.pdv_flags != 0};
    const dicom::Party party = (dicom::Party)u.reason;
    const std::string text = dicom::violation_text(hit), reference = dicom::violation_reference(hit);
    if (!b.item) open_item(b, b.tvb, 0, 0, "Conformance");
    proto_item *vi = proto_tree_add_string(b.item_tree, hf_conformance, b.tvb, 0, 0, r.title);
    proto_item_set_generated(vi);
    proto_tree *vt = proto_item_add_subtree(vi, ett_finding);
    proto_item_set_generated(proto_tree_add_string(vt, hf_conformance_rule, b.tvb, 0, 0, r.id));
    proto_item_set_generated(proto_tree_add_string(vt, hf_conformance_class, b.tvb, 0, 0, dicom::rule_class_name(r.rule_class)));
    proto_item_set_generated(proto_tree_add_string(vt, hf_conformance_severity, b.tvb, 0, 0, dicom::severity_name(r.severity)));
    proto_item_set_generated(proto_tree_add_string(vt, hf_conformance_party, b.tvb, 0, 0, dicom::party_name(party)));
    const std::string &ae = party == dicom::Party::Requestor ? a->calling_ae : a->called_ae;
    if (!ae.empty()) proto_item_set_generated(proto_tree_add_string(vt, hf_conformance_ae, b.tvb, 0, 0, ae.c_str()));
    proto_item_set_generated(proto_tree_add_string(vt, hf_conformance_reference, b.tvb, 0, 0, reference.c_str()));
    proto_item_set_generated(proto_tree_add_string(vt, hf_conformance_text, b.tvb, 0, 0, text.c_str()));
    if (!u.pdv_flags)
        dicom_expert_explained(b.pinfo, b.tvb, vi, &ei_rule[(int)rule], r.title, text.c_str());
    dicom_tap_pdu(b.pinfo, a, NULL); /* the node inventory counts the violations anew */
}
