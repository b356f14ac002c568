/* Trees of P-DATA-TF PDV items, A-ASSOCIATE-RJ, A-RELEASE-RQ/RP and A-ABORT. */
#include "view/tree_control.h"

#include <epan/expert.h>

#include "fields.h"
#include "session/association.hpp"
#include "ul/pdu.hpp"

void tree_pdv_context(const PduContext &c, proto_tree *t, proto_item *ci, guint8 context_id) {
    if (!t) return; /* no tree, nothing to show: skip the UID lookups (every segment comes here) */
    const dicom::NegotiatedContext *nc = c.assoc->context(context_id);
    if (!nc) {
        if (ci) expert_add_info(c.pinfo, ci, &ei_pdv_context_unknown);
        return;
    }
    if (ci && nc->inferred) expert_add_info(c.pinfo, ci, &ei_inferred);
    /* a tree that is neither shown nor filtered on for these need not spell out the UIDs */
    if (!PTREE_DATA(t)->visible && !proto_field_is_referenced(t, hf_pdv_abstract) &&
        !proto_field_is_referenced(t, hf_sop_class_uid) && !proto_field_is_referenced(t, hf_pdv_transfer) &&
        !proto_field_is_referenced(t, hf_pdv_negotiated_in))
        return;
    if (!nc->abstract_syntax.empty()) {
        add_generated_uid(c, t, hf_pdv_abstract, nc->abstract_syntax.c_str());
        proto_item_set_hidden(add_generated_uid(c, t, hf_sop_class_uid, nc->abstract_syntax.c_str()));
    }
    if (!nc->transfer_syntax.empty())
        add_generated_uid(c, t, hf_pdv_transfer, nc->transfer_syntax.c_str());
    if (nc->answered_in) {
        proto_item *g = proto_tree_add_uint(t, hf_pdv_negotiated_in, c.tvb, 0, 0, nc->answered_in);
        proto_item_set_generated(g);
    }
}

static int *const pdv_flag_bits[] = {&hf_pdv_flag_reserved, &hf_pdv_flag_last, &hf_pdv_flag_command, NULL};

proto_tree *tree_pdv_header(const PduContext &c, int off, guint32 index, guint8 context_id, guint8 flags,
                            guint32 value_len) {
    proto_tree *t = proto_tree_add_subtree_format(
        c.tree, c.tvb, off, 6, ett_pdv, NULL, "PDV %u: ctx %u, %s%s, %u bytes", index, context_id,
        (flags & dicom::kPdvCommand) ? "command" : "data set", (flags & dicom::kPdvLast) ? " (last)" : "", value_len);
    proto_tree_add_item(t, hf_pdv_len, c.tvb, off, 4, ENC_BIG_ENDIAN);
    proto_item *ci = proto_tree_add_item(t, hf_pdv_ctx, c.tvb, off + 4, 1, ENC_BIG_ENDIAN);
    tree_pdv_context(c, t, ci, context_id);
    proto_tree_add_bitmask(t, c.tvb, off + 5, hf_pdv_flags, ett_pdv_flags, pdv_flag_bits, ENC_BIG_ENDIAN);
    return t;
}

proto_tree *tree_pdv_piece(const PduContext &c, int off, guint32 index, guint8 context_id, guint8 flags,
                           guint32 from, guint32 length, guint32 value_len) {
    if (!c.tree) return NULL;
    proto_tree *t = proto_tree_add_subtree_format(
        c.tree, c.tvb, off, length, ett_pdv, NULL, "PDV %u: ctx %u, %s%s, bytes %u-%u of %u", index, context_id,
        (flags & dicom::kPdvCommand) ? "command" : "data set", (flags & dicom::kPdvLast) ? " (last)" : "", from,
        from + length - 1, value_len);
    proto_item_set_generated(proto_tree_add_uint(t, hf_pdv_ctx, c.tvb, 0, 0, context_id));
    tree_pdv_context(c, t, NULL, context_id);
    proto_item *fi = proto_tree_add_bitmask_value(t, c.tvb, 0, hf_pdv_flags, ett_pdv_flags, pdv_flag_bits, flags);
    proto_item_set_generated(fi);
    if (length) proto_tree_add_item(t, hf_pdv_value, c.tvb, off, length, ENC_NA);
    return t;
}

void tree_control(const PduContext &c, const dicom::ControlPdu &cp) {
    tvbuff_t *tvb = c.tvb;
    if (tvb_captured_length(tvb) < dicom::kPduHeaderLen + 4) {
        add_findings(c, cp.findings);
        return;
    }
    switch (cp.type) {
    case dicom::kAssociateRj: {
        proto_tree_add_item(c.tree, hf_rj_result, tvb, 7, 1, ENC_BIG_ENDIAN);
        proto_tree_add_item(c.tree, hf_rj_source, tvb, 8, 1, ENC_BIG_ENDIAN);
        const char *reason = dicom::reject_reason_name(cp.source, cp.reason);
        proto_tree_add_uint_format_value(c.tree, hf_rj_reason, tvb, 9, 1, cp.reason, "%s (%u)",
                                         reason ? reason : "unknown", cp.reason);
        /* the expert info is the diagnosis' (association_rejected), which names the party */
        proto_item_append_text(c.pdu_item, ": %s", reason ? reason : "unknown reason");
        break;
    }
    case dicom::kAbort: {
        proto_tree_add_item(c.tree, hf_abort_source, tvb, 8, 1, ENC_BIG_ENDIAN);
        const char *reason = cp.source == 2 ? dicom::code_name(dicom::kAbortReasons, cp.reason)
                                            : "not significant (service-user abort)";
        proto_tree_add_uint_format_value(c.tree, hf_abort_reason, tvb, 9, 1, cp.reason, "%s (%u)",
                                         reason ? reason : "unknown", cp.reason);
        /* the expert info is the diagnosis' (association_aborted) */
        break;
    }
    default:
        break;
    }
    add_findings(c, cp.findings);
}
