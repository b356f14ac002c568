/* Timing on the tree (tree_timing.cpp). */
#pragma once

#include "dimse/message.hpp"
#include "view/tree_common.h"

/* The association's set-up, release and duration on its PDU of `pdu_type`. */
void tree_association(const PduContext &c, guint8 pdu_type);
/* The message's request/response links and times, stalls and C-MOVE links. */
void tree_message_timing(const PduContext &c, proto_tree *t, const dicom::Message &m);
