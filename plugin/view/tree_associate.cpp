/* Tree of an A-ASSOCIATE-RQ/AC: fixed fields, application context, presentation contexts and
 * the user information sub-items (PS3.8 9.3.2-9.3.3, PS3.7 D.3.3). */
#include "view/tree_associate.h"

#include <epan/expert.h>

#include "fields.h"
#include "prefs.h"
#include "session/association.hpp"
#include "ul/pdu.hpp"
#include "base/uids.hpp"

using dicom::Item;
using dicom::Span;

static proto_tree *item_subtree(const PduContext &c, proto_tree *parent, const Item &it,
                                gint ett, const char *label) {
    proto_tree *t = proto_tree_add_subtree(parent, c.tvb, it.where.off, it.where.len, ett, NULL, label);
    proto_tree_add_item(t, hf_item_type, c.tvb, it.where.off, 1, ENC_BIG_ENDIAN);
    proto_tree_add_item(t, hf_item_len, c.tvb, it.where.off + 2, 2, ENC_BIG_ENDIAN);
    return t;
}

static void add_sop_class_alias(const PduContext &c, proto_tree *t, Span s) {
    proto_item *h = add_uid(c, t, hf_sop_class_uid, s);
    proto_item_set_hidden(h);
}

static void tree_context(const PduContext &c, proto_tree *parent, const dicom::PresentationContext &pc,
                         bool in_rq) {
    const dicom::NegotiatedContext *nc = c.assoc->context(pc.id);
    const char *abstract = NULL;
    if (pc.has_abstract)
        abstract = uid_label(c.pinfo, pc.abstract_syntax.value);
    else if (nc && !nc->abstract_syntax.empty())
        abstract = uid_label(c.pinfo, nc->abstract_syntax);
    char *label;
    if (in_rq)
        label = wmem_strdup_printf(c.pinfo->pool, "Presentation Context: ID %u, %s", pc.id,
                                   abstract ? abstract : "no abstract syntax");
    else
        label = wmem_strdup_printf(c.pinfo->pool, "Presentation Context: ID %u, %s, %s", pc.id,
                                   abstract ? abstract : "(proposal not captured)",
                                   dicom::code_name(dicom::kContextResults, pc.result)
                                       ? dicom::code_name(dicom::kContextResults, pc.result) : "unknown result");
    proto_tree *t = item_subtree(c, parent, pc.item, ett_pctx, label);
    if (pc.item.body.len < 4) return;
    Span body = pc.item.body;
    proto_tree_add_item(t, hf_pctx_id, c.tvb, body.off, 1, ENC_BIG_ENDIAN);
    if (!in_rq) {
        proto_item *ri = proto_tree_add_item(t, hf_pctx_result, c.tvb, body.off + 2, 1, ENC_BIG_ENDIAN);
        if (pc.result != dicom::kAcceptance) {
            const char *reason = dicom::code_name(dicom::kContextResults, pc.result)
                                     ? dicom::code_name(dicom::kContextResults, pc.result) : "unknown reason";
            dicom_expert_explained(c.pinfo, c.tvb, ri, &ei_context_rejected,
                                   wmem_strdup_printf(c.pinfo->pool, "Presentation context %u rejected: %s", pc.id, reason),
                                   wmem_strdup_printf(c.pinfo->pool, "Presentation context %u (%s) rejected: %s", pc.id,
                                                      abstract ? abstract : "?", reason));
        }
        if (nc && nc->proposed_in) {
            proto_item *g = proto_tree_add_uint(t, hf_pctx_proposed_in, c.tvb, 0, 0, nc->proposed_in);
            proto_item_set_generated(g);
        }
        if (nc && !nc->abstract_syntax.empty()) {
            proto_item *g = add_generated_uid(c, t, hf_pctx_abstract, nc->abstract_syntax.c_str());
            proto_item_set_generated(g);
            proto_item_set_hidden(add_generated_uid(c, t, hf_sop_class_uid, nc->abstract_syntax.c_str()));
        }
    } else if (nc && nc->answered && nc->answered_in > c.pinfo->num) {
        proto_item *g = proto_tree_add_uint(t, hf_pctx_answered_in, c.tvb, 0, 0, nc->answered_in);
        proto_item_set_generated(g);
        g = proto_tree_add_uint(t, hf_pctx_ac_result, c.tvb, 0, 0, nc->result);
        proto_item_set_generated(g);
    }
    if (pc.has_abstract) {
        proto_tree *st = item_subtree(c, t, pc.abstract_item, ett_sub, "Abstract Syntax");
        add_uid(c, st, hf_pctx_abstract, pc.abstract_syntax.where);
        add_sop_class_alias(c, st, pc.abstract_syntax.where);
    }
    for (size_t i = 0; i < pc.transfer_items.size(); ++i) {
        proto_tree *st = item_subtree(c, t, pc.transfer_items[i], ett_sub,
                                      wmem_strdup_printf(c.pinfo->pool, "Transfer Syntax: %s",
                                                         uid_label(c.pinfo, pc.transfer_syntaxes[i].value)));
        add_uid(c, st, hf_pctx_transfer, pc.transfer_syntaxes[i].where);
    }
    for (const Item &o : pc.other_items) {
        proto_tree *st = item_subtree(c, t, o, ett_sub, "Unexpected item");
        if (o.body.len) proto_tree_add_item(st, hf_item_data, c.tvb, o.body.off, o.body.len, ENC_NA);
    }
}

/* Query/retrieve information models (1.2.840.10008.5.1.4.1.2.M.K): K 1 FIND, 2 MOVE, 3 GET;
 * and Modality Worklist FIND. Returns 'F', 'R' (MOVE/GET) or 0. */
static char query_retrieve_kind(std::string_view sop) {
    if (sop == "1.2.840.10008.5.1.4.31") return 'F';
    if (sop.substr(0, 24) != "1.2.840.10008.5.1.4.1.2.") return 0;
    char last = sop.back();
    if (sop.size() < 4 || sop[sop.size() - 2] != '.') return 0;
    return last == '1' ? 'F' : (last == '2' || last == '3') ? 'R' : 0;
}

static bool is_storage(std::string_view sop) { return sop.substr(0, 24) == "1.2.840.10008.5.1.4.1.1."; }

/* SOP Class Extended Negotiation (PS3.7 D.3.3.5): the application information by service. */
static void tree_extended_negotiation(const PduContext &c, proto_tree *t, const dicom::UserInfoEntry &e) {
    tvbuff_t *tvb = c.tvb;
    add_uid(c, t, hf_extneg_sop_class, e.uid.where);
    proto_item_append_text(t, ": %s", uid_label(c.pinfo, e.uid.value));
    if (e.app_info.len) proto_tree_add_item(t, hf_extneg_info, tvb, e.app_info.off, e.app_info.len, ENC_NA);
    const char qr = query_retrieve_kind(e.uid.value);
    if (qr == 'F') { /* PS3.4 C.5.1.1 */
        const int hfs[] = {hf_extneg_relational, hf_extneg_datetime, hf_extneg_fuzzy, hf_extneg_timezone};
        for (guint32 i = 0; i < 4 && i < e.app_info.len; ++i)
            proto_tree_add_item(t, hfs[i], tvb, e.app_info.off + i, 1, ENC_BIG_ENDIAN);
    } else if (qr == 'R') { /* PS3.4 C.5.2.1, C.5.3.1 */
        const int hfs[] = {hf_extneg_relational_retrieval, hf_extneg_enhanced_conversion};
        for (guint32 i = 0; i < 2 && i < e.app_info.len; ++i)
            proto_tree_add_item(t, hfs[i], tvb, e.app_info.off + i, 1, ENC_BIG_ENDIAN);
    } else if (is_storage(e.uid.value)) { /* PS3.4 B.3.1.1: odd bytes are reserved */
        const int hfs[] = {hf_extneg_storage_level, hf_extneg_signature_level, hf_extneg_coercion};
        for (guint32 i = 0; i < 3 && 2 * i < e.app_info.len; ++i)
            proto_tree_add_item(t, hfs[i], tvb, e.app_info.off + 2 * i, 1, ENC_BIG_ENDIAN);
    }
}

/* User Identity Negotiation, request (PS3.7 D.3.3.7.1); the passcode masked unless asked. */
static void tree_user_identity_rq(const PduContext &c, proto_tree *t, const dicom::UserInfoEntry &e) {
    tvbuff_t *tvb = c.tvb;
    const Span b = e.item.body;
    proto_tree_add_item(t, hf_uid_type, tvb, b.off, 1, ENC_BIG_ENDIAN);
    proto_tree_add_item(t, hf_uid_response_requested, tvb, b.off + 1, 1, ENC_BIG_ENDIAN);
    const char *type = dicom::code_name(dicom::kUserIdentityTypes, e.identity_type);
    proto_item_append_text(t, ": %s", type ? type : "unknown type");
    if (e.identity_type == 3) /* Kerberos ticket: binary */
        proto_tree_add_item(t, hf_uid_primary_bytes, tvb, e.primary.off, e.primary.len, ENC_NA);
    else
        proto_tree_add_string(t, hf_uid_primary, tvb, e.primary.off, e.primary.len, span_text(c, e.primary));
    if (e.identity_type == 1 || e.identity_type == 2)
        proto_item_append_text(t, " \"%s\"", span_text(c, e.primary));
    if (e.secondary.len || e.identity_type == 2)
        proto_tree_add_string(t, hf_uid_secondary, tvb, e.secondary.off, e.secondary.len,
                              dicom_prefs.show_passcode ? span_text(c, e.secondary) : "********");
}

static void tree_user_info_entry(const PduContext &c, proto_tree *parent, const dicom::UserInfoEntry &e) {
    const char *name = dicom::item_type_name(e.item.type);
    proto_tree *t = item_subtree(c, parent, e.item, ett_sub, name ? name : "Unknown sub-item");
    tvbuff_t *tvb = c.tvb;
    const Span b = e.item.body;
    if (!e.decoded) {
        if (b.len) proto_tree_add_item(t, hf_item_data, tvb, b.off, b.len, ENC_NA);
        return;
    }
    switch (e.item.type) {
    case dicom::kSubMaxLength:
        proto_tree_add_item(t, hf_max_pdu_len, tvb, b.off, 4, ENC_BIG_ENDIAN);
        proto_item_append_text(t, ": %u", e.max_length);
        break;
    case dicom::kSubImplementationClassUid:
        add_uid(c, t, hf_impl_class_uid, e.uid.where);
        proto_item_append_text(t, ": %s", uid_label(c.pinfo, e.uid.value));
        break;
    case dicom::kSubImplementationVersionName:
        proto_tree_add_string(t, hf_impl_version, tvb, b.off, b.len, span_text(c, b));
        proto_item_append_text(t, ": %s", span_text(c, b));
        break;
    case dicom::kSubAsyncOperationsWindow:
        proto_tree_add_item(t, hf_async_invoked, tvb, b.off, 2, ENC_BIG_ENDIAN);
        proto_tree_add_item(t, hf_async_performed, tvb, b.off + 2, 2, ENC_BIG_ENDIAN);
        proto_item_append_text(t, ": invoked %u, performed %u", e.invoked, e.performed);
        break;
    case dicom::kSubRoleSelection:
        add_uid(c, t, hf_role_sop_class, e.uid.where);
        add_sop_class_alias(c, t, e.uid.where);
        proto_tree_add_item(t, hf_role_scu, tvb, e.scu_at.off, 1, ENC_BIG_ENDIAN);
        proto_tree_add_item(t, hf_role_scp, tvb, e.scp_at.off, 1, ENC_BIG_ENDIAN);
        proto_item_append_text(t, ": %s, SCU %u, SCP %u", uid_label(c.pinfo, e.uid.value), e.scu_role, e.scp_role);
        break;
    case dicom::kSubSopClassExtendedNegotiation: tree_extended_negotiation(c, t, e); break;
    case dicom::kSubSopClassCommonExtendedNegotiation:
        proto_tree_add_item(t, hf_cextneg_version, tvb, e.item.where.off + 1, 1, ENC_BIG_ENDIAN);
        add_uid(c, t, hf_cextneg_sop_class, e.uid.where);
        add_uid(c, t, hf_cextneg_service_class, e.service_class.where);
        for (const dicom::UidField &r : e.related) add_uid(c, t, hf_cextneg_related, r.where);
        proto_item_append_text(t, ": %s", uid_label(c.pinfo, e.uid.value));
        break;
    case dicom::kSubUserIdentityRq: tree_user_identity_rq(c, t, e); break;
    case dicom::kSubUserIdentityAc:
        if (e.server_response.len)
            proto_tree_add_item(t, hf_uid_server_response, tvb, e.server_response.off, e.server_response.len, ENC_NA);
        proto_item_append_text(t, ": %u-byte server response", e.server_response.len);
        break;
    }
}

void tree_associate(const PduContext &c, const dicom::Associate &a) {
    const bool in_rq = a.pdu_type == dicom::kAssociateRq;
    proto_tree *t = c.tree;
    proto_tree_add_item(t, hf_protocol_version, c.tvb, 6, 2, ENC_BIG_ENDIAN);
    const char *called = span_text(c, a.called_ae.where), *calling = span_text(c, a.calling_ae.where);
    proto_tree_add_string(t, hf_ae_called, c.tvb, 10, 16, called);
    proto_tree_add_string(t, hf_ae_calling, c.tvb, 26, 16, calling);
    proto_item_set_hidden(proto_tree_add_string(t, hf_ae_called_compat, c.tvb, 10, 16, called));
    proto_item_set_hidden(proto_tree_add_string(t, hf_ae_calling_compat, c.tvb, 26, 16, calling));
    proto_item_append_text(c.pdu_item, " %s \xe2\x86\x92 %s", in_rq ? calling : called, in_rq ? called : calling);

    if (a.has_app_context) {
        proto_tree *st = item_subtree(c, t, a.app_context_item, ett_item,
                                      wmem_strdup_printf(c.pinfo->pool, "Application Context: %s",
                                                         uid_label(c.pinfo, a.app_context.value)));
        add_uid(c, st, hf_app_context, a.app_context.where);
    }
    for (const dicom::PresentationContext &pc : a.contexts)
        tree_context(c, t, pc, pc.item.type == dicom::kItemPresentationContextRq);
    /* none accepted: the diagnosis' no_context_accepted */
    if (a.has_user_info) {
        proto_tree *ut = item_subtree(c, t, a.user_info.item, ett_userinfo, "User Information");
        for (const dicom::UserInfoEntry &e : a.user_info.entries) tree_user_info_entry(c, ut, e);
    }
    for (const Item &o : a.other_items) {
        const char *name = dicom::item_type_name(o.type);
        proto_tree *st = item_subtree(c, t, o, ett_item, name ? name : "Unknown item");
        if (o.body.len) proto_tree_add_item(st, hf_item_data, c.tvb, o.body.off, o.body.len, ENC_NA);
    }
    add_findings(c, a.findings);
}
