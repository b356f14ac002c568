/* A -z report over the associations the dicom_ul tap saw, as text (a NumberedReport) or, with
 * ",json", as one JSON document of one object per association: what -z dicom_ul,diagnose and
 * -z dicom_ul,validate share (report_tap.cpp). */
#pragma once

#include <epan/packet.h>
#include <epan/stat_tap_ui.h>

#include "compat.h"
#include "stats/numbered_report.h"

struct ReportTapKind {
    const char *name;      /* "dicom_ul,diagnose" */
    NumberedReportMaker text;
    /* one association's JSON object, followed by a comma unless it is the `last` */
    void (*json)(const dicom::Association &a, bool last);
};

/* The init of a stat_tap_ui whose user data is its ReportTapKind (register_stat_tap_ui). */
dicom_tap_init_result dicom_report_tap_init(const char *opt_arg, void *kind);
