"""DIMSE messages and data sets decoded from real dcmtk traffic: C-STORE in several transfer
syntaxes (implicit, deflated, JPEG), C-FIND, C-MOVE with its sub-association, C-GET and a
C-MOVE failure from dcmqrscp; Export Objects checked with dcmtk and against the sent file."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import fields, frames, home, pcap, tshark  # noqa: E402

PYDICOM_FILES = "/usr/lib/python3/dist-packages/pydicom/data/test_files"


def dataset_of_part10(data):
    """Bytes after the file meta group of a Part 10 file."""
    assert data[128:132] == b"DICM"
    group_length = struct.unpack("<I", data[132 + 8:132 + 12])[0]
    return data[132 + 12 + group_length:]


class Store(unittest.TestCase):
    def test_messages_and_transfer_syntaxes(self):
        rows = fields("transfer-syntaxes.pcap", "dicom.dimse.command == 0x0001 && dicom.dimse.data_set_size",
                      "dicom.dimse.message_id", "dicom.pdv.transfer_syntax", "dicom.dimse.data_set_size",
                      "dicom.patient_name", "dicom.modality", "dicom.sop_instance_uid")
        self.assertEqual([r[1:5] for r in rows], [
            ["1.2.840.10008.1.2", "38712", "CompressedSamples^CT1", "CT"],
            ["1.2.840.10008.1.2.1.99,1.2.840.10008.1.2.1.99", "1128", "Last^First^mid^pre", "RTPLAN"],
            ["1.2.840.10008.1.2.4.51", "9460", "CompressedSamples^NM1", "NM"],
            ["1.2.840.10008.1.2.2", "9358", "CompressedSamples^MR1", "MR"]])
        self.assertIn("1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322", rows[0][5].split(","))

    def test_fragments_link_back(self):
        # CT_small in implicit VR: command in one frame, data set over several.
        rows = fields("transfer-syntaxes.pcap", "dicom.dimse.data_set_size == 38712",
                      "frame.number", "dicom.dimse.fragment", "dicom.dimse.fragment_count")
        self.assertEqual(len(rows), 1)
        frames_listed = [int(x) for x in rows[0][1].split(",")]
        self.assertEqual(frames_listed[-1], int(rows[0][0]))
        self.assertEqual(frames_listed, sorted(frames_listed))
        self.assertGreaterEqual(int(rows[0][2]), 4)
        # Every fragment frame points at the completing frame (second pass).
        done = int(rows[0][0])
        linked = fields("transfer-syntaxes.pcap", "dicom.pdv.completed_in", "dicom.pdv.completed_in",
                        extra=["-2"])
        completing = set(frames("transfer-syntaxes.pcap", "dicom.dimse"))
        self.assertIn(str(done), [r[0] for r in linked])
        self.assertTrue(all(int(x) in completing for r in linked for x in r[0].split(",")), linked)

    def test_encapsulated_pixel_data_is_fragments(self):
        out = tshark("-r", pcap("transfer-syntaxes.pcap"), "-Y", "dicom.dimse.data_set_size == 9460",
                     "-V", "-O", "dicom_ul")
        self.assertIn("(7FE0,0010) Pixel Data OB (encapsulated", out)
        self.assertIn("Basic Offset Table: 0 bytes", out)
        self.assertIn("Fragment: 6830 bytes", out)

    def test_values_are_typed_and_filterable(self):
        self.assertEqual(len(frames("transfer-syntaxes.pcap", "dicom.tag == 0x00100010")), 4)
        self.assertEqual(len(frames("transfer-syntaxes.pcap", 'dicom.value.string == "GE MEDICAL SYSTEMS"')), 1)
        # (0028,0030) Pixel Spacing of CT_small: two values, decimal strings
        rows = fields("transfer-syntaxes.pcap", "dicom.dimse.data_set_size == 38712", "dicom.value.uint")
        self.assertIn("128", rows[0][0].split(","))  # Rows / Columns (US)

    def test_patient_masking(self):
        rows = fields("transfer-syntaxes.pcap", "dicom.patient_name", "dicom.patient_name",
                      extra=["-o", "dicom_ul.mask_patient:TRUE"])
        self.assertEqual([r[0] for r in rows], ["********"] * 4)

    def test_export_objects_are_valid_part10_files(self):
        out = tempfile.mkdtemp(prefix="dicom-eo-", dir=home())
        os.chmod(out, 0o777)
        tshark("-r", pcap("transfer-syntaxes.pcap"), "-q", "--export-objects", "dicom_ul," + out)
        names = sorted(os.listdir(out))
        self.assertEqual(names, ["1.2.777.777.77.7.7777.7777.20030903150023.dcm",
                                 "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322.dcm",
                                 "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457.dcm",
                                 "1.3.6.1.4.1.5962.1.1.8.1.5.20040826185059.5457.dcm"])
        for n in names:
            p = subprocess.run(["dcmftest", os.path.join(out, n)], capture_output=True, text=True)
            self.assertTrue(p.stdout.startswith("yes:"), p.stdout)
            dump = subprocess.run(["dcmdump", os.path.join(out, n)], capture_output=True, text=True).stdout
            self.assertIn("MediaStorageSOPInstanceUID", dump)
        # Each exported data set is byte for byte what the data PDVs carried on the wire.
        for n, size in ((names[1], 38712), (names[3], 9460), (names[2], 9358)):
            with open(os.path.join(out, n), "rb") as f:
                exported = dataset_of_part10(f.read())
            done = frames("transfer-syntaxes.pcap", "dicom.dimse.data_set_size == %d" % size)[0]
            rows = fields("transfer-syntaxes.pcap", "dicom.pdv.flags.command == 0 && frame.number <= %d && frame.number > %d"
                          % (done, done - 40), "frame.number", "dicom.pdv.ctx", "dicom.pdv.value")
            # a frame may carry several pieces (the end of one PDV, the start of the next)
            sent = b"".join(bytes.fromhex(v.replace(":", "")) for r in rows for v in r[2].split(","))
            self.assertEqual(len(exported), size)
            self.assertTrue(sent.endswith(exported))
        # storescu sent the big-endian file without re-encoding it: the export is that file's data set.
        with open(os.path.join(out, names[2]), "rb") as f:
            exported = dataset_of_part10(f.read())
        with open(os.path.join(PYDICOM_FILES, "MR_small_bigendian.dcm"), "rb") as f:
            self.assertEqual(exported, dataset_of_part10(f.read()))
        shutil.rmtree(out, ignore_errors=True)


class MalformedDataSet(unittest.TestCase):
    def test_expert_infos_and_the_rest_is_shown(self):
        rows = fields("malformed-dataset.pcap", "dicom.dimse.command == 1 && dicom.dimse.data_set_size",
                      "dicom.expert.element_odd_length", "dicom.expert.vr_unknown", "dicom.sop_instance_uid",
                      "dicom.patient_name")
        self.assertEqual(len(rows), 1)
        self.assertEqual(set(rows[0][2].split(",")), {"2.25.1234567890123456789"})  # command and data set
        self.assertEqual(rows[0][3], "Doe^J")
        self.assertEqual(len(frames("malformed-dataset.pcap", "dicom.expert.element_odd_length")), 1)
        self.assertEqual(len(frames("malformed-dataset.pcap", "dicom.expert.vr_unknown")), 1)
        # storescp's answer to it
        self.assertEqual(fields("malformed-dataset.pcap", "dicom.pdu.type == 7", "tcp.srcport"), [["11112"]])


class Charsets(unittest.TestCase):
    def test_utf8_latin1_and_iso2022(self):
        rows = fields("charsets.pcap", "dicom.patient_name", "dicom.charset", "dicom.patient_name",
                      "dicom.expert.charset_not_decoded")
        self.assertEqual(rows[0][:2], ["ISO_IR 192", "M\u00fcller^J\u00f6rg"])
        self.assertEqual(rows[1][:2], ["ISO_IR 100", "M\u00fcller^J\u00f6rg"])
        self.assertEqual(rows[2][:2], [",ISO 2022 IR 87", "Yamada^Tarou=\u5c71\u7530^\u592a\u90ce"])  # two values
        self.assertEqual([bool(r[2]) for r in rows], [False, False, False])


class ExportSelection(unittest.TestCase):
    def test_only_cstore_by_default_everything_on_request(self):
        def export(extra):
            out = tempfile.mkdtemp(prefix="dicom-eo-", dir=home())
            os.chmod(out, 0o777)
            tshark("-r", pcap("query-retrieve.pcap"), "-q", "--export-objects", "dicom_ul," + out, *extra)
            names = sorted(os.listdir(out))
            shutil.rmtree(out, ignore_errors=True)
            return names
        default = export([])
        self.assertEqual(len(default), 2)  # the C-STOREs of the C-MOVE and the C-GET
        everything = export(["-o", "dicom_ul.export_all:TRUE"])
        self.assertGreater(len(everything), len(default))
        self.assertTrue(any(n.startswith("C-FIND-RSP-") for n in everything), everything)


class QueryRetrieve(unittest.TestCase):
    def info(self):
        return {int(r[0]): r[1] for r in fields("query-retrieve.pcap", "dicom.dimse", "frame.number", "_ws.col.Info")}

    def test_find(self):
        rows = fields("query-retrieve.pcap", "dicom.dimse.command == 0x8020", "dicom.dimse.status",
                      "dicom.dimse.status_category", "dicom.dimse.message_id_rsp")
        statuses = ",".join(r[0] for r in rows).split(",")
        self.assertEqual(statuses[-1], "0x0000")
        self.assertTrue(all(s in ("0xff00", "0x0000") for s in statuses), statuses)
        self.assertIn("Pending", ",".join(r[1] for r in rows))
        rq = fields("query-retrieve.pcap", "dicom.dimse.command == 0x0020 && dicom.query_level",
                    "dicom.query_level", "dicom.dimse.affected_sop_class_uid", "dicom.dimse.priority")
        self.assertEqual(rq, [["STUDY", "1.2.840.10008.5.1.4.1.2.2.1", "0"]] * 2)  # the second one is cancelled

    def test_move_with_sub_association_and_failure(self):
        rows = fields("query-retrieve.pcap", "dicom.dimse.command == 0x0021 && dicom.dimse.data_set_size",
                      "dicom.dimse.move_destination")
        self.assertEqual([r[0] for r in rows], ["STORESCP", "NOWHERE"])
        sub = fields("query-retrieve.pcap", 'dicom.ae_called == "STORESCP" && dicom.pdu.type == 1', "dicom.ae_calling")
        self.assertEqual(sub, [["ARCHIVE"]])
        stored = fields("query-retrieve.pcap", "dicom.dimse.command == 0x0001 && tcp.port == 11113 && dicom.dimse.data_set_size",
                        "dicom.dimse.move_originator_ae", "dicom.dimse.move_originator_message_id")
        self.assertEqual(stored, [["MODALITY", "1"]])
        final = fields("query-retrieve.pcap", "dicom.dimse.command == 0x8021 && dicom.dimse.remaining == 0 && dicom.dimse.status == 0",
                       "dicom.dimse.completed", "dicom.dimse.failed")
        # The pending and the final response travel in one frame: the last values are the final ones.
        self.assertEqual([[v.split(",")[-1] for v in r] for r in final], [["1", "0"]])
        failure = fields("query-retrieve.pcap", "dicom.dimse.status == 0xa801", "frame.number", "dicom.dimse.status_category",
                         "dicom.expert.status_failure")
        self.assertEqual(len(failure), 1)
        self.assertEqual(failure[0][1], "Failure")
        self.assertIn("C-MOVE-RSP id=1 Failure 0xA801 Refused: move destination unknown", self.info()[int(failure[0][0])])

    def test_get(self):
        rows = fields("query-retrieve.pcap", "dicom.dimse.command == 0x8010", "dicom.dimse.status",
                      "dicom.dimse.completed")
        self.assertEqual(rows[-1][0].split(",")[-1], "0x0000")
        self.assertEqual(rows[-1][1].split(",")[-1], "1")
        # C-GET's C-STORE travels on the same association, from the archive to the SCU.
        stores = fields("query-retrieve.pcap", "dicom.dimse.command == 0x0001 && dicom.dimse.data_set_size && tcp.srcport == 11112",
                        "dicom.modality")
        self.assertEqual(stores, [["MR"]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
