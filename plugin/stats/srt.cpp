/* Service response time: -z dicom_ul,srt in tshark, Statistics > Service Response Time in the
 * GUI (Wireshark's service response time framework), by command and by association. */
#include "stats/srt.h"

#include <epan/srt_table.h>

#include "analysis/finding_text.hpp"
#include "dimse/dimse.hpp"
#include "fields.h"
#include "session/association.hpp"
#include "stats/assoc_report.h"
#include "stats/tap.h"


/* ---- service response time: -z dicom_ul,srt ---------------------------------------------- */

/* Two tables: by command, each row indexed by the request's Command Field, and by association,
 * each row indexed by its number. Wireshark's SRT dialog filters a row as "<filter>==<index>",
 * so a right click on a row finds its request and response frames (dicom.dimse.operation is on
 * both) or every frame of its association. */
static const guint16 kSrtCommands[] = {dicom::kCEchoRq, dicom::kCStoreRq, dicom::kCFindRq, dicom::kCGetRq,
                                       dicom::kCMoveRq, dicom::kNEventReportRq, dicom::kNGetRq, dicom::kNSetRq,
                                       dicom::kNActionRq, dicom::kNCreateRq, dicom::kNDeleteRq};

static void srt_init(struct register_srt *, GArray *srt_array) {
    srt_stat_table *t = init_srt_table("DICOM commands", NULL, srt_array, dicom::kNDeleteRq + 1, "Command",
                                       "dicom.dimse.operation", NULL);
    for (guint16 field : kSrtCommands) init_srt_table_row(t, field, dicom::code_name(dicom::kCommandFields, field));
    init_srt_table("DICOM associations", NULL, srt_array, 1, "Association", "dicom.assoc.id", NULL);
}

/* "MODALITY -> PACS: association_aborted (requestor)": the association table's label and most
 * severe finding */
static char *association_row_name(const dicom::Association &a) {
    const std::string worst = dicom_assoc_worst_finding(a);
    return g_strdup_printf("%s%s%s", dicom_assoc_label(a).c_str(), worst.empty() ? "" : ": ", worst.c_str());
}

/* The association's row takes the name of its most severe finding so far; every later PDU of the
 * association (an A-ABORT after the last response, say) and every frame that raises a finding
 * (a FIN without A-RELEASE) names it again. */
static void name_association_row(srt_stat_table *by_assoc, int row, const dicom::Association &a) {
    g_free(by_assoc->procedures[row].procedure);
    try {
        by_assoc->procedures[row].procedure = association_row_name(a);
    } catch (...) {
        by_assoc->procedures[row].procedure = g_strdup("");
    }
}

static tap_packet_status srt_packet(void *pss, packet_info *pinfo, epan_dissect_t *, const void *prv, tap_flags_t) {
    auto *info = (const DicomTapInfo *)prv;
    srt_data_t *data = (srt_data_t *)pss;
    srt_stat_table *by_command = g_array_index(data->srt_array, srt_stat_table *, 0);
    srt_stat_table *by_assoc = g_array_index(data->srt_array, srt_stat_table *, 1);
    if (!info->is_response) {
        const int row = (int)info->assoc->number;
        if (row >= by_assoc->num_procs || !by_assoc->procedures[row].procedure) return TAP_PACKET_DONT_REDRAW;
        name_association_row(by_assoc, row, *info->assoc);
        return TAP_PACKET_REDRAW;
    }
    bool known = false;
    for (guint16 field : kSrtCommands) known |= field == info->command;
    if (!known) return TAP_PACKET_DONT_REDRAW;
    add_srt_table_data(by_command, info->command, &info->request_time, pinfo);
    const int row = (int)info->assoc->number;
    if (row >= by_assoc->num_procs || !by_assoc->procedures[row].procedure) {
        init_srt_table_row(by_assoc, row, "");
    }
    name_association_row(by_assoc, row, *info->assoc);
    add_srt_table_data(by_assoc, row, &info->request_time, pinfo);
    return TAP_PACKET_REDRAW;
}

void dicom_register_srt(void) { register_srt_table(proto_dicom_ul, NULL, 2, srt_packet, srt_init, NULL); }
