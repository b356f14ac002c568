"""DICOM over TLS and TLS misconfigurations, from real dcmtk peers (tools/make-captures.sh):
storescu/storescp with +tls on port 2762 (RSA key exchange, so the server key decrypts it),
a TLS client against a plain storescp, and a plain client against a TLS storescp."""
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import fields, frames, home  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KEY_SRC = os.path.join(HERE, "..", "..", "tools", "captures", "tls", "test-key.pem")


def key():
    dst = os.path.join(home(True), "test-key.pem")
    if not os.path.exists(dst):
        shutil.copy(KEY_SRC, dst)
        os.chmod(dst, 0o644)
    return dst


def with_key(proto="dicom_ul"):
    # the RSA keys table as a UAT: 4.6 no longer takes the old tls.keys_list preference
    return ("-o", 'uat:ssl_keys:"127.0.0.1","2762","%s","%s",""' % (proto, key()))


COMMANDS = ["0x0001", "0x8001", "0x0001", "0x8001"]


class WithoutKey(unittest.TestCase):
    def test_says_encrypted_once_and_decodes_nothing(self):
        self.assertEqual(frames("tls.pcap", "dicom.pdu.type"), [])
        hidden = frames("tls.pcap", "dicom.transport == 5")
        self.assertGreaterEqual(len(hidden), 8)  # every completed application-data frame
        self.assertEqual(frames("tls.pcap", "dicom"), hidden)
        expert = frames("tls.pcap", "dicom.expert.tls_encrypted")
        self.assertEqual(expert, hidden[:1])
        info = fields("tls.pcap", "dicom.transport", "_ws.col.Info")
        self.assertEqual(len(info), len(hidden))
        self.assertTrue(all(r[0].endswith("(DICOM, not decrypted)") for r in info), info)
        # the handshake stays TLS's, untouched
        self.assertEqual(len(frames("tls.pcap", "tls.handshake.type == 1 && !dicom")), 1)


class WithServerKey(unittest.TestCase):
    def test_decodes_like_plain_traffic(self):
        rows = fields("tls.pcap", "dicom.dimse.command", "dicom.dimse.command", "dicom.dimse.status",
                      extra=with_key())
        self.assertEqual([r[0] for r in rows], COMMANDS)
        self.assertEqual([r[1] for r in rows], ["", "0x0000", "", "0x0000"])
        ae = fields("tls.pcap", "dicom.pdu.type == 1", "dicom.ae_calling", "dicom.ae_called", extra=with_key())
        self.assertEqual(ae, [["MODALITY", "PACS"]])
        self.assertEqual(frames("tls.pcap", "dicom.expert.tls_encrypted || dicom.transport", extra=with_key()), [])
        self.assertEqual(frames("tls.pcap", "dicom.expert.not_pdu", extra=with_key()), [])
        # The same objects as store-multi.pcap sends in the clear: same data sets, same names.
        tls = fields("tls.pcap", "dicom.dimse.data_set_size", "dicom.dimse.data_set_size",
                     "dicom.patient_name", "dicom.sop_instance_uid", extra=with_key())
        plain = fields("store-multi.pcap", "dicom.dimse.data_set_size", "dicom.dimse.data_set_size",
                       "dicom.patient_name", "dicom.sop_instance_uid")
        self.assertEqual(tls, plain[:2])
        pdus = [r[0] for r in fields("tls.pcap", "dicom.pdu.type != 4", "dicom.pdu.type", extra=with_key())]
        self.assertEqual(pdus, ["0x01", "0x02", "0x05", "0x06"])

    def test_tls_heuristic_finds_dicom_on_any_port(self):
        # Port mapping off, TLS forced on the port: the A-ASSOCIATE-RQ alone identifies DICOM.
        extra = ("-o", "dicom_ul.tls_port:0", "-d", "tcp.port==2762,tls") + with_key("")
        rows = fields("tls.pcap", "dicom.dimse.command", "dicom.dimse.command", extra=extra)
        self.assertEqual([r[0] for r in rows], COMMANDS)


class Misconfigured(unittest.TestCase):
    def test_tls_client_on_plain_port(self):
        rows = fields("tls-client-plain-port.pcap", "dicom", "frame.number", "dicom.transport",
                      "dicom.expert.tls_on_plain_port", "tls.handshake.type", "_ws.col.Info")
        self.assertEqual(len(rows), 1)
        frame, transport, expert, hs, info = rows[0]
        self.assertEqual((frame, transport, hs), ("4", "2", "1"))
        self.assertTrue(expert)
        self.assertIn("TLS on a plain DICOM port", info)
        self.assertIn("Client Hello", info)
        # no bogus PDU (type 0x16, length 0x0301....) is reported
        self.assertEqual(frames("tls-client-plain-port.pcap", "dicom.pdu.type || dicom.expert.not_pdu"), [])

    def test_plain_client_on_tls_port(self):
        rq = fields("plain-client-tls-port.pcap", "dicom.pdu.type == 1", "frame.number", "dicom.ae_calling",
                    "dicom.ae_called", "dicom.expert.plain_on_tls_port", "dicom.transport")
        self.assertEqual(len(rq), 1)
        self.assertEqual(rq[0][1:3], ["MODALITY", "PACS"])
        self.assertEqual(rq[0][4], "4")
        # the first frame of plain DICOM (the A-ASSOCIATE-RQ's first bytes) says so, once
        first = frames("plain-client-tls-port.pcap", "dicom")[0]
        self.assertLess(first, int(rq[0][0]))
        self.assertEqual(frames("plain-client-tls-port.pcap", "dicom.expert.plain_on_tls_port"), [first])
        self.assertEqual(frames("plain-client-tls-port.pcap", "tls"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
