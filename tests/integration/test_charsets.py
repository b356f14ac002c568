"""Every character set of PS3.5 6.1, sent by a real storescu (charsets-all.pcap, made by
tools/make-captures.sh from tools/captures/charset_objects.py): pydicom's own character-set
files, decoded by pydicom and by the plugin, must give the same text; the objects made for the
sets pydicom's files leave out must give the text they were made from; bytes that the declared
set does not explain are shown as \\xNN and counted by tshark -z expert."""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "captures"))
from tshark_run import pcap, tshark  # noqa: E402

import charset_objects  # noqa: E402
import pydicom  # noqa: E402

TEXT_VRS = {"SH", "LO", "ST", "LT", "UC", "UT", "PN"}


def plugin_values():
    """SOP Instance UID -> every text value the plugin decoded in that C-STORE's data set."""
    out = json.loads(tshark("-r", pcap("charsets-all.pcap"), "-Y", "dicom.dimse.command == 0x0001", "-T", "json",
                            "-e", "dicom.sop_instance_uid", "-e", "dicom.value.string"))
    values = {}
    for frame in out:
        layers = frame["_source"]["layers"]
        # a person name's empty trailing component groups ("Wang^XiaoDong=王^小東=") are kept as
        # sent; pydicom drops them
        values[layers["dicom.sop_instance_uid"][0]] = {v.rstrip("=") for v in layers.get("dicom.value.string", [])}
    return values


def pydicom_values(ds):
    """Every value of every text element pydicom decoded, items of sequences included. Private
    elements are left out: where the file says UN, pydicom takes the VR from its private
    dictionary, the plugin shows the bytes."""
    found = []
    for elem in ds.iterall():
        if elem.VR not in TEXT_VRS or elem.value is None or elem.value == "" or elem.tag.is_private:
            continue
        for v in (elem.value if elem.VM > 1 else [elem.value]):
            text = str(v)
            found.append(text.rstrip(" ") if elem.VR in ("ST", "LT", "UT", "UC") else text.strip(" "))
    return [v for v in found if v]


class PydicomFiles(unittest.TestCase):
    def test_same_text_as_pydicom(self):
        plugin = plugin_values()
        checked = set()
        for name, path, ds in charset_objects.pydicom_files():
            with self.subTest(file=name):
                ds.decode()
                uid = str(ds.SOPInstanceUID)
                self.assertIn(uid, plugin)
                expected = pydicom_values(ds)
                self.assertTrue(expected)
                for v in expected:
                    self.assertIn(v, plugin[uid])
                checked.add(str(ds.get("SpecificCharacterSet")))
        # Arabic, French, German, Greek, Japanese (IR 13, IR 87), Hebrew, Korean, Russian, UTF-8, GB18030
        self.assertGreaterEqual(len(checked), 11, checked)


class SetsPydicomLeavesOut(unittest.TestCase):
    def test_text_they_were_made_from(self):
        plugin = plugin_values()
        for n, (name, charset, elements) in enumerate(charset_objects.SYNTHETIC):
            with self.subTest(object=name, charset=charset):
                values = plugin[charset_objects.uid(n)]
                for keyword, (vr, raw, text) in elements.items():
                    self.assertIn(text, values)

    def test_undecodable_text_is_counted_by_expert(self):
        out = tshark("-r", pcap("charsets-all.pcap"), "-q", "-z", "expert,note")
        lines = [line for line in out.splitlines() if "does not explain" in line]
        self.assertEqual(len(lines), 1, out)
        # the UTF-8 object with Latin-1 bytes, and the unknown defined term; nothing else
        self.assertEqual(int(lines[0].split()[0]), 2, lines)


class NamedFields(unittest.TestCase):
    def test_filters_on_decoded_names(self):
        out = tshark("-r", pcap("charsets-all.pcap"), "-Y", 'dicom.patient_name == "Mori^Ōgai=森^鷗外"', "-T", "fields",
                     "-e", "dicom.charset")
        self.assertEqual(out.strip(), ",ISO 2022 IR 87,ISO 2022 IR 159")
        self.assertIn("PatientName=Hong^Gildong=洪^吉洞=홍^길동",
                      tshark("-r", pcap("charsets-all.pcap"), "-T", "fields", "-e", "dicom.element",
                             "-Y", 'dicom.element contains "洪"'))


if __name__ == "__main__":
    unittest.main(verbosity=2)
