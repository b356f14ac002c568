#!/usr/bin/env python3
"""The plugin's cost as instructions, which a busy machine does not change: tshark run under
valgrind (callgrind, which counts every instruction executed, libraries included) with the
plugin and as the bare-TCP floor, on the captures of bench/run.py (clean and impaired).

Wall-clock ratios on a shared machine drift by 10-30% between runs of the same command; the
instruction count of one run is exact and repeatable, so it shows what a change costs even
when the timings cannot. It does not see cache misses or memory bandwidth: read it alongside
bench/run.py, not instead of it.

Usage (root, after building): bench/instructions.py [--captures ct100,echo50000]
Known captures (bench/run.py's names; one that is missing is made, with its impaired copy):
ctN (N CT images), echoN (N C-ECHOs on one association), assocsN (N associations of one C-ECHO
each), findN (one C-FIND, N pending responses); any other NAME must already be in the captures
folder as NAME.pcap and NAME-impaired.pcap (e.g. echo10k, a cut of echo50000: docs/performance.md).
Each run takes about 50 times as long as without valgrind.

With --validation it measures instead what the conformance checks cost (issue 24): each clean
capture with the checks off (-o dicom_ul.validate:FALSE), with the data set checks off
(validate_data_sets:FALSE) and with every class on, as percentages of the first."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
os.environ.setdefault("DICOM_PLUGIN", os.path.join(ROOT, "build", "dicom-ul.so"))
import tshark_run  # noqa: E402
import run as bench_run  # noqa: E402  (bench/run.py: the captures and their names)

CAPTURES = bench_run.CAPTURES


def ensure(name):
    """Makes a missing capture of a known name (and its impaired copy) the way bench/run.py does."""
    what = bench_run.what_of(name)
    path = os.path.join(CAPTURES, name + ".pcap")
    if what is not None:
        bench_run.impaired(bench_run.capture(name, what, 1500, 16384))
    elif not os.path.exists(path):
        raise SystemExit("no %s, and %s is not a capture name bench/run.py knows (ctN, echoN, assocsN, findN)"
                         % (path, name))


def instructions(args, plugin):
    """Instructions executed by one tshark run (callgrind's "Collected" count)."""
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)
        cmd, env, h = tshark_run.invocation(
            args, plugin, ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + os.path.join(tmp, "out")])
        p = subprocess.run(cmd, env=env, cwd=h, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode or not m:
        raise SystemExit("valgrind tshark %s failed:\n%s" % (" ".join(args), p.stderr[-2000:]))
    return int(m.group(1))


def validation_cost(names):
    print("%-14s | %14s | %18s %18s" % ("capture", "checks off", "ul+dimse only", "every class"))
    for name in names:
        dst = tshark_run.stage(os.path.join(CAPTURES, name + ".pcap"))
        off = instructions(["-r", dst, "-o", "dicom_ul.validate:FALSE"], True)
        light = instructions(["-r", dst, "-o", "dicom_ul.validate_data_sets:FALSE"], True)
        full = instructions(["-r", dst], True)
        print("%-14s | %14d | %12d %+5.2f%% %12d %+5.2f%%" % (name, off, light, 100.0 * (light - off) / off, full,
                                                            100.0 * (full - off) / off))
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--captures", default="ct100,echo50000",
                    help="names of bench/run.py captures (ctN, echoN, assocsN, findN, or a NAME.pcap already in "
                         "the captures folder); each is measured clean and impaired")
    ap.add_argument("--validation", action="store_true",
                    help="what the conformance checks cost: validation off, data set checks off, all on")
    a = ap.parse_args()
    for name in a.captures.split(","):
        ensure(name)
    if a.validation:
        return validation_cost(a.captures.split(","))
    # what tshark costs before the first packet (start-up, field registration): measured on
    # the first 10 packets of the first capture, and subtracted for the per-packet ratio
    first = os.path.join(CAPTURES, a.captures.split(",")[0] + ".pcap")
    head = os.path.join(tshark_run.home(True), "bench-head.pcap")
    subprocess.run(["editcap", "-r", first, head, "1-10"], check=True)
    os.chmod(head, 0o644)
    floor0 = instructions(["-r", head, "-d", "tcp.port==11112,data"], False)
    plugin0 = instructions(["-r", head], True)
    print("start-up (10 packets): floor %d, plugin %d instructions" % (floor0, plugin0))
    print("%-14s | %14s %14s | %7s %16s" % ("capture", "floor instr", "plugin instr", "instr x",
                                           "x past start-up"))
    for name in a.captures.split(","):
        for suffix in ("", "-impaired"):
            path = os.path.join(CAPTURES, name + suffix + ".pcap")
            if not os.path.exists(path):
                raise SystemExit("no %s: bench/impair.py makes it from %s.pcap" % (path, name))
            dst = tshark_run.stage(path)
            floor = instructions(["-r", dst, "-d", "tcp.port==11112,data"], False)
            plugin = instructions(["-r", dst], True)
            label = name + ("-imp" if suffix else "")
            print("%-14s | %14d %14d | %7.3f %16.3f" % (label, floor, plugin, plugin / floor,
                                                       (plugin - plugin0) / (floor - floor0)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
