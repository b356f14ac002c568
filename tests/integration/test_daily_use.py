"""Daily use in Wireshark and tshark: filters that find every frame of an association or a
message, an Info column that says where a transfer has got, context rejections that are only
notes, the DICOM configuration profile (installed by cmake --install and read back by
tshark), and the inventory of DICOM nodes."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import fields, frames, home, info_column, pcap, tshark  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAPTURES = ["store-multi.pcap", "query-retrieve.pcap", "impaired-loss-receiver.pcap", "ctn-store.pcap",
            "dcmjs-store.pcap", "pixelmed-store.pcap"]


class EveryFrame(unittest.TestCase):
    def test_association_fields_on_every_dicom_frame(self):
        for name in CAPTURES:
            with self.subTest(capture=name):
                dicom = frames(name, "dicom")
                self.assertTrue(dicom)
                self.assertEqual(frames(name, "dicom && !dicom.assoc.id"), [])
                self.assertEqual(frames(name, "dicom && dicom.assoc.id && !dicom.ae_calling"), [])
        # the filter of the documentation finds every C-STORE-RSP of the association
        self.assertEqual(len(frames("store-multi.pcap", "dicom.assoc.id == 1 && dicom.dimse.command == 0x8001")), 3)

    def test_message_fields_on_every_frame_of_a_message(self):
        for name in ("store-multi.pcap", "impaired-loss-receiver.pcap"):
            with self.subTest(capture=name):
                rows = fields(name, "dicom.dimse.command == 0x0001", "dicom.assoc.id", "dicom.dimse.message_id",
                              "dicom.dimse.fragment", "frame.number")
                self.assertTrue(rows)
                for assoc, msg_id, fragments, completing in rows:
                    assoc = assoc.split(",")[0]
                    carried = [int(f) for f in fragments.split(",")]
                    # bytes held ahead of a gap are decoded where it fills: the frames that carried
                    # them learn their message on a second pass (as in Wireshark, or tshark -2)
                    found = frames(name, "dicom.assoc.id == %s && dicom.message.id == %s && dicom.message.command == 0x0001"
                                   % (assoc, msg_id), extra=["-2"])
                    # every frame with a piece of the data set (after the command) carries the message
                    self.assertTrue(set(carried[1:]) <= set(found), (carried, found))
                    self.assertIn(int(completing), found)
        # a request and its response share dicom.message.id
        rsp = frames("store-multi.pcap", "dicom.message.id == 2 && dicom.message.command == 0x8001")
        self.assertEqual(rsp, frames("store-multi.pcap", "dicom.dimse.command == 0x8001 && dicom.dimse.message_id_rsp == 2"))


class ElementFields(unittest.TestCase):
    def pdml_fields(self, name, display_filter, field):
        out = tshark("-r", pcap(name), "-Y", display_filter, "-T", "pdml")
        return re.findall(r'<field name="%s" showname="([^"]*)" size="(\d+)" pos="(\d+)" show="([^"]*)"(?: value="([^"]*)")?'
                          % re.escape(field), out)

    def test_named_fields_are_the_elements_own_items_with_their_bytes(self):
        # Apply as Filter on the Modality line gives dicom.modality == "CT"; clicking it shows its
        # 10 bytes (tag, VR, length, value) in the "Data Set" tab of the bytes pane
        mod = self.pdml_fields("store-multi.pcap", "dicom.dimse.command == 1", "dicom.modality")
        self.assertEqual([(m[0], m[1], m[3], m[4]) for m in mod][:2],
                         [("(0008,0060) Modality CS [2]: CT", "10", "CT", "08006000435302004354"),
                          ("(0008,0060) Modality CS [2]: MR", "10", "MR", "08006000435302004d52")])
        self.assertEqual(frames("store-multi.pcap", 'dicom.modality == "CT"'),
                         frames("store-multi.pcap", "dicom.dimse.command == 1 && dicom.sop_class_uid == \"1.2.840.10008.5.1.4.1.1.2\""))
        # elements without a named field: dicom.element, Keyword=value
        man = self.pdml_fields("store-multi.pcap", "dicom.dimse.command == 1", "dicom.element")
        self.assertIn(("(0008,0070) Manufacturer LO [18]: GE MEDICAL SYSTEMS", "26", "Manufacturer=GE MEDICAL SYSTEMS"),
                      [(m[0], m[1], m[3]) for m in man])
        # command elements are their command fields, over the command set's bytes
        cmd = self.pdml_fields("store-multi.pcap", "dicom.dimse.command == 1", "dicom.dimse.command")
        self.assertEqual(cmd[0][1:], ("10", "112", "0x0001", "00000001020000000100"))
        # the data sources themselves
        out = tshark("-r", pcap("query-retrieve.pcap"), "-Y", "dicom.dimse.command == 0x0020", "-V", "-x", "-c", "12")
        self.assertIn("Command Set (88 bytes):", out)
        self.assertIn("Data Set (38 bytes):", out)

    def test_large_data_sets_are_not_kept(self):
        # a 512 kB image: its elements have fields, but no bytes to point at
        mod = self.pdml_fields("impaired-loss-sender.pcap", "dicom.dimse.command == 1", "dicom.modality")
        self.assertTrue(mod)
        self.assertTrue(all(m[1] == "0" for m in mod))


class InfoColumn(unittest.TestCase):
    def test_a_transfer_says_where_it_has_got(self):
        # impaired-loss-sender.pcap: CT images, each spread over about seventy segments
        info = info_column("impaired-loss-sender.pcap", "dicom.message.id == 1 && dicom.message.command == 0x0001")
        progress = [int(m.group(1)) for m in (re.search(r"C-STORE-RQ id=1 CT Image Storage, data (\d+)% \(continued\)", i)
                                              for i in info) if m]
        self.assertGreater(len(progress), 60)
        self.assertEqual(progress, sorted(progress))      # it only grows
        self.assertLessEqual(progress[-1], 100)
        self.assertGreater(progress[-1], 90)
        self.assertLess(progress[0], 10)
        # the frame that completes the message still shows the whole message
        done = info_column("impaired-loss-sender.pcap", "dicom.dimse.command == 0x0001 && dicom.dimse.message_id == 1")
        self.assertTrue(done[0].startswith("C-STORE-RQ id=1 CT Image Storage"), done)
        self.assertNotIn("(continued)", done[0])
        # the same in two passes
        self.assertEqual(info_column("store-multi.pcap", "dicom"), info_column("store-multi.pcap", "dicom", extra=["-2"]))


class ContextRejections(unittest.TestCase):
    def test_a_context_nobody_needed_is_a_note(self):
        # negotiation.pcap: the requestor proposed Study Root FIND too, never used it
        out = tshark("-r", pcap("negotiation.pcap"), "-q", "-z", "expert")
        notes = out.split("Notes")[1] if "Notes" in out else ""
        self.assertIn("Presentation context", notes)
        warns = out.split("Warns")[1].split("Notes")[0] if "Warns" in out else ""
        self.assertNotIn("Presentation context", warns)
        self.assertEqual(frames("negotiation.pcap", "dicom.expert.context_rejected"), [])


class Profile(unittest.TestCase):
    def install_profile(self):
        """cmake --install of a user install into a throw-away HOME: where does the profile go?"""
        tmp = tempfile.mkdtemp(prefix="dicom-ul-profile-")
        try:
            env = dict(os.environ, HOME=tmp)
            subprocess.run(["cmake", "-S", ROOT, "-B", os.path.join(tmp, "build"), "-DDICOM_INSTALL=user",
                            "-DDICOM_BUILD_TESTS=OFF"], check=True, env=env, capture_output=True)
            subprocess.run(["cmake", "--install", os.path.join(tmp, "build"), "--component", "profile"],
                           check=True, env=env, capture_output=True)
            profile = os.path.join(tmp, ".config", "wireshark", "profiles", "DICOM")
            return tmp, sorted(os.listdir(profile)) if os.path.isdir(profile) else []
        except Exception:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def test_cmake_installs_the_profile_for_the_user(self):
        tmp, files = self.install_profile()
        try:
            self.assertEqual(files, ["colorfilters", "dfilter_buttons", "dfilter_macros", "dmacros", "preferences", "recent"])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def setUp(self):
        dst = os.path.join(home(), ".config", "wireshark", "profiles", "DICOM")
        if not os.path.isdir(dst):
            shutil.copytree(os.path.join(ROOT, "profile", "DICOM"), dst)
            for root, dirs, files in os.walk(os.path.join(home(), ".config")):
                for x in dirs + files:
                    os.chmod(os.path.join(root, x), 0o755)

    def test_columns(self):
        out = tshark("-C", "DICOM", "-r", pcap("store-multi.pcap"), "-Y", "dicom.dimse.command == 0x8001")
        lines = out.splitlines()
        self.assertEqual(len(lines), 3)
        for line in lines:
            # the status column shows the status's meaning (dicom.dimse.status_meaning)
            self.assertRegex(line, r"\b1 MODALITY PACS C-STORE-RSP Success 0\.04\d+ DICOM \d+ C-STORE-RSP id=\d Success")

    def test_filters_buttons_and_macros_are_valid(self):
        text = open(os.path.join(ROOT, "profile", "DICOM", "dfilter_buttons")).read()
        buttons = re.findall(r'^"TRUE","([^"]*)","([^"]*)"', text, re.M)
        self.assertEqual([b[0] for b in buttons], ["Associations", "Messages", "Failures", "Slow", "Assoc 1", "C-STORE"])
        for label, expr in buttons:
            with self.subTest(button=label):
                expr = expr.replace("\\x22", '"')
                tshark("-C", "DICOM", "-r", pcap("refused.pcap"), "-Y", expr)  # fails on a bad filter
        self.assertEqual(len(frames("refused.pcap", "${dicom_failed}", extra=["-C", "DICOM"])), 1)
        self.assertEqual(frames("store-multi.pcap", "${dicom_assoc:1}", extra=["-C", "DICOM"]),
                         frames("store-multi.pcap", "dicom.assoc.id == 1"))
        for line in open(os.path.join(ROOT, "profile", "DICOM", "colorfilters")):
            if line.startswith("@"):
                rule = line.split("@")[2]
                with self.subTest(rule=line.split("@")[1]):
                    tshark("-r", pcap("refused.pcap"), "-Y", rule)

    def test_coloring(self):
        # with --color, tshark applies the profile's coloring rules and names the one that matched
        rows = fields("refused.pcap", "", "frame.number", "frame.coloring_rule.name", extra=["-C", "DICOM", "--color"])
        rule = {int(n): name for n, name in rows}
        self.assertEqual(rule[4], "DICOM association")   # A-ASSOCIATE-RQ
        self.assertEqual(rule[6], "DICOM failure")       # A-ASSOCIATE-RJ
        self.assertEqual(rule[5], "TCP")                 # not ours
        rows = fields("window-full.pcap", "dicom.stall.time", "frame.coloring_rule.name", extra=["-C", "DICOM", "--color"])
        self.assertTrue(rows)
        self.assertIn(["DICOM TCP stall"], rows)
        self.assertTrue(all(r[0] in ("DICOM TCP stall", "DICOM warning") for r in rows), set(map(tuple, rows)))


class Nodes(unittest.TestCase):
    def test_inventory_of_a_query_retrieve_capture(self):
        nodes = json.loads(tshark("-r", pcap("query-retrieve.pcap"), "-q", "-z", "dicom_ul,endpoints,json"))["nodes"]
        by = {n["ae"]: n for n in nodes}
        self.assertEqual(set(by), {"MODALITY", "ARCHIVE", "STORESCP"})
        self.assertTrue(by["MODALITY"]["requestor"] and not by["MODALITY"]["acceptor"])
        self.assertEqual(by["MODALITY"]["associations"], 5)
        # the archive accepts queries and retrieves, and opens the C-MOVE's sub-association itself
        self.assertTrue(by["ARCHIVE"]["requestor"] and by["ARCHIVE"]["acceptor"])
        self.assertEqual(by["ARCHIVE"]["listening_ports"], [11112])
        self.assertEqual(by["STORESCP"]["listening_ports"], [11113])
        self.assertIn("1.2.840.10008.5.1.4.1.2.2.2", by["ARCHIVE"]["accepted"])  # Study Root MOVE
        for n in nodes:
            self.assertEqual(n["implementation_version_name"], "OFFIS_DCMTK_367")
            self.assertEqual(n["max_pdu"], 16384)
        # the C-MOVE to an unknown destination failed (0xA801)
        self.assertEqual(by["MODALITY"]["failed"], 1)

    def test_other_stacks_and_text(self):
        out = tshark("-r", pcap("ctn-store.pcap"), "-q", "-z", "dicom_ul,endpoints")
        self.assertIn("CTN at 127.0.0.1 (requestor; MIRCTN11MAR2003, 1.2.840.113654.2.3.1995.3.0.6)", out)
        self.assertIn("Associations 2 (0 failed)", out)
        self.assertIn("PACS at 127.0.0.1:11112 (acceptor; OFFIS_DCMTK_367", out)
        self.assertIn("  Proposed 2 SOP classes: CT Image Storage; MR Image Storage", out)
        # a hundred SOP classes are counted, not listed
        out = tshark("-r", pcap("query-retrieve.pcap"), "-q", "-z", "dicom_ul,endpoints")
        self.assertIn("  Proposed 123 SOP classes (listed by -z dicom_ul,endpoints,json)", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
