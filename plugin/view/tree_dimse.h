/* A DIMSE message in the tree (tree_dimse.cpp). */
#pragma once

#include "dimse/message.hpp"
#include "view/tree_common.h"

/* The whole DIMSE message, on the frame where the receiver had all of it, labelled with its
 * `summary` (message_summary(c, m, true), which is also the frame's Info). */
void tree_dimse_message(const PduContext &c, const dicom::Message &m, const char *summary);
const char *message_summary(const PduContext &c, const dicom::Message &m, bool complete); /* Info text */
/* The message a PDV piece belongs to: its number, and where it completed. `bits` are the
 * unit's (records.h) and `walked_in` the frame at which the walk reached it. */
void tree_pdv_message_link(const PduContext &c, proto_tree *pdv_tree, const dicom::Message &m, guint8 bits,
                           guint32 walked_in);
