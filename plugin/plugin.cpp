/* Plugin entry points, protocol and preference registration: every room of the plugin is
 * registered from here. */
#include "compat.h"

#include <epan/prefs.h>
#include <epan/proto.h>

#include "entry/tcp_entry.h"
#include "entry/tls_entry.h"
#include "export/export.h"
#include "fields.h"
#include "model/registry.h"
#include "prefs.h"
#include "stats/assoc_report.h"
#include "stats/diagnose.h"
#include "stats/report_window.h"
#include "stats/validate.h"
#include "stats/endpoints.h"
#include "stats/srt.h"
#include "stats/tap.h"
#include "view/info.h"

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0.0.0"
#endif

extern "C" WS_DLL_PUBLIC_DEF const gchar plugin_version[] = PLUGIN_VERSION;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
#ifdef DICOM_HAS_PLUGIN_DESCRIBE
extern "C" WS_DLL_PUBLIC_DEF uint32_t plugin_describe(void) { return WS_PLUGIN_DESC_DISSECTOR; }
#endif

DicomPrefs dicom_prefs;

static void apply_prefs(void) { dicom_tls_apply_prefs(); }

/* Dissectors, the capture's registry and what the views remember, Export Objects, and the
 * statistics (in the order the GUI lists them). */
static void register_rooms(void) {
    dicom_register_dissector();
    dicom_register_registry();
    dicom_register_info();
    dicom_register_export();
    dicom_register_assoc_table();
    dicom_register_tap();
    dicom_register_srt();
    dicom_register_assoc_report();
    dicom_register_diagnose();
    dicom_register_validate();
    dicom_register_report_windows();
    dicom_register_endpoints();
}

static void proto_register_dicom_ul(void) {
    /* The built-in dissector owns "DICOM"/"dicom"; ours has its own names (docs/README). */
    proto_dicom_ul = proto_register_protocol("DICOM Upper Layer (plugin)", "DICOM-UL", "dicom_ul");
    dicom_register_fields();
    register_rooms();

    module_t *m = prefs_register_protocol(proto_dicom_ul, apply_prefs);
    /* PDUs are no longer reassembled by TCP: each direction is walked as the receiver got it. */
    prefs_register_obsolete_preference(m, "desegment");
    prefs_register_uint_preference(m, "hold_limit_kb", "Bytes held ahead of a gap (KiB)",
        "Segments that arrive ahead of missing bytes are held until the gap fills (usually a "
        "retransmission a few segments later). Past this many KiB per direction the missing "
        "bytes are declared lost from the capture and the walk goes on.",
        10, &dicom_prefs.hold_limit_kb);
    prefs_register_uint_preference(m, "ack_grace_ms", "Wait for data captured after its ACK (ms)",
        "A capture from a switch's mirror port can show the receiver's ACK before the data it "
        "acknowledges. Bytes the receiver acknowledged but the capture has not shown yet are "
        "waited for this long (and for 16 more segments of their direction) before they are "
        "declared missing from the capture.",
        10, &dicom_prefs.ack_grace_ms);
    prefs_register_bool_preference(m, "export_incomplete", "Export incomplete objects",
        "Export Objects leaves out data sets that lost bytes in a capture gap. With this on they "
        "are exported too, with \"-incomplete\" in the file name and zeros where bytes are missing.",
        &dicom_prefs.export_incomplete);
    prefs_register_bool_preference(m, "show_passcode", "Show user identity passcodes",
        "Show the secondary field (passcode) of a User Identity sub-item instead of ********.",
        &dicom_prefs.show_passcode);
    prefs_register_bool_preference(m, "mask_patient", "Mask patient-identifying values",
        "Show ******** instead of the values of patient-identifying attributes (group 0010, "
        "person names, accession number, institution) in the tree, fields and Info column, "
        "so a screenshot can be shared.",
        &dicom_prefs.mask_patient);
    prefs_register_bool_preference(m, "export_all", "Export every data set",
        "Export Objects lists the data sets of C-STORE requests; with this on, also the data "
        "sets (identifiers, attribute lists) of C-FIND, C-GET, C-MOVE and N-* messages.",
        &dicom_prefs.export_all);
    prefs_register_uint_preference(m, "slow_response_ms", "Slow response (ms)",
        "A DIMSE response, an A-ASSOCIATE-AC/RJ or an A-RELEASE-RP later than this after its "
        "request is slow (a diagnosis finding and an expert info). A response more than four "
        "times slower than the association's usual one (and over 100 ms) is slow too.",
        10, &dicom_prefs.slow_response_ms);
    prefs_register_uint_preference(m, "stall_ms", "TCP stall (ms)",
        "A peer whose DICOM message is under way and whose TCP sequence number does not advance "
        "for at least this long stalls; the diagnosis names the cause (delayed ACK, full window, "
        "retransmission, round trip, the sender's application). Takes effect when a capture is read.",
        10, &dicom_prefs.stall_ms);
    prefs_register_uint_preference(m, "small_pdu", "Small maximum PDU length (bytes)",
        "A peer that announces a maximum PDU length below this gets a small_max_pdu finding.",
        10, &dicom_prefs.small_pdu);
    prefs_register_uint_preference(m, "max_pdu_cap", "Largest PDU length to reassemble",
        "Where the association's negotiation is not in the capture, a PDU header announcing more "
        "bytes than this is treated as not a PDU, so a corrupt length cannot swallow the rest of "
        "the stream. Once the receiver's Maximum Length is known, that limit applies instead "
        "(0: no limit).",
        10, &dicom_prefs.max_pdu_cap);
    prefs_register_uint_preference(m, "max_outstanding", "Unanswered requests tracked per association",
        "At most this many requests of one association wait for their response; beyond it the "
        "oldest is forgotten (with an expert info), so a peer that never answers cannot make "
        "the dissector's memory grow without bound.",
        10, &dicom_prefs.max_outstanding);
    prefs_register_uint_preference(m, "tls_port", "DICOM over TLS port",
        "TCP port of DICOM over TLS (PS3.15 B.1, 2762): decoded by TLS, then as DICOM when TLS "
        "can decrypt it. 0 turns it off.",
        10, &dicom_prefs.tls_port);
    prefs_register_bool_preference(m, "heuristic_midstream", "Pick up late-starting associations on any port",
        "Let the TCP heuristic claim a connection whose A-ASSOCIATE was not captured when a "
        "segment starts with a P-DATA-TF carrying a command set (or a release, abort or "
        "A-ASSOCIATE-AC). On the DICOM ports this happens anyway.",
        &dicom_prefs.heuristic_midstream);
    prefs_register_bool_preference(m, "validate", "Check conformance",
        "Check each peer against the standard's rules (PS3.8 state machine and PDU fields, PS3.7 "
        "commands, PS3.5 encoding): violations become expert infos and -z dicom_ul,validate. "
        "Takes effect when a capture is read.",
        &dicom_prefs.validate);
    prefs_register_bool_preference(m, "validate_data_sets", "Check the encoding of data sets",
        "With conformance checks on, also check the encoding of command and data sets (PS3.5) "
        "and the IODs of stored objects (PS3.3). Off, only the Upper Layer and DIMSE rules are "
        "checked, for speed. Takes effect when a capture is read.",
        &dicom_prefs.validate_data_sets);
}

static void proto_reg_handoff_dicom_ul(void) {
    dicom_handoff();
    /* Off by default so the two do not fight over port 104 and the heuristic; a user can
     * turn it back on under Analyze > Enabled Protocols. */
    int builtin = proto_get_id_by_filter_name("dicom");
    if (builtin != -1) proto_disable_by_default(builtin);
}

extern "C" WS_DLL_PUBLIC_DEF void plugin_register(void) {
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_dicom_ul;
    plug.register_handoff = proto_reg_handoff_dicom_ul;
    proto_register_plugin(&plug);
}
