/* Rows of a GUI statistics table (epan/stat_tap_ui.h) that every fill writes again. The
 * dialog resets the table and taps every packet again on Apply, and all copies of one dialog
 * share one table: rows a fill does not write must not stay behind, and rows another open copy
 * still shows must not be freed under it. */
#pragma once

#include <glib.h>

#include <epan/stat_tap_ui.h>

/* Row `row` of `t` (rows are added in order: `row` at most the row count), added with blank
 * fields of `ui`'s column types when the table has fewer rows. */
void dicom_stat_row(stat_tap_table *t, guint row, const stat_tap_table_ui &ui);
/* Before a fill (the table's reset callback): the rows are freed with `ui`'s free callback,
 * unless another copy of the dialog shows them; then they are blanked, to be written again in
 * order (a blank row stays at the end when the new fill has fewer). */
void dicom_stat_rows_reset(stat_tap_table *t, const stat_tap_table_ui &ui);
