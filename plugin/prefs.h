/* The plugin's preferences (registered in plugin.cpp, read everywhere). */
#pragma once

#include <glib.h>

#include "compat.h"

struct DicomPrefs {
    guint hold_limit_kb = 8192;         /* bytes held per direction ahead of a capture gap */
    guint ack_grace_ms = 50;            /* a gap acknowledged past waits this long for late bytes (mirror ports) */
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
    dicom_pref_bool validate = TRUE;           /* conformance rules (-z dicom_ul,validate) */
    dicom_pref_bool validate_data_sets = TRUE; /* ... with their encoding and iod classes */
};
extern DicomPrefs dicom_prefs;

/* The max_pdu_cap preference, kept below what 32-bit lengths can carry. */
static inline guint32 dicom_pdu_cap(void) {
    return dicom_prefs.max_pdu_cap < 0x7FFFFFF0u ? dicom_prefs.max_pdu_cap : 0x7FFFFFF0u;
}
