/* -z dicom_ul,endpoints[,json] and the GUI's DICOM Nodes (endpoints.cpp). */
#pragma once

void dicom_register_endpoints(void);
