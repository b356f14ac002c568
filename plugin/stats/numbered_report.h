/* A text report whose entries are numbered "association.entry" (the diagnosis' findings, the
 * conformance report's violations), with what the report windows need to go to an entry's
 * frame and to filter its frames. */
#pragma once

#include <string>
#include <vector>

#include <glib.h>

namespace dicom {
class Association;
}

struct ReportEntry {
    unsigned association = 0;
    unsigned index = 0;
    guint32 frame = 0;  /* where it was first seen */
    std::string filter; /* the display filter that shows its frames */
};

struct NumberedReport {
    std::string text; /* what the -z report prints */
    std::vector<ReportEntry> entries;
};

/* Makes a report over the associations, sorted by number. */
typedef NumberedReport (*NumberedReportMaker)(const std::vector<const dicom::Association *> &sorted);
