/* The tree, Info and taps of one payload record, on every pass (payload_view.cpp). */
#pragma once

#include <epan/packet.h>

#include "model/records.h"
#include "view/info.h"

/* `tvb` holds the payload's bytes (a notes-only record has none). */
void build_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const PayloadRecord *rec, InfoColumn &info);
