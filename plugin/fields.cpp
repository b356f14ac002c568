/* Every filterable field of the plugin. Names follow PS3.8 (upper layer) and PS3.7 Annex D
 * (user information sub-items); docs/fields.md documents each one. */
#include "fields.h"

#include "session/connection.hpp"
#include "conformance/rules.hpp"
#include "session/findings.hpp"
#include "compat.h"

#include "ul/ul_codes.hpp"
#include "dimse/dimse.hpp"

int proto_dicom_ul = -1;

int hf_dicom_any = -1, hf_pdu_type = -1, hf_pdu_len = -1, hf_protocol_version = -1;
int hf_ae_called = -1, hf_ae_calling = -1, hf_ae_called_compat = -1, hf_ae_calling_compat = -1;
int hf_item_type = -1, hf_item_len = -1, hf_app_context = -1;
int hf_pctx_id = -1, hf_pctx_result = -1, hf_pctx_abstract = -1, hf_pctx_transfer = -1;
int hf_pctx_proposed_in = -1, hf_pctx_answered_in = -1, hf_pctx_ac_result = -1, hf_sop_class_uid = -1;
int hf_extneg_relational_retrieval = -1, hf_extneg_enhanced_conversion = -1;
int hf_max_pdu_len = -1, hf_impl_class_uid = -1, hf_impl_version = -1;
int hf_async_invoked = -1, hf_async_performed = -1;
int hf_role_sop_class = -1, hf_role_scu = -1, hf_role_scp = -1;
int hf_extneg_sop_class = -1, hf_extneg_info = -1;
int hf_extneg_relational = -1, hf_extneg_datetime = -1, hf_extneg_fuzzy = -1,
    hf_extneg_timezone = -1;
int hf_extneg_storage_level = -1, hf_extneg_signature_level = -1, hf_extneg_coercion = -1;
int hf_cextneg_version = -1, hf_cextneg_sop_class = -1, hf_cextneg_service_class = -1,
    hf_cextneg_related = -1;
int hf_uid_type = -1, hf_uid_response_requested = -1, hf_uid_primary = -1,
    hf_uid_primary_bytes = -1, hf_uid_secondary = -1, hf_uid_server_response = -1;
int hf_item_data = -1;
int hf_rj_result = -1, hf_rj_source = -1, hf_rj_reason = -1, hf_abort_source = -1,
    hf_abort_reason = -1;
int hf_pdv_count = -1, hf_pdv_len = -1, hf_pdv_ctx = -1, hf_pdv_flags = -1,
    hf_pdv_flag_command = -1, hf_pdv_flag_last = -1, hf_pdv_flag_reserved = -1,
    hf_pdv_abstract = -1, hf_pdv_transfer = -1, hf_pdv_negotiated_in = -1, hf_pdv_value = -1;
int hf_garbage = -1, hf_transport = -1;
int hf_pdu_fragment = -1, hf_pdu_reassembled_in = -1, hf_stream_retransmitted = -1, hf_stream_first_seen_in = -1,
    hf_stream_held = -1, hf_stream_delivered_in = -1, hf_stream_lost = -1, hf_stream_offset = -1,
    hf_stream_bytes_in = -1, hf_stream_skipped = -1, hf_dimse_incomplete = -1, hf_dimse_bytes_missing = -1;
int hf_pdv_message = -1, hf_pdv_completed_in = -1, hf_dimse = -1, hf_dimse_fragment = -1,
    hf_dimse_fragment_count = -1, hf_dimse_command = -1, hf_dimse_message_id = -1,
    hf_dimse_message_id_rsp = -1, hf_dimse_affected_sop_class = -1, hf_dimse_requested_sop_class = -1,
    hf_dimse_affected_sop_instance = -1, hf_dimse_requested_sop_instance = -1, hf_dimse_priority = -1,
    hf_dimse_data_set_type = -1, hf_dimse_move_destination = -1, hf_dimse_move_originator_ae = -1,
    hf_dimse_move_originator_id = -1, hf_dimse_remaining = -1, hf_dimse_completed = -1,
    hf_dimse_failed = -1, hf_dimse_warning = -1, hf_dimse_status = -1, hf_dimse_status_category = -1, hf_dimse_status_meaning = -1,
    hf_dimse_error_comment = -1, hf_dimse_offending_element = -1, hf_dimse_error_id = -1,
    hf_dimse_event_type = -1, hf_dimse_action_type = -1, hf_dimse_data_set_size = -1;
int hf_tag = -1, hf_element = -1, hf_tag_vr = -1, hf_tag_vl = -1, hf_value_string = -1, hf_value_uint = -1,
    hf_value_int = -1, hf_value_float = -1, hf_value_tag = -1, hf_value_bytes = -1, hf_private_creator = -1;
int hf_dimse_operation = -1, hf_message_command = -1, hf_message_id = -1;
int hf_finding = -1, hf_finding_party = -1, hf_finding_ae = -1, hf_finding_severity = -1, hf_finding_doubt = -1, hf_finding_text = -1, hf_explanation = -1,
    hf_conformance = -1, hf_conformance_rule = -1, hf_conformance_class = -1, hf_conformance_severity = -1,
    hf_conformance_party = -1, hf_conformance_ae = -1, hf_conformance_reference = -1, hf_conformance_text = -1, hf_stall_time = -1,
    hf_stall_cause = -1, hf_processing_time = -1, hf_transport_time = -1;
int hf_assoc_id = -1, hf_assoc_setup_time = -1, hf_assoc_release_time = -1, hf_assoc_duration = -1,
    hf_response_to = -1, hf_response_in = -1, hf_response_time = -1, hf_send_time = -1, hf_move_request_in = -1, hf_cancel_in = -1, hf_move_sub_association = -1;
int hf_key_patient_id = -1, hf_key_patient_name = -1, hf_key_study_uid = -1, hf_key_series_uid = -1,
    hf_key_sop_instance = -1, hf_key_modality = -1, hf_key_accession = -1, hf_key_study_date = -1,
    hf_key_study_description = -1, hf_key_series_description = -1, hf_key_query_level = -1,
    hf_key_charset = -1;

gint ett_dicom = -1, ett_item = -1, ett_pctx = -1, ett_userinfo = -1, ett_sub = -1,
     ett_pdv = -1, ett_pdv_flags = -1, ett_dimse = -1, ett_command = -1, ett_dataset = -1,
     ett_element = -1, ett_fragments = -1, ett_finding = -1;

expert_field ei_problem[(int)dicom::Problem::Count];
expert_field ei_retransmitted = EI_INIT, ei_held = EI_INIT, ei_resync_after_gap = EI_INIT,
    ei_capture_starts_inside_pdu = EI_INIT, ei_not_exported = EI_INIT;
expert_field ei_not_pdu = EI_INIT, ei_context_rejected = EI_INIT, ei_pdv_context_unknown = EI_INIT,
             ei_parse_failed = EI_INIT, ei_charset_raw = EI_INIT, ei_inferred = EI_INIT, ei_tls_encrypted = EI_INIT;
expert_field ei_diag[(int)dicom::DiagCode::Count][3];
expert_field ei_rule[(int)dicom::Rule::Count];

namespace {

/* value_string tables made once from the core's code tables, kept for the process's life. */
const value_string *vals_from(const dicom::CodeName *t) {
    size_t n = 0;
    while (t[n].name) ++n;
    value_string *vs = g_new0(value_string, n + 1);
    for (size_t i = 0; i < n; ++i) {
        vs[i].value = t[i].code;
        vs[i].strptr = t[i].name;
    }
    return vs;
}

const value_string transport_vals[] = {
    {(guint32)dicom::Transport::Plain, "Plain DICOM"},
    {(guint32)dicom::Transport::TlsOnPlainPort, "TLS on a plain DICOM port"},
    {(guint32)dicom::Transport::Tls, "DICOM over TLS"},
    {(guint32)dicom::Transport::PlainOnTlsPort, "Plain DICOM on the DICOM-over-TLS port"},
    {(guint32)dicom::Transport::TlsNotDecrypted, "DICOM over TLS, not decrypted"},
    {0, NULL},
};

const value_string role_vals[] = {
    {0, "non-support (RQ) / rejection (AC)"}, {1, "support (RQ) / acceptance (AC)"}, {0, NULL}};
const value_string supported_vals[] = {{0, "not supported"}, {1, "supported"}, {0, NULL}};
/* Storage service extended negotiation (PS3.4 B.3.1.1) */
const value_string storage_level_vals[] = {
    {0, "level 0 (local)"}, {1, "level 1 (basic)"}, {2, "level 2 (full)"}, {3, "N/A (association acceptor is the SCU)"}, {0, NULL}};
const value_string signature_level_vals[] = {
    {0, "unspecified"}, {1, "signature level 1"}, {2, "signature level 2"}, {3, "signature level 3"}, {0, NULL}};
const value_string coercion_vals[] = {
    {0, "does not coerce any element"}, {1, "may coerce data elements"}, {2, "N/A (association acceptor is the SCU)"}, {0, NULL}};
const value_string response_requested_vals[] = {
    {0, "no response requested"}, {1, "positive response requested"}, {0, NULL}};
const true_false_string tfs_command = {"Command", "Data set"};
const true_false_string tfs_last = {"Last fragment", "More fragments follow"};

#define FIELD(id, name, abbrev, type, base, strings, mask, blurb) \
    { &id, { name, abbrev, type, base, strings, mask, blurb, HFILL } }

} // namespace

void dicom_register_fields(void) {
    const value_string *pdu_types = vals_from(dicom::kPduTypes);
    const value_string *item_types = vals_from(dicom::kItemTypes);
    const value_string *pctx_results = vals_from(dicom::kContextResults);
    const value_string *rj_results = vals_from(dicom::kRejectResults);
    const value_string *rj_sources = vals_from(dicom::kRejectSources);
    const value_string *abort_sources = vals_from(dicom::kAbortSources);
    const value_string *uid_types = vals_from(dicom::kUserIdentityTypes);
    const value_string *commands = vals_from(dicom::kCommandFields);
    const value_string *priorities = vals_from(dicom::kPriorities);

    static hf_register_info hf[] = {
        FIELD(hf_dicom_any, "DICOM", "dicom", FT_PROTOCOL, BASE_NONE, NULL, 0,
              "Present in every DICOM PDU, so the filter 'dicom' finds them"),
        FIELD(hf_pdu_type, "PDU Type", "dicom.pdu.type", FT_UINT8, BASE_HEX, VALS(pdu_types), 0, 
              "PDU type (PS3.8 Table 9-1): 1 A-ASSOCIATE-RQ ... 7 A-ABORT"),
        FIELD(hf_pdu_len, "PDU Length", "dicom.pdu.len", FT_UINT32, BASE_DEC, NULL, 0,
              "Length of the PDU after its 6-byte header"),
        FIELD(hf_protocol_version, "Protocol Version", "dicom.assoc.version", FT_UINT16, BASE_HEX, NULL, 0, 
              "Protocol version bit field of A-ASSOCIATE-RQ/AC (bit 0: version 1)"),
        FIELD(hf_ae_called, "Called AE Title", "dicom.ae_called", FT_STRING, BASE_NONE, NULL, 0,
              "Called application entity title, trailing spaces removed; in the A-ASSOCIATE-RQ/AC, and generated on every "
              "other frame of the association"),
        FIELD(hf_ae_calling, "Calling AE Title", "dicom.ae_calling", FT_STRING, BASE_NONE, NULL, 0,
              "Calling application entity title, trailing spaces removed; in the A-ASSOCIATE-RQ/AC, and generated on every "
              "other frame of the association"),
        FIELD(hf_ae_called_compat, "Called AE Title", "dicom.assoc.ae.called", FT_STRING, BASE_NONE, NULL, 0,
              "Same as dicom.ae_called (the built-in dissector's name)"),
        FIELD(hf_ae_calling_compat, "Calling AE Title", "dicom.assoc.ae.calling", FT_STRING, BASE_NONE, NULL, 0,
              "Same as dicom.ae_calling (the built-in dissector's name)"),
        FIELD(hf_item_type, "Item Type", "dicom.assoc.item.type", FT_UINT8, BASE_HEX, VALS(item_types), 0, 
              "Type of a variable item or user information sub-item"),
        FIELD(hf_item_len, "Item Length", "dicom.assoc.item.len", FT_UINT16, BASE_DEC, NULL, 0, 
              "Length of the item after its 4-byte header"),
        FIELD(hf_app_context, "Application Context Name", "dicom.actx", FT_STRING, BASE_NONE, NULL, 0, 
              "Application context name UID (1.2.840.10008.3.1.1.1 for DICOM)"),
        FIELD(hf_pctx_id, "Presentation Context ID", "dicom.pctx.id", FT_UINT8, BASE_DEC, NULL, 0, 
              "Presentation context ID (odd, 1-255); in an A-ASSOCIATE-RQ/AC item"),
        FIELD(hf_pctx_result, "Result", "dicom.pctx.result", FT_UINT8, BASE_DEC, VALS(pctx_results), 0,
              "Presentation context result/reason of the A-ASSOCIATE-AC"),
        FIELD(hf_pctx_abstract, "Abstract Syntax", "dicom.pctx.abstract_syntax", FT_STRING, BASE_NONE, NULL, 0, 
              "Abstract syntax (SOP class) UID proposed for the context; generated on the AC from the RQ"),
        FIELD(hf_pctx_transfer, "Transfer Syntax", "dicom.pctx.transfer_syntax", FT_STRING, BASE_NONE, NULL, 0, 
              "Transfer syntax UID: each one proposed (RQ) or the one accepted (AC)"),
        FIELD(hf_pctx_proposed_in, "Proposed in", "dicom.pctx.proposed_in", FT_FRAMENUM, BASE_NONE,
              FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, "Frame of the A-ASSOCIATE-RQ that proposed this context"),
        FIELD(hf_pctx_answered_in, "Answered in", "dicom.pctx.answered_in", FT_FRAMENUM, BASE_NONE,
              FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, "Frame of the A-ASSOCIATE-AC that answered this context"),
        FIELD(hf_pctx_ac_result, "Result in A-ASSOCIATE-AC", "dicom.pctx.ac_result", FT_UINT8, BASE_DEC, VALS(pctx_results), 0,
              "On the A-ASSOCIATE-RQ: the result the AC gave this context (known once the AC was dissected)"),
        FIELD(hf_extneg_relational_retrieval, "Relational Retrieval", "dicom.userinfo.extneg.relational_retrieval", FT_UINT8, BASE_DEC, VALS(supported_vals), 0,
              "Query/Retrieve MOVE/GET extended negotiation byte 1 (PS3.4 C.5.2.1, C.5.3.1)"),
        FIELD(hf_extneg_enhanced_conversion, "Enhanced Multi-Frame Image Conversion", "dicom.userinfo.extneg.enhanced_conversion", FT_UINT8, BASE_DEC, VALS(supported_vals), 0,
              "Query/Retrieve MOVE/GET extended negotiation byte 2"),
        FIELD(hf_sop_class_uid, "SOP Class UID", "dicom.sop_class_uid", FT_STRING, BASE_NONE, NULL, 0,
              "Abstract syntax (SOP class) of a presentation context, on the negotiation and on each PDV"),
        FIELD(hf_max_pdu_len, "Maximum Length Received", "dicom.max_pdu_len", FT_UINT32, BASE_DEC, NULL, 0,
              "Largest P-DATA-TF PDU the sender of this PDU accepts (0: no limit)"),
        FIELD(hf_impl_class_uid, "Implementation Class UID", "dicom.userinfo.impl_class_uid", FT_STRING, BASE_NONE, NULL, 0, 
              "Implementation class UID of the sender's DICOM toolkit"),
        FIELD(hf_impl_version, "Implementation Version Name", "dicom.userinfo.impl_version", FT_STRING, BASE_NONE, NULL, 0, 
              "Implementation version name of the sender's DICOM toolkit"),
        FIELD(hf_async_invoked, "Maximum Number Operations Invoked", "dicom.userinfo.async.invoked", FT_UINT16, BASE_DEC, NULL, 0, 
              "Asynchronous operations window: operations the requestor may invoke (0: unlimited)"),
        FIELD(hf_async_performed, "Maximum Number Operations Performed", "dicom.userinfo.async.performed", FT_UINT16, BASE_DEC, NULL, 0, 
              "Asynchronous operations window: operations the requestor may perform (0: unlimited)"),
        FIELD(hf_role_sop_class, "SOP Class UID", "dicom.userinfo.role.sop_class_uid", FT_STRING, BASE_NONE, NULL, 0, 
              "SOP class of an SCP/SCU role selection sub-item"),
        FIELD(hf_role_scu, "SCU Role", "dicom.userinfo.role.scu", FT_UINT8, BASE_DEC, VALS(role_vals), 0, 
              "SCU role proposed (RQ) or accepted (AC) for the SOP class"),
        FIELD(hf_role_scp, "SCP Role", "dicom.userinfo.role.scp", FT_UINT8, BASE_DEC, VALS(role_vals), 0, 
              "SCP role proposed (RQ) or accepted (AC) for the SOP class"),
        FIELD(hf_extneg_sop_class, "SOP Class UID", "dicom.userinfo.extneg.sop_class_uid", FT_STRING, BASE_NONE, NULL, 0, 
              "SOP class of an extended negotiation sub-item"),
        FIELD(hf_extneg_info, "Service Class Application Information", "dicom.userinfo.extneg.info", FT_BYTES, BASE_NONE, NULL, 0, 
              "Service-class-application-information bytes (PS3.4 per service class)"),
        FIELD(hf_extneg_relational, "Relational Queries", "dicom.userinfo.extneg.relational", FT_UINT8, BASE_DEC, VALS(supported_vals), 0, 
              "Query/Retrieve extended negotiation byte 1"),
        FIELD(hf_extneg_datetime, "Combined Date-Time Matching", "dicom.userinfo.extneg.datetimematching", FT_UINT8, BASE_DEC, VALS(supported_vals), 0, 
              "Query/Retrieve extended negotiation byte 2"),
        FIELD(hf_extneg_fuzzy, "Fuzzy Semantic Matching of Person Names", "dicom.userinfo.extneg.fuzzymatching", FT_UINT8, BASE_DEC, VALS(supported_vals), 0, 
              "Query/Retrieve extended negotiation byte 3"),
        FIELD(hf_extneg_timezone, "Timezone Query Adjustment", "dicom.userinfo.extneg.timezone", FT_UINT8, BASE_DEC, VALS(supported_vals), 0, 
              "Query/Retrieve extended negotiation byte 4"),
        FIELD(hf_extneg_storage_level, "Level of Support", "dicom.userinfo.extneg.storage_level", FT_UINT8, BASE_DEC, VALS(storage_level_vals), 0,
              "Storage extended negotiation byte 1 (PS3.4 B.3.1.1)"),
        FIELD(hf_extneg_signature_level, "Level of Digital Signature Support", "dicom.userinfo.extneg.signature_level", FT_UINT8, BASE_DEC, VALS(signature_level_vals), 0,
              "Storage extended negotiation byte 3"),
        FIELD(hf_extneg_coercion, "Element Coercion", "dicom.userinfo.extneg.coercion", FT_UINT8, BASE_DEC, VALS(coercion_vals), 0,
              "Storage extended negotiation byte 5"),
        FIELD(hf_cextneg_version, "Sub-Item Version", "dicom.userinfo.common_extneg.version", FT_UINT8, BASE_DEC, NULL, 0, 
              "Sub-item version of the SOP class common extended negotiation (0)"),
        FIELD(hf_cextneg_sop_class, "SOP Class UID", "dicom.userinfo.common_extneg.sop_class_uid", FT_STRING, BASE_NONE, NULL, 0, 
              "SOP class of a common extended negotiation sub-item"),
        FIELD(hf_cextneg_service_class, "Service Class UID", "dicom.userinfo.common_extneg.service_class_uid", FT_STRING, BASE_NONE, NULL, 0, 
              "Service class the SOP class belongs to"),
        FIELD(hf_cextneg_related, "Related General SOP Class UID", "dicom.userinfo.common_extneg.related_uid", FT_STRING, BASE_NONE, NULL, 0, 
              "Each related general SOP class UID"),
        FIELD(hf_uid_type, "User Identity Type", "dicom.user_identity.type", FT_UINT8, BASE_DEC, VALS(uid_types), 0, 
              "User identity type: 1 username, 2 username and passcode, 3 Kerberos, 4 SAML, 5 JWT"),
        FIELD(hf_uid_response_requested, "Positive Response Requested", "dicom.user_identity.response_requested", FT_UINT8, BASE_DEC, VALS(response_requested_vals), 0, 
              "Whether the requestor asks for a positive server response"),
        FIELD(hf_uid_primary, "Primary Field", "dicom.user_identity.primary", FT_STRING, BASE_NONE, NULL, 0,
              "User name, SAML assertion or JSON Web Token"),
        FIELD(hf_uid_primary_bytes, "Primary Field", "dicom.user_identity.primary_bytes", FT_BYTES, BASE_NONE, NULL, 0,
              "Kerberos service ticket"),
        FIELD(hf_uid_secondary, "Secondary Field (passcode)", "dicom.user_identity.secondary", FT_STRING, BASE_NONE, NULL, 0,
              "Passcode; masked unless the 'Show user identity passcodes' preference is on"),
        FIELD(hf_uid_server_response, "Server Response", "dicom.user_identity.server_response", FT_BYTES, BASE_NONE, NULL, 0, 
              "Server response of a user identity AC sub-item (Kerberos ticket, SAML or JWT)"),
        FIELD(hf_item_data, "Item Data", "dicom.assoc.item.data", FT_BYTES, BASE_NONE, NULL, 0,
              "Body of an item that could not be decoded"),
        FIELD(hf_rj_result, "Result", "dicom.assoc.reject.result", FT_UINT8, BASE_DEC, VALS(rj_results), 0, 
              "A-ASSOCIATE-RJ result: 1 rejected-permanent, 2 rejected-transient"),
        FIELD(hf_rj_source, "Source", "dicom.assoc.reject.source", FT_UINT8, BASE_DEC, VALS(rj_sources), 0, 
              "A-ASSOCIATE-RJ source: 1 service-user, 2 provider (ACSE), 3 provider (presentation)"),
        FIELD(hf_rj_reason, "Reason/Diag.", "dicom.assoc.reject.reason", FT_UINT8, BASE_DEC, NULL, 0,
              "Meaning depends on the source (PS3.8 Table 9-21)"),
        FIELD(hf_abort_source, "Source", "dicom.assoc.abort.source", FT_UINT8, BASE_DEC, VALS(abort_sources), 0, 
              "A-ABORT source: 0 service-user, 2 service-provider"),
        FIELD(hf_abort_reason, "Reason/Diag.", "dicom.assoc.abort.reason", FT_UINT8, BASE_DEC, NULL, 0, 
              "A-ABORT reason, meaningful when the source is the service-provider"),
        FIELD(hf_pdv_count, "Number of PDVs", "dicom.pdv.count", FT_UINT32, BASE_DEC, NULL, 0, 
              "Number of PDV items in the P-DATA-TF PDU"),
        FIELD(hf_pdv_len, "PDV Length", "dicom.pdv.len", FT_UINT32, BASE_DEC, NULL, 0,
              "Item length: context ID, message control header and fragment"),
        FIELD(hf_pdv_ctx, "Presentation Context ID", "dicom.pdv.ctx", FT_UINT8, BASE_DEC, NULL, 0, 
              "Presentation context ID of the PDV"),
        FIELD(hf_pdv_flags, "Message Control Header", "dicom.pdv.flags", FT_UINT8, BASE_HEX, NULL, 0, 
              "Message control header of the PDV (bit 0 command, bit 1 last fragment)"),
        FIELD(hf_pdv_flag_command, "Command", "dicom.pdv.flags.command", FT_BOOLEAN, 8, TFS(&tfs_command), 0x01,
              "Set: fragment of a command set; clear: fragment of a data set"),
        FIELD(hf_pdv_flag_last, "Last", "dicom.pdv.flags.last", FT_BOOLEAN, 8, TFS(&tfs_last), 0x02, 
              "Set on the last fragment of a command or data set"),
        FIELD(hf_pdv_flag_reserved, "Reserved", "dicom.pdv.flags.reserved", FT_UINT8, BASE_HEX, NULL, 0xFC, 
              "Reserved bits of the message control header; must be 0"),
        FIELD(hf_pdv_abstract, "Abstract Syntax", "dicom.pdv.abstract_syntax", FT_STRING, BASE_NONE, NULL, 0,
              "Abstract syntax negotiated for the PDV's presentation context"),
        FIELD(hf_pdv_transfer, "Transfer Syntax", "dicom.pdv.transfer_syntax", FT_STRING, BASE_NONE, NULL, 0,
              "Transfer syntax accepted for the PDV's presentation context"),
        FIELD(hf_pdv_negotiated_in, "Context negotiated in", "dicom.pdv.negotiated_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
              "Frame of the A-ASSOCIATE-AC that accepted the PDV's presentation context"),
        FIELD(hf_pdv_value, "Fragment", "dicom.pdv.value", FT_BYTES, BASE_NONE, NULL, 0,
              "Command or data set fragment carried by the PDV"),
        FIELD(hf_garbage, "Not a PDU", "dicom.garbage", FT_BYTES, BASE_NONE, NULL, 0,
              "Bytes where a PDU header was expected but none was found"),
        FIELD(hf_transport, "Transport", "dicom.transport", FT_UINT8, BASE_DEC, VALS(transport_vals), 0,
              "How the connection carries DICOM, shown where it is not plain DICOM: TLS on a plain port, "
              "plain DICOM on the TLS port, or TLS application data that was not decrypted"),
        FIELD(hf_pdu_fragment, "Part of a PDU", "dicom.pdu.fragment", FT_UINT8, BASE_HEX, VALS(pdu_types), 0,
              "Bytes of a PDU (or of a PDU or PDV header) that continues in later segments; the value is the "
              "PDU type, 0 for a PDV header"),
        FIELD(hf_pdu_reassembled_in, "Completed in", "dicom.pdu.reassembled_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
              "Frame that carries the last bytes of the PDU or header these bytes belong to"),
        FIELD(hf_stream_retransmitted, "Retransmitted bytes", "dicom.stream.retransmitted", FT_UINT32, BASE_DEC, NULL, 0,
              "DICOM bytes the receiver already had: a retransmission, a duplicate or an overlap; they are "
              "not decoded again"),
        FIELD(hf_stream_first_seen_in, "First seen in", "dicom.stream.first_seen_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
              "Frame that carried the retransmitted bytes first"),
        FIELD(hf_stream_held, "Bytes ahead of a gap", "dicom.stream.held", FT_UINT32, BASE_DEC, NULL, 0,
              "Bytes that arrived before earlier bytes of the stream: held until the gap before them filled"),
        FIELD(hf_stream_delivered_in, "Delivered in", "dicom.stream.delivered_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
              "Frame at which the receiver had the bytes before these (the gap filled, or was declared lost): "
              "their messages are decoded there"),
        FIELD(hf_stream_lost, "Bytes missing from the capture", "dicom.stream.lost", FT_UINT32, BASE_DEC, NULL, 0,
              "Bytes of the stream that the capture does not hold: the receiver acknowledged them, or they never "
              "came while later bytes waited (a capture gap, not an error of the peers)"),
        FIELD(hf_stream_offset, "Stream offset", "dicom.stream.offset", FT_UINT64, BASE_DEC, NULL, 0,
              "Offset in this direction's byte stream, counted from the first byte in the capture"),
        FIELD(hf_stream_bytes_in, "Bytes in", "dicom.stream.bytes_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
              "Frame that carries the bytes of a PDU or message completed here"),
        FIELD(hf_stream_skipped, "Skipped after a gap", "dicom.stream.skipped", FT_BYTES, BASE_NONE, NULL, 0,
              "Bytes skipped until the next PDU header: after a capture gap, or where a capture starts inside a PDU"),
        FIELD(hf_dimse_incomplete, "Incomplete", "dicom.dimse.incomplete", FT_BOOLEAN, BASE_NONE, NULL, 0,
              "Bytes of this message are missing from the capture (a capture gap)"),
        FIELD(hf_dimse_bytes_missing, "Bytes missing", "dicom.dimse.bytes_missing", FT_UINT64, BASE_DEC, NULL, 0,
              "Bytes of this message's command and data set known to be missing from the capture"),
        FIELD(hf_pdv_message, "Message number in association", "dicom.pdv.message", FT_UINT32, BASE_DEC, NULL, 0,
              "Which DIMSE message of its association (1, 2, ... in order) this PDV belongs to; not the Message ID"),
        FIELD(hf_pdv_completed_in, "Message completed in", "dicom.pdv.completed_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
              "Frame whose PDV completed the DIMSE message this fragment belongs to"),
        FIELD(hf_dimse, "DIMSE Message", "dicom.dimse", FT_NONE, BASE_NONE, NULL, 0,
              "A whole DIMSE message, shown on the frame that completed it"),
        FIELD(hf_dimse_fragment, "Fragment in frame", "dicom.dimse.fragment", FT_FRAMENUM, BASE_NONE, NULL, 0,
              "A frame that carried a fragment of this message"),
        FIELD(hf_dimse_fragment_count, "Fragments", "dicom.dimse.fragment_count", FT_UINT32, BASE_DEC, NULL, 0,
              "Number of PDVs that carried the command and data set"),
        FIELD(hf_dimse_command, "Command Field", "dicom.dimse.command", FT_UINT16, BASE_HEX, VALS(commands), 0,
              "(0000,0100) DIMSE operation, e.g. 0x0001 C-STORE-RQ"),
        FIELD(hf_dimse_operation, "Operation", "dicom.dimse.operation", FT_UINT16, BASE_HEX, VALS(commands), 0,
              "The request's Command Field on a request and on its responses alike (0x0001 C-STORE: the C-STORE-RQ "
              "and its C-STORE-RSP); hidden"),
        FIELD(hf_message_command, "Message Command", "dicom.message.command", FT_UINT16, BASE_HEX, VALS(commands), 0,
              "On every frame that carries a piece of a DIMSE message (once its command is complete): the message's "
              "Command Field"),
        FIELD(hf_message_id, "Message ID", "dicom.message.id", FT_UINT16, BASE_DEC, NULL, 0,
              "On every frame that carries a piece of a DIMSE message: its Message ID, or for a response the Message ID "
              "Being Responded To, so that dicom.message.id == 5 finds a request's frames and its responses'"),
        FIELD(hf_dimse_message_id, "Message ID", "dicom.dimse.message_id", FT_UINT16, BASE_DEC, NULL, 0, "(0000,0110)"),
        FIELD(hf_dimse_message_id_rsp, "Message ID Being Responded To", "dicom.dimse.message_id_rsp", FT_UINT16, BASE_DEC, NULL, 0, "(0000,0120)"),
        FIELD(hf_dimse_affected_sop_class, "Affected SOP Class UID", "dicom.dimse.affected_sop_class_uid", FT_STRING, BASE_NONE, NULL, 0, "(0000,0002)"),
        FIELD(hf_dimse_requested_sop_class, "Requested SOP Class UID", "dicom.dimse.requested_sop_class_uid", FT_STRING, BASE_NONE, NULL, 0, "(0000,0003)"),
        FIELD(hf_dimse_affected_sop_instance, "Affected SOP Instance UID", "dicom.dimse.affected_sop_instance_uid", FT_STRING, BASE_NONE, NULL, 0, "(0000,1000)"),
        FIELD(hf_dimse_requested_sop_instance, "Requested SOP Instance UID", "dicom.dimse.requested_sop_instance_uid", FT_STRING, BASE_NONE, NULL, 0, "(0000,1001)"),
        FIELD(hf_dimse_priority, "Priority", "dicom.dimse.priority", FT_UINT16, BASE_DEC, VALS(priorities), 0, "(0000,0700)"),
        FIELD(hf_dimse_data_set_type, "Command Data Set Type", "dicom.dimse.data_set_type", FT_UINT16, BASE_HEX, NULL, 0,
              "(0000,0800) 0x0101: no data set follows"),
        FIELD(hf_dimse_move_destination, "Move Destination", "dicom.dimse.move_destination", FT_STRING, BASE_NONE, NULL, 0, "(0000,0600)"),
        FIELD(hf_dimse_move_originator_ae, "Move Originator AE Title", "dicom.dimse.move_originator_ae", FT_STRING, BASE_NONE, NULL, 0, "(0000,1030)"),
        FIELD(hf_dimse_move_originator_id, "Move Originator Message ID", "dicom.dimse.move_originator_message_id", FT_UINT16, BASE_DEC, NULL, 0, "(0000,1031)"),
        FIELD(hf_dimse_remaining, "Remaining Sub-operations", "dicom.dimse.remaining", FT_UINT16, BASE_DEC, NULL, 0, "(0000,1020)"),
        FIELD(hf_dimse_completed, "Completed Sub-operations", "dicom.dimse.completed", FT_UINT16, BASE_DEC, NULL, 0, "(0000,1021)"),
        FIELD(hf_dimse_failed, "Failed Sub-operations", "dicom.dimse.failed", FT_UINT16, BASE_DEC, NULL, 0, "(0000,1022)"),
        FIELD(hf_dimse_warning, "Warning Sub-operations", "dicom.dimse.warning", FT_UINT16, BASE_DEC, NULL, 0, "(0000,1023)"),
        FIELD(hf_dimse_status, "Status", "dicom.dimse.status", FT_UINT16, BASE_HEX, NULL, 0,
              "(0000,0900) with its meaning for the service (PS3.7 Annex C)"),
        FIELD(hf_dimse_status_category, "Status Category", "dicom.dimse.status_category", FT_STRING, BASE_NONE, NULL, 0,
              "Success, Warning, Failure, Cancel or Pending"),
        FIELD(hf_dimse_status_meaning, "Status Meaning", "dicom.dimse.status_meaning", FT_STRING, BASE_NONE, NULL, 0,
              "The status in words, for a column: 'Success', 'Warning: Coercion of data elements (0xB000)'; "
              "the category and code alone when the standard gives the code no meaning"),
        FIELD(hf_dimse_error_comment, "Error Comment", "dicom.dimse.error_comment", FT_STRING, BASE_NONE, NULL, 0, "(0000,0902)"),
        FIELD(hf_dimse_offending_element, "Offending Element", "dicom.dimse.offending_element", FT_UINT32, BASE_HEX, NULL, 0, "(0000,0901), each tag"),
        FIELD(hf_dimse_error_id, "Error ID", "dicom.dimse.error_id", FT_UINT16, BASE_HEX, NULL, 0, "(0000,0903)"),
        FIELD(hf_dimse_event_type, "Event Type ID", "dicom.dimse.event_type_id", FT_UINT16, BASE_DEC, NULL, 0, "(0000,1002)"),
        FIELD(hf_dimse_action_type, "Action Type ID", "dicom.dimse.action_type_id", FT_UINT16, BASE_DEC, NULL, 0, "(0000,1008)"),
        FIELD(hf_dimse_data_set_size, "Data Set Size", "dicom.dimse.data_set_size", FT_UINT64, BASE_DEC, NULL, 0,
              "Bytes of the data set as sent (before inflating a deflated one)"),
        FIELD(hf_assoc_id, "Association", "dicom.assoc.id", FT_UINT32, BASE_DEC, NULL, 0,
              "Number of the association in the capture (1, 2, ...), on every PDU"),
        FIELD(hf_assoc_setup_time, "Association Set-up Time", "dicom.assoc.setup_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
              "On the A-ASSOCIATE-AC or -RJ: time since the A-ASSOCIATE-RQ"),
        FIELD(hf_assoc_release_time, "Association Release Time", "dicom.assoc.release_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
              "On the A-RELEASE-RP: time since the A-RELEASE-RQ"),
        FIELD(hf_assoc_duration, "Association Duration", "dicom.assoc.duration", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
              "On the A-RELEASE-RP or A-ABORT: time since the A-ASSOCIATE-RQ"),
        FIELD(hf_response_to, "Response to", "dicom.response_to", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
              "On a response (or C-CANCEL): frame that completed the request it answers"),
        FIELD(hf_response_in, "Response in", "dicom.response_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0,
              "On a request: frame of its final (non-pending) response; known once that frame was dissected"),
        FIELD(hf_response_time, "Response Time", "dicom.response_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
              "From the frame completing the request to the frame completing this response: the time spent waiting for the peer"),
        FIELD(hf_send_time, "Request Send Time", "dicom.dimse.send_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
              "From the request's first byte (the P-DATA-TF header of its first fragment) to its last: the time spent "
              "sending it"),
        FIELD(hf_processing_time, "Processing Time", "dicom.processing_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
              "On a final response: from the moment the request's last byte was acknowledged (or arrived) to the "
              "response's first byte: the responder's own work"),
        FIELD(hf_transport_time, "Transport Time", "dicom.transport_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
              "On a final response: the response time minus the processing time (TCP: acknowledgement, sending the response)"),
        FIELD(hf_stall_time, "TCP Stall Time", "dicom.stall.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
              "On a DIMSE message: the time TCP stalls held it up (sum); on the frame that ended a stall: its length"),
        FIELD(hf_stall_cause, "TCP Stall Cause", "dicom.stall.cause", FT_STRING, BASE_NONE, NULL, 0,
              "delayed_ack, window_full, retransmission, round_trip or sender_idle (on a message: the longest stall's)"),
        FIELD(hf_finding, "Finding", "dicom.finding", FT_STRING, BASE_NONE, NULL, 0,
              "A diagnosis finding raised at this frame (its code, e.g. association_rejected, delayed_ack_stall)"),
        FIELD(hf_finding_party, "Party", "dicom.finding.party", FT_STRING, BASE_NONE, NULL, 0,
              "Whom the finding concerns: requestor, acceptor, network or capture"),
        FIELD(hf_finding_ae, "AE Title", "dicom.finding.ae", FT_STRING, BASE_NONE, NULL, 0,
              "The AE title of the party the finding concerns, when it is a peer"),
        FIELD(hf_finding_severity, "Severity", "dicom.finding.severity", FT_STRING, BASE_NONE, NULL, 0,
              "error, warning or note: the code's usual severity, or note when the capture cannot prove the finding "
              "(delayed-ACK stalls: always a note on their frame)"),
        FIELD(hf_finding_doubt, "Uncertain", "dicom.finding.uncertain", FT_STRING, BASE_NONE, NULL, 0,
              "Why the capture cannot prove the finding: sender_bytes_missed, bytes_missed, syntax_inferred, reordered, "
              "roles_unknown, roles_inferred"),
        FIELD(hf_finding_text, "Text", "dicom.finding.text", FT_STRING, BASE_NONE, NULL, 0,
              "The finding in full: who did what, with the messages and frames it concerns (the expert info's "
              "summary is its short form, at most 100 characters)"),
        FIELD(hf_explanation, "Explanation", "dicom.explanation", FT_STRING, BASE_NONE, NULL, 0,
              "Under an expert info whose summary had to be shortened to fit a column: the whole sentence"),
        FIELD(hf_conformance, "Conformance", "dicom.conformance", FT_STRING, BASE_NONE, NULL, 0,
              "A conformance violation shown at this frame: its title (docs/conformance.md lists every rule)"),
        FIELD(hf_conformance_rule, "Rule", "dicom.conformance.rule", FT_STRING, BASE_NONE, NULL, 0,
              "The rule's id, e.g. ul.pdata_after_own_release_rq, dimse.command_element_missing"),
        FIELD(hf_conformance_class, "Class", "dicom.conformance.class", FT_STRING, BASE_NONE, NULL, 0,
              "ul_state, pdu_field, dimse_command, encoding or iod"),
        FIELD(hf_conformance_severity, "Severity", "dicom.conformance.severity", FT_STRING, BASE_NONE, NULL, 0,
              "The rule's severity: error, warning or note"),
        FIELD(hf_conformance_party, "Party", "dicom.conformance.party", FT_STRING, BASE_NONE, NULL, 0,
              "The peer that broke the rule: requestor or acceptor (never the network or the capture)"),
        FIELD(hf_conformance_ae, "AE Title", "dicom.conformance.ae", FT_STRING, BASE_NONE, NULL, 0,
              "The AE title of the peer that broke the rule"),
        FIELD(hf_conformance_reference, "Reference", "dicom.conformance.reference", FT_STRING, BASE_NONE, NULL, 0,
              "The section of the standard that states the rule, e.g. PS3.7 9.3.1.1"),
        FIELD(hf_conformance_text, "Text", "dicom.conformance.text", FT_STRING, BASE_NONE, NULL, 0,
              "What the peer did, e.g. C-STORE-RQ without Affected SOP Instance UID (0000,1000)"),
        FIELD(hf_cancel_in, "Cancelled in", "dicom.dimse.cancel_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
              "On a request: the C-CANCEL-RQ that named it (known once that frame was dissected)"),
        FIELD(hf_move_sub_association, "Sub-operations on association", "dicom.dimse.move_sub_association", FT_UINT32, BASE_DEC, NULL, 0,
              "On a C-MOVE response: the association(s) (dicom.assoc.id) whose C-STOREs served the C-MOVE"),
        FIELD(hf_move_request_in, "C-MOVE Request in", "dicom.dimse.move_request_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
              "On a C-STORE-RQ of a C-MOVE sub-association: the C-MOVE-RQ it serves (move originator AE and message ID)"),
        FIELD(hf_tag, "Tag", "dicom.tag", FT_UINT32, BASE_HEX, NULL, 0,
              "Tag of a command or data set element, group << 16 | element, e.g. 0x00100010"),
        FIELD(hf_element, "Element", "dicom.element", FT_STRING, BASE_NONE, NULL, 0,
              "Every command and data set element as Keyword=value (e.g. Manufacturer=SIEMENS; (0009,1010)=... for "
              "private and unknown ones); the element's own item where it has no named field (dicom.modality, ...)"),
        FIELD(hf_tag_vr, "VR", "dicom.tag.vr", FT_STRING, BASE_NONE, NULL, 0, "Value representation of an element"),
        FIELD(hf_tag_vl, "Value Length", "dicom.tag.vl", FT_UINT32, BASE_DEC, NULL, 0,
              "Value length as encoded (0xffffffff: undefined)"),
        FIELD(hf_value_string, "Value", "dicom.value.string", FT_STRING, BASE_NONE, NULL, 0,
              "Each value of a text element, in UTF-8"),
        FIELD(hf_value_uint, "Value", "dicom.value.uint", FT_UINT64, BASE_DEC, NULL, 0, "Each value of a US, UL or UV element"),
        FIELD(hf_value_int, "Value", "dicom.value.int", FT_INT64, BASE_DEC, NULL, 0, "Each value of an SS, SL or SV element"),
        FIELD(hf_value_float, "Value", "dicom.value.float", FT_DOUBLE, BASE_NONE, NULL, 0, "Each value of an FL or FD element"),
        FIELD(hf_value_tag, "Value", "dicom.value.tag", FT_UINT32, BASE_HEX, NULL, 0, "Each value of an AT element"),
        FIELD(hf_value_bytes, "Value", "dicom.value.bytes", FT_BYTES, BASE_NONE, NULL, 0,
              "Value (or its first bytes) of an OB, OW, OF, OD, OL, OV or UN element"),
        FIELD(hf_private_creator, "Private Creator", "dicom.private_creator", FT_STRING, BASE_NONE, NULL, 0,
              "Creator of a private element's block"),
        FIELD(hf_key_patient_id, "Patient ID", "dicom.patient_id", FT_STRING, BASE_NONE, NULL, 0, "(0010,0020) anywhere in a data set"),
        FIELD(hf_key_patient_name, "Patient's Name", "dicom.patient_name", FT_STRING, BASE_NONE, NULL, 0, "(0010,0010)"),
        FIELD(hf_key_study_uid, "Study Instance UID", "dicom.study_uid", FT_STRING, BASE_NONE, NULL, 0, "(0020,000D)"),
        FIELD(hf_key_series_uid, "Series Instance UID", "dicom.series_uid", FT_STRING, BASE_NONE, NULL, 0, "(0020,000E)"),
        FIELD(hf_key_sop_instance, "SOP Instance UID", "dicom.sop_instance_uid", FT_STRING, BASE_NONE, NULL, 0,
              "(0008,0018) of a data set, and the affected/requested SOP instance of a command"),
        FIELD(hf_key_modality, "Modality", "dicom.modality", FT_STRING, BASE_NONE, NULL, 0, "(0008,0060)"),
        FIELD(hf_key_accession, "Accession Number", "dicom.accession_number", FT_STRING, BASE_NONE, NULL, 0, "(0008,0050)"),
        FIELD(hf_key_study_date, "Study Date", "dicom.study_date", FT_STRING, BASE_NONE, NULL, 0, "(0008,0020)"),
        FIELD(hf_key_study_description, "Study Description", "dicom.study_description", FT_STRING, BASE_NONE, NULL, 0, "(0008,1030)"),
        FIELD(hf_key_series_description, "Series Description", "dicom.series_description", FT_STRING, BASE_NONE, NULL, 0, "(0008,103E)"),
        FIELD(hf_key_query_level, "Query/Retrieve Level", "dicom.query_level", FT_STRING, BASE_NONE, NULL, 0, "(0008,0052)"),
        FIELD(hf_key_charset, "Specific Character Set", "dicom.charset", FT_STRING, BASE_NONE, NULL, 0, "(0008,0005)"),
    };

    static gint *ett[] = {&ett_dicom, &ett_item, &ett_pctx, &ett_userinfo, &ett_sub, &ett_pdv,
                          &ett_pdv_flags, &ett_dimse, &ett_command, &ett_dataset, &ett_element,
                          &ett_fragments, &ett_finding};

    /* One expert info per kind of problem the core reports, named after problem_key(). */
    const int n_problems = (int)dicom::Problem::Count;
    ei_register_info *ei_core = g_new0(ei_register_info, n_problems);
    for (int i = 0; i < n_problems; ++i) {
        auto p = (dicom::Problem)i;
        bool bad = dicom::problem_is_malformed(p);
        ei_problem[i] = EI_INIT;
        ei_core[i].ids = &ei_problem[i];
        ei_core[i].eiinfo.name = g_strdup_printf("dicom.expert.%s", dicom::problem_key(p));
        const bool capture = dicom::problem_is_capture(p); /* not the peers' doing */
        ei_core[i].eiinfo.group = capture ? PI_SEQUENCE : bad ? PI_MALFORMED : PI_PROTOCOL;
        ei_core[i].eiinfo.severity = bad ? PI_ERROR : PI_WARN;
        ei_core[i].eiinfo.summary = dicom::problem_text(p);
        HFILL_INIT(ei_core[i].eiinfo.hf_info);
    }

    static ei_register_info ei[] = {
        {&ei_not_pdu, {"dicom.expert.not_pdu", PI_MALFORMED, PI_ERROR,
                       "Not a DICOM PDU: no plausible PDU header here", EXPFILL}},
        {&ei_context_rejected, {"dicom.expert.pctx_rejected", PI_RESPONSE_CODE, PI_NOTE,
                                "Presentation context rejected", EXPFILL}},
        {&ei_pdv_context_unknown, {"dicom.expert.pdv_ctx_unknown", PI_PROTOCOL, PI_WARN,
                                   "PDV on a presentation context that was not negotiated in this capture", EXPFILL}},
        {&ei_parse_failed, {"dicom.expert.parse_failed", PI_MALFORMED, PI_ERROR,
                            "PDU could not be decoded", EXPFILL}},
        {&ei_inferred, {"dicom.expert.inferred", PI_ASSUMPTION, PI_NOTE,
                        "Presentation context or transfer syntax inferred (association set-up not captured)", EXPFILL}},
        {&ei_tls_encrypted, {"dicom.expert.tls_encrypted", PI_DECRYPTION, PI_NOTE,
                             "DICOM over TLS: application data not decrypted (no key for this session)", EXPFILL}},
        {&ei_retransmitted, {"dicom.expert.retransmitted", PI_SEQUENCE, PI_CHAT,
                             "Retransmitted DICOM bytes: the receiver already had them", EXPFILL}},
        {&ei_held, {"dicom.expert.held", PI_SEQUENCE, PI_CHAT,
                    "DICOM bytes ahead of a gap in the stream, decoded once the gap fills", EXPFILL}},
        {&ei_resync_after_gap, {"dicom.expert.resync_after_gap", PI_SEQUENCE, PI_NOTE,
                                "Bytes skipped after a capture gap until the next PDU header", EXPFILL}},
        {&ei_capture_starts_inside_pdu, {"dicom.expert.capture_starts_inside_pdu", PI_SEQUENCE, PI_NOTE,
                                         "The capture starts inside a PDU: bytes skipped until the next PDU header", EXPFILL}},
        {&ei_not_exported, {"dicom.expert.not_exported", PI_SEQUENCE, PI_NOTE,
                            "Incomplete data set not offered by Export Objects (preference export_incomplete)", EXPFILL}},
        {&ei_charset_raw, {"dicom.expert.charset_not_decoded", PI_UNDECODED, PI_NOTE,
                           "Text its Specific Character Set (0008,0005) does not explain, shown as \\xNN bytes", EXPFILL}},
    };

    /* One expert info per diagnosis finding code; the abbreviations that existed before the
     * diagnosis are kept so that filters keep working. */
    static const struct {
        dicom::DiagCode code;
        const char *abbrev;
        int group;
    } diag_experts[] = {
        {dicom::DiagCode::AssociationRejected, "dicom.expert.assoc_rejected", PI_RESPONSE_CODE},
        {dicom::DiagCode::AssociationAborted, "dicom.expert.aborted", PI_SEQUENCE},
        {dicom::DiagCode::ContextRejected, "dicom.expert.context_rejected", PI_RESPONSE_CODE},
        {dicom::DiagCode::NoContextAccepted, "dicom.expert.no_pctx_accepted", PI_RESPONSE_CODE},
        {dicom::DiagCode::ClosedWithoutRelease, "dicom.expert.closed_without_release", PI_SEQUENCE},
        {dicom::DiagCode::UnansweredRequest, "dicom.expert.unanswered", PI_SEQUENCE},
        {dicom::DiagCode::FailureStatus, "dicom.expert.status_failure", PI_RESPONSE_CODE},
        {dicom::DiagCode::WarningStatus, "dicom.expert.status_warning", PI_RESPONSE_CODE},
        {dicom::DiagCode::SlowResponse, "dicom.expert.slow_response", PI_SEQUENCE},
        {dicom::DiagCode::SlowSetup, "dicom.expert.slow_setup", PI_SEQUENCE},
        {dicom::DiagCode::SlowRelease, "dicom.expert.slow_release", PI_SEQUENCE},
        {dicom::DiagCode::DelayedAckStall, "dicom.expert.delayed_ack_stall", PI_SEQUENCE},
        {dicom::DiagCode::ReceiverWindowFull, "dicom.expert.receiver_window_full", PI_SEQUENCE},
        {dicom::DiagCode::RetransmissionTimeout, "dicom.expert.retransmission_timeout", PI_SEQUENCE},
        {dicom::DiagCode::SenderStall, "dicom.expert.sender_stall", PI_SEQUENCE},
        {dicom::DiagCode::RoundTripStall, "dicom.expert.round_trip_stall", PI_SEQUENCE},
        {dicom::DiagCode::Retransmissions, "dicom.expert.retransmissions", PI_SEQUENCE},
        {dicom::DiagCode::OutOfOrder, "dicom.expert.out_of_order", PI_SEQUENCE},
        {dicom::DiagCode::CaptureGap, "dicom.expert.capture_gap", PI_SEQUENCE},
        {dicom::DiagCode::OneAssociationPerObject, "dicom.expert.one_association_per_object", PI_SEQUENCE},
        {dicom::DiagCode::SmallMaxPdu, "dicom.expert.small_max_pdu", PI_PROTOCOL},
        {dicom::DiagCode::MaxPduExceeded, "dicom.expert.pdu_exceeds_max", PI_PROTOCOL},
        {dicom::DiagCode::SopInstanceMismatch, "dicom.expert.sop_instance_mismatch", PI_PROTOCOL},
        {dicom::DiagCode::EncapsulatedOnNativeSyntax, "dicom.expert.encapsulated_on_native_syntax", PI_PROTOCOL},
        {dicom::DiagCode::NativeOnEncapsulatedSyntax, "dicom.expert.native_on_encapsulated_syntax", PI_PROTOCOL},
        {dicom::DiagCode::DataSetMissing, "dicom.expert.data_set_missing", PI_PROTOCOL},
        {dicom::DiagCode::MalformedDataSet, "dicom.expert.malformed_data_set", PI_MALFORMED},
        {dicom::DiagCode::ProtocolViolation, "dicom.expert.protocol_violation", PI_PROTOCOL},
        {dicom::DiagCode::TlsOnPlainPort, "dicom.expert.tls_on_plain_port", PI_PROTOCOL},
        {dicom::DiagCode::PlainOnTlsPort, "dicom.expert.plain_on_tls_port", PI_PROTOCOL},
        {dicom::DiagCode::CaptureMirrorPort, "dicom.expert.capture_mirror_port", PI_SEQUENCE},
    };
    G_STATIC_ASSERT(G_N_ELEMENTS(diag_experts) == (int)dicom::DiagCode::Count);
    /* The severity model: a finding's severity is its own (the code's usual one, or lower when
     * the capture cannot prove it, findings.hpp), and Wireshark fixes an expert info's severity
     * at registration: so each code has one expert info per severity. The usual one keeps the
     * plain abbreviation; the others add the severity: dicom.expert.malformed_data_set.note. */
    const size_t n_findings = G_N_ELEMENTS(diag_experts) * 3;
    ei_register_info *ei_findings = g_new0(ei_register_info, n_findings);
    for (size_t i = 0; i < G_N_ELEMENTS(diag_experts); ++i) {
        const int code = (int)diag_experts[i].code;
        const dicom::Severity usual = dicom::diag_severity(diag_experts[i].code);
        for (int sev = 0; sev < 3; ++sev) {
            ei_register_info &r = ei_findings[i * 3 + sev];
            ei_diag[code][sev] = EI_INIT;
            r.ids = &ei_diag[code][sev];
            r.eiinfo.name = sev == (int)usual ? diag_experts[i].abbrev
                                              : g_strdup_printf("%s.%s", diag_experts[i].abbrev,
                                                                dicom::severity_name((dicom::Severity)sev));
            r.eiinfo.group = diag_experts[i].group;
            r.eiinfo.severity = sev == (int)dicom::Severity::Error ? PI_ERROR : sev == (int)dicom::Severity::Warning ? PI_WARN : PI_NOTE;
            r.eiinfo.summary = dicom::diag_code_title(diag_experts[i].code);
            HFILL_INIT(r.eiinfo.hf_info);
        }
    }

    /* One expert info per conformance rule, at the rule's severity: dicom.conformance.<rule id>. */
    const int n_rules = (int)dicom::Rule::Count;
    ei_register_info *ei_rules = g_new0(ei_register_info, n_rules);
    for (int i = 0; i < n_rules; ++i) {
        const dicom::RuleInfo &r = dicom::rule_info((dicom::Rule)i);
        ei_rule[i] = EI_INIT;
        ei_rules[i].ids = &ei_rule[i];
        ei_rules[i].eiinfo.name = g_strdup_printf("dicom.conformance.%s", r.id);
        ei_rules[i].eiinfo.group = r.rule_class == dicom::RuleClass::Encoding ? PI_MALFORMED : PI_PROTOCOL;
        ei_rules[i].eiinfo.severity = r.severity == dicom::Severity::Error     ? PI_ERROR
                                      : r.severity == dicom::Severity::Warning ? PI_WARN
                                                                               : PI_NOTE;
        ei_rules[i].eiinfo.summary = r.title;
        HFILL_INIT(ei_rules[i].eiinfo.hf_info);
    }

    proto_register_field_array(proto_dicom_ul, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_module_t *em = expert_register_protocol(proto_dicom_ul);
    expert_register_field_array(em, ei_core, n_problems);
    expert_register_field_array(em, ei, array_length(ei));
    expert_register_field_array(em, ei_findings, (int)n_findings);
    expert_register_field_array(em, ei_rules, n_rules);
}

void dicom_expert_explained(packet_info *pinfo, tvbuff_t *tvb, proto_item *item, expert_field *ei, const char *summary,
                            const char *sentence) {
    if (strlen(sentence) <= dicom::kSummaryLength) {
        expert_add_info_format(pinfo, item, ei, "%s", sentence);
        return;
    }
    expert_add_info_format(pinfo, item, ei, "%s", summary);
    if (item)
        proto_item_set_generated(proto_tree_add_string(proto_item_add_subtree(item, ett_finding), hf_explanation,
                                                       tvb, 0, 0, sentence));
}
