#!/usr/bin/env python3
"""Differential check of the plugin on captures as people take them: each capture is decoded
clean and after mutations (tools/mutate.py), and the two are compared.

- Mutations that keep every byte (duplicates, VLAN-tagged duplicates, reordering, data moved
  past the other direction's ACKs): the same DIMSE messages in each association, the same
  outcomes and counts, the same error-level findings against the peers, and the same exported
  objects, byte for byte.
- Mutations that lose frames (drops): exported objects are a subset of the clean ones (same
  name, the same data set byte for byte; the file meta may name an inferred transfer syntax
  when the set-up was lost), and no error-level finding names a peer that the clean capture
  does not.
- Late starts (the capture cut at a frame): every association with a DICOM frame in the capture
  is in the reports, no Malformed expert info, and no error-level finding against a peer that
  the clean capture does not have.

Usage: tools/differential.py PLUGIN [--captures GLOB] [--seeds 1,2] [--kinds keep,drop,cut]
                              [--ops-keep dup:2,vlan:1,swap:2,late:2] [--keep-going] [--json OUT]
Runs tshark as tests/integration/tshark_run.py does (uid 65534 as root). Exits 1 when a check
fails, printing what differed and the mutation (seed, frames) that made it."""
import argparse
import concurrent.futures
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

TIMING_CODES = {"slow_response", "slow_setup", "slow_release", "delayed_ack_stall", "receiver_window_full",
                "retransmission_timeout", "sender_stall", "round_trip_stall"}
MESSAGE_FIELDS = ["dicom.assoc.id", "dicom.dimse.command", "dicom.dimse.message_id", "dicom.dimse.message_id_rsp",
                  "dicom.dimse.status", "dicom.dimse.affected_sop_instance_uid", "dicom.dimse.incomplete"]
TLS_KEY = os.path.join(HERE, "captures", "tls", "test-key.pem")


def data_set_of(part10):
    """The data set of a DICOM file, after its File Meta Information (group 0002, whose length
    (0002,0000) gives): what the peer sent. The meta names the transfer syntax, which a capture
    without the association's set-up can only infer."""
    if len(part10) < 144 or part10[128:132] != b"DICM" or part10[132:136] != b"\x02\x00\x00\x00":
        return part10
    group_length = int.from_bytes(part10[140:144], "little")
    return part10[144 + group_length:]


class Decode:
    """What the plugin made of one capture."""

    def __init__(self, tshark_run, pcap, extra):
        self.extra = extra
        out = tshark_run.tshark("-r", pcap, *extra, "-Y", "dicom.dimse.command", "-T", "fields", "-E", "separator=|",
                                "-E", "occurrence=a", *sum([["-e", f] for f in MESSAGE_FIELDS], []), check=False)
        self.message_rows = [line.split("|") for line in out.splitlines()]
        d = tempfile.mkdtemp(prefix="export-", dir=tshark_run.home(True))
        os.chmod(d, 0o777)
        out = tshark_run.tshark("-r", pcap, *extra, "-q", "-z", "dicom_ul,diagnose,json", "--export-objects",
                                "dicom_ul," + d, check=False)
        start = out.find('{"associations"')
        self.diagnosis = json.loads(out[start:out.rfind("}") + 1])["associations"] if start >= 0 else []
        self.objects, self.bodies = {}, {}
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            self.objects[name] = hashlib.sha256(data).hexdigest()
            self.bodies[name] = hashlib.sha256(data_set_of(data)).hexdigest()
        shutil.rmtree(d, ignore_errors=True)
        self._pcap, self._tshark_run = pcap, tshark_run

    def associations(self):
        # the n-th association on the same requestor and acceptor (a port may be reused)
        seen, out = {}, {}
        for a in self.diagnosis:
            base = (a["calling_ae"], a["called_ae"], a["requestor"], a["acceptor"])
            seen[base] = seen.get(base, 0) + 1
            out[base + (seen[base],)] = a
        return out

    def messages(self):
        """Per association number: the sorted values of each message field."""
        by = {}
        for row in self.message_rows:
            assoc = row[0].split(",")[0]
            fields = by.setdefault(assoc, {f: [] for f in MESSAGE_FIELDS[1:]})
            for f, v in zip(MESSAGE_FIELDS[1:], row[1:]):
                if v:
                    fields[f].extend(v.split(","))
        return {a: {f: sorted(v) for f, v in fs.items()} for a, fs in by.items()}

    def messages_by_key(self):
        m = self.messages()
        out = {}
        for key, a in self.associations().items():
            out[key] = m.get(str(a["association"]), {})
        return out

    def dicom_streams(self):
        out = self._tshark_run.tshark("-r", self._pcap, *self.extra, "-Y", "dicom.assoc.id", "-T", "fields", "-e",
                                      "tcp.stream", check=False)
        return {int(s) for s in out.split() if s.strip().isdigit()}

    def malformed_frames(self):
        out = self._tshark_run.tshark("-r", self._pcap, *self.extra, "-Y", "_ws.expert.group == 0x07000000 && dicom",
                                      "-T", "fields", "-e", "frame.number", check=False)
        return [int(s) for s in out.split() if s.strip().isdigit()]


def peer_errors(a):
    return {(f["code"], f["party"]) for f in a["findings"]
            if f["party"] in ("requestor", "acceptor") and f["severity"] == "error"}


def contradictions(decode):
    """Counts that contradict each other: more objects stored than C-STORE requests."""
    return ["association %s: %d of %d objects stored" % (a["association"], a["objects_stored"], a["store_requests"])
            for a in decode.diagnosis if a["objects_stored"] > a["store_requests"]]


def compare_keep(clean, mutated):
    """Every byte is there: the same messages, outcomes, peer errors and objects."""
    problems = contradictions(mutated)
    ca, ma = clean.associations(), mutated.associations()
    if set(ca) != set(ma):
        problems.append("associations differ: only clean %s, only mutated %s" %
                        (sorted(set(ca) - set(ma)), sorted(set(ma) - set(ca))))
    cm, mm = clean.messages_by_key(), mutated.messages_by_key()
    for key in sorted(set(ca) & set(ma)):
        a, b = ca[key], ma[key]
        for field in ("outcome", "objects_stored", "store_requests"):
            if a[field] != b[field]:
                problems.append("association %s: %s %r became %r" % (key[:2], field, a[field], b[field]))
        if peer_errors(a) != peer_errors(b):
            problems.append("association %s: peer errors %s became %s" % (key[:2], sorted(peer_errors(a)),
                                                                           sorted(peer_errors(b))))
        if cm.get(key) != mm.get(key):
            problems.append("association %s: messages differ: %s vs %s" % (key[:2], cm.get(key), mm.get(key)))
    if clean.objects != mutated.objects:
        problems.append("exported objects differ: only clean %s, only mutated %s, changed %s" % (
            sorted(set(clean.objects) - set(mutated.objects)), sorted(set(mutated.objects) - set(clean.objects)),
            sorted(n for n in set(clean.objects) & set(mutated.objects) if clean.objects[n] != mutated.objects[n])))
    return problems


def compare_subset(clean, mutated):
    """Frames lost: nothing new. Objects a subset of the clean ones; no new error against a peer."""
    problems = contradictions(mutated)
    for name, digest in mutated.bodies.items():
        if clean.bodies.get(name) != digest:
            problems.append("exported object %s is not the clean capture's" % name)
    # by code and party: a drop over the set-up takes the AE titles away, not the peers
    clean_errors = set()
    for a in clean.associations().values():
        clean_errors |= peer_errors(a)
    for a in mutated.associations().values():
        for e in peer_errors(a):
            if e not in clean_errors:
                problems.append("new error against a peer: %s in association %s (%s -> %s)" %
                                (e, a["association"], a["calling_ae"], a["called_ae"]))
    return problems


def compare_cut(clean, mutated):
    problems = compare_subset(clean, mutated)
    listed = {a["tcp_stream"] for a in mutated.diagnosis}
    missing = mutated.dicom_streams() - listed
    if missing:
        problems.append("TCP streams with DICOM frames but no association in the reports: %s" % sorted(missing))
    bad = mutated.malformed_frames()
    if bad and not clean.malformed_frames():  # a peer's own malformed data set stays malformed
        problems.append("Malformed expert infos in frames %s" % bad[:10])
    return problems


_clean = {}
_clean_lock = threading.Lock()


def clean_decode(tshark_run, path, extra):
    """The clean capture's decode, made once per capture however many mutations compare to it."""
    with _clean_lock:
        slot = _clean.setdefault(path, {"lock": threading.Lock(), "decode": None})
    with slot["lock"]:
        if slot["decode"] is None:
            slot["decode"] = Decode(tshark_run, tshark_run.stage(path), extra)
        return slot["decode"]


def run_one(tshark_run, path, kind, seed, ops, workdir):
    name = os.path.basename(path)
    extra = ()
    if name.startswith("tls"):
        # Wireshark's TLS needs the TCP bytes in order: with reordering mutations, only its
        # out-of-order reassembly puts them back (our own reassembly is not in front of TLS)
        extra = ("-o", 'uat:ssl_keys:"127.0.0.1","2762","dicom_ul","%s",""' % tshark_run.stage(TLS_KEY),
                 "-o", "tcp.reassemble_out_of_order:TRUE")
    clean = clean_decode(tshark_run, path, extra)
    out = os.path.join(workdir, "%s-%s-%d.pcap" % (name[:-5], kind, seed))
    p = subprocess.run([sys.executable, os.path.join(HERE, "mutate.py"), path, out, "--seed", str(seed), "--ops", ops],
                       capture_output=True, text=True, check=True)
    done = json.loads(p.stdout)
    os.chmod(out, 0o644)
    mutated = Decode(tshark_run, out, extra)
    problems = {"keep": compare_keep, "drop": compare_subset, "cut": compare_cut}[kind](clean, mutated)
    return {"capture": name, "kind": kind, "seed": seed, "ops": ops, "done": done["done"], "problems": problems,
            "mutated": out}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("plugin")
    ap.add_argument("--captures", default=os.path.join(HERE, "..", "sample-pcaps", "*.pcap"))
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--kinds", default="keep,drop,cut")
    ap.add_argument("--ops-keep", default="dup:2,vlan:1,swap:2,late:2")
    ap.add_argument("--ops-drop", default="drop:1")
    ap.add_argument("--cut", default="0.25,0.5")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--json", default="")
    ap.add_argument("--keep-going", action="store_true", help="exit 0 even when checks fail (campaigns)")
    a = ap.parse_args()
    os.environ["DICOM_PLUGIN"] = os.path.abspath(a.plugin)
    import tshark_run
    workdir = tempfile.mkdtemp(prefix="differential-", dir=tshark_run.home(True))
    os.chmod(workdir, 0o777)
    jobs = []
    for path in sorted(glob.glob(a.captures)):
        for seed in [int(s) for s in a.seeds.split(",")]:
            for kind in a.kinds.split(","):
                if kind == "cut":
                    for i, frac in enumerate(a.cut.split(",")):
                        jobs.append((path, kind, seed * 10 + i, "cut:%s" % frac))
                else:
                    jobs.append((path, kind, seed, a.ops_keep if kind == "keep" else a.ops_drop))
    results, failed = [], 0
    with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
        for r in ex.map(lambda j: run_one(tshark_run, j[0], j[1], j[2], j[3], workdir), jobs):
            results.append(r)
            status = "ok" if not r["problems"] else "FAIL"
            failed += bool(r["problems"])
            print("%-4s %-40s %-4s seed %-3d %s" % (status, r["capture"], r["kind"], r["seed"],
                                                   json.dumps(r["done"])[:120]), flush=True)
            for p in r["problems"]:
                print("       " + p, flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    print("differential: %d runs, %d failed" % (len(results), failed))
    return 1 if failed and not a.keep_going else 0


if __name__ == "__main__":
    sys.exit(main())
