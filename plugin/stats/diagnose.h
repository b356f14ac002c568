/* -z dicom_ul,diagnose[,json] (diagnose.cpp), and its text for the Diagnosis window:
 * findings numbered "association.k". */
#pragma once

#include "stats/numbered_report.h"

/* The text report over `sorted` (by association number). */
NumberedReport dicom_diagnosis_report(const std::vector<const dicom::Association *> &sorted);

void dicom_register_diagnose(void);
