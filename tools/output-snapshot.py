#!/usr/bin/env python3
"""Everything the plugin shows for every sample capture, written to a folder, so that two builds
can be compared byte for byte (a refactor must leave it unchanged).

    tools/output-snapshot.py build/dicom-ul.so /tmp/before
    ... change the code, rebuild ...
    tools/output-snapshot.py build/dicom-ul.so /tmp/after
    diff -r /tmp/before /tmp/after

Per capture: tshark's summary lines, -V, -2 -V, the Info and Protocol columns with
frame.protocols, -z expert, every -z dicom_ul report, and the objects Export Objects writes
(their names and SHA-256). TLS captures are decoded with the bundled test key. As root, tshark
runs as uid 65534 with the plugin in a temporary HOME (tests/integration/tshark_run.py)."""
import argparse
import concurrent.futures
import glob
import hashlib
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

REPORTS = ["dicom_ul,assoc", "dicom_ul,assoc,csv", "dicom_ul,assoc,json", "dicom_ul,diagnose",
           "dicom_ul,diagnose,json", "dicom_ul,srt", "dicom_ul,endpoints"]
TLS_KEY = os.path.join(HERE, "captures", "tls", "test-key.pem")


def views(tshark_run, pcap, extra):
    out = {}
    run = lambda *a: tshark_run.tshark("-r", pcap, *extra, *a, check=False)
    out["summary"] = run()
    out["V"] = run("-V")
    out["2V"] = run("-2", "-V")
    out["columns"] = run("-T", "fields", "-e", "frame.number", "-e", "_ws.col.Protocol", "-e",
                         "_ws.col.Info", "-e", "frame.protocols")
    out["tabs"] = run("-T", "tabs")
    out["expert"] = run("-q", "-z", "expert")
    for r in REPORTS:
        out["z_" + r.replace(",", "_")] = run("-q", "-z", r)
    return out


def exported(tshark_run, pcap, extra):
    d = tempfile.mkdtemp(prefix="export-", dir=tshark_run.home(True))
    os.chmod(d, 0o777)
    tshark_run.tshark("-r", pcap, *extra, "-q", "--export-objects", "dicom_ul," + d, check=False)
    lines = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            lines.append("%s %s\n" % (hashlib.sha256(f.read()).hexdigest(), name))
    shutil.rmtree(d, ignore_errors=True)
    return "".join(lines)


def snapshot_one(tshark_run, path, outdir, key):
    name = os.path.basename(path)
    pcap = tshark_run.stage(path)
    extra = ()
    if name.startswith("tls"):
        extra = ("-o", 'uat:ssl_keys:"127.0.0.1","2762","dicom_ul","%s",""' % key)
    out = views(tshark_run, pcap, extra)
    out["export"] = exported(tshark_run, pcap, extra)
    base = os.path.join(outdir, name)
    os.makedirs(base, exist_ok=True)
    for k, v in out.items():
        with open(os.path.join(base, k + ".txt"), "w") as f:
            f.write(v)
    return name


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("plugin", help="the built plugin (build/dicom-ul.so)")
    ap.add_argument("outdir")
    ap.add_argument("--pcaps", default=os.path.join(HERE, "..", "sample-pcaps"))
    ap.add_argument("--only", default="", help="a glob of capture names")
    ap.add_argument("-j", type=int, default=2)
    a = ap.parse_args()
    os.environ["DICOM_PLUGIN"] = os.path.abspath(a.plugin)
    import tshark_run
    key = tshark_run.stage(TLS_KEY)
    paths = sorted(glob.glob(os.path.join(a.pcaps, a.only or "*.pcap")))
    os.makedirs(a.outdir, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
        for name in ex.map(lambda p: snapshot_one(tshark_run, p, a.outdir, key), paths):
            print(name, flush=True)


if __name__ == "__main__":
    main()
