/* Header field, subtree and expert info ids of the plugin, and their registration. */
#pragma once

#include <epan/expert.h>
#include <epan/packet.h>

#include "base/problems.hpp"

extern int proto_dicom_ul;

/* PDU and A-ASSOCIATE */
extern int hf_dicom_any, hf_pdu_type, hf_pdu_len, hf_protocol_version;
extern int hf_ae_called, hf_ae_calling, hf_ae_called_compat, hf_ae_calling_compat;
extern int hf_item_type, hf_item_len, hf_app_context;
extern int hf_pctx_id, hf_pctx_result, hf_pctx_abstract, hf_pctx_transfer;
extern int hf_pctx_proposed_in, hf_pctx_answered_in, hf_pctx_ac_result, hf_sop_class_uid;
extern int hf_extneg_relational_retrieval, hf_extneg_enhanced_conversion;
extern int hf_max_pdu_len, hf_impl_class_uid, hf_impl_version;
extern int hf_async_invoked, hf_async_performed;
extern int hf_role_sop_class, hf_role_scu, hf_role_scp;
extern int hf_extneg_sop_class, hf_extneg_info;
extern int hf_extneg_relational, hf_extneg_datetime, hf_extneg_fuzzy, hf_extneg_timezone;
extern int hf_extneg_storage_level, hf_extneg_signature_level, hf_extneg_coercion;
extern int hf_cextneg_version, hf_cextneg_sop_class, hf_cextneg_service_class,
    hf_cextneg_related;
extern int hf_uid_type, hf_uid_response_requested, hf_uid_primary, hf_uid_primary_bytes,
    hf_uid_secondary, hf_uid_server_response;
extern int hf_item_data;
/* RJ, abort */
extern int hf_rj_result, hf_rj_source, hf_rj_reason, hf_abort_source, hf_abort_reason;
/* P-DATA */
extern int hf_pdv_count, hf_pdv_len, hf_pdv_ctx, hf_pdv_flags, hf_pdv_flag_command,
    hf_pdv_flag_last, hf_pdv_flag_reserved, hf_pdv_abstract, hf_pdv_transfer,
    hf_pdv_negotiated_in, hf_pdv_value;
extern int hf_garbage, hf_transport;
/* the stream as the receiver got it (retransmission, reordering, capture gaps) */
extern int hf_pdu_fragment, hf_pdu_reassembled_in, hf_stream_retransmitted, hf_stream_first_seen_in,
    hf_stream_held, hf_stream_delivered_in, hf_stream_lost, hf_stream_offset, hf_stream_bytes_in,
    hf_stream_skipped, hf_dimse_incomplete, hf_dimse_bytes_missing;
/* DIMSE messages */
extern int hf_pdv_message, hf_pdv_completed_in, hf_dimse, hf_dimse_fragment, hf_dimse_fragment_count,
    hf_dimse_command, hf_dimse_message_id, hf_dimse_message_id_rsp, hf_dimse_affected_sop_class,
    hf_dimse_requested_sop_class, hf_dimse_affected_sop_instance, hf_dimse_requested_sop_instance,
    hf_dimse_priority, hf_dimse_data_set_type, hf_dimse_move_destination, hf_dimse_move_originator_ae,
    hf_dimse_move_originator_id, hf_dimse_remaining, hf_dimse_completed, hf_dimse_failed, hf_dimse_warning,
    hf_dimse_status, hf_dimse_status_category, hf_dimse_status_meaning, hf_dimse_error_comment, hf_dimse_offending_element,
    hf_dimse_error_id, hf_dimse_event_type, hf_dimse_action_type, hf_dimse_data_set_size;
/* data set elements */
extern int hf_tag, hf_element, hf_tag_vr, hf_tag_vl, hf_value_string, hf_value_uint, hf_value_int, hf_value_float,
    hf_value_tag, hf_value_bytes, hf_private_creator;
extern int hf_dimse_operation, hf_message_command, hf_message_id;
extern int hf_finding, hf_finding_party, hf_finding_ae, hf_finding_severity, hf_finding_doubt, hf_finding_text, hf_explanation,
    hf_conformance, hf_conformance_rule, hf_conformance_class, hf_conformance_severity, hf_conformance_party,
    hf_conformance_ae, hf_conformance_reference, hf_conformance_text, hf_stall_time, hf_stall_cause,
    hf_processing_time, hf_transport_time;
extern int hf_assoc_id, hf_assoc_setup_time, hf_assoc_release_time, hf_assoc_duration, hf_response_to,
    hf_response_in, hf_response_time, hf_send_time, hf_move_request_in, hf_cancel_in, hf_move_sub_association;
extern int hf_key_patient_id, hf_key_patient_name, hf_key_study_uid, hf_key_series_uid, hf_key_sop_instance,
    hf_key_modality, hf_key_accession, hf_key_study_date, hf_key_study_description, hf_key_series_description,
    hf_key_query_level, hf_key_charset;

extern gint ett_dicom, ett_item, ett_pctx, ett_userinfo, ett_sub, ett_pdv, ett_pdv_flags, ett_dimse,
    ett_command, ett_dataset, ett_element, ett_fragments, ett_finding;

extern expert_field ei_problem[(int)dicom::Problem::Count];
extern expert_field ei_not_pdu, ei_context_rejected, ei_pdv_context_unknown, ei_parse_failed, ei_charset_raw,
    ei_inferred, ei_tls_encrypted, ei_retransmitted, ei_held, ei_resync_after_gap, ei_capture_starts_inside_pdu,
    ei_not_exported;
extern expert_field ei_diag[][3]; /* per dicom::DiagCode and dicom::Severity */
extern expert_field ei_rule[];    /* per dicom::Rule */

void dicom_register_fields(void);

/* An expert info on `item` that reads `sentence` when it fits dicom::kSummaryLength, else
 * `summary`, with the whole sentence as a dicom.explanation item under `item`. */
void dicom_expert_explained(packet_info *pinfo, tvbuff_t *tvb, proto_item *item, expert_field *ei, const char *summary,
                            const char *sentence);
