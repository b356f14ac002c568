/* The one place that knows which Wireshark release we build against (4.0 through 4.6). */
#pragma once

#include <ws_version.h>
#include <epan/packet.h>

#define DICOM_WS_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

/* 4.6 moved true_false_string and TFS() out of epan/packet.h into their own header. */
#if DICOM_WS_AT_LEAST(4, 6)
#include <epan/tfs.h>
#endif

/* A -z tap's init callback says whether it started from 4.6 on (void before). */
#if DICOM_WS_AT_LEAST(4, 6)
typedef bool dicom_tap_init_result;
#define DICOM_TAP_INIT_RETURN(ok) return (ok)
#else
typedef void dicom_tap_init_result;
#define DICOM_TAP_INIT_RETURN(ok) return
#endif

/* A wmem pool's user callback returns gboolean in 4.0 and bool in 4.4 and 4.6: taken from the
 * installed header's own typedef. */
#include <utility>
#include <wsutil/wmem/wmem_user_cb.h>
typedef decltype(std::declval<wmem_user_cb_t>()(nullptr, WMEM_CB_FREE_EVENT, nullptr)) dicom_wmem_cb_result;

/* A funnel text window's button callback returns gboolean in 4.0 and bool from 4.4 on: taken
 * from the installed header's own typedef. */
#include <epan/funnel.h>
typedef decltype(std::declval<funnel_bt_cb_t>()(nullptr, nullptr)) dicom_funnel_bt_result;

/* heur_dissector_t returns gboolean before 4.4 and bool from 4.4 on. */
#if DICOM_WS_AT_LEAST(4, 4)
typedef bool dicom_heur_result;
#else
typedef gboolean dicom_heur_result;
#endif

/* From 4.4 a plugin may say what kind it is (wsutil/plugins.h, not installed by 4.0). */
#if DICOM_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h>
#define DICOM_HAS_PLUGIN_DESCRIBE 1
#endif

/* Boolean preferences are bool from 4.4 on, gboolean before. */
#if DICOM_WS_AT_LEAST(4, 4)
typedef bool dicom_pref_bool;
#else
typedef gboolean dicom_pref_bool;
#endif

/* tvb_get_guint8 became tvb_get_uint8 in 4.4 (the old name is deprecated there). */
#if DICOM_WS_AT_LEAST(4, 4)
#define dicom_tvb_u8 tvb_get_uint8
#else
#define dicom_tvb_u8 tvb_get_guint8
#endif

/* format_text() takes const guchar * in 4.0 and const char * from 4.2 on. */
#include <epan/strutil.h>
static inline char *dicom_format_text(wmem_allocator_t *scope, const char *s, size_t n) {
#if DICOM_WS_AT_LEAST(4, 2)
    return format_text(scope, s, n);
#else
    return format_text(scope, (const guchar *)s, n);
#endif
}

/* Conversation filter callbacks gain a user_data argument in 4.2, and the registration one
 * more parameter for it. */
#if DICOM_WS_AT_LEAST(4, 4)
typedef bool dicom_filter_valid_result; /* is_filter_valid_func returns bool from 4.4 */
#else
typedef gboolean dicom_filter_valid_result;
#endif
#if DICOM_WS_AT_LEAST(4, 2)
#define DICOM_CONV_FILTER_EXTRA_PARAM , void *
#define DICOM_CONV_FILTER_EXTRA_ARG , NULL
#else
#define DICOM_CONV_FILTER_EXTRA_PARAM
#define DICOM_CONV_FILTER_EXTRA_ARG
#endif

/* A heuristic on TLS's "tls" table keeps the session by storing its handle where TLS says:
 * a dissector_handle_t * before 4.2, struct tlsinfo's app_handle from 4.2 on. */
#if DICOM_WS_AT_LEAST(4, 2)
#include <epan/dissectors/packet-tls.h>
static inline void dicom_tls_keep_session(void *data, dissector_handle_t h) {
    auto *info = (struct tlsinfo *)data;
    if (info && info->app_handle) *info->app_handle = h;
}
#else
static inline void dicom_tls_keep_session(void *data, dissector_handle_t h) {
    if (data) *(dissector_handle_t *)data = h;
}
#endif
