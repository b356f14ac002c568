"""Captures that start late (made from store-multi.pcap by tools/make-captures.sh midstream):
after the association set-up, and inside the first P-DATA-TF PDU."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import fields, frames  # noqa: E402


class AfterSetup(unittest.TestCase):
    def test_messages_decode_with_inferred_contexts(self):
        rows = fields("cut-after-setup.pcap", "dicom.dimse.data_set_size", "dicom.pdv.transfer_syntax",
                      "dicom.patient_name", "dicom.expert.inferred")
        self.assertEqual([r[1] for r in rows], ["CompressedSamples^CT1", "CompressedSamples^MR1", "Last^First^mid^pre"])
        self.assertEqual([r[0] for r in rows], ["1.2.840.10008.1.2.1"] * 3)
        self.assertTrue(rows and all(r[2] for r in rows))  # marked as inferred
        # the SOP class learnt from the command shows on the data fragments that follow it
        data = fields("cut-after-setup.pcap", "dicom.pdv.flags == 0", "dicom.sop_class_uid")
        self.assertTrue(data and all(set(r[0].split(",")) == {"1.2.840.10008.5.1.4.1.1.2"} for r in data[:2]), data)

    def test_responses_still_match(self):
        self.assertEqual(len(frames("cut-after-setup.pcap", "dicom.response_to")), 3)
        self.assertEqual(frames("cut-after-setup.pcap", "dicom.expert.not_pdu"), [])


class InsidePdu(unittest.TestCase):
    def test_resynchronises_within_the_first_pdu(self):
        pdus = frames("cut-mid-pdu.pcap", "dicom.pdu.type")
        store = frames("store-multi.pcap", "dicom.pdu.type")
        # every PDU that started inside the capture is found: the same number of PDUs from
        # the second object on as in the full capture
        self.assertEqual(len(frames("cut-mid-pdu.pcap", "dicom.dimse.command == 0x0001 && dicom.dimse.data_set_size")), 2)
        self.assertGreaterEqual(len(pdus), len(store) - 8)
        info = fields("cut-mid-pdu.pcap", "dicom", "_ws.col.Info")
        # the capture's doing, not the peer's: incomplete (its start is not in the capture), no Malformed
        self.assertIn("Data set whose command is not in the capture [incomplete: bytes missing from the capture]",
                      [r[0] for r in info])
        self.assertEqual(frames("cut-mid-pdu.pcap", "_ws.expert.group == 0x07000000 && dicom"), [])
        self.assertEqual([r[0] for r in fields("cut-mid-pdu.pcap", "dicom.pdu.type >= 5", "dicom.pdu.type")],
                         ["0x05", "0x06"])


class OtherPort(unittest.TestCase):
    """heuristic-port.pcap (port 4242) cut after its set-up: only the preference claims it."""
    PREF = ("-o", "dicom_ul.heuristic_midstream:TRUE")

    def test_not_claimed_by_default(self):
        self.assertEqual(frames("cut-other-port.pcap", "dicom"), [])

    def test_claimed_with_the_preference(self):
        rows = fields("cut-other-port.pcap", "dicom.dimse.command", "dicom.dimse.command", "dicom.dimse.status",
                      extra=self.PREF)
        self.assertEqual([r[0] for r in rows], ["0x0001", "0x8001"] * 5)
        self.assertEqual([r[1] for r in rows if r[1]], ["0x0000"] * 5)
        self.assertEqual(frames("cut-other-port.pcap", "dicom.expert.not_pdu", extra=self.PREF), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
