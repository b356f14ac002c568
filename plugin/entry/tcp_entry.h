/* Entry points of plain DICOM over TCP: the port and conversation handle, the heuristic and
 * the postdissector (tcp_entry.cpp). */
#pragma once

void dicom_register_dissector(void);
void dicom_handoff(void);
