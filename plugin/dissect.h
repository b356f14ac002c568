/* Shared between the plugin's files: preferences, per-association state, and the
 * per-PDU context the tree builders receive. */
#pragma once

#include <string_view>

#include <epan/address.h>
#include <epan/packet.h>

#include "association.hpp"
#include "associate.hpp"
#include "control_pdus.hpp"
#include "pdata.hpp"

struct DicomPrefs {
    gboolean desegment = TRUE;
    gboolean show_passcode = FALSE;
    guint max_pdu_cap = 16u * 1024 * 1024;
};
extern DicomPrefs dicom_prefs;

/* One association: the core's negotiation state plus who requested it. Owned by a
 * registry that is emptied when the capture file is closed. */
struct AssocRecord {
    dicom::Association core;
    guint32 number = 0;        /* 1, 2, ... in order of first sight */
    address requestor_addr = ADDRESS_INIT_NONE;
    guint32 requestor_port = 0;
    bool requestor_known = false;
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

/* Tree builders (tree_associate.cpp, tree_pdus.cpp). They call only epan functions and
 * must not create C++ objects with destructors (see docs/design.md). */
void tree_associate(const PduContext &c, const dicom::Associate &a);
void tree_pdata(const PduContext &c, const dicom::PData &pd, guint32 pdu_length);
void tree_control(const PduContext &c, const dicom::ControlPdu &cp);

/* Helpers shared by the builders. */
void add_findings(const PduContext &c, const dicom::Findings &f);
const char *span_text(const PduContext &c, dicom::Span s); /* trimmed ASCII, pinfo->pool */
const char *uid_label(packet_info *pinfo, std::string_view uid); /* registry name, else the UID */
proto_item *add_uid(const PduContext &c, proto_tree *t, int hf, dicom::Span s);
proto_item *add_generated_uid(const PduContext &c, proto_tree *t, int hf, const char *uid);
