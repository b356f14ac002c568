"""docs/fields.md must list exactly what the plugin registers; docs/diagnosis.md must quote
what the plugin says; docs/conformance.md must list every rule with what the plugin reports."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import fields, pcap, tshark  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class FieldReference(unittest.TestCase):
    def test_generated_reference_is_current(self):
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_fields_doc.py"), "--check"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)

    def test_every_registered_field_is_documented(self):
        doc = open(os.path.join(ROOT, "docs", "fields.md")).read()
        registered = [line.split("\t")[2] for line in tshark("-G", "fields").splitlines()
                      if line.startswith("F\t") and line.split("\t")[4] == "dicom_ul"]
        self.assertGreater(len(registered), 50)
        rules = open(os.path.join(ROOT, "docs", "conformance.md")).read()
        for abbrev in registered:
            if abbrev.startswith("dicom.conformance.") and "| `%s` |" % abbrev[len("dicom.conformance."):] in rules:
                continue  # a rule's expert info: docs/conformance.md lists the rules
            self.assertIn("`%s`" % abbrev, doc)


class ConformanceReference(unittest.TestCase):
    def test_every_rule_is_documented_with_a_current_example(self):
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_conformance_doc.py"), "--check"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        doc = open(os.path.join(ROOT, "docs", "conformance.md")).read()
        experts = [f[2] for f in (line.split("\t") for line in tshark("-G", "fields").splitlines())
                   if len(f) > 3 and f[2].startswith("dicom.conformance.") and f[3] == "FT_NONE"]
        self.assertGreater(len(experts), 50)
        for name in experts:  # dicom.conformance.<rule id>
            self.assertIn("| `%s` |" % name[len("dicom.conformance."):], doc)


class DiagnosisGuide(unittest.TestCase):
    def doc(self):
        return open(os.path.join(ROOT, "docs", "diagnosis.md")).read()

    def test_every_code_is_explained(self):
        doc = self.doc()
        codes = set(re.findall(r'"code": "([a-z_]+)"', tshark("-r", pcap("store-multi.pcap"), "-q", "-z",
                                                               "dicom_ul,diagnose,json")))
        self.assertTrue(codes)
        # every code the plugin knows has its section (the expert info list names them all)
        names = [line.split("\t")[1] for line in tshark("-G", "fields").splitlines()
                 if line.startswith("F\t") and line.split("\t")[2] == "dicom.finding"]
        self.assertEqual(len(names), 1)
        sections = re.findall(r"^### (.+)$", doc, re.M)
        documented = {c.strip() for line in sections for c in line.split("(")[0].split(",")}
        for code in ("association_rejected", "association_aborted", "context_rejected", "no_context_accepted",
                     "closed_without_release", "unanswered_request", "failure_status", "warning_status",
                     "slow_response", "slow_setup", "slow_release", "delayed_ack_stall", "receiver_window_full",
                     "retransmission_timeout", "sender_stall", "round_trip_stall", "retransmissions", "out_of_order",
                     "capture_gap", "one_association_per_object", "small_max_pdu", "max_pdu_exceeded",
                     "sop_instance_mismatch", "encapsulated_on_native_syntax", "native_on_encapsulated_syntax",
                     "data_set_missing", "malformed_data_set", "protocol_violation", "tls_on_plain_port", "plain_on_tls_port"):
            self.assertIn(code, documented)

    def test_quoted_examples_are_what_the_plugin_says(self):
        # each "> sentence" under a code's section comes from one of the captures named there
        section, captures, checked = None, [], 0
        for line in self.doc().splitlines():
            if line.startswith("### "):
                section, captures = line, []
            elif line.startswith("> ") and section:
                said = set()
                for name in captures:
                    for a in json.loads(tshark("-r", pcap(name), "-q", "-z", "dicom_ul,diagnose,json"))["associations"]:
                        said.update(f["text"] for f in a["findings"])
                    for row in fields(name, "dicom.finding", "dicom.finding.text"):
                        said.update(row[0].split(","))
                self.assertIn(line[2:], said, section)
                checked += 1
            elif section:
                captures += re.findall(r"`([a-z0-9-]+\.pcap)`", line)
        self.assertGreater(checked, 25)

    def test_the_first_example_is_current(self):
        doc = self.doc()
        block = doc.split("```")[1].strip().splitlines()
        self.assertTrue(block[0].startswith("$ tshark -r slow-receiver.pcap -q -z dicom_ul,diagnose"))
        out = [line for line in tshark("-r", pcap("slow-receiver.pcap"), "-q", "-z", "dicom_ul,diagnose").splitlines()
               if line.strip() and not line.startswith("=") and not line.startswith("DICOM diagnosis")]
        self.assertEqual(block[1:], out)


class TimeBudgetPicture(unittest.TestCase):
    """docs/images/time-budget.svg is what tools/time_budget_chart.py draws from the captures
    docs/diagnosis.md names, and each bar's parts are as wide as their share of the time."""
    CAPTURES = ["slow-receiver", "window-full", "slow-setup-dns", "faulty-pause", "store-multi", "requestor-timeout"]

    def test_the_picture_is_current_and_true_to_the_json(self):
        doc = open(os.path.join(ROOT, "docs", "diagnosis.md")).read()
        self.assertIn("for c in %s; do" % " ".join(self.CAPTURES), doc)
        with tempfile.TemporaryDirectory() as d:
            specs, docs = [], []
            for c in self.CAPTURES:
                text = tshark("-r", pcap(c + ".pcap"), "-q", "-z", "dicom_ul,diagnose,json")
                docs.append(json.loads(text))
                path = os.path.join(d, c + ".json")
                with open(path, "w") as f:
                    f.write(text)
                specs.append("%s.pcap=%s" % (c, path))
            out = os.path.join(d, "time-budget.svg")
            subprocess.run([sys.executable, os.path.join(ROOT, "tools", "time_budget_chart.py"), *specs, "-o", out],
                           check=True)
            drawn = open(out).read()
        self.assertEqual(drawn, open(os.path.join(ROOT, "docs", "images", "time-budget.svg")).read())
        # the bars: one per association, each part's width its share of the association's time
        rects = [r for r in ET.fromstring(drawn).iter("{http://www.w3.org/2000/svg}rect") if r.get("class")]
        bars = {}
        for r in rects:
            bars.setdefault(r.get("y"), []).append(r)
        budgets = [a for doc_ in docs for a in doc_["associations"]]
        self.assertEqual(len(bars), len(budgets))
        for (_, parts), a in zip(sorted(bars.items(), key=lambda kv: float(kv[0])), budgets):
            total = sum(float(r.get("width")) for r in parts)
            self.assertAlmostEqual(total, 560, delta=1)
            for r in parts:
                share = a["time_budget_ms"][r.get("class")] / max(a["duration_ms"], sum(a["time_budget_ms"].values()))
                self.assertAlmostEqual(float(r.get("width")) / 560, share, delta=0.002, msg=(a["association"], r.get("class")))
        # the slow receiver's bar is mostly waiting for the acceptor
        first = sorted(bars.items(), key=lambda kv: float(kv[0]))[0][1]
        widest = max(first, key=lambda r: float(r.get("width")))
        self.assertEqual(widest.get("class"), "waiting_for_acceptor")


if __name__ == "__main__":
    unittest.main(verbosity=2)
