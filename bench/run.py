#!/usr/bin/env python3
"""Benchmark: tshark with the plugin against the bare-TCP floor and Wireshark's built-in
DICOM dissector, on captures of real dcmtk traffic made by bench/make_capture.sh, and on
the same captures impaired by bench/impair.py (late, duplicated and reordered segments).

Usage (root, after building): bench/run.py [--sizes 100,200,400] [--echo 50000] [--runs 3]
                                           [--assocs 5000,50000] [--find 10000]
                                           [--builtin-cap 300] [--plot docs/images/bench.png]
                                           [--extra big=1x16000x16000] [--modes floor,plugin]
Prints wall time, CPU time and peak memory for each capture and mode, each as a ratio to the
floor measured in the same run (median of --runs runs).

The captures, made once and kept in /var/tmp/dicom-bench (or $DICOM_BENCH_DIR), by name:
  ctN          N synthetic 512x512 CT images stored on one association (--sizes)
  echoN        N C-ECHOs on one association (--echo)
  assocsN      N associations, each one C-ECHO and a release (--assocs)
  findN        one Modality Worklist C-FIND answered by N pending responses and a final one (--find)
and NAME=OBJECTSxROWSxCOLUMNS (--extra)."""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("DICOM_PLUGIN", os.path.join(ROOT, "build", "dicom-ul.so"))
import tshark_run  # noqa: E402

CAPTURES = os.environ.get("DICOM_BENCH_DIR", "/var/tmp/dicom-bench")
# capture name -> bench/make_capture.sh WHAT
KINDS = [(r"ct(\d+)", "%s"), (r"echo(\d+)", "echo:%s"), (r"assocs(\d+)", "assocs:%s"), (r"find(\d+)", "find:%s")]


def what_of(name):
    """The make_capture.sh WHAT of a capture named as bench/run.py names them, or None."""
    for pattern, what in KINDS:
        m = re.fullmatch(pattern, name)
        if m:
            return what % m.group(1)
    return None


def counts(text):
    """A comma separated list of counts; 0 or nothing: none."""
    return [int(x) for x in text.split(",") if x.strip() and int(x)]


def capture(name, what, mtu, pdu):
    path = os.path.join(CAPTURES, name + ".pcap")
    if not os.path.exists(path):
        os.makedirs(CAPTURES, exist_ok=True)
        # some take long: assocs50000 (one echoscu process per association) took 43 min on 2 busy cores
        print("making %s: bench/make_capture.sh %s %s %d %d" % (name, path, what, mtu, pdu), file=sys.stderr)
        subprocess.run([os.path.join(ROOT, "bench", "make_capture.sh"), path, what, str(mtu), str(pdu)],
                       check=True, stdout=subprocess.DEVNULL)
    return path


def impaired(path):
    out = path.replace(".pcap", "-impaired.pcap")
    if not os.path.exists(out):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "impair.py"), path, out], check=True)
    return out


WS44_ROOT = os.environ.get("DICOM_WS44_ROOT", "/var/tmp/dicom-ul-trixie")


def in_ws44_root(path):
    """The capture as seen inside the Debian 13 root of tools/test-ws44.sh (hard-linked in)."""
    d = os.path.join(WS44_ROOT, "var/tmp/dicom-bench")
    os.makedirs(d, exist_ok=True)
    dst = os.path.join(d, os.path.basename(path))
    if not os.path.exists(dst):
        try:
            os.link(path, dst)
        except OSError:
            subprocess.run(["cp", path, dst], check=True)
        os.chmod(dst, 0o644)
    return "/var/tmp/dicom-bench/" + os.path.basename(path)


def run(args, plugin, cap, ws44=False):
    """One tshark run: (wall s, cpu s, peak RSS MiB), or None past the time cap. `ws44`: the
    Wireshark 4.4 tshark of the Debian 13 root, without the plugin."""
    cmd, env, h = tshark_run.invocation(args, plugin)
    if ws44:
        env = {"HOME": "/tmp", "TZ": "UTC", "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}
        cmd = ["/usr/sbin/chroot", WS44_ROOT] + cmd
        h = "/"
    start = time.monotonic()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=h)
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > cap:
            p.kill()
            os.wait4(p.pid, 0)
            return None
        time.sleep(0.02)
    wall = time.monotonic() - start
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def packets(path):
    out = subprocess.run(["capinfos", "-c", "-M", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "Number of packets" in line:
            return int(line.split(":")[1].strip())
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,200,400", help="CT objects per capture, comma separated")
    ap.add_argument("--echo", default="50000",
                    help="C-ECHOs on one association, comma separated, one capture each (0: none)")
    ap.add_argument("--assocs", default="",
                    help="associations of one C-ECHO each, comma separated, one capture each (e.g. 5000,50000)")
    ap.add_argument("--find", default="",
                    help="pending responses to one C-FIND, comma separated, one capture each (e.g. 10000)")
    ap.add_argument("--mtu", type=int, default=1500)
    ap.add_argument("--max-pdu", type=int, default=16384)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--builtin-cap", type=float, default=300, help="seconds before a built-in run is abandoned")
    ap.add_argument("--no-builtin", action="store_true")
    ap.add_argument("--no-impaired", action="store_true", help="skip the impaired copies of the captures")
    ap.add_argument("--modes", default="",
                    help="comma separated mode labels to run (default: all), e.g. floor,plugin: more rounds "
                         "of the headline ratio in the same time")
    ap.add_argument("--plot", default="")
    ap.add_argument("--extra", action="append", default=[],
                    help="NAME=OBJECTSxROWSxCOLUMNS, another capture (e.g. big=1x16000x16000: one 512 MB object)")
    a = ap.parse_args()

    caps = [("ct%s" % n, n) for n in a.sizes.split(",") if n]
    caps += [tuple(x.split("=", 1)) for x in a.extra]
    for kind, option in (("echo", a.echo), ("assocs", a.assocs), ("find", a.find)):
        caps += [("%s%d" % (kind, n), "%s:%d" % (kind, n)) for n in counts(option)]
    modes = [  # (label, extra args, plugin loaded, is floor, filter)
        ("floor", ["-d", "tcp.port==11112,data"], False),
        ("plugin", [], True),
        ("builtin", ["-d", "tcp.port==11112,dicom"], False),
        ("builtin 4.4", ["-d", "tcp.port==11112,dicom"], False),
        ("floor -V", ["-V", "-d", "tcp.port==11112,data"], False),
        ("plugin -V", ["-V"], True),
        ("plugin -Y", ["-Y", "dicom.dimse.command == 0x0001"], True),
    ]
    impaired_modes = [m for m in modes if not m[0].startswith("builtin") and m[0] != "plugin -Y"]
    rows = []
    print("machine: %s, %d cores; tshark %s; %d interleaved rounds, medians (built-in: one run)" % (
        os.uname().machine, os.cpu_count(), tshark_run._ws_version(), a.runs))
    w = max([10] + [len(name) + (0 if a.no_impaired else 4) for name, _ in caps])  # capture names' column
    print("%-*s %7s %8s | %-10s %8s %8s %8s | %6s %6s %6s" % (
        w, "capture", "MB", "packets", "mode", "wall s", "cpu s", "peak MB", "wall x", "cpu x", "mem x"))
    runs = []
    for name, what in caps:
        path = capture(name, str(what), a.mtu, a.max_pdu)
        runs.append((name, path, modes))
        if not a.no_impaired:
            runs.append((name + "-imp", impaired(path), impaired_modes))
    for name, path, run_modes in runs:
        dst = tshark_run.stage(path)
        size = os.path.getsize(path) / 1e6
        npk = packets(path)
        with open(path, "rb") as f:  # into the page cache first: every mode reads it warm
            while f.read(1 << 24):
                pass
        # Every mode once per round, rounds repeated: a machine whose speed drifts (a busy
        # neighbour, frequency changes) then slows all modes alike instead of one.
        todo = []
        for label, extra, plugin in run_modes:
            if (label.startswith("builtin") and a.no_builtin) or (a.modes and label not in a.modes.split(",")):
                continue
            ws44 = label == "builtin 4.4"
            if ws44 and not os.path.exists(os.path.join(WS44_ROOT, "usr/bin/tshark")):
                continue  # no Debian 13 root (tools/test-ws44.sh makes one)
            todo.append((label, ["-r", in_ws44_root(path) if ws44 else dst] + extra, plugin, ws44))
        results = {label: [] for label, _, _, _ in todo}
        for rnd in range(a.runs):
            for label, args, plugin, ws44 in todo:
                if label.startswith("builtin") and rnd > 0:
                    continue  # one run each: they take long
                if results[label] is None:
                    continue
                r = run(args, plugin, a.builtin_cap if label.startswith("builtin") else 3600, ws44)
                results[label] = None if r is None else results[label] + [r]
        base = {}
        for label, _, _, _ in todo:
            got = results[label]
            r = tuple(statistics.median(x[i] for x in got) for i in range(3)) if got else None
            ref = base.get("floor -V" if "-V" in label else "floor")
            if label.startswith("floor"):
                base[label] = r
            if r is None:
                print("%-*s %7.1f %8d | %-10s %8s %8s %8s | capped at %.0f s" % (w, name, size, npk, label, ">cap", "-",
                                                                                 "-", a.builtin_cap))
                rows.append((name, size, label, None))
                continue
            ratio = ("%6.2f %6.2f %6.2f" % (r[0] / ref[0], r[1] / ref[1], r[2] / ref[2])) if ref else ""
            print("%-*s %7.1f %8d | %-10s %8.2f %8.2f %8.1f | %s" % (w, name, size, npk, label, r[0], r[1], r[2], ratio))
            rows.append((name, size, label, r))
            sys.stdout.flush()
    if a.plot:
        plot(rows, a.plot, a.builtin_cap)


def plot(rows, out, cap):
    data = os.path.join(CAPTURES, "bench.dat")
    with open(data, "w") as f:
        for label in ("floor", "plugin", "builtin", "builtin 4.4"):
            f.write("# %s\n" % label)
            for name, size, lab, r in rows:
                if lab == label and name.startswith("ct") and not name.endswith("-imp"):
                    f.write("%.1f %.3f\n" % (size, r[0] if r else cap))
            f.write("\n\n")
    script = """set terminal pngcairo size 900,560
set output '%s'
set title 'tshark wall time against capture size (512x512 CT images, 1500-byte MTU)'
set xlabel 'capture size (MB)'
set ylabel 'seconds'
set logscale y
set key left top
set grid
plot '%s' index 0 with linespoints title 'bare TCP floor (-d tcp.port==11112,data)', \\
     '' index 1 with linespoints title 'DICOM plugin', \\
     '' index 2 with linespoints title 'built-in DICOM dissector, Wireshark 4.0 (capped at %d s)', \\
     '' index 3 with linespoints title 'built-in DICOM dissector, Wireshark 4.4'
""" % (out, data, int(cap))
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print("plot written to", out)


if __name__ == "__main__":
    main()
