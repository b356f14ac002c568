/* Shared between the plugin's files: preferences, per-association state, and the
 * per-PDU context the tree builders receive. */
#pragma once

#include <string>
#include <string_view>

#include <epan/address.h>
#include <epan/packet.h>

#include "compat.h"

#include "association.hpp"
#include "associate.hpp"
#include "control_pdus.hpp"
#include "message.hpp"
#include "pdata.hpp"
#include "stream.hpp"

struct DicomPrefs {
    dicom_pref_bool desegment = TRUE;
    dicom_pref_bool show_passcode = FALSE;
    guint max_pdu_cap = 16u * 1024 * 1024;
    dicom_pref_bool mask_patient = FALSE;
    dicom_pref_bool export_all = FALSE; /* Export Objects: also C-FIND/C-GET/C-MOVE/N-* data sets */
    guint slow_response_ms = 2000;      /* expert info when a response takes longer */
    guint max_outstanding = 4096;       /* unanswered requests tracked per association */
    guint tls_port = 2762;              /* DICOM over TLS (PS3.15 B.1); 0: none */
    dicom_pref_bool heuristic_midstream = FALSE; /* claim late-starting streams on any port */
};
extern DicomPrefs dicom_prefs;

/* One association: the core's negotiation state plus who requested it. Owned by a
 * registry that is emptied when the capture file is closed. */
struct AssocRecord {
    dicom::Association core;
    guint32 number = 0;        /* 1, 2, ... in order of first sight */
    address requestor_addr = ADDRESS_INIT_NONE, acceptor_addr = ADDRESS_INIT_NONE;
    guint32 requestor_port = 0, acceptor_port = 0;
    bool requestor_known = false;
    dicom::MessageAssembler messages;
    AssocRecord *previous_same_aes = nullptr; /* the last association between the same AEs */
    guint32 tcp_stream = 0;
};

/* Per TCP conversation: what it carries and the association in progress. */
enum class Transport : guint8 {
    Unknown,
    Plain,          /* DICOM in the clear (or decrypted by TLS) */
    TlsOnPlainPort, /* a TLS handshake where plain DICOM was expected */
    Tls,            /* DICOM over TLS on the TLS port */
    PlainOnTlsPort, /* plain DICOM where a TLS handshake was expected */
};
struct ConvState {
    AssocRecord *rec;        /* the current association (owned by the registry) */
    dicom::StreamCursor dir[2]; /* first pass: where each direction's walk has got to */
    Transport transport;
    guint32 report_frame;    /* where the transport's problem got its expert info */
};
ConvState *dicom_conv_state(packet_info *pinfo); /* never NULL */

/* What the first pass learnt about one PDV, kept per frame for later passes. */
struct PdvLink {
    dicom::Message *message;
    bool command_done;
    bool message_done;
    guint32 data_fragment; /* dicom::PdvOutcome::kNotData for command fragments */
    guint64 data_offset;   /* where the bytes start within the data set */
};

struct PduContext {
    tvbuff_t *tvb;
    packet_info *pinfo;
    proto_tree *tree;      /* the PDU's subtree (may be NULL) */
    proto_item *pdu_item;
    AssocRecord *rec;      /* never NULL */
    int from_requestor;    /* 1, 0, or -1 when the A-ASSOCIATE-RQ was not seen */
};

void dicom_register_dissector(void);
void dicom_handoff(void);
int dicom_dissect_plain(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);

/* DICOM over TLS and TLS where it does not belong (tls.cpp). */
void dicom_tls_handoff(dissector_handle_t dicom_handle);
void dicom_tls_apply_prefs(void);
bool dicom_tls_decrypted_call(packet_info *pinfo); /* inside TLS called from tls.cpp: counts it */
int dicom_dissect_tls_on_plain_port(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, ConvState *cs);

/* Export Objects (export.cpp): whether a listener wants data sets, and handing one over. */
void dicom_register_export(void);
bool dicom_export_wanted(void);
void dicom_export_message(const PduContext &c, dicom::Message &m);
/* Later passes (the GUI's Export Objects re-reads the file): collect a data fragment again. */
void dicom_export_collect(dicom::Message &m, const PdvLink &link, const guint8 *value, guint32 length);

/* One association as the statistics show it (timing.cpp); shared by the tshark table and
 * the GUI table (assoc_table.cpp). */
struct AssocSummary {
    guint32 number = 0;
    std::string client, server, calling, called, operations, end;
    double start = 0, setup_ms = -1, release_ms = -1, duration = 0, mbps = 0;
    double response_avg_ms = -1, response_max_ms = -1; /* -1: no response matched */
    guint64 bytes_to_server = 0, bytes_to_client = 0, data_set_bytes = 0;
    guint32 pdus_to_server = 0, pdus_to_client = 0, failures = 0, warnings = 0, stored = 0;
};
AssocSummary dicom_summarize(const AssocRecord &rec); /* may throw std::bad_alloc */

/* What the "dicom_ul" tap carries: every PDU (for the association tables) and, on final
 * responses, the request's time (for the service response time table). */
struct DicomTapInfo {
    AssocRecord *rec;
    guint16 command; /* the request's command field when this PDU completes a final response */
    nstime_t request_time;
    bool is_response;
};

/* Timing, matching and statistics (timing.cpp). */
void dicom_register_timing(void);
void dicom_message_completed(const PduContext &c, dicom::Message &m); /* first pass */
void dicom_command_completed(const PduContext &c, dicom::Message &m); /* first pass, data set to follow */
void tree_association(const PduContext &c, guint8 pdu_type);   /* assoc id and timing fields */
void tree_message_timing(const PduContext &c, proto_tree *t, const dicom::Message &m);
void tree_unanswered(const PduContext &c);                       /* at A-RELEASE-RQ / A-ABORT */
AssocRecord *dicom_previous_association(AssocRecord *rec);       /* first pass, after the RQ */

/* Tree builders (tree_associate.cpp, tree_pdus.cpp). They call only epan functions and
 * must not create C++ objects with destructors (see docs/design.md). */
void tree_associate(const PduContext &c, const dicom::Associate &a);
void tree_pdata(const PduContext &c, const dicom::PData &pd, guint32 pdu_length, const PdvLink *links);
void tree_check_max_pdu(const PduContext &c, guint32 pdu_length);
proto_tree *tree_pdv_header(const PduContext &c, int off, guint32 index, guint8 context_id, guint8 flags,
                            guint32 value_len); /* the PDV's subtree */
/* A piece of a PDV's value that arrived without its header (streamed P-DATA-TF). */
proto_tree *tree_pdv_piece(const PduContext &c, guint32 index, guint8 context_id, guint8 flags, guint32 from,
                           guint32 length, guint32 value_len);
void tree_pdv_context(const PduContext &c, proto_tree *t, proto_item *ctx_item, guint8 context_id);
void tree_control(const PduContext &c, const dicom::ControlPdu &cp);
void tree_pdv_message(const PduContext &c, proto_tree *pdv_tree, const PdvLink &link);
const char *message_summary(const PduContext &c, const dicom::Message &m, bool complete); /* Info text */

/* Helpers shared by the builders. */
void add_findings(const PduContext &c, const dicom::Findings &f);
const char *span_text(const PduContext &c, dicom::Span s); /* trimmed ASCII, pinfo->pool */
const char *uid_label(packet_info *pinfo, std::string_view uid); /* registry name, else the UID */
proto_item *add_uid(const PduContext &c, proto_tree *t, int hf, dicom::Span s);
proto_item *add_generated_uid(const PduContext &c, proto_tree *t, int hf, const char *uid);
