"""Real networks: captures of storage SCUs (dcmtk, PixelMed, GDCM) sending to dcmtk.s storescp over impaired links (loss,
reordering, duplication, a WAN with tail drops), taken at the sender and at the receiver
(tools/make-impaired-captures.sh), and store-multi.pcap damaged the way capture hosts damage
captures (tools/captures/rewrite.py). Ground truth: what storescp stored (the
.truth.json files) and an independent reading of the streams (stream_truth.py)."""
import hashlib
import json
import os
import shutil
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import stream_truth  # noqa: E402
from tshark_run import PCAPS, fields, frames, home, pcap, tshark  # noqa: E402

# dcmtk storescu in loss, reorder and wan; PixelMed and GDCM frame their PDUs and PDVs their own way
SCENARIOS = {"loss": 20, "reorder": 10, "wan": 40, "pixelmed-loss": 10, "gdcm-reorder": 10}
OOO = ("-o", "tcp.reassemble_out_of_order:TRUE")
TROUBLE = ("_ws.malformed || dicom.expert.not_pdu || dicom.garbage || dicom.stream.lost || dicom.stream.skipped"
           " || dicom.dimse.incomplete || dicom.expert.unanswered || dicom.expert.pdv_ctx_unknown")


def truth(name):
    with open(os.path.join(PCAPS, "impaired-%s.truth.json" % name)) as f:
        return json.load(f)


def data_set(path):
    """The data set of a Part 10 file: what follows the file meta group."""
    with open(path, "rb") as f:
        b = f.read()
    assert b[128:132] == b"DICM", path
    group_length = struct.unpack("<I", b[140:144])[0]
    return b[144 + group_length:]


def export(name, *extra):
    """{file name: sha256 of its data set} of what Export Objects writes."""
    out = os.path.join(home(), "export-" + name.replace(".pcap", ""))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    os.chmod(out, 0o777)
    tshark("-r", pcap(name), "-q", "--export-objects", "dicom_ul," + out, *extra)
    got = {f: hashlib.sha256(data_set(os.path.join(out, f))).hexdigest() for f in os.listdir(out)}
    shutil.rmtree(out, ignore_errors=True)
    return got


def flat(rows, col):
    """The values of column `col` over all rows (a frame's occurrences are comma-joined). A frame
    may complete several messages: the one at which a capture gap's grace ended (the plugin waits
    for bytes a mirror port may capture late) completes what waited behind the gap."""
    return [v for r in rows for v in r[col].split(",") if v]


def frame_of(rows, col, value):
    return [int(r[0]) for r in rows if value in r[col].split(",")]


def message_fields(name, *extra):
    return fields(name, "dicom.dimse.command", "frame.number", "dicom.dimse.command", "dicom.dimse.message_id",
                  "dicom.dimse.message_id_rsp", "dicom.dimse.status", "dicom.dimse.data_set_size",
                  "dicom.response_time", extra=extra)


class ImpairedLinks(unittest.TestCase):
    def test_the_impairments_are_in_the_captures(self):
        # Real loss, reordering and duplication, as TCP analysis sees them: the tests below
        # would prove nothing on clean captures.
        for scenario in SCENARIOS:
            for side in ("sender", "receiver"):
                name = "impaired-%s-%s.pcap" % (scenario, side)
                with self.subTest(capture=name):
                    bad = frames(name, "tcp.analysis.retransmission || tcp.analysis.out_of_order || "
                                       "tcp.analysis.lost_segment", plugin=False)
                    self.assertGreater(len(bad), 10)
                    if side == "receiver":
                        self.assertTrue(frames(name, "tcp.analysis.lost_segment", plugin=False))

    def test_every_store_decoded_once_with_its_response(self):
        for scenario, count in SCENARIOS.items():
            for side in ("sender", "receiver"):
                name = "impaired-%s-%s.pcap" % (scenario, side)
                with self.subTest(capture=name):
                    rows = message_fields(name)
                    rq = [r for r in rows if r[1] == "0x0001"]
                    rsp = [r for r in rows if r[1] == "0x8001"]
                    self.assertEqual(sorted(int(r[2]) for r in rq), list(range(1, count + 1)))
                    self.assertEqual(sorted(int(r[3]) for r in rsp), list(range(1, count + 1)))
                    self.assertEqual({r[4] for r in rsp}, {"0x0000"})
                    self.assertEqual(len(rows), 2 * count)
                    self.assertEqual(frames(name, TROUBLE), [])

    def test_exported_objects_are_what_the_archive_stored(self):
        for scenario, count in SCENARIOS.items():
            stored = {s["sop_instance_uid"] + ".dcm": s["dataset_sha256"] for s in truth(scenario)["stored"]}
            self.assertEqual(len(stored), count)
            for side in ("sender", "receiver"):
                name = "impaired-%s-%s.pcap" % (scenario, side)
                for extra in ((), ("-2",), OOO):
                    with self.subTest(capture=name, extra=extra):
                        self.assertEqual(export(name, *extra), stored)

    def test_same_decode_with_two_passes_and_with_out_of_order_reassembly(self):
        for scenario in SCENARIOS:
            for side in ("sender", "receiver"):
                name = "impaired-%s-%s.pcap" % (scenario, side)
                with self.subTest(capture=name):
                    one = message_fields(name)
                    self.assertEqual(message_fields(name, "-2"), one)
                    # TCP then reassembles out-of-order segments itself and hands them over in
                    # the frame that fills the gap: the same messages in the same frames
                    self.assertEqual(message_fields(name, *OOO), one)
                    self.assertEqual(frames(name, TROUBLE, extra=OOO), [])

    def test_every_pdata_header_shown_once_with_its_pdvs(self):
        # A P-DATA-TF header assembled from segments that waited for a gap is shown with its
        # last piece, where its PDVs are, not in the frame that filled the gap.
        for scenario in SCENARIOS:
            for side in ("sender", "receiver"):
                name = "impaired-%s-%s.pcap" % (scenario, side)
                want = sorted(n for d in stream_truth.read(os.path.join(PCAPS, name)).values() for n in stream_truth.pdata_pdv_counts(d))
                self.assertGreater(len(want), 100)
                for extra in (("-2",), ("-2",) + OOO):
                    with self.subTest(capture=name, extra=extra):
                        rows = fields(name, "dicom.pdv.count", "dicom.pdv.count", extra=list(extra))
                        got = sorted(int(n) for r in rows for n in r[0].split(","))
                        self.assertEqual(got, want)

    def test_times_are_what_the_receiver_saw(self):
        # Each message completes in the frame at which its receiver had all of its bytes, and
        # response times are measured between those moments.
        for scenario in SCENARIOS:
            for side in ("sender", "receiver"):
                name = "impaired-%s-%s.pcap" % (scenario, side)
                with self.subTest(capture=name):
                    dirs = stream_truth.read(os.path.join(PCAPS, name))
                    want = {}
                    for d in dirs.values():
                        for m in stream_truth.messages(d)[0]:
                            want[(m["field"], m["id"])] = m
                    pdus = {}
                    for d in dirs.values():
                        for _, ptype, frame, time in stream_truth.messages(d)[1]:
                            pdus[ptype] = (frame, time)
                    # set-up: A-ASSOCIATE-RQ to AC; release: A-RELEASE-RQ to RP, each where received
                    setup = fields(name, "dicom.pdu.type == 2", "frame.number", "dicom.assoc.setup_time")
                    self.assertEqual(int(setup[0][0]), pdus[2][0])
                    self.assertAlmostEqual(float(setup[0][1]), pdus[2][1] - pdus[1][1], places=5)
                    release = fields(name, "dicom.pdu.type == 6", "frame.number", "dicom.assoc.release_time")
                    self.assertEqual(int(release[0][0]), pdus[6][0])
                    self.assertAlmostEqual(float(release[0][1]), pdus[6][1] - pdus[5][1], places=5)
                    rows = message_fields(name)
                    self.assertEqual(len(rows), len(want))
                    for r in rows:
                        field = int(r[1], 16)
                        m = want[(field, int(r[2] or r[3]))]
                        self.assertEqual(int(r[0]), m["frame"], r)
                        if field & 0x8000:
                            rq = want[(field & 0x7FFF, m["id"])]
                            self.assertAlmostEqual(float(r[6]), m["time"] - rq["time"], places=5)


class CaptureGaps(unittest.TestCase):
    """store-multi.pcap with one segment the capture missed (the receiver acknowledged it)."""

    def clean_messages(self):
        return [r[1:6] for r in message_fields("store-multi.pcap")]

    def test_a_gap_inside_a_data_set_damages_only_that_object(self):
        for extra in ((), ("-2",), OOO):
            with self.subTest(extra=extra):
                rows = fields("gap-in-dataset.pcap", "dicom.dimse.command", "frame.number", "dicom.dimse.command",
                              "dicom.dimse.message_id", "dicom.dimse.message_id_rsp", "dicom.dimse.incomplete",
                              "dicom.dimse.bytes_missing", extra=extra)
                self.assertEqual(sorted(flat(rows, 1)), ["0x0001"] * 3 + ["0x8001"] * 3)
                self.assertEqual(sorted(flat(rows, 2)), ["1", "2", "3"])
                self.assertEqual(sorted(flat(rows, 3)), ["1", "2", "3"])
                for i in ("1", "2", "3"):  # each request no later than its response
                    self.assertLessEqual(frame_of(rows, 2, i), frame_of(rows, 3, i))
                self.assertEqual((flat(rows, 4), flat(rows, 5)), (["1"], ["1448"]))  # only the first C-STORE-RQ
                lost = fields("gap-in-dataset.pcap", "dicom.stream.lost", "dicom.stream.lost",
                              "dicom.expert.bytes_missing", extra=extra)
                self.assertEqual([r[0] for r in lost], ["1448"])
                self.assertEqual(frames("gap-in-dataset.pcap", "_ws.malformed || dicom.expert.not_pdu || "
                                                               "dicom.expert.unanswered", extra=extra), [])
        # the other messages decode exactly as in the full capture (statuses, data set sizes)
        got, clean = message_fields("gap-in-dataset.pcap"), message_fields("store-multi.pcap")
        self.assertEqual(sorted(flat(got, 4)), sorted(flat(clean, 4)))
        first = flat(clean, 5)[0]  # the damaged object's size is what the capture has of it
        self.assertLessEqual(set(flat(clean, 5)) - {first}, set(flat(got, 5)))

    def test_nothing_corrupt_is_exported_unless_asked_for(self):
        full = export("store-multi.pcap")
        self.assertEqual(len(full), 3)
        for name in ("gap-in-dataset.pcap", "gap-over-header.pcap"):
            with self.subTest(capture=name):
                got = export(name)
                self.assertEqual(len(got), 2)
                for f, digest in got.items():
                    self.assertEqual(full[f], digest)  # the two whole objects, byte for byte
                self.assertEqual(len(frames(name, "dicom.expert.not_exported")), 1)
                # with the preference: the damaged one too, named so, zeros where bytes are missing
                more = export(name, "-o", "dicom_ul.export_incomplete:TRUE")
                self.assertEqual(len(more), 3)
                damaged = [f for f in more if f.endswith("-incomplete.dcm")]
                self.assertEqual(len(damaged), 1)
                self.assertEqual(damaged[0].replace("-incomplete", ""), (set(full) - set(got)).pop())

    def test_a_gap_over_a_pdu_header_resynchronises(self):
        for extra in ((), OOO):
            with self.subTest(extra=extra):
                rows = fields("gap-over-header.pcap", "dicom.dimse.command", "frame.number", "dicom.dimse.command",
                              "dicom.dimse.incomplete", extra=extra)
                self.assertEqual(sorted(flat(rows, 1)), ["0x0001"] * 3 + ["0x8001"] * 3)
                self.assertEqual(flat(rows, 2), ["1"])  # only the first is incomplete
                skipped = frames("gap-over-header.pcap", "dicom.stream.skipped", extra=extra)
                self.assertEqual(frames("gap-over-header.pcap", "dicom.expert.resync_after_gap", extra=extra), skipped)
                self.assertEqual(frames("gap-over-header.pcap", "_ws.malformed || dicom.expert.not_pdu", extra=extra), [])
        got, clean = message_fields("gap-over-header.pcap"), message_fields("store-multi.pcap")
        self.assertEqual(sorted(flat(got, 4)), sorted(flat(clean, 4)))  # every response's status

    def test_a_lost_last_segment_is_declared_and_the_response_still_matches(self):
        # the gap is declared when its grace ends: the frame that does so completes the damaged
        # C-STORE-RQ id=2, its response (which waited for it) and what followed
        [rq2] = fields("gap-at-end-of-dataset.pcap", "dicom.dimse.message_id == 2", "dicom.dimse.incomplete",
                       "dicom.response_in", extra=["-2"])
        self.assertEqual(rq2[0], "1")
        self.assertTrue(rq2[1])  # linked to its response
        [rsp2] = fields("gap-at-end-of-dataset.pcap", "dicom.dimse.message_id_rsp == 2", "dicom.response_to",
                        extra=["-2"])
        self.assertTrue(rsp2[0])
        self.assertEqual(frames("gap-at-end-of-dataset.pcap", "dicom.expert.unanswered"), [])
        self.assertEqual(len(export("gap-at-end-of-dataset.pcap")), 2)


class Reordered(unittest.TestCase):
    """store-multi.pcap with segments duplicated, swapped and delivered late, none lost."""

    def test_decodes_exactly_like_the_clean_capture(self):
        for extra in ((), ("-2",), OOO):
            with self.subTest(extra=extra):
                got = [r[1:6] for r in message_fields("reordered-duplicated.pcap", *extra)]
                self.assertEqual(got, [r[1:6] for r in message_fields("store-multi.pcap")])
                self.assertEqual(frames("reordered-duplicated.pcap", TROUBLE, extra=extra), [])
        self.assertEqual(export("reordered-duplicated.pcap"), export("store-multi.pcap"))

    def test_retransmissions_say_what_they_repeat_and_keep_tcps_markers(self):
        rows = fields("reordered-duplicated.pcap", "dicom.stream.retransmitted", "frame.number",
                      "dicom.stream.first_seen_in", "_ws.col.Info")
        self.assertEqual(len(rows), 3)  # the three duplicates (the late segment fills a gap)
        for r in rows:
            self.assertLess(int(r[1]), int(r[0]))
            self.assertTrue(r[2].startswith("[TCP "), r)  # TCP's analysis marker stays in front
            self.assertIn("(first seen in frame %s)" % r[1], r[2])
        held = fields("reordered-duplicated.pcap", "dicom.stream.held", "frame.number", "dicom.stream.delivered_in",
                      extra=["-2"])
        self.assertTrue(held)
        for r in held:  # decoded once the late segment came
            self.assertTrue(all(int(x) > int(r[0]) for x in r[1].split(",")), r)


class PortReuse(unittest.TestCase):
    """one-per-object.pcap as from a client that reuses its port for every association (three
    TCP connections on one address and port pair), with a data segment of the second one
    retransmitted: TCP keeps that segment to itself and the plugin reads it from the frame."""

    def test_each_connection_keeps_its_own_stream(self):
        for extra in ((), ("-2",)):
            with self.subTest(extra=extra):
                rows = fields("port-reuse.pcap", "dicom.dimse.command == 0x8001", "dicom.assoc.id",
                              "dicom.dimse.status", extra=extra)
                self.assertEqual(rows, [["1", "0x0000"], ["2", "0x0000"], ["3", "0x0000"]])
                self.assertEqual(frames("port-reuse.pcap", TROUBLE, extra=extra), [])
                dup = fields("port-reuse.pcap", "dicom.stream.retransmitted", "frame.number", "dicom.assoc.id",
                             "dicom.stream.first_seen_in", "tcp.stream", extra=extra)
                self.assertEqual(len(dup), 1)
                frame, assoc, first, stream = dup[0]
                self.assertEqual((assoc, stream), ("2", "1"))  # not the first connection's
                self.assertEqual(int(first), int(frame) - 1)  # the segment it repeats
        self.assertEqual(export("port-reuse.pcap"), export("one-per-object.pcap"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
