/* -z dicom_ul,diagnose[,json] (diagnose.cpp), and its text for the Diagnosis window. */
#pragma once

#include <string>
#include <vector>

#include <glib.h>

namespace dicom {
class Association;
}

/* A finding of the report, numbered "association.index" as the text shows it. */
struct DiagnosisFindingRef {
    unsigned association = 0;
    unsigned index = 0;
    guint32 frame = 0;  /* where it was first raised */
    std::string filter; /* the display filter that shows its frames */
};

struct DiagnosisReport {
    std::string text; /* what -z dicom_ul,diagnose prints */
    std::vector<DiagnosisFindingRef> findings;
};

/* The text report over `sorted` (by association number). */
DiagnosisReport dicom_diagnosis_report(const std::vector<const dicom::Association *> &sorted);

void dicom_register_diagnose(void);
