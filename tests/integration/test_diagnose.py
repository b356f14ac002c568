"""-z dicom_ul,diagnose: on captures of real peers (tools/make-captures.sh,
tools/make-diagnosis-captures.sh, tools/make-impaired-captures.sh), each association names the
cause and the party a DICOM integration engineer would name; the time budget adds up and
agrees with the frames' own timestamps; healthy transfers blame nobody; every finding is an
expert info on its frame."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import fields, frames, pcap, tshark  # noqa: E402

BUDGET = ("setup", "release", "waiting_for_acceptor", "waiting_for_requestor", "transfer", "tcp_stalls")

# The errors and warnings each capture must show, as (code, party, AE title), and no others.
# dcmtk's storescp (and Orthanc, built on it) writes each response as a 12-byte header and then
# the rest, with Nagle on: the requestor's delayed ACK holds the rest for 40 ms
# (delayed_ack_stall, the acceptor's). Each such stall is a note; together they are a warning
# where they cost more than 10% of the association's time (the short associations here), not
# where they are a small part of a long one. Notes (network, capture) are not listed.
DCMTK_NAGLE = ("delayed_ack_stall", "acceptor", "PACS")
EXPECTED = {
    "refused.pcap": [[("association_rejected", "acceptor", "PACS")]],
    "rejected-calling-ae.pcap": [[("association_rejected", "acceptor", "PACS")]],
    "abort.pcap": [[("association_aborted", "acceptor", "PACS")]],
    "context-rejected.pcap": [[("context_rejected", "acceptor", "PACS"), ("association_aborted", "requestor", "MODALITY"),
                               DCMTK_NAGLE]],
    "abort-after.pcap": [[("association_aborted", "acceptor", "PACS")]],
    "requestor-timeout.pcap": [[("unanswered_request", "acceptor", "PACS"), ("association_aborted", "requestor", "MODALITY"),
                                ("slow_response", "acceptor", "PACS")]],
    "find-rejected.pcap": [[("no_context_accepted", "acceptor", "PACS"),
                            ("closed_without_release", "requestor", "MODALITY")]],
    "scp-killed.pcap": [[("closed_without_release", "acceptor", "PACS")]],
    "window-full.pcap": [[("receiver_window_full", "acceptor", "PACS"), ("slow_response", "acceptor", "PACS")]],
    "slow-receiver.pcap": [[("slow_response", "acceptor", "PACS"), ("slow_release", "acceptor", "PACS")]],
    "malformed-dataset.pcap": [[("malformed_data_set", "requestor", "SCRIPTED_SCU"), ("association_aborted", "acceptor", "PACS"),
                                ("delayed_ack_stall", "requestor", "SCRIPTED_SCU"), DCMTK_NAGLE]],
    "oversized-pdu.pcap": [[("max_pdu_exceeded", "requestor", "SCRIPTED_SCU"), ("association_aborted", "acceptor", "PACS")]],
    "faulty-mismatch.pcap": [[("sop_instance_mismatch", "requestor", "FAULTY_SCU"), ("failure_status", "acceptor", "PACS"),
                              DCMTK_NAGLE]],
    "faulty-encapsulated.pcap": [[("encapsulated_on_native_syntax", "requestor", "FAULTY_SCU"),
                                  ("failure_status", "acceptor", "PACS"), DCMTK_NAGLE]],
    "faulty-no-dataset.pcap": [[("data_set_missing", "requestor", "FAULTY_SCU"), ("association_aborted", "acceptor", "PACS")]],
    "faulty-rejected-context.pcap": [[("protocol_violation", "requestor", "FAULTY_SCU"),
                                      ("association_aborted", "acceptor", "PACS")]],
    "plain-client-tls-port.pcap": [[("plain_on_tls_port", "requestor", "MODALITY"),
                                    ("closed_without_release", "acceptor", "PACS")]],
    "tls-client-plain-port.pcap": [[("tls_on_plain_port", "requestor", None)]],
    "gap-in-dataset.pcap": [[DCMTK_NAGLE, ("capture_gap", "capture", None)]],
    "slow-setup-dns.pcap": [[("slow_setup", "acceptor", "PACS")]],
    "move-partial.pcap": [[("warning_status", "acceptor", "ARCHIVE"), ("delayed_ack_stall", "acceptor", "ARCHIVE"),
                           ("delayed_ack_stall", "requestor", "MODALITY")],
                          [("delayed_ack_stall", "acceptor", "STORESCP")]],
    "faulty-native-on-jpeg.pcap": [[("native_on_encapsulated_syntax", "requestor", "FAULTY_SCU"),
                                    ("association_aborted", "acceptor", "PACS")]],
    "faulty-pause.pcap": [[("sender_stall", "requestor", "FAULTY_SCU")]],
}
# Healthy transfers: nothing but the SCP's Nagle stalls (and notes).
HEALTHY = {
    "store-multi.pcap": 1, "charsets.pcap": 1, "negotiation.pcap": 1, "user-identity.pcap": 1,
    "orthanc-scp.pcap": 1, "orthanc-scu.pcap": 1, "ctn-store.pcap": 2, "odil-store.pcap": 1, "gdcm-store.pcap": 1,
    "pixelmed-store.pcap": 1, "dcmjs-store.pcap": 1, "impaired-loss-sender.pcap": 1, "impaired-reorder-receiver.pcap": 1,
}
# The peers' software as their A-ASSOCIATE-RQ/AC name it (implementation version names).
SOFTWARE = {"ctn-store.pcap": "MIRCTN11MAR2003", "odil-store.pcap": "Odil 0", "gdcm-store.pcap": "GDCM 3.0.21",
            "pixelmed-store.pcap": "PIXELMEDJAVA001", "dcmjs-store.pcap": "DCMJS-DIMSE-V0.2"}


def diagnose(name, *extra):
    return json.loads(tshark("-r", pcap(name), "-q", "-z", "dicom_ul,diagnose,json", *extra))["associations"]


def blame(assoc):
    return {(f["code"], f["party"], f["ae"]) for f in assoc["findings"] if f["severity"] != "note"}


def epoch(name, frame):
    return float(fields(name, "frame.number == %d" % frame, "frame.time_epoch")[0][0])


class Verdicts(unittest.TestCase):
    def test_each_failure_names_its_cause_and_party(self):
        for name, expected in EXPECTED.items():
            with self.subTest(capture=name):
                got = diagnose(name)
                self.assertEqual(len(got), len(expected))
                for assoc, want in zip(got, expected):
                    self.assertEqual(blame(assoc), set(want), assoc["findings"])
                    # the verdict names the first of them: the one that is why
                    if want[0][0] != "delayed_ack_stall":
                        self.assertIn("(%s)" % want[0][0], assoc["verdict"])

    def test_delayed_ack_stalls_are_notes_and_one_warning_past_a_tenth_of_the_time(self):
        warned = quiet = 0
        for name in ("slow-receiver.pcap", "window-full.pcap", "faulty-mismatch.pcap", "move-partial.pcap",
                     "store-multi.pcap", "context-rejected.pcap"):
            with self.subTest(capture=name):
                # on its frames, each stall is a note, in one pass and in two
                for two_pass in ((), ("-2",)):
                    rows = fields(name, 'dicom.finding == "delayed_ack_stall"', "dicom.finding", "dicom.finding.severity",
                                  extra=two_pass)
                    severities = {sev for codes, sevs in rows for code, sev in zip(codes.split(","), sevs.split(","))
                                  if code == "delayed_ack_stall"}
                    self.assertTrue(severities)
                    self.assertEqual(severities, {"note"})
                for a in diagnose(name):
                    for f in a["findings"]:
                        if f["code"] != "delayed_ack_stall":
                            continue
                        share = f["value"] / a["duration_ms"]
                        self.assertEqual(f["severity"], "warning" if share > 0.10 else "note", (share, f))
                        warned += f["severity"] == "warning"
                        quiet += f["severity"] == "note"
        self.assertTrue(warned and quiet, (warned, quiet))  # both sides of the rule are seen

    def test_healthy_transfers_blame_nobody(self):
        for name, count in HEALTHY.items():
            with self.subTest(capture=name):
                got = diagnose(name)
                self.assertEqual(len(got), count)
                for assoc in got:
                    self.assertEqual(assoc["outcome"], "released")
                    self.assertEqual({f["code"] for f in assoc["findings"] if f["severity"] == "error"}, set())
                    peers = {c for c, party, _ in blame(assoc) if party in ("requestor", "acceptor")}
                    self.assertTrue(peers <= {"delayed_ack_stall"}, assoc["findings"])
                    self.assertEqual(assoc["objects_stored"], assoc["store_requests"])

    def test_the_software_of_both_sides(self):
        for name, version in SOFTWARE.items():
            with self.subTest(capture=name):
                a = diagnose(name)[0]
                self.assertEqual(a["requestor_implementation"]["version_name"], version)
                self.assertTrue(a["requestor_implementation"]["class_uid"])
                self.assertEqual(a["acceptor_implementation"]["version_name"], "OFFIS_DCMTK_367")

    def test_failed_stores_are_not_counted_as_stored(self):
        a = diagnose("faulty-mismatch.pcap")[0]
        self.assertEqual((a["store_requests"], a["objects_stored"]), (1, 0))
        status = [f for f in a["findings"] if f["code"] == "failure_status"][0]
        self.assertEqual(status["value"], 0xA900)  # storescp: data set does not match SOP class
        self.assertIn("2.25.900002 in its command but 2.25.900003 in its data set",
                      [f for f in a["findings"] if f["code"] == "sop_instance_mismatch"][0]["text"])

    def test_the_side_that_closed_first(self):
        a = diagnose("find-rejected.pcap")[0]
        close = [f for f in a["findings"] if f["code"] == "closed_without_release"][0]
        fin = frames("find-rejected.pcap", "tcp.flags.fin == 1")[0]
        self.assertEqual(close["frame"], fin)
        # findscu (the requestor) sent it: not the acceptor's port
        self.assertNotEqual(fields("find-rejected.pcap", "frame.number == %d" % fin, "tcp.srcport")[0][0], "11112")
        self.assertIn("TCP FIN in frame %d" % fin, a["ended"])
        k = diagnose("scp-killed.pcap")[0]
        rst = frames("scp-killed.pcap", "tcp.flags.reset == 1 && tcp.srcport == 11112")[0]
        close = [f for f in k["findings"] if f["code"] == "closed_without_release"][0]
        self.assertEqual((close["frame"], close["value"]), (rst, 1))  # value 1: RST


class TimeBudget(unittest.TestCase):
    def test_parts_add_up_to_the_duration(self):
        for name in list(EXPECTED) + list(HEALTHY) + ["impaired-wan-sender.pcap", "query-retrieve.pcap"]:
            with self.subTest(capture=name):
                assocs = diagnose(name)
                self.assertTrue(assocs)
                for a in assocs:
                    parts = a["time_budget_ms"]
                    self.assertEqual(set(parts), set(BUDGET))
                    self.assertAlmostEqual(sum(parts.values()), a["duration_ms"], places=1)
                    self.assertTrue(all(v >= 0 for v in parts.values()), parts)

    def test_against_the_frames_timestamps(self):
        name = "slow-receiver.pcap"
        a = diagnose(name)[0]
        t = {pdu: epoch(name, frames(name, "dicom.pdu.type == %d" % pdu)[0]) for pdu in (1, 2, 5, 6)}
        b = a["time_budget_ms"]
        self.assertAlmostEqual(a["duration_ms"], (t[6] - t[1]) * 1000, places=2)
        self.assertAlmostEqual(b["setup"], (t[2] - t[1]) * 1000, places=2)
        self.assertAlmostEqual(b["release"], (t[6] - t[5]) * 1000, places=2)
        # storescp sleeps 2 s before the second and third responses: the acceptor's time
        self.assertGreater(b["waiting_for_acceptor"], 3900)
        # the three responses each waited about 40 ms for the delayed ACK
        stalls = [float(r[0].split(",")[0]) for r in fields(name, "dicom.finding == \"delayed_ack_stall\"", "dicom.stall.time")]
        self.assertEqual(len(stalls), 3)
        self.assertAlmostEqual(b["tcp_stalls"], sum(stalls) * 1000, places=1)

    def test_a_receiver_that_does_not_read(self):
        a = diagnose("window-full.pcap")[0]
        self.assertGreater(a["time_budget_ms"]["tcp_stalls"], 0.5 * a["duration_ms"])
        full = [f for f in a["findings"] if f["code"] == "receiver_window_full"][0]
        zero = frames("window-full.pcap", "tcp.analysis.zero_window && tcp.srcport == 11112", plugin=False)
        self.assertTrue(zero)  # TCP's own analysis sees the zero window too
        self.assertGreater(full["count"], 5)
        self.assertIn("PACS (acceptor, OFFIS_DCMTK_367) was not reading", full["text"])


class PacketTree(unittest.TestCase):
    def test_every_finding_is_an_expert_info_on_its_frame(self):
        shown_elsewhere = {"retransmissions", "out_of_order", "capture_gap", "tls_on_plain_port", "plain_on_tls_port"}
        for name in EXPECTED:
            with self.subTest(capture=name):
                for a in diagnose(name):
                    for f in a["findings"]:
                        if f["code"] in shown_elsewhere:
                            continue
                        rows = fields(name, "frame.number == %d" % f["frame"], "dicom.finding", "dicom.finding.party",
                                      "dicom.finding.text")
                        self.assertIn(f["code"], rows[0][0].split(","), f)
                        self.assertIn(f["party"], rows[0][1].split(","))
                        if f["count"] == 1:
                            self.assertIn(f["text"], rows[0][2])

    def test_expert_infos_name_names(self):
        # the sentence in the tree; the expert info's summary, cut to fit its column, says what and who
        rows = fields("rejected-calling-ae.pcap", "dicom.expert.assoc_rejected", "dicom.finding.text", "_ws.expert.message")
        self.assertEqual(rows, [["PACS (acceptor) rejected the association (permanent, DICOM UL service-user): "
                                 "calling-AE-title-not-recognized", "Association rejected: PACS (acceptor)"]])
        rows = fields("store-multi.pcap", "dicom.expert.delayed_ack_stall", "dicom.finding.text", "_ws.expert.message")
        self.assertTrue(rows)
        for text, summary in rows:
            self.assertTrue(text.startswith("PACS (acceptor, OFFIS_DCMTK_367) waited"), text)
            self.assertIn("MODALITY (requestor)'s delayed ACK", text)  # the other party: AE and role
            self.assertTrue(re.fullmatch(r"TCP stall: partial write waiting for a delayed ACK \(Nagle\): "
                                         r"PACS \(acceptor\), \d+ ms", summary), summary)

    def test_expert_summaries_fit_their_column(self):
        # every expert info of the plugin, on captures with each kind of finding, trouble and copy
        lines = 0
        for name in ("slow-receiver.pcap", "window-full.pcap", "negotiation.pcap", "oversized-pdu.pcap",
                     "malformed-dataset.pcap", "gap-in-dataset.pcap", "cut-mid-pdu.pcap", "tls-client-plain-port.pcap",
                     "mirror-two-taps.pcap", "plain-client-tls-port.pcap"):
            with self.subTest(capture=name):
                for row in fields(name, "dicom", "_ws.expert.message", extra=("-E", "aggregator=^")):
                    for summary in row[0].split("^") if row[0] else []:
                        lines += 1
                        self.assertLessEqual(len(summary), 100, summary)
        self.assertGreater(lines, 50)

    def test_which_store_was_slow_and_why(self):
        # the fields of each message: its stalls, and the responder's processing
        rows = fields("store-multi.pcap", "dicom.dimse.command == 0x8001", "dicom.response_time", "dicom.processing_time",
                      "dicom.transport_time", "dicom.stall.time", "dicom.stall.cause")
        self.assertEqual(len(rows), 3)
        for rt, processing, transport, stall, cause in rows:
            self.assertAlmostEqual(float(rt), float(processing) + float(transport), places=5)
            self.assertEqual(cause.split(",")[0], "delayed_ack")
            self.assertGreater(float(stall.split(",")[0]), 0.035)
            self.assertGreater(float(transport), float(processing))  # TCP's, not the SCP's
        slow = frames("slow-receiver.pcap", "dicom.processing_time > 1.5")
        self.assertEqual(slow, frames("slow-receiver.pcap", "dicom.expert.slow_response"))

    def test_same_findings_in_two_passes(self):
        for name in ("requestor-timeout.pcap", "window-full.pcap", "faulty-rejected-context.pcap"):
            with self.subTest(capture=name):
                one = fields(name, "dicom.finding", "frame.number", "dicom.finding", "dicom.finding.party")
                two = fields(name, "dicom.finding", "frame.number", "dicom.finding", "dicom.finding.party", extra=["-2"])
                self.assertEqual(one, two)


class TextReport(unittest.TestCase):
    def test_sentences_for_a_vendor(self):
        out = tshark("-r", pcap("rejected-calling-ae.pcap"), "-q", "-z", "dicom_ul,diagnose")
        self.assertIn("Association 1: MODALITY (requestor, 127.0.0.1:", out)
        self.assertIn("PACS (acceptor) rejected the association (permanent, DICOM UL service-user): "
                      "calling-AE-title-not-recognized", out)
        self.assertIn("Verdict: At fault: PACS (acceptor) (association_rejected).", out)
        out = tshark("-r", pcap("store-multi.pcap"), "-q", "-z", "dicom_ul,diagnose")
        self.assertIn("Outcome: released after", out)
        self.assertIn("3 of 3 objects stored", out)
        self.assertIn("Verdict: Slowed down by: PACS (acceptor, OFFIS_DCMTK_367) (delayed_ack_stall); most of its", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
