#!/usr/bin/python3
"""Objects for the character set capture (charsets-all.pcap), written as DICOM files that
storescu sends: pydicom's own character-set test files, and objects for the sets those files
leave out, encoded here byte by byte the way PS3.5 section 6.1 and PS3.3 C.12.1.1.2 say
(escape sequences, delimiters that reset the sets). Usage: charset_objects.py OUTDIR

The test (tests/integration/test_charsets.py) decodes pydicom's files with pydicom and compares;
for the objects made here it compares with the text they were made from (SYNTHETIC)."""
import glob
import io
import os
import shutil
import sys

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

PYDICOM_FILES = os.path.join(os.path.dirname(pydicom.__file__), "data", "charset_files")
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"

# name, Specific Character Set, {keyword: (VR, bytes as sent, text they stand for)}
SYNTHETIC = [
    ("latin2", "ISO_IR 101", {"PatientName": ("PN", b"Wa\xb3\xeasa^Lech", "Wałęsa^Lech")}),
    ("latin3", "ISO_IR 109", {"PatientName": ("PN", b"\xd5u\xbfeppi^\xa1abib", "Ġużeppi^Ħabib")}),
    ("latin4", "ISO_IR 110", {"PatientName": ("PN", b"\xd3\xbani\xf1\xb9^J\xe0nis", "Ķēniņš^Jānis")}),
    ("latin5", "ISO_IR 148", {"PatientName": ("PN", b"\xd6zt\xfcrk^\xde\xfckr\xfc", "Öztürk^Şükrü")}),
    ("latin9", "ISO_IR 203", {"PatientName": ("PN", b"\xa4uro^Fran\xe7ois", "€uro^François")}),
    ("thai", "ISO_IR 166", {"PatientName": ("PN", b"\xca\xc1\xaa\xd2\xc2^\xe3\xa8\xb4\xd5", "สมชาย^ใจดี")}),
    ("katakana", "ISO_IR 13", {"PatientName": ("PN", b"\xd4\xcf\xc0\xde^\xc0\xdb\xb3", "ﾔﾏﾀﾞ^ﾀﾛｳ")}),
    ("jis-x0212", "\\ISO 2022 IR 87\\ISO 2022 IR 159", {
        "PatientName": ("PN", b"Mori^\x1b$(D*W\x1b(Bgai=\x1b$B?9\x1b(B^\x1b$(Dl?\x1b$B30\x1b(B", "Mori^Ōgai=森^鷗外")}),
    ("gb2312", "\\ISO 2022 IR 58", {
        "PatientName": ("PN", b"Zhang^San=\x1b$)A\xd5\xc5\x1b(B^\x1b$)A\xc8\xfd\x1b(B", "Zhang^San=张^三")}),
    ("gbk", "GBK", {"PatientName": ("PN", b"Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab", "Wang^XiaoDong=王^小东")}),
    # three G1 sets in one name; the study description starts over in value 1's set on each line
    ("latin-cyrillic-greek", "ISO 2022 IR 100\\ISO 2022 IR 144\\ISO 2022 IR 126", {
        "PatientName": ("PN", b"M\xfcller^\x1b-L\xb8\xd2\xd0\xdd\x1b-A^\x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2\x1b-A",
                        "Müller^Иван^Διονυσιος"),
        "StudyComments": ("LT", b"\x1b-L\xb8\xd2\xd0\xdd\x1b-A\r\nd\xe9j\xe0 vu", "Иван\r\ndéjà vu")}),
    # bytes that the declared set does not explain: shown as \xNN, with an expert info
    ("utf8-with-latin1-bytes", "ISO_IR 192", {"PatientName": ("PN", b"M\xfcller^J\xf6rg", "M\\xFCller^J\\xF6rg")}),
    ("unknown-term", "ISO_IR 999", {"PatientName": ("PN", b"M\xfcller", "M\\xFCller")}),
]


def uid(n):
    return "2.25.%d" % (424242424242424242000 + n)


def write(ds, path):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    try:
        ds.save_as(path, write_like_original=False)
    except TypeError:  # pydicom 3
        ds.save_as(path, enforce_file_format=True)


def synthetic(n, name, charset, elements):
    ds = Dataset()
    ds.SpecificCharacterSet = charset.split("\\") if "\\" in charset else charset
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = uid(n)
    ds.StudyInstanceUID = uid(100 + n)
    ds.SeriesInstanceUID = uid(200 + n)
    ds.PatientID = name
    ds.Modality = "OT"
    for keyword, (vr, raw, _) in elements.items():
        tag = pydicom.datadict.tag_for_keyword(keyword)
        ds.add_new(tag, vr, raw)
    return ds


def pydicom_files():
    """pydicom's character-set files that can be stored: those without a SOP class get one."""
    for n, path in enumerate(sorted(glob.glob(os.path.join(PYDICOM_FILES, "chr*.dcm")))):
        ds = pydicom.dcmread(path)
        if "SOPClassUID" not in ds:
            ds.SOPClassUID = SECONDARY_CAPTURE
            ds.SOPInstanceUID = uid(500 + n)
        yield os.path.basename(path), path, ds


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, path, ds in pydicom_files():
        if "SOPClassUID" in pydicom.dcmread(path):
            shutil.copy(path, os.path.join(out, name))
        else:
            write(ds, os.path.join(out, name))
    for n, (name, charset, elements) in enumerate(SYNTHETIC):
        write(synthetic(n, name, charset, elements), os.path.join(out, "synthetic-%s.dcm" % name))


if __name__ == "__main__":
    main(sys.argv[1])
