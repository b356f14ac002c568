#include "stats/stat_rows.h"

#include <vector>

void dicom_stat_row(stat_tap_table *t, guint row, const stat_tap_table_ui &ui) {
    if (row < t->num_elements) return;
    std::vector<stat_tap_table_item_type> items(ui.nfields);
    for (size_t i = 0; i < ui.nfields; ++i) {
        items[i].type = ui.fields[i].type;
        if (items[i].type == TABLE_ITEM_STRING) items[i].value.string_value = g_strdup("");
    }
    stat_tap_init_table_row(t, row, (guint)ui.nfields, items.data());
}

static void blank(stat_tap_table_item_type *f) {
    switch (f->type) {
    case TABLE_ITEM_STRING:
        g_free((gchar *)f->value.string_value);
        f->value.string_value = g_strdup("");
        break;
    case TABLE_ITEM_FLOAT: f->value.float_value = 0; break;
    default: f->value.uint_value = 0; break;
    }
}

void dicom_stat_rows_reset(stat_tap_table *t, const stat_tap_table_ui &ui) {
    const bool shown_elsewhere = ui.refcount > 1; /* the dialog's own copy counts once */
    for (guint row = 0; row < t->num_elements; ++row) {
        for (guint col = 0; col < t->num_fields; ++col) {
            stat_tap_table_item_type *f = stat_tap_get_field_data(t, row, col);
            if (shown_elsewhere) blank(f);
            else if (ui.stat_tap_free_table_item_cb) ui.stat_tap_free_table_item_cb(t, row, col, f);
        }
        if (!shown_elsewhere) g_free(t->elements[row]);
    }
    if (shown_elsewhere) return;
    g_free(t->elements);
    t->elements = NULL;
    t->num_elements = 0;
}
