"""Association timing, request/response matching and the statistics, checked against times
computed here from the capture's own frame timestamps (frame.time_epoch)."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import fields, frames, pcap, tshark  # noqa: E402


def epoch(name, frame):
    return float(fields(name, "frame.number == %d" % frame, "frame.time_epoch")[0][0])


def first_frame(name, display_filter):
    return frames(name, display_filter)[0]


class AssociationTiming(unittest.TestCase):
    def test_setup_release_duration_on_echo(self):
        rq, ac = first_frame("echo.pcap", "dicom.pdu.type == 1"), first_frame("echo.pcap", "dicom.pdu.type == 2")
        rel_rq, rel_rp = first_frame("echo.pcap", "dicom.pdu.type == 5"), first_frame("echo.pcap", "dicom.pdu.type == 6")
        setup = float(fields("echo.pcap", "dicom.pdu.type == 2", "dicom.assoc.setup_time")[0][0])
        self.assertAlmostEqual(setup, epoch("echo.pcap", ac) - epoch("echo.pcap", rq), places=6)
        rp = fields("echo.pcap", "dicom.pdu.type == 6", "dicom.assoc.release_time", "dicom.assoc.duration")[0]
        self.assertAlmostEqual(float(rp[0]), epoch("echo.pcap", rel_rp) - epoch("echo.pcap", rel_rq), places=6)
        self.assertAlmostEqual(float(rp[1]), epoch("echo.pcap", rel_rp) - epoch("echo.pcap", rq), places=6)

    def test_association_numbers(self):
        ids = fields("one-per-object.pcap", "dicom.pdu.type == 1", "dicom.assoc.id")
        self.assertEqual(ids, [["1"], ["2"], ["3"]])
        self.assertEqual(len(frames("one-per-object.pcap", "dicom.assoc.id == 2 && dicom.pdu.type")),
                         len(frames("one-per-object.pcap", "dicom.assoc.id == 1 && dicom.pdu.type")) - 2)  # CT needs 2 more PDUs
        # every frame that carries DICOM names its association, not only those with a PDU header
        self.assertEqual(frames("one-per-object.pcap", "dicom && !dicom.assoc.id"), [])


class Matching(unittest.TestCase):
    def test_each_response_links_to_its_request_with_its_time(self):
        name = "store-multi.pcap"
        rsps = fields(name, "dicom.dimse.command == 0x8001", "frame.number", "dicom.response_to",
                      "dicom.response_time", "dicom.dimse.message_id_rsp")
        rqs = {int(r[1]): int(r[0]) for r in fields(name, "dicom.dimse.command == 0x0001 && dicom.dimse.data_set_size",
                                                    "frame.number", "dicom.dimse.message_id")}
        self.assertEqual(len(rsps), 3)
        for frame, to, rtime, msg_id in rsps:
            self.assertEqual(int(to), rqs[int(msg_id)])
            self.assertAlmostEqual(float(rtime), epoch(name, int(frame)) - epoch(name, int(to)), places=6)
        # second pass: the requests point forward to their responses
        back = fields(name, "dicom.response_in", "frame.number", "dicom.response_in", extra=["-2"])
        self.assertEqual(sorted((int(a), int(b)) for a, b in back), sorted((int(r[1]), int(r[0])) for r in rsps))

    def test_send_time_of_a_store(self):
        name = "max-pdu-4096.pcap"
        rq = fields(name, "dicom.dimse.command == 0x0001 && dicom.dimse.data_set_size", "frame.number",
                    "dicom.dimse.send_time", "dicom.dimse.fragment")[0]
        first = int(rq[2].split(",")[0])
        # from its first byte: the P-DATA-TF header that carried its first fragment (dcmtk sends
        # a PDU's header in a segment of its own, just before the fragment)
        header = max(f for f in frames(name, "dicom.pdu.type == 4 && tcp.dstport == 11112 && tcp.len == 12") if f < first)
        self.assertEqual(first - header, 1)
        self.assertAlmostEqual(float(rq[1]), epoch(name, int(rq[0])) - epoch(name, header), places=6)

    def test_pending_responses_and_final(self):
        rows = fields("query-retrieve.pcap", "dicom.assoc.id == 1 && dicom.dimse.command == 0x8020", "dicom.response_to")
        targets = set(",".join(r[0] for r in rows).split(","))
        self.assertEqual(len(targets), 1)  # every C-FIND-RSP, pending or final, answers one request
        request = fields("query-retrieve.pcap", "dicom.assoc.id == 1 && dicom.dimse.command == 0x0020", "frame.number")
        self.assertEqual(targets, {request[0][0]})

    def test_cancel_links_to_the_find_it_names(self):
        find = fields("query-retrieve.pcap", "dicom.assoc.id == 5 && dicom.dimse.command == 0x0020", "frame.number")
        cancel = fields("query-retrieve.pcap", "dicom.dimse.command == 0x0fff", "frame.number", "dicom.response_to",
                        "_ws.col.Info")
        self.assertEqual(len(cancel), 1)
        self.assertEqual(cancel[0][1], find[0][0])
        # dcmqrscp had already sent every response when the C-CANCEL-RQ arrived
        self.assertIn("C-CANCEL-RQ for id=1 (after the final response)", cancel[0][2])
        self.assertEqual(fields("query-retrieve.pcap", "dicom.dimse.cancel_in", "dicom.dimse.cancel_in", extra=["-2"]),
                         [[cancel[0][0]]])

    def test_move_sub_association_links_to_the_move(self):
        move = first_frame("query-retrieve.pcap", 'dicom.dimse.command == 0x0021 && dicom.dimse.move_destination == "STORESCP"')
        linked = fields("query-retrieve.pcap", "dicom.dimse.move_request_in", "dicom.dimse.move_request_in")
        self.assertEqual(linked, [[str(move)]])
        sub = fields("query-retrieve.pcap", 'dicom.ae_called == "STORESCP" && dicom.pdu.type == 1', "dicom.assoc.id")[0][0]
        rsp = fields("query-retrieve.pcap", "dicom.dimse.move_sub_association", "dicom.dimse.move_sub_association")
        self.assertEqual({v for r in rsp for v in r[0].split(",")}, {sub})

    def test_outstanding_request_cap(self):
        # With room for no unanswered request at all, every request is forgotten as it is
        # made: each says so, and no response finds its request.
        cap0 = ["-o", "dicom_ul.max_outstanding:0"]
        rqs = frames("store-multi.pcap", "dicom.dimse.command == 0x0001 && dicom.dimse.data_set_size")
        self.assertEqual(frames("store-multi.pcap", "dicom.expert.too_many_outstanding", extra=cap0), rqs)
        self.assertEqual(frames("store-multi.pcap", "dicom.response_to", extra=cap0), [])
        self.assertEqual(frames("store-multi.pcap", "dicom.expert.too_many_outstanding"), [])

    def test_unanswered_request_at_abort(self):
        # storescp aborts instead of answering the malformed C-STORE-RQ: the abort names it
        rows = fields("malformed-dataset.pcap", "dicom.expert.aborted", "dicom.pdu.type", "dicom.finding.text")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], "0x07")
        self.assertIn("PACS (acceptor, OFFIS_DCMTK_367) aborted the association (service-user abort), "
                      "with C-STORE-RQ id=2 (frame ", rows[0][1])
        self.assertTrue(rows[0][1].endswith(") unanswered"), rows[0][1])
        # no separate unanswered_request: the side that should answer ended it itself
        self.assertEqual(frames("malformed-dataset.pcap", "dicom.expert.unanswered"), [])


class Experts(unittest.TestCase):
    def test_slow_receiver(self):
        # storescp --sleep-after 2: the second and third responses each come 2 s after their
        # request (the first one before the first sleep); both are slow (default 1000 ms)
        rows = fields("slow-receiver.pcap", "dicom.expert.slow_response", "dicom.response_time", "dicom.processing_time")
        self.assertEqual(len(rows), 2)
        for rt, processing in rows:
            self.assertGreater(float(rt), 1.9)
            self.assertGreater(float(processing), 1.9)  # the SCP's own time, not TCP's
        self.assertEqual(frames("slow-receiver.pcap", "dicom.expert.slow_response",
                                extra=["-o", "dicom_ul.slow_response_ms:5000"]), [])

    def test_one_association_per_object(self):
        self.assertEqual(len(frames("one-per-object.pcap", "dicom.expert.one_association_per_object")), 2)
        self.assertEqual(frames("store-multi.pcap", "dicom.expert.one_association_per_object"), [])


class Statistics(unittest.TestCase):
    def srt(self, name):
        out = tshark("-r", pcap(name), "-q", "-z", "dicom_ul,srt")
        rows = {}
        for line in out.splitlines():
            m = re.match(r"\s*\d+\s+(\S+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
            if m:
                rows[m.group(1)] = [int(m.group(2))] + [float(x) for x in m.group(3, 4, 5, 6)]
        return rows

    def test_srt_table_matches_response_times(self):
        rows = self.srt("slow-receiver.pcap")
        times = [float(r[0]) for r in fields("slow-receiver.pcap", "dicom.response_time", "dicom.response_time")]
        self.assertEqual(list(rows), ["C-STORE-RQ"])
        calls, mn, mx, avg, total = rows["C-STORE-RQ"]
        self.assertEqual(calls, 3)
        self.assertAlmostEqual(mn, min(times), places=5)
        self.assertAlmostEqual(mx, max(times), places=5)
        self.assertAlmostEqual(total, sum(times), places=5)
        qr = self.srt("query-retrieve.pcap")
        self.assertEqual(qr["C-MOVE-RQ"][0], 2)
        self.assertEqual(qr["C-FIND-RQ"][0], 2)
        self.assertEqual(qr["C-STORE-RQ"][0], 2)

    def test_one_label_and_one_finding_per_association_in_every_table(self):
        # the SRT's association rows, the association table and the diagnosis name each association
        # alike, with the same most severe finding, computed over the whole association
        checked = 0
        for name in ("query-retrieve.pcap", "abort-after.pcap", "scp-killed.pcap", "requestor-timeout.pcap",
                     "move-partial.pcap", "cut-after-setup.pcap", "window-full.pcap", "context-rejected.pcap"):
            with self.subTest(capture=name):
                diagnosis = json.loads(tshark("-r", pcap(name), "-q", "-z", "dicom_ul,diagnose,json"))["associations"]
                table = {a["assoc"]: a for a in json.loads(tshark("-r", pcap(name), "-q", "-z", "dicom_ul,assoc,json"))}
                out = tshark("-r", pcap(name), "-q", "-z", "dicom_ul,srt").split("dicom.assoc.id", 1)[1]
                srt = {int(m.group(1)): m.group(2) for m in
                       re.finditer(r"^\s*(\d+)\s+(.*?)\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s*$", out, re.M)}
                for a in diagnosis:
                    worst = a["findings"][0] if a["findings"] else None
                    finding = "%s (%s)" % (worst["code"], worst["party"]) if worst else ""
                    self.assertEqual(table[a["association"]]["finding"], finding)
                    label = "%s -> %s" % (a["calling_ae"] or "?", a["called_ae"] or "?")
                    if a["association"] in srt:  # a row once a request was answered
                        self.assertEqual(srt[a["association"]], label + (": " + finding if finding else ""))
                        checked += 1
        self.assertGreater(checked, 8)

    def test_association_table_csv_and_json(self):
        out = tshark("-r", pcap("one-per-object.pcap"), "-q", "-z", "dicom_ul,assoc,csv")
        lines = [line for line in out.splitlines() if line]
        header = lines[0].split(",")
        rows = [dict(zip(header, re.findall(r'"[^"]*"|[^,]+|(?<=,)(?=,)', line))) for line in lines[1:]]
        self.assertEqual([r["assoc"] for r in rows], ["1", "2", "3"])
        self.assertEqual({r["objects_stored"] for r in rows}, {"1"})
        self.assertEqual({r["end"] for r in rows}, {'"released"'})
        rq = first_frame("one-per-object.pcap", "dicom.pdu.type == 1")
        self.assertAlmostEqual(float(rows[0]["start_epoch"]), epoch("one-per-object.pcap", rq), places=5)

        data = json.loads(tshark("-r", pcap("query-retrieve.pcap"), "-q", "-z", "dicom_ul,assoc,json"))
        self.assertEqual(len(data), 6)
        self.assertEqual(data[2]["calling_ae"], "ARCHIVE")  # the C-MOVE sub-association
        self.assertEqual(data[2]["objects_stored"], 1)
        self.assertEqual(data[5]["failures"], 1)            # C-MOVE to an unknown destination
        ac = first_frame("query-retrieve.pcap", "dicom.pdu.type == 2")
        rq = first_frame("query-retrieve.pcap", "dicom.pdu.type == 1")
        self.assertAlmostEqual(data[0]["setup_ms"], (epoch("query-retrieve.pcap", ac) - epoch("query-retrieve.pcap", rq)) * 1000, places=2)

    def test_response_times_per_association(self):
        data = json.loads(tshark("-r", pcap("slow-receiver.pcap"), "-q", "-z", "dicom_ul,assoc,json"))
        times = [float(r[0]) * 1000 for r in fields("slow-receiver.pcap", "dicom.response_time", "dicom.response_time")]
        self.assertAlmostEqual(data[0]["response_avg_ms"], sum(times) / len(times), places=2)
        self.assertAlmostEqual(data[0]["response_max_ms"], max(times), places=2)
        refused = json.loads(tshark("-r", pcap("refused.pcap"), "-q", "-z", "dicom_ul,assoc,json"))
        self.assertIsNone(refused[0]["response_avg_ms"])

    def test_how_associations_end(self):
        def end(name):
            return json.loads(tshark("-r", pcap(name), "-q", "-z", "dicom_ul,assoc,json"))[0]["end"]
        self.assertEqual(end("echo.pcap"), "released")
        self.assertEqual(end("refused.pcap"), "rejected: permanent, no-reason-given")
        self.assertEqual(end("abort.pcap"), "aborted by the acceptor (service-user)")
        # findscu drops the TCP connection when no context was accepted
        self.assertEqual(end("find-rejected.pcap"),
                         "closed by the requestor (TCP FIN in frame 8) without A-RELEASE or A-ABORT")


if __name__ == "__main__":
    unittest.main(verbosity=2)
