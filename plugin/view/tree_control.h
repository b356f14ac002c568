/* Trees of P-DATA-TF PDV items, A-ASSOCIATE-RJ, A-RELEASE-RQ/RP and A-ABORT (tree_control.cpp). */
#pragma once

#include "ul/control_pdus.hpp"
#include "view/tree_common.h"

/* The PDV's subtree. */
proto_tree *tree_pdv_header(const PduContext &c, int off, guint32 index, guint8 context_id, guint8 flags,
                            guint32 value_len);
/* A piece of a PDV's value that arrived without its header. */
proto_tree *tree_pdv_piece(const PduContext &c, int off, guint32 index, guint8 context_id, guint8 flags,
                           guint32 from, guint32 length, guint32 value_len);
/* What the negotiation said of the PDV's presentation context. */
void tree_pdv_context(const PduContext &c, proto_tree *t, proto_item *ctx_item, guint8 context_id);
void tree_control(const PduContext &c, const dicom::ControlPdu &cp);
