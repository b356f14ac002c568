"""The data set checks (classes `encoding` and `iod`, issue 24) against an independent validator:
every object that Export Objects writes from the sample captures goes through dciodvfy (David
Clunie's dicom3tools, a Debian package), and each error of a kind the plugin covers must be
found by both, or be one of the differences listed here, each with its reason (the same
reasons are in docs/conformance.md). Both directions count: what the plugin reports and
dciodvfy does not is a difference too. A listed difference that no longer occurs fails the test,
so the list stays true.

Compared: Type 1 and Type 2 attributes missing or empty, at the top level and in sequence items
(iod), values
invalid for their VR, number of values against the dictionary's VM, odd value lengths, explicit
VRs against the dictionary, bytes outside the Specific Character Set's repertoire and terms of
(0008,0005) that the standard does not define (encoding). Not compared: what the plugin does
not judge (conditional attributes, enumerated values, private elements) and the File Meta Information, which the export writes (except its Media Storage SOP
Instance UID, the command's Affected SOP Instance UID that the plugin judges in the command)."""
import glob
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tshark_run import PCAPS, home, stage, tshark  # noqa: E402

SC_MODALITY = "Modality is Type 1 in the General Series module; dciodvfy makes it conditional for Secondary Capture"
DCIODVFY_ABORTS = "dciodvfy aborts on this RT Dose (an assertion on Bits Allocated) before it reports anything"
CONTRAST_AGENT = "dciodvfy takes the Contrast/Bolus module as present only with its Agent"
RTSS_FRAME_OF_REFERENCE = ("Frame of Reference is a user-optional (U) module of the RT Structure Set IOD in PS3.3 "
                           "2024e; dciodvfy requires it")
ODD_LENGTH = "the same odd length: the plugin reports it where it parses the data set, without a tag"

# (capture, SOP Instance UID, who alone finds it, rule, tag): why the two differ
EXPLAINED = {
    # dicom3tools (Debian's 2022 build) lacks some character sets the standard defines
    ("charsets-all.pcap", "2.25.424242424242424242004", "dciodvfy", "enc.character_set_term", 0x00080005):
        "dciodvfy does not know ISO_IR 203 (Latin-9), a defined term of PS3.3 Table C.12-2",
    ("charsets-all.pcap", "2.25.424242424242424242004", "dciodvfy", "enc.character_repertoire", 0x00100010):
        "dciodvfy does not know ISO_IR 203, so it rejects its euro sign 0xA4",
    ("charsets-all.pcap", "2.25.424242424242424242006", "dciodvfy", "enc.character_repertoire", 0x00100010):
        "dciodvfy rejects the JIS X 0201 katakana (G1 of ISO_IR 13) that the name is written in",
    ("charsets-all.pcap", "2.25.424242424242424242009", "dciodvfy", "enc.character_repertoire", 0x00100010):
        "dciodvfy does not decode GBK (PS3.3 Table C.12-5) and rejects its two-byte characters",
    ("charsets-all.pcap", "2.25.424242424242424242011", "plugin", "enc.character_repertoire", 0x00100010):
        "ISO_IR 192 with Latin-1 bytes: not UTF-8, which dciodvfy does not check",
    # dciodvfy's module tables differ from PS3.3 2024e, from which the plugin's are generated
    ("charsets-all.pcap", "2.25.424242424242424242513", "plugin", "iod.type1_missing", 0x00080060):
        SC_MODALITY,
    ("charsets-all.pcap", "2.25.424242424242424242514", "plugin", "iod.type1_missing", 0x00080060):
        SC_MODALITY,
    ("malformed-dataset.pcap", "2.25.1234567890123456789", "plugin", "iod.type1_missing", 0x00080060):
        SC_MODALITY,
    ("conformance-ct-empty-modality.pcap", "2.25.900103", "plugin", "iod.type1_empty", 0x00080060):
        "the same empty Modality: dciodvfy reports it as Type 1C",
    ("heuristic-port.pcap", "1.2.826.0.1.3680043.8.498.2010020400001", "dciodvfy", "iod.type1_missing", 0x00200052):
        RTSS_FRAME_OF_REFERENCE,
    ("heuristic-port.pcap", "1.2.826.0.1.3680043.8.498.2010020400001", "dciodvfy", "iod.type2_missing", 0x00201040):
        RTSS_FRAME_OF_REFERENCE,
    # pydicom's CR test images (chrJapMulti, chrKoreanMulti) hold Contrast/Bolus Volume and Total
    # Dose: contrast was used, the Contrast/Bolus module (usage C) is there, and its Type 2
    # Contrast/Bolus Agent is missing
    ("charsets-all.pcap", "1.3.51.0.7.11267079384.54094.16836.47802.41082.29308.17461", "plugin",
     "iod.type2_missing", 0x00180010): CONTRAST_AGENT,
    ("charsets-all.pcap", "1.3.51.0.7.11267079384.54094.16836.47802.41082.29308.17462", "plugin",
     "iod.type2_missing", 0x00180010): CONTRAST_AGENT,
    # dciodvfy stops where it cannot read on
    ("heuristic-port.pcap", "1.9.999.999.99.9.9999.9999.20030818153516", "plugin", "iod.type1_missing", 0x00280008):
        DCIODVFY_ABORTS,
    ("heuristic-port.pcap", "1.9.999.999.99.9.9999.9999.20030818153516", "plugin", "enc.value_format", 0x00081155):
        DCIODVFY_ABORTS,
    ("heuristic-port.pcap", "1.9.999.999.99.9.9999.9999.20030818153516", "plugin", "iod.type2_missing", 0x00081070):
        DCIODVFY_ABORTS,
    ("malformed-dataset.pcap", "2.25.1234567890123456789", "dciodvfy", "iod.type2_missing", 0x00100020):
        "dciodvfy stops reading at the element with the unknown VR QQ, so it does not see Patient ID",
    ("malformed-dataset.pcap", "2.25.1234567890123456789", "dciodvfy", "enc.value_length_odd", 0x00100010):
        ODD_LENGTH,
    ("malformed-dataset.pcap", "2.25.1234567890123456789", "plugin", "enc.value_length_odd", None):
        ODD_LENGTH,
}

MISSING = re.compile(r"Error - Missing attribute Type ([12]) Required Element=<(\w+)>")
EMPTY = re.compile(r"Error - Empty attribute \(no value\) Type 1 Required Element=<(\w+)>")
BAD_VM = re.compile(r"Error - Bad attribute Value Multiplicity.*Element=<(\w+)>")
TAG = re.compile(r"\(0x([0-9a-f]{4}),0x([0-9a-f]{4})\)")
TERM = re.compile(r"Unrecognized defined term <[^>]*> for value \d+ of attribute <Specific Character Set>")
TEXT_TAG = re.compile(r"\(([0-9A-F]{4}),([0-9A-F]{4})\)")


def keyword_tag(keyword):
    import pydicom.datadict  # python3-pydicom: only the dictionary, to read dciodvfy's keywords
    return pydicom.datadict.tag_for_keyword(keyword)


def dciodvfy_findings(path):
    """(rule, tag) of what dciodvfy says about one file, in the plugin's rule ids."""
    p = subprocess.run(["dciodvfy", path], capture_output=True, text=True, errors="replace")
    found = set()
    for line in (p.stdout + p.stderr).splitlines():
        m = MISSING.match(line)
        if m:
            found.add(("iod.type%s_missing" % m.group(1), keyword_tag(m.group(2))))
            continue
        m = EMPTY.match(line)
        if m:
            found.add(("iod.type1_empty", keyword_tag(m.group(1))))
            continue
        m = BAD_VM.match(line)
        if m:
            found.add(("enc.value_multiplicity", keyword_tag(m.group(1))))
            continue
        if TERM.search(line):
            found.add(("enc.character_set_term", 0x00080005))
            continue
        m = TAG.search(line)
        if not m:
            continue
        tag = int(m.group(1) + m.group(2), 16)
        if "Character invalid for character repertoire" in line:
            found.add(("enc.character_repertoire", tag))
        elif "Value invalid for this VR" in line:
            found.add(("enc.value_format", tag))
        elif "not a multiple of 2" in line:
            found.add(("enc.value_length_odd", tag))
        elif "doesn't match data dictionary" in line:
            found.add(("enc.vr_not_dictionary", tag))
    out = set()
    for rule, tag in found:
        if tag is None or (tag >> 16) & 1:
            continue  # private elements: the plugin does not judge them
        if tag == 0x00020003:  # the export's Media Storage SOP Instance UID is the command's
            out.add(("enc.ui_value", 0x00001000))
        elif tag >> 16 != 0x0002:  # the rest of the File Meta Information is the export's
            out.add((rule, tag))
    return out


def plugin_findings(capture, folder):
    """Exports the capture's objects into `folder`; {SOP Instance UID: {(rule, tag)}} of the
    encoding and iod violations on the frames that carry each object."""
    out = tshark("-r", stage(capture), "--export-objects", "dicom_ul," + folder, "-Y", "dicom.conformance.rule",
                 "-T", "fields", "-e", "dicom.sop_instance_uid", "-e", "dicom.conformance.rule",
                 "-e", "dicom.conformance.text", "-E", "occurrence=a", "-E", "aggregator=|")
    found = {}
    for line in out.splitlines():
        uids, rules, texts = (line.split("\t") + ["", "", ""])[:3]
        for rule, text in zip(rules.split("|"), texts.split("|")):
            if not rule.startswith(("enc.", "iod.")):
                continue
            m = TEXT_TAG.search(text)
            tag = int(m.group(1) + m.group(2), 16) if m else None
            for uid in filter(None, uids.split("|")):
                found.setdefault(uid, set()).add((rule, tag))
    return found


@unittest.skipIf(os.environ.get("DICOM_NO_DCIODVFY"), "the cross-check runs on the host's 4.0 (tools/test.sh)")
class DciodvfyCrossCheck(unittest.TestCase):
    def test_every_exported_object_agrees_or_the_difference_is_explained(self):
        differences, agreed, objects = {}, 0, 0
        for capture in sorted(glob.glob(os.path.join(PCAPS, "*.pcap*"))):
            name = os.path.basename(capture)
            folder = tempfile.mkdtemp(dir=home(True))
            os.chmod(folder, 0o777)
            plugin = plugin_findings(capture, folder)
            for f in sorted(os.listdir(folder)):
                uid = re.sub(r"(\(\d+\))?\.dcm$", "", f)  # Export Objects names each object by its UID
                objects += 1
                theirs = dciodvfy_findings(os.path.join(folder, f))
                ours = plugin.get(uid, set())
                agreed += len(theirs & ours)
                for who, only in (("dciodvfy", theirs - ours), ("plugin", ours - theirs)):
                    for rule, tag in only:
                        differences[(name, uid, who, rule, tag)] = True
        unexplained = sorted((k for k in differences if k not in EXPLAINED), key=str)
        stale = sorted((k for k in EXPLAINED if k not in differences), key=str)
        self.assertEqual(unexplained, [], "differences nobody explained")
        self.assertEqual(stale, [], "explained differences that no longer occur")
        self.assertGreater(objects, 250)
        self.assertGreater(agreed, 450)  # what both find: the minimal objects' missing attributes and more
        print("dciodvfy and the plugin agree on %d findings in %d objects; %d differences, each explained"
              % (agreed, objects, len(differences)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
