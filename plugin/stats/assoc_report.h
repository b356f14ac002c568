/* The association table: one list of columns, each column's value taken from the association
 * once, rendered as tshark text, CSV and JSON (-z dicom_ul,assoc[,csv|,json], assoc_report.cpp)
 * and as the GUI's Statistics > DICOM Associations table (assoc_table.cpp). */
#pragma once

#include <string>
#include <vector>

#include <glib.h>

namespace dicom {
class Association;
}

enum class AssocColumnKind : guint8 { Uint, Count, Milliseconds, Seconds, Epoch, Rate, Text };
struct AssocColumn {
    const char *key;   /* CSV and JSON name */
    const char *title; /* text and GUI heading */
    AssocColumnKind kind;
    bool in_gui;       /* the GUI table leaves a few out, to stay narrow */
};
struct AssocCell {
    bool null = false; /* not known (JSON null, empty elsewhere) */
    double number = 0;
    std::string text;
};
extern const AssocColumn dicom_assoc_columns[];
extern const size_t dicom_assoc_column_count;
std::vector<AssocCell> dicom_assoc_row(const dicom::Association &a); /* may throw std::bad_alloc */
enum class AssocFormat : guint8 { Text, Csv, Json };
/* A cell for the text report (wall-clock times as UTC dates), CSV or JSON (seconds since the epoch). */
std::string dicom_assoc_cell_text(size_t column, const AssocCell &c, AssocFormat format);
/* "in the capture" (its A-ASSOCIATE-RQ is), "before the capture" (neither it nor its TCP
 * connection's SYN is), "set-up not captured" (the capture missed it) */
const char *dicom_assoc_began_text(const dicom::Association &a);
/* The association's name in every table: "MODALITY -> PACS" ("?" for an AE title the capture
 * does not hold); its most severe finding over the whole association, as the diagnosis orders
 * them: "association_aborted (requestor)", "" when there is none. */
std::string dicom_assoc_label(const dicom::Association &a);
/* One peer of the association as the reports name it: "PACS (acceptor, 10.0.0.2:11112,
 * OFFIS_DCMTK_367)", without what the capture does not hold. */
std::string dicom_party_text(const dicom::Association &a, bool requestor);
std::string dicom_assoc_worst_finding(const dicom::Association &a);

void dicom_register_assoc_report(void); /* -z dicom_ul,assoc[,csv|,json] */
void dicom_register_assoc_table(void);  /* assoc_table.cpp: the GUI's table */
