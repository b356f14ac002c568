/* -z dicom_ul,validate[,json] (validate.cpp): does each peer follow the standard? Per
 * association and peer, the conformance violations grouped by rule, numbered "association.k"
 * for the Validation window. */
#pragma once

#include "stats/numbered_report.h"

NumberedReport dicom_validation_report(const std::vector<const dicom::Association *> &sorted);

void dicom_register_validate(void);
