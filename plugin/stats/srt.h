/* Service response time tables (srt.cpp). */
#pragma once

void dicom_register_srt(void);
