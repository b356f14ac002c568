#!/usr/bin/env python3
"""Writes N synthetic CT images (512x512, 16-bit, random pixels, unique UIDs) for the
benchmark, starting from pydicom's CT_small.dcm so every other attribute is real.
Usage: make_objects.py OUTDIR N [ROWS] [COLUMNS]"""
import os
import sys

from pydicom import dcmread
from pydicom.uid import generate_uid

out, n = sys.argv[1], int(sys.argv[2])
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 512
cols = int(sys.argv[4]) if len(sys.argv) > 4 else 512
os.makedirs(out, exist_ok=True)
template = dcmread("/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm")
template.Rows, template.Columns = rows, cols
series = generate_uid()
for i in range(n):
    ds = template.copy()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SeriesInstanceUID = series
    ds.InstanceNumber = i + 1
    ds.PixelData = os.urandom(rows * cols * 2)
    ds.save_as(os.path.join(out, "ct%05d.dcm" % i), write_like_original=False)
print("wrote", n, "objects to", out)
