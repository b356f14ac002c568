/* Statistics > DICOM Associations in the GUI (and -z dicom_ul,assoc_table in tshark): the
 * association table as a Wireshark "simple statistics" table, one row per association,
 * rewritten from the association's current totals each time one of its PDUs is tapped. */
#include "dissect.h"

#include <unordered_map>

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

enum Col { cNum, cClient, cServer, cCalling, cCalled, cSetup, cRelease, cDuration, cToServer, cToClient,
           cOps, cFailures, cWarnings, cStored, cMbps, cRspAvg, cRspMax, cEnd, cCount };

static stat_tap_table_item assoc_columns[] = {
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Assoc", "%u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Calling AE", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Called AE", "%s"},
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Set-up (ms)", "%.3f"},
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Release (ms)", "%.3f"},
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Duration (s)", "%.3f"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Bytes to server", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Bytes to client", "%u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Operations", "%s"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Failures", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Warnings", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stored", "%u"},
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "MB/s", "%.3f"},
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Avg response (ms)", "%.3f"},
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Max response (ms)", "%.3f"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Ended", "%s"},
};

static const char kTableName[] = "DICOM Associations";
static std::unordered_map<const AssocRecord *, guint> *g_rows;

static void table_init(stat_tap_table_ui *ui) {
    stat_tap_table *table = stat_tap_find_table(ui, kTableName);
    if (table) {
        if (ui->stat_tap_reset_table_cb) ui->stat_tap_reset_table_cb(table);
        return;
    }
    table = stat_tap_init_table(kTableName, cCount, 0, NULL);
    stat_tap_add_table(ui, table);
}

static void set_string(stat_tap_table *t, guint row, guint col, const std::string &v) {
    stat_tap_table_item_type *old = stat_tap_get_field_data(t, row, col);
    g_free((gchar *)old->value.string_value);
    old->value.string_value = g_strdup(v.c_str());
}

static tap_packet_status table_packet(void *tapdata, packet_info *, epan_dissect_t *, const void *data, tap_flags_t) {
    auto *stat = (stat_data_t *)tapdata;
    stat_tap_table *t = g_array_index(stat->stat_tap_data->tables, stat_tap_table *, 0);
    const AssocRecord *rec = ((const DicomTapInfo *)data)->rec;
    try {
        if (!g_rows) g_rows = new std::unordered_map<const AssocRecord *, guint>();
        auto it = g_rows->find(rec);
        guint row;
        if (it == g_rows->end()) {
            row = t->num_elements;
            stat_tap_table_item_type items[cCount];
            memset(items, 0, sizeof items);
            for (int i = 0; i < cCount; ++i) {
                items[i].type = assoc_columns[i].type;
                if (items[i].type == TABLE_ITEM_STRING) items[i].value.string_value = g_strdup("");
            }
            stat_tap_init_table_row(t, row, cCount, items);
            (*g_rows)[rec] = row;
        } else {
            row = it->second;
        }
        const AssocSummary s = dicom_summarize(*rec);
        stat_tap_get_field_data(t, row, cNum)->value.uint_value = s.number;
        set_string(t, row, cClient, s.client);
        set_string(t, row, cServer, s.server);
        set_string(t, row, cCalling, s.calling);
        set_string(t, row, cCalled, s.called);
        stat_tap_get_field_data(t, row, cSetup)->value.float_value = s.setup_ms;
        stat_tap_get_field_data(t, row, cRelease)->value.float_value = s.release_ms;
        stat_tap_get_field_data(t, row, cDuration)->value.float_value = s.duration;
        stat_tap_get_field_data(t, row, cToServer)->value.uint_value = (guint)s.bytes_to_server;
        stat_tap_get_field_data(t, row, cToClient)->value.uint_value = (guint)s.bytes_to_client;
        set_string(t, row, cOps, s.operations);
        stat_tap_get_field_data(t, row, cFailures)->value.uint_value = s.failures;
        stat_tap_get_field_data(t, row, cWarnings)->value.uint_value = s.warnings;
        stat_tap_get_field_data(t, row, cStored)->value.uint_value = s.stored;
        stat_tap_get_field_data(t, row, cMbps)->value.float_value = s.mbps;
        stat_tap_get_field_data(t, row, cRspAvg)->value.float_value = s.response_avg_ms;
        stat_tap_get_field_data(t, row, cRspMax)->value.float_value = s.response_max_ms;
        set_string(t, row, cEnd, s.end);
    } catch (...) {
        return TAP_PACKET_DONT_REDRAW;
    }
    return TAP_PACKET_REDRAW;
}

static void table_reset(stat_tap_table *) {
    delete g_rows;
    g_rows = nullptr;
}

static void table_free_item(stat_tap_table *, guint, guint column, stat_tap_table_item_type *field) {
    if (assoc_columns[column].type == TABLE_ITEM_STRING) g_free((gchar *)field->value.string_value);
}

static stat_tap_table_ui assoc_table_ui = {
    REGISTER_PACKET_STAT_GROUP_UNSORTED, "DICOM Associations", "dicom_ul", "dicom_ul,assoc_table", table_init,
    table_packet, table_reset, table_free_item, NULL, G_N_ELEMENTS(assoc_columns), assoc_columns, 0, NULL,
    NULL, 0};

void dicom_register_assoc_table(void) { register_stat_tap_table_ui(&assoc_table_ui); }
