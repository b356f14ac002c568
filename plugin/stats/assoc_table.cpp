/* Statistics > DICOM Associations in the GUI (and -z dicom_ul,assoc_table in tshark): the
 * association table as a Wireshark "simple statistics" table, one row per association,
 * rewritten from the association's current totals each time one of its PDUs is tapped. Each
 * fill (opening, Apply) starts from an empty table (stats/stat_rows.h). */
#include "stats/assoc_report.h"

#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "stats/stat_rows.h"
#include "stats/tap.h"

/* The GUI's columns, made from the shared list (assoc_report.cpp) at registration (the UI keeps
 * a pointer to them): those marked for the GUI, with the shared column each one shows. Counts
 * are unsigned (clamped). Times and rates are text: the 4.0 dialog prints a float with six
 * decimals and cannot leave an unknown value empty; padded to one width, they sort as numbers
 * (a space sorts before any digit), an unknown one ("-") first. */
static stat_tap_table_item *assoc_columns;
static std::vector<size_t> *gui_source; /* shared column of each GUI column */

static stat_tap_table_item column_item(const AssocColumn &c) {
    switch (c.kind) {
    case AssocColumnKind::Uint: return {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, c.title, "%u"};
    case AssocColumnKind::Count: return {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, c.title, "%u"};
    case AssocColumnKind::Milliseconds:
    case AssocColumnKind::Rate:
    case AssocColumnKind::Seconds:
    case AssocColumnKind::Epoch: return {TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, c.title, "%s"};
    case AssocColumnKind::Text: break;
    }
    return {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, c.title, "%s"};
}

static const char kTableName[] = "DICOM Associations";
extern stat_tap_table_ui assoc_table_ui;
/* The row of each association in the fill under way (one at a time: a dialog taps its packets
 * when it opens and on Apply, then stops listening); emptied by the table's reset. */
static std::unordered_map<const dicom::Association *, guint> *g_row_of;

static void table_init(stat_tap_table_ui *ui) {
    stat_tap_table *table = stat_tap_find_table(ui, kTableName);
    if (table) {
        if (ui->stat_tap_reset_table_cb) ui->stat_tap_reset_table_cb(table);
        return;
    }
    table = stat_tap_init_table(kTableName, (int)gui_source->size(), 0, NULL);
    stat_tap_add_table(ui, table);
}

/* A cell as the GUI shows it: numbers with the decimals their unit needs, right-aligned to one
 * width so that the dialog's text sort orders them. */
static std::string gui_text(AssocColumnKind kind, const AssocCell &c) {
    if (kind == AssocColumnKind::Text) return c.text;
    char b[48];
    if (c.null) snprintf(b, sizeof b, "%14s", "-");
    else snprintf(b, sizeof b, kind == AssocColumnKind::Epoch ? "%14.6f" : "%14.3f", c.number);
    return b;
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
        if (!g_row_of) g_row_of = new std::unordered_map<const dicom::Association *, guint>();
        auto it = g_row_of->find(assoc);
        guint row;
        if (it == g_row_of->end()) {
            row = (guint)g_row_of->size(); /* in order of first sight */
            dicom_stat_row(t, row, assoc_table_ui);
            (*g_row_of)[assoc] = row;
        } else {
            row = it->second;
        }
        const std::vector<AssocCell> cells = dicom_assoc_row(*assoc);
        for (guint i = 0; i < n; ++i) {
            stat_tap_table_item_type *f = stat_tap_get_field_data(t, row, i);
            const AssocCell &c = cells[(*gui_source)[i]];
            switch (assoc_columns[i].type) {
            case TABLE_ITEM_UINT: f->value.uint_value = c.number < 4294967295.0 ? (guint)c.number : G_MAXUINT; break;
            default: set_string(t, row, i, gui_text(dicom_assoc_columns[(*gui_source)[i]].kind, c)); break;
            }
        }
    } catch (...) {
        return TAP_PACKET_DONT_REDRAW;
    }
    return TAP_PACKET_REDRAW;
}

static void table_reset(stat_tap_table *t) {
    delete g_row_of;
    g_row_of = nullptr;
    dicom_stat_rows_reset(t, assoc_table_ui);
}

static void table_free_item(stat_tap_table *, guint, guint column, stat_tap_table_item_type *field) {
    if (assoc_columns[column].type == TABLE_ITEM_STRING) g_free((gchar *)field->value.string_value);
}

stat_tap_table_ui assoc_table_ui = {
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
