#!/usr/bin/python3
"""Writes N modality worklist files (one scheduled CT procedure step each, unique patient,
accession number and study UID) for dcmtk's worklist SCP wlmscpfs, so that one C-FIND gets N
pending responses. OUTDIR is the folder named by the called AE title, inside wlmscpfs's
--data-files-path; wlmscpfs also wants a file named "lockfile" there, which this writes.
Usage (Debian's /usr/bin/python3 with python3-pydicom): make_worklist.py OUTDIR N"""
import os
import sys

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "lockfile"), "w").close()
for i in range(n):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.AccessionNumber = "A%07d" % i
    ds.ReferencedStudySequence = Sequence()
    ds.ReferencedPatientSequence = Sequence()
    ds.PatientName = "PATIENT^%05d" % i
    ds.PatientID = "P%07d" % i
    ds.PatientBirthDate = "19%02d%02d%02d" % (40 + i % 60, 1 + i % 12, 1 + i % 28)
    ds.PatientSex = "FMO"[i % 3]
    ds.StudyInstanceUID = generate_uid()
    ds.RequestingPhysician = "SMITH^JOHN"
    ds.RequestedProcedureDescription = "CT CHEST"
    step = Dataset()
    step.Modality = "CT"
    step.ScheduledStationAETitle = "MODALITY"
    step.ScheduledProcedureStepStartDate = "20261207"
    step.ScheduledProcedureStepStartTime = "%02d%02d00" % (7 + i // 60 % 12, i % 60)
    step.ScheduledPerformingPhysicianName = "JOHNSON^MARY"
    step.ScheduledProcedureStepDescription = "CT CHEST WITHOUT CONTRAST"
    step.ScheduledProcedureStepID = "SPS%06d" % i
    ds.ScheduledProcedureStepSequence = Sequence([step])
    ds.RequestedProcedureID = "RP%06d" % i
    ds.RequestedProcedurePriority = "ROUTINE"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = "1.2.276.0.7230010.3.1.0.1"  # dcmtk's worklist file class
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(os.path.join(out, "wl%06d.wl" % i), write_like_original=False)
print("wrote", n, "worklist files to", out)
