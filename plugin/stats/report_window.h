/* Statistics > DICOM Diagnosis and DICOM Validation (report_window.cpp). */
#pragma once

void dicom_register_report_windows(void);
