/* Statistics > DICOM Associations in the GUI (and -z dicom_ul,assoc_table in tshark): the
 * association table as a Wireshark "simple statistics" table, one row per association,
 * rewritten from the association's current totals each time one of its PDUs is tapped. */
#include "stats/assoc_report.h"

#include <unordered_map>
#include <vector>

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "stats/tap.h"

/* The GUI's columns, made from the shared list (assoc_report.cpp) at registration (the UI keeps
 * a pointer to them): those marked for the GUI, with the shared column each one shows. The
 * dialog prints every float with six decimals, so counts are unsigned (clamped). */
static stat_tap_table_item *assoc_columns;
static std::vector<size_t> *gui_source; /* shared column of each GUI column */

static stat_tap_table_item column_item(const AssocColumn &c) {
    switch (c.kind) {
    case AssocColumnKind::Uint: return {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, c.title, "%u"};
    case AssocColumnKind::Count: return {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, c.title, "%u"};
    case AssocColumnKind::Milliseconds:
    case AssocColumnKind::Rate:
    case AssocColumnKind::Seconds: return {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, c.title, "%.3f"};
    case AssocColumnKind::Epoch: return {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, c.title, "%.6f"};
    case AssocColumnKind::Text: break;
    }
    return {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, c.title, "%s"};
}

static const char kTableName[] = "DICOM Associations";
static std::unordered_map<const dicom::Association *, guint> *g_rows;

static void table_init(stat_tap_table_ui *ui) {
    stat_tap_table *table = stat_tap_find_table(ui, kTableName);
    if (table) {
        if (ui->stat_tap_reset_table_cb) ui->stat_tap_reset_table_cb(table);
        return;
    }
    table = stat_tap_init_table(kTableName, (int)gui_source->size(), 0, NULL);
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
    const dicom::Association *assoc = ((const DicomTapInfo *)data)->assoc;
    const guint n = (guint)gui_source->size();
    try {
        if (!g_rows) g_rows = new std::unordered_map<const dicom::Association *, guint>();
        auto it = g_rows->find(assoc);
        guint row;
        if (it == g_rows->end()) {
            row = t->num_elements;
            std::vector<stat_tap_table_item_type> items(n);
            for (guint i = 0; i < n; ++i) {
                items[i].type = assoc_columns[i].type;
                if (items[i].type == TABLE_ITEM_STRING) items[i].value.string_value = g_strdup("");
            }
            stat_tap_init_table_row(t, row, n, items.data());
            (*g_rows)[assoc] = row;
        } else {
            row = it->second;
        }
        const std::vector<AssocCell> cells = dicom_assoc_row(*assoc);
        for (guint i = 0; i < n; ++i) {
            stat_tap_table_item_type *f = stat_tap_get_field_data(t, row, i);
            const AssocCell &c = cells[(*gui_source)[i]];
            switch (assoc_columns[i].type) {
            case TABLE_ITEM_UINT: f->value.uint_value = c.number < 4294967295.0 ? (guint)c.number : G_MAXUINT; break;
            case TABLE_ITEM_FLOAT: f->value.float_value = c.null ? -1 : c.number; break;
            default: set_string(t, row, i, c.text); break;
            }
        }
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
    table_packet, table_reset, table_free_item, NULL, 0, NULL, 0, NULL, NULL, 0};

void dicom_register_assoc_table(void) {
    gui_source = new std::vector<size_t>(); /* for the program's life, like the UI it describes */
    for (size_t i = 0; i < dicom_assoc_column_count; ++i)
        if (dicom_assoc_columns[i].in_gui) gui_source->push_back(i);
    assoc_columns = g_new0(stat_tap_table_item, gui_source->size());
    for (size_t i = 0; i < gui_source->size(); ++i) assoc_columns[i] = column_item(dicom_assoc_columns[(*gui_source)[i]]);
    assoc_table_ui.nfields = gui_source->size();
    assoc_table_ui.fields = assoc_columns;
    register_stat_tap_table_ui(&assoc_table_ui);
}
