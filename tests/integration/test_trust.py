"""Trust on captures as people take them (issue 23): mirror ports, late starts, capture gaps,
peers that use the standard's freedoms. The differential checks run tools/differential.py over
every sample capture (short, seeded); the rest read real captures of tools/make-trust-captures.sh."""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import tshark_run  # noqa: E402
from tshark_run import fields, pcap, tshark  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "tools")
sys.path.insert(0, TOOLS)
import differential  # noqa: E402


def diagnosis(path, *extra):
    out = tshark("-r", path, *extra, "-q", "-z", "dicom_ul,diagnose,json")
    return json.loads(out[out.find('{"associations"'):out.rfind("}") + 1])["associations"]


def mutated(name, seed, ops):
    """A sample capture after tools/mutate.py, where the unprivileged tshark can read it."""
    out = os.path.join(tshark_run.home(True), "%s-%s-%d.pcap" % (name[:-5], ops.replace(":", "").replace(",", "_"), seed))
    p = subprocess.run([sys.executable, os.path.join(TOOLS, "mutate.py"), pcap(name), out, "--seed", str(seed),
                        "--ops", ops], capture_output=True, text=True, check=True)
    os.chmod(out, 0o644)
    return out, json.loads(p.stdout)["done"]


def peer_findings(assoc, severity):
    return {(f["code"], f["party"]) for f in assoc["findings"]
            if f["party"] in ("requestor", "acceptor") and f["severity"] == severity}


class Differential(unittest.TestCase):
    """Every sample capture, clean and mutated: with every byte kept the same messages, outcomes,
    errors against peers and exported objects; with frames dropped or the start cut, a subset and
    nothing new against a peer, every association in the reports, no Malformed."""

    def run_differential(self, *args):
        # Under the sanitizers (tools/test-sanitize.sh) tshark runs several times slower: the
        # instrumented plugin walks a third of the captures there. The Debian roots of 4.4 and
        # 4.6 (tools/test-in-debian-root.sh) share the captures between them
        # (DICOM_DIFFERENTIAL_CAPTURES); this machine's Wireshark walks every one.
        pattern = os.environ.get("DICOM_DIFFERENTIAL_CAPTURES") or ("[a-g]*.pcap" if os.environ.get("DICOM_TSHARK_PRELOAD") else "*.pcap")
        captures = os.path.join(ROOT, "sample-pcaps", pattern)
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            p = subprocess.run([sys.executable, os.path.join(TOOLS, "differential.py"), tshark_run.PLUGIN, "--json",
                                f.name, "--keep-going", "--captures", captures, *args], capture_output=True, text=True,
                               timeout=3000, env=dict(os.environ))
            self.assertEqual(p.returncode, 0, p.stderr[-3000:])
            results = json.load(open(f.name))
        self.assertGreater(len(results), 15)
        failed = ["%s %s seed %d %s: %s" % (r["capture"], r["kind"], r["seed"], r["done"], r["problems"])
                  for r in results if r["problems"]]
        self.assertEqual(failed, [])
        return results

    def test_mutations_that_keep_every_byte_change_nothing(self):
        results = self.run_differential("--kinds", "keep", "--seeds", "1")
        # the mutations did happen: copies, tagged copies, reordering, data after its ACK
        ops = {d["op"] for r in results for d in r["done"]}
        self.assertEqual(ops, {"dup", "vlan", "swap", "late"})

    def test_drops_and_late_starts_add_nothing(self):
        results = self.run_differential("--kinds", "drop,cut", "--seeds", "1", "--cut", "0.1,0.5")
        self.assertTrue(any(d["op"] == "drop" for r in results for d in r["done"]))


class MirrorPort(unittest.TestCase):
    def test_two_taps_merged_by_time_are_recognised_and_decoded_in_order(self):
        # tools/make-trust-captures.sh: the requestor's tap 0.3 ms late, ACKs before their data
        [a] = diagnosis(pcap("mirror-two-taps.pcap"))
        codes = {f["code"]: f for f in a["findings"]}
        self.assertEqual(codes["capture_mirror_port"]["party"], "capture")
        self.assertEqual(codes["capture_mirror_port"]["severity"], "note")
        for absent in ("capture_gap", "retransmissions", "out_of_order", "protocol_violation"):
            self.assertNotIn(absent, codes)
        self.assertEqual((a["calling_ae"], a["called_ae"], a["outcome"]), ("MODALITY", "PACS", "released"))
        self.assertEqual((a["objects_stored"], a["store_requests"]), (3, 3))
        # ACKed-unseen segments are held, then decoded: every C-STORE-RSP after its request
        rows = fields("mirror-two-taps.pcap", "dicom.dimse.command", "frame.number", "dicom.dimse.command")
        order = [int(c, 16) for _, cs in rows for c in cs.split(",")]
        self.assertEqual(order, [0x0001, 0x8001] * 3)

    def test_every_frame_captured_twice_one_copy_tagged_is_one_capture(self):
        clean = differential.Decode(tshark_run, pcap("store-multi.pcap"), ())
        path, done = mutated("store-multi.pcap", 1, "mirror:1")
        self.assertEqual(done[0]["op"], "mirror")
        copy = differential.Decode(tshark_run, path, ())
        self.assertEqual(differential.compare_keep(clean, copy), [])
        [a] = copy.diagnosis
        codes = {f["code"]: f for f in a["findings"]}
        self.assertIn("capture_mirror_port", codes)
        self.assertNotIn("retransmissions", codes)  # copies, not retransmissions
        self.assertEqual(len(copy.objects), 3)

    def test_a_real_gap_is_not_taken_for_a_mirror(self):
        [a] = diagnosis(pcap("gap-at-end-of-dataset.pcap"))
        codes = {f["code"] for f in a["findings"]}
        self.assertIn("capture_gap", codes)
        self.assertNotIn("capture_mirror_port", codes)
        self.assertEqual((a["objects_stored"], a["store_requests"]), (3, 3))


class EvidenceRule(unittest.TestCase):
    def test_a_segment_missing_from_the_set_up_blames_no_peer(self):
        # store-multi's A-ASSOCIATE-AC (frame 6) missing from the capture, not from the wire
        clean = differential.Decode(tshark_run, pcap("store-multi.pcap"), ())
        path, done = mutated("store-multi.pcap", 1, "dropframe:6")
        self.assertEqual(done, [{"op": "drop", "frame": 6}])
        cut = differential.Decode(tshark_run, path, ())
        [a] = cut.diagnosis
        self.assertEqual(peer_findings(a, "error"), set())
        self.assertEqual(peer_findings(a, "warning") - {("delayed_ack_stall", "acceptor")}, set())
        self.assertIn("capture_gap", {f["code"] for f in a["findings"]})
        # nothing exported that the clean capture does not export, byte for byte
        self.assertEqual(differential.compare_subset(clean, cut), [])

    def test_findings_in_doubt_are_notes_that_say_why(self):
        # store-multi without frame 61, the body of the first C-STORE-RSP: whether the archive
        # answered is not in the capture, so its unanswered request is a note that says so
        path, _ = mutated("store-multi.pcap", 1, "dropframe:61")
        rows = fields(os.path.basename(path), "dicom.finding.uncertain", "dicom.finding",
                      "dicom.finding.severity", "dicom.finding.uncertain")
        found = {}
        for row in rows:
            for finding, severity, doubt in zip(*(c.split(",") for c in row)):
                self.assertEqual(severity, "note", finding)
                found[finding] = doubt
        self.assertEqual(found.get("unanswered_request"), "bytes_missed")
        [a] = diagnosis(path)
        self.assertEqual(peer_findings(a, "error"), set())
        self.assertTrue(a["verdict"].startswith("No fault proven") or a["verdict"].startswith("Attention: the capture"))
        # the expert info of a finding in doubt is the code's note-level one
        experts = tshark("-r", path, "-Y", "dicom.finding.uncertain", "-T", "fields", "-e", "_ws.expert.severity")
        for line in experts.split():
            self.assertNotIn("8388608", line)  # PI_ERROR


class Freedoms(unittest.TestCase):
    def test_maximum_length_zero_means_no_limit(self):
        # both peers announce 0 and send 20 MiB data sets in one P-DATA-TF each
        path = tshark_run.stage(os.path.join(ROOT, "sample-pcaps", "unlimited-pdu.pcap.gz"))
        [a] = diagnosis(path)
        self.assertEqual((a["objects_stored"], a["store_requests"], a["outcome"]), (2, 2, "released"))
        codes = {f["code"] for f in a["findings"]}
        for absent in ("data_set_missing", "max_pdu_exceeded", "malformed_data_set", "protocol_violation"):
            self.assertNotIn(absent, codes)
        lengths = tshark("-r", path, "-Y", "dicom.pdu.type == 4 && dicom.pdu.len > 16777216", "-T", "fields",
                         "-e", "dicom.pdu.len").split()
        self.assertEqual(len(lengths), 2)
        self.assertEqual(tshark("-r", path, "-Y", "_ws.expert.group == 0x07000000 && dicom", "-T", "fields",
                                "-e", "frame.number"), "")
        d = tempfile.mkdtemp(prefix="export-", dir=tshark_run.home(True))
        os.chmod(d, 0o777)
        tshark("-r", path, "-q", "--export-objects", "dicom_ul," + d)
        sizes = sorted(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d))
        self.assertEqual(len(sizes), 2)
        self.assertGreater(sizes[0], 20 * 1024 * 1024)

    def test_a_requestor_that_closes_at_once_carries_the_finding_alone(self):
        [a] = diagnosis(pcap("requestor-closes.pcap"))
        self.assertEqual(peer_findings(a, "error"), {("closed_without_release", "requestor")})
        self.assertNotIn("unanswered_request", {f["code"] for f in a["findings"]})

    def test_a_retrieve_is_judged_by_what_its_sub_operations_do_not_explain(self):
        for name in ("get-many.pcap", "move-many.pcap"):
            for a in diagnosis(pcap(name)):
                self.assertNotIn("slow_response", {f["code"] for f in a["findings"]}, name)
                self.assertLessEqual(a["objects_stored"], a["store_requests"])
        [get] = diagnosis(pcap("get-many.pcap"))
        self.assertEqual((get["objects_stored"], get["store_requests"]), (12, 12))

    def test_counts_never_contradict_each_other(self):
        # a C-STORE-RSP whose request the capture lacks stores nothing the report can count
        path, _ = mutated("store-multi.pcap", 1, "cut:0.4")
        assocs = diagnosis(path)
        self.assertEqual(len(assocs), 1)  # the association is listed though its set-up is cut off
        for a in assocs:
            self.assertLessEqual(a["objects_stored"], a["store_requests"])


class Heuristic(unittest.TestCase):
    def test_an_association_request_whose_segments_came_swapped_is_claimed(self):
        # heuristic-port.pcap (port 4242) with the A-ASSOCIATE-RQ's first two segments swapped:
        # TCP keeps the out-of-order first one to itself, the second went to no dissector
        path, done = mutated("heuristic-port.pcap", 1, "swapframe:4")
        self.assertEqual(done, [{"op": "swap", "frame": 4, "with": 5}])
        [a] = diagnosis(path)
        [clean] = diagnosis(pcap("heuristic-port.pcap"))
        for key in ("calling_ae", "called_ae", "outcome", "objects_stored", "store_requests"):
            self.assertEqual(a[key], clean[key], key)


class LateStart(unittest.TestCase):
    def test_a_capture_that_starts_inside_a_data_set_finds_its_footing(self):
        # cut-mid-pdu.pcap starts inside the first C-STORE-RQ's data set
        self.assertEqual(tshark("-r", pcap("cut-mid-pdu.pcap"), "-Y", "_ws.expert.group == 0x07000000 && dicom",
                                "-T", "fields", "-e", "frame.number"), "")
        rows = fields("cut-mid-pdu.pcap", "dicom.expert.command_lost_in_gap", "frame.number")
        self.assertTrue(rows)
        [a] = diagnosis(pcap("cut-mid-pdu.pcap"))
        self.assertEqual(peer_findings(a, "error"), set())

    def test_every_association_says_when_it_began_and_what_names_its_roles(self):
        # no SYN, no A-ASSOCIATE: the acceptor is the side on the DICOM port
        [a] = diagnosis(pcap("cut-mid-pdu.pcap"))
        self.assertEqual((a["began"], a["roles_from"], a["requestor"], a["acceptor"]),
                         ("before the capture", "listening_port", "127.0.0.1:36310", "127.0.0.1:11112"))
        self.assertFalse(a["still_open_at_end"])
        against_peers = [f for f in a["findings"] if f["party"] in ("requestor", "acceptor")]
        self.assertTrue(against_peers)  # the acceptor's delayed-ACK stalls
        # notes: a delayed-ACK stall is one on its frame, and with the roles only inferred the
        # diagnosis does not make them a warning; anything else would be in doubt
        self.assertEqual({f["severity"] for f in against_peers}, {"note"})
        self.assertEqual({f.get("doubt", "roles_inferred") for f in against_peers}, {"roles_inferred"})
        # started late and stopped in the middle of the transfer: still open at the end
        path, _ = mutated("store-multi.pcap", 1, "cut:0.5")
        [a] = diagnosis(path, "-c", "20")
        self.assertEqual((a["began"], a["outcome"], a["still_open_at_end"]), ("before the capture", "cut_off", True))
        out = tshark("-r", path, "-c", "20", "-q", "-z", "dicom_ul,assoc,csv")
        [row] = list(csv.DictReader(io.StringIO(out[out.find("assoc,"):])))
        self.assertEqual((row["began"], row["roles_from"]), ("before the capture", "listening_port"))
        self.assertTrue(row["end"].startswith("still open at the end of the capture"))

    def test_a_handshake_without_its_a_associate_proves_the_roles(self):
        # echo.pcap without its A-ASSOCIATE-RQ and -AC (frames 4 and 6): the SYN names the
        # requestor, and the C-ECHO-RQ held back for the missing AC is still walked before its
        # response, which came later
        path, done = mutated("echo.pcap", 1, "dropframe:4,dropframe:6")
        self.assertEqual(len(done), 2)
        [a] = diagnosis(path)
        self.assertEqual((a["began"], a["roles_from"], a["requestor"]),
                         ("set-up not captured", "tcp_handshake", "127.0.0.1:60644"))
        self.assertEqual([f["code"] for f in a["findings"]], ["capture_gap"])
        commands = tshark("-r", path, "-Y", "dicom.dimse.command", "-T", "fields", "-E", "occurrence=a",
                          "-E", "aggregator=,", "-e", "dicom.dimse.command").split()
        self.assertEqual(commands, ["0x0030,0x8030"])  # C-ECHO-RQ, then C-ECHO-RSP


if __name__ == "__main__":
    unittest.main()
