/* The one place that knows which Wireshark release we build against (4.0 through 4.6). */
#pragma once

#include <ws_version.h>
#include <epan/packet.h>

#define DICOM_WS_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

/* heur_dissector_t returns gboolean before 4.4 and bool from 4.4 on. */
#if DICOM_WS_AT_LEAST(4, 4)
typedef bool dicom_heur_result;
#else
typedef gboolean dicom_heur_result;
#endif

/* tvb_get_guint8 became tvb_get_uint8 in 4.4 (the old name is deprecated there). */
#if DICOM_WS_AT_LEAST(4, 4)
#define dicom_tvb_u8 tvb_get_uint8
#else
#define dicom_tvb_u8 tvb_get_guint8
#endif
