/* -z dicom_ul,diagnose[,json] (diagnose.cpp). */
#pragma once

void dicom_register_diagnose(void);
