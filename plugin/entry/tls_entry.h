/* DICOM over TLS and TLS where it does not belong (tls_entry.cpp). */
#pragma once

#include <epan/packet.h>

namespace dicom {
class Connection;
}

/* `dicom_handle` keeps a TLS session on our dissector; `plain` dissects plain DICOM over TCP. */
void dicom_tls_handoff(dissector_handle_t dicom_handle, dissector_t plain);
void dicom_tls_apply_prefs(void);
bool dicom_tls_decrypted_call(packet_info *pinfo); /* inside TLS called from us: counts it */
int dicom_dissect_tls_on_plain_port(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, dicom::Connection *conn);
