/* Shared between the plugin's files: preferences, per-association state, and the
 * per-PDU context the tree builders receive. */
#pragma once

#include <deque>
#include <string>
#include <unordered_set>
#include <string_view>
#include <vector>

#include <epan/address.h>
#include <epan/packet.h>

#include "compat.h"

#include "session/association.hpp"
#include "ul/associate.hpp"
#include "ul/control_pdus.hpp"
#include "dimse/message.hpp"
#include "ul/stream.hpp"
#include "tcp/tcp_timeline.hpp"
#include "session/upper_layer.hpp"

struct DicomPrefs {
    guint hold_limit_kb = 8192;         /* bytes held per direction ahead of a capture gap */
    dicom_pref_bool show_passcode = FALSE;
    guint max_pdu_cap = 16u * 1024 * 1024;
    dicom_pref_bool mask_patient = FALSE;
    dicom_pref_bool export_all = FALSE; /* Export Objects: also C-FIND/C-GET/C-MOVE/N-* data sets */
    dicom_pref_bool export_incomplete = FALSE; /* Export Objects: also messages that lost bytes */
    guint slow_response_ms = 1000;      /* a response, set-up or release slower than this is slow */
    guint stall_ms = 20;                /* a pause of a message under way at least this long is a TCP stall */
    guint small_pdu = 8192;             /* a maximum PDU length below this is a finding */
    guint max_outstanding = 4096;       /* unanswered requests tracked per association */
    guint tls_port = 2762;              /* DICOM over TLS (PS3.15 B.1); 0: none */
    dicom_pref_bool heuristic_midstream = FALSE; /* claim late-starting streams on any port */
};
extern DicomPrefs dicom_prefs;
guint32 dicom_pdu_cap(void); /* the max_pdu_cap preference, clamped */

struct Connection;

/* One association: the core's negotiation state and messages, plus who requested it. Owned
 * by the capture's registry (capture.cpp), emptied when the capture file is closed. */
struct AssocRecord {
    dicom::Association core;
    guint32 number = 0;        /* 1, 2, ... in order of first sight */
    address requestor_addr = ADDRESS_INIT_NONE, acceptor_addr = ADDRESS_INIT_NONE;
    guint32 requestor_port = 0, acceptor_port = 0;
    int requestor_dir = -1;    /* the connection stream the A-ASSOCIATE-RQ came in; -1: not seen */
    bool requestor_known() const { return requestor_dir >= 0; }
    dicom::MessageAssembler messages;
    AssocRecord *previous_same_aes = nullptr; /* the last association between the same AEs */
    Connection *conn = nullptr;               /* the TCP connection that carries it */
    guint32 tcp_stream = 0;
    /* The Info label ("C-STORE-RQ id=5 CT Image Storage") of the last message whose frames
     * continued it: a large data set spans thousands of frames, each says which message it
     * belongs to, and formatting the label once instead of per frame is most of that cost. */
    struct ContinuedLabel {
        const dicom::Message *message = nullptr; /* with its command frame: an address may be reused */
        guint32 command_frame = 0;
        guint32 length = 0; /* of text */
        char text[160] = "";
    };
    mutable ContinuedLabel continued_label;
};

/* What a TCP connection carries. */
enum class Transport : guint8 {
    Unknown,
    Plain,          /* DICOM in the clear (or decrypted by TLS) */
    TlsOnPlainPort, /* a TLS handshake where plain DICOM was expected */
    Tls,            /* DICOM over TLS on the TLS port */
    PlainOnTlsPort, /* plain DICOM where a TLS handshake was expected */
};

/* One TCP connection: each direction's stream as its receiver got it, and the association in
 * progress. Owned by the capture's registry. Streams are indexed by `dicom_direction()`. */
struct Connection {
    dicom::PduStream stream[2];
    address addr[2] = {ADDRESS_INIT_NONE, ADDRESS_INIT_NONE}; /* sender of each stream */
    guint32 port[2] = {0, 0};
    bool seen[2] = {false, false};
    AssocRecord *assoc = nullptr;  /* the current association */
    Transport transport = Transport::Unknown;
    guint32 report_frame = 0;      /* where the transport's problem got its expert info */
    guint32 tcp_stream = 0;
    /* the wire's sequence numbers minus TCP's (relative) ones, per stream, once known */
    guint32 seq_delta[2] = {0, 0};
    bool numbering_known[2] = {false, false};
    size_t ip_offset = 0;          /* where the IP header was in the last frame read (0: not yet) */
    dicom::TcpTimeline timeline;   /* every segment, for stalls, closes and acknowledgement times */
    /* requests waiting for their receiver to acknowledge their last byte, per direction that sent them */
    struct AckWatch {
        guint32 seq; /* one past the last byte (wire numbering) */
        dicom::Message *message;
    };
    std::deque<AckWatch> ack_watches[2];
    Connection(const dicom::StreamLimits &l, double stall_seconds)
        : stream{dicom::PduStream(l), dicom::PduStream(l)}, timeline(stall_seconds) {}
};
/* The connection of the conversation (created on first use); NULL only when out of memory. */
Connection *dicom_connection(packet_info *pinfo);
/* The connection of a TCP packet if it is one of ours (never created), else NULL. */
Connection *dicom_known_connection(packet_info *pinfo);
/* A SYN on the packet's addresses and ports: the next packets may belong to a new connection. */
void dicom_forget_recent_connection(packet_info *pinfo);
/* Which of a connection's two streams the packet belongs to: 0 or 1, the same for every
 * packet of one direction. */
int dicom_direction(packet_info *pinfo);

/* The capture's registry (capture.cpp): every association and connection, and the indexes
 * across associations. First pass only; may throw std::bad_alloc. */
AssocRecord *dicom_new_association(Connection *conn);
AssocRecord *dicom_previous_association(AssocRecord *rec); /* the last one between the same AEs */
/* First pass: a finding about the connection's transport (TLS where plain DICOM was expected and
 * the reverse), raised on its association, which is created when no PDU made one;
 * `requestor_dir` is the stream of the peer that opened it (-1: unknown). Shown by tls.cpp. */
void dicom_raise_transport(packet_info *pinfo, Connection *conn, int requestor_dir, dicom::DiagCode code);
void dicom_index_move(AssocRecord *rec, dicom::Message &m);       /* a C-MOVE-RQ */
void dicom_index_move_store(AssocRecord *rec, dicom::Message &m); /* a C-STORE-RQ: a sub-operation? */
const dicom::Message *dicom_move_request(const dicom::Message &store);
const std::vector<guint32> *dicom_move_sub_associations(const dicom::Message *move);
/* Whether messages may keep their command set and small data set (dicom::kKeepToShow), within a
 * capture-wide budget; each completed message's kept bytes are counted against it. */
bool dicom_may_keep_shown_bytes(void);
void dicom_count_shown_bytes(const dicom::Message &m);

struct PduContext {
    tvbuff_t *tvb;
    packet_info *pinfo;
    proto_tree *tree;      /* the PDU's subtree (may be NULL) */
    proto_item *pdu_item;
    AssocRecord *rec;      /* never NULL */
    int from_requestor;    /* 1, 0, or -1 when the A-ASSOCIATE-RQ was not seen */
};

void dicom_register_dissector(void);
void dicom_register_capture(void);
AssocRecord *dicom_frame_association(packet_info *pinfo); /* of the frame's first DICOM bytes, or NULL */
void dicom_handoff(void);
/* Plain DICOM over TCP; `data` is TCP's struct tcpinfo (or NULL when not from TCP). */
int dicom_dissect_plain(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);

/* DICOM over TLS and TLS where it does not belong (tls.cpp). */
void dicom_tls_handoff(dissector_handle_t dicom_handle);
void dicom_tls_apply_prefs(void);
bool dicom_tls_decrypted_call(packet_info *pinfo); /* inside TLS called from tls.cpp: counts it */
int dicom_dissect_tls_on_plain_port(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, Connection *conn);

/* Export Objects (export.cpp): whether a listener wants data sets, handing one over, and
 * (later passes: the GUI re-reads the file) collecting a data set piece again. */
void dicom_register_export(void);
bool dicom_export_wanted(void);
void dicom_export_message(packet_info *pinfo, dicom::Message &m, const address *src);
void dicom_export_collect(dicom::Message &m, guint64 data_offset, const guint8 *value, guint32 length);

/* The association table's columns (assoc_report.cpp): one list for the tshark text, CSV and
 * JSON tables and the GUI's. */
enum class AssocColumnKind : guint8 { Uint, Count, Milliseconds, Seconds, Epoch, Rate, Text };
struct AssocColumn {
    const char *key;   /* CSV and JSON name */
    const char *title; /* text and GUI heading */
    AssocColumnKind kind;
    bool in_gui;       /* the GUI table leaves a few out, to stay narrow */
};
struct AssocCell {
    bool null = false; /* not known (JSON null, empty elsewhere) */
    double number = 0;
    std::string text;
};
extern const AssocColumn dicom_assoc_columns[];
extern const size_t dicom_assoc_column_count;
std::vector<AssocCell> dicom_assoc_row(const AssocRecord &rec); /* may throw std::bad_alloc */
std::string dicom_assoc_cell_text(size_t column, const AssocCell &c, bool for_json);
std::string dicom_endpoint(const address *a, guint32 port); /* "10.0.0.1:104" */
std::string dicom_json_escape(const std::string &in);
/* The association's findings, the most severe first; among equals, what went wrong (a status, a
 * rejection) before what was slow, the slow ones by the time they cost; then in order of first
 * occurrence. The first is the verdict's and the tables' "most severe finding". */
std::vector<const dicom::DiagnosticSummary *> dicom_ordered_findings(const dicom::Association &a);
const dicom::DiagnosticSummary *dicom_most_severe(const dicom::Association &a); /* NULL: no finding */

/* A tap listener that gathers the associations whose PDUs it saw (the tshark reports). */
struct AssocCollector {
    std::vector<AssocRecord *> records;
    std::unordered_set<AssocRecord *> seen;
    virtual ~AssocCollector();
    void add(AssocRecord *rec);
    void sort(); /* by association number */
};
/* Registers `c` on the dicom_ul tap; false (and a message naming `what`) on failure. */
bool dicom_register_collector(AssocCollector *c, const char *what, void (*draw)(void *), void (*finish)(void *));
void dicom_register_assoc_report(void);
void dicom_register_diagnose(void);
void dicom_register_endpoints(void); /* endpoints.cpp: -z dicom_ul,endpoints and the GUI's DICOM Nodes */

/* What the "dicom_ul" tap carries: every PDU (for the association tables) and, on final
 * responses, the request's time (for the service response time table). */
struct DicomTapInfo {
    AssocRecord *rec;
    guint16 command; /* the request's command field when this PDU completes a final response */
    nstime_t request_time;
    bool is_response;
};

/* Timing, matching and statistics (timing.cpp). */
void dicom_seconds_to_nstime(double seconds, nstime_t *ns); /* rounded to the nanosecond */
void dicom_register_timing(void);
void dicom_message_completed(AssocRecord *rec, dicom::Message &m); /* first pass: indexes, inference */
void dicom_command_completed(AssocRecord *rec, dicom::Message &m); /* first pass, data set to follow */
void tree_association(const PduContext &c, guint8 pdu_type);   /* assoc id and timing fields */
void tree_message_timing(const PduContext &c, proto_tree *t, const dicom::Message &m);
void dicom_tap_pdu(packet_info *pinfo, AssocRecord *rec, const dicom::Message *final_response);

/* Tree builders (tree_associate.cpp, tree_pdus.cpp, tree_dimse.cpp). They call only epan
 * functions and must not create C++ objects with destructors (see docs/design.md). */
void tree_associate(const PduContext &c, const dicom::Associate &a);
proto_tree *tree_pdv_header(const PduContext &c, int off, guint32 index, guint8 context_id, guint8 flags,
                            guint32 value_len); /* the PDV's subtree */
/* A piece of a PDV's value that arrived without its header. */
proto_tree *tree_pdv_piece(const PduContext &c, int off, guint32 index, guint8 context_id, guint8 flags,
                           guint32 from, guint32 length, guint32 value_len);
void tree_pdv_context(const PduContext &c, proto_tree *t, proto_item *ctx_item, guint8 context_id);
void tree_control(const PduContext &c, const dicom::ControlPdu &cp);
/* The message a PDV piece belongs to: its number, and where it completed. */
void tree_pdv_message_link(const PduContext &c, proto_tree *pdv_tree, const dicom::Message &m, guint8 bits,
                           guint32 walked_in);
/* The whole DIMSE message, on the frame where the receiver had all of it, labelled with its
 * `summary` (message_summary(c, m, true), which is also the frame's Info). */
void tree_dimse_message(const PduContext &c, const dicom::Message &m, const char *summary);
const char *message_summary(const PduContext &c, const dicom::Message &m, bool complete); /* Info text */

/* Helpers shared by the builders. */
void add_findings(const PduContext &c, const dicom::Findings &f);
const char *span_text(const PduContext &c, dicom::Span s); /* trimmed ASCII, pinfo->pool */
const char *uid_label(packet_info *pinfo, std::string_view uid); /* registry name, else the UID */
proto_item *add_uid(const PduContext &c, proto_tree *t, int hf, dicom::Span s);
proto_item *add_generated_uid(const PduContext &c, proto_tree *t, int hf, const char *uid);
