/* Statistics > DICOM Diagnosis (diagnosis_window.cpp). */
#pragma once

void dicom_register_diagnosis_window(void);
