/* File > Export Objects > DICOM-UL and tshark --export-objects dicom_ul,DIR (export.cpp). */
#pragma once

#include <epan/packet.h>

#include "model/record_writer.h"

void dicom_register_export(void);
bool dicom_export_wanted(void); /* a listener wants data sets */
/* Where the first pass hands over data sets kept whole (Packet::keep_for_export). */
KeptDataSink *dicom_export_sink(void);
/* Later passes (the GUI re-reads the file): a piece of a data set, gathered again. */
void dicom_export_collect(const dicom::Message &m, guint64 data_offset, const guint8 *value, guint32 length);
/* The message completed in this frame: its data set, if whole (or the user wants incomplete
 * ones), goes to the listener; `src` is the sender's end. */
void dicom_export_message(packet_info *pinfo, const dicom::Message &m, const dicom::Endpoint &src);
