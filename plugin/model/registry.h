/* The capture's registry: the core's view of the capture (dicom::Capture: every connection and
 * association, and the indexes across them), the frames' payload records (records.h), and
 * which connection a packet belongs to. One object, emptied by one cleanup routine when the
 * capture file is closed. */
#pragma once

#include <epan/packet.h>

#include "session/capture.hpp"

void dicom_register_registry(void); /* the cleanup routine */

/* The capture's core state, created on first use with the preferences of that moment (may
 * throw std::bad_alloc). `_if_any`: NULL before the first pass made it. */
dicom::Capture &dicom_capture(void);
/* The capture was read to its end (tshark draws its reports): settles what still waits in every
 * connection (dicom::Capture::finish). What that walks changes the associations, not the
 * frames' records. */
void dicom_finish_capture(void);
/* A TCP payload of this frame that no dissector took (first pass; at most 2048 bytes): the
 * last few are kept, for a connection claimed a frame or two later. */
void dicom_remember_unclaimed(packet_info *pinfo, guint32 seq, const guint8 *bytes, guint32 length);
/* Hands the kept payloads of this frame's connection (either direction), oldest first, to
 * `take`, and forgets them; returns how many. */
unsigned dicom_take_unclaimed(packet_info *pinfo, void (*take)(void *ctx, int dir, guint32 frame, guint32 seq,
                                                                 const guint8 *bytes, guint32 length),
                              void *ctx);
const dicom::Capture *dicom_capture_if_any(void);

/* The connection of the packet's conversation, created on first use (NULL only when out of
 * memory); the window scales of its SYNs are taken from TCP's analysis. */
dicom::Connection *dicom_connection(packet_info *pinfo);
/* The connection of a TCP packet if it is one of ours (never created), else NULL. */
dicom::Connection *dicom_known_connection(packet_info *pinfo);
/* A SYN on the packet's addresses and ports: the next packets may belong to a new connection. */
void dicom_forget_recent_connection(packet_info *pinfo);

/* The packet's ends as the core sees them, and its direction (0 or 1) in its connection. */
dicom::Endpoint dicom_source(const packet_info *pinfo);
dicom::Endpoint dicom_destination(const packet_info *pinfo);
int dicom_direction(const packet_info *pinfo);
/* An endpoint's address as Wireshark's (AT_NONE when not known); it points into `e`. */
address dicom_address_of(const dicom::Endpoint &e);
