#!/usr/bin/env bash
# Regenerates the impaired-link captures sample-pcaps/impaired-<name>-{sender,receiver}.pcap and
# their ground truth impaired-<name>.truth.json from real peers: a storage SCU in A sends to
# dcmtk's storescp --bit-preserving in B.  The SCU is dcmtk's storescu in loss, reorder and wan;
# the other scenarios use other DICOM stacks, each with its own PDU/PDV framing:
# PixelMed's StorageSOPClassSCU (pixelmed-loss) and GDCM's gdcmscu --store (gdcm-reorder).
#
# Topology (three network namespaces, veth pairs, MTU 1500, offloads off):
#   A (requestor, 10.0.1.1) a0 --- ra [R: router 10.0.1.2 / 10.0.2.2] rb --- b0 B (acceptor, 10.0.2.1)
# R forwards; iptables-legacy sends each direction to its own NFQUEUE, where
# tools/netem/netem.py adds loss / duplication / reordering / delay / rate limit + tail drops
# (this kernel has no sch_netem).  tcpdump captures in A (sender view: lost segments and their
# retransmissions) and in B (receiver view: after the network's impairments) at the same time.
#
# Usage: tools/make-impaired-captures.sh [OUTDIR] [SCENARIO...]   (run as root)
#   scenarios: loss reorder wan pixelmed-loss gdcm-reorder (default: all); SEED=N in the
#   environment changes the seed (8).  pixelmed-loss and gdcm-reorder use the link settings of
#   loss and reorder with 10 objects; their truth.json names the sender (software, version).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/sample-pcaps}; shift || true
mkdir -p "$out"; out=$(cd "$out" && pwd)
scenarios=${*:-loss reorder wan pixelmed-loss gdcm-reorder}
seed=${SEED:-8}
py=/usr/bin/python3
netem=$here/tools/netem/netem.py
ct=/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm
port=11112

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

# Debian packages, installed only when missing.
need=()
command -v iptables-legacy >/dev/null || need+=(iptables)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v ip >/dev/null || need+=(iproute2)
command -v ethtool >/dev/null || need+=(ethtool)
command -v storescp >/dev/null && command -v storescu >/dev/null || need+=(dcmtk)
$py -c 'import pydicom' 2>/dev/null || need+=(python3-pydicom)
pixelmed_jar=/usr/share/java/pixelmed.jar
case " $scenarios " in *" pixelmed-"*)
  [ -e "$pixelmed_jar" ] || need+=(libpixelmed-java)
  command -v java >/dev/null || need+=(default-jre-headless) ;;
esac
case " $scenarios " in *" gdcm-"*) command -v gdcmscu >/dev/null || need+=(libgdcm-tools) ;; esac
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get install -y "${need[@]}" >/dev/null || { apt-get update >/dev/null; apt-get install -y "${need[@]}" >/dev/null; }
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for n in A R B; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# ---- helpers written once ---------------------------------------------------------------
# make_objects.py DIR SCENARIO COUNT SIZE...: copies of CT_small.dcm with new (deterministic)
# UIDs and a larger pixel matrix tiled from the original CT image (rows = columns = SIZE,
# cycling through the SIZE list).
cat >"$work/make_objects.py" <<'PY'
import sys
import pydicom
from pydicom.uid import generate_uid
src, outdir, scen, count, sizes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), [int(s) for s in sys.argv[5:]]
orig = pydicom.dcmread(src)
pix, orows, ocols = orig.PixelData, orig.Rows, orig.Columns
for i in range(count):
    ds = pydicom.dcmread(src)
    n = sizes[i % len(sizes)]
    rows = []
    for r in range(n):
        line = pix[(r % orows) * ocols * 2:((r % orows) + 1) * ocols * 2]
        rows.append((line * (n // ocols + 1))[:n * 2])
    ds.Rows = ds.Columns = n
    ds.PixelData = b"".join(rows)
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["impaired", scen, "series"])
    ds.SOPInstanceUID = generate_uid(entropy_srcs=["impaired", scen, str(i)])
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.InstanceNumber = i + 1
    if 0xFFFCFFFC in ds:   # storescu does not send trailing padding: drop it so the data set
        del ds[0xFFFCFFFC]  # on the wire (and stored) equals the file's
    ds.save_as("%s/obj%03d.dcm" % (outdir, i + 1))
PY

# truth.py: ground truth of one scenario as JSON.
cat >"$work/truth.py" <<'PY'
import hashlib, json, os, re, struct, sys
scen, objdir, rxdir, wdir, outfile = sys.argv[1:6]
# optional 7th argument: JSON description of a sender that is not dcmtk's storescu
sender = json.load(open(sys.argv[6])) if len(sys.argv) > 6 else None
LONG = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UT", b"UN", b"UC", b"UR", b"SV", b"UV"}

def explicit_elements(b, off, end, stop_group=None):
    """(group, element, vr, value offset, length) of explicit VR little endian elements."""
    while off + 8 <= end:
        g, e = struct.unpack_from("<HH", b, off)
        if stop_group is not None and g != stop_group:
            return
        vr = b[off + 4:off + 6]
        if vr in LONG:
            ln = struct.unpack_from("<I", b, off + 8)[0]; v = off + 12
        else:
            ln = struct.unpack_from("<H", b, off + 6)[0]; v = off + 8
        yield g, e, vr, v, ln, v + ln
        if ln == 0xFFFFFFFF:
            return
        off = v + ln

def implicit_elements(b, off, end):
    while off + 8 <= end:
        g, e, ln = struct.unpack_from("<HHI", b, off)
        yield g, e, None, off + 8, ln, off + 8 + ln
        if ln == 0xFFFFFFFF:
            return
        off += 8 + ln

def read(path):
    """Split a Part 10 file: preamble, 'DICM', group 0002 (explicit VR LE, its length in
    (0002,0000)), then the data set."""
    b = open(path, "rb").read()
    if b[128:132] != b"DICM":
        raise ValueError("%s: no DICM prefix" % path)
    meta = {}
    gl = None
    start = end_meta = 132
    for g, e, vr, v, ln, nxt in explicit_elements(b, 132, len(b), stop_group=2):
        meta[e] = b[v:v + ln]
        if e == 0:
            gl = struct.unpack_from("<I", b, v)[0]
            start = nxt
        end_meta = nxt
    ds_off = start + gl if gl is not None else end_meta
    if ds_off != end_meta:
        raise ValueError("%s: (0002,0000) says %d, elements end at %d" % (path, ds_off, end_meta))
    ts = meta.get(0x10, b"").rstrip(b"\0 ").decode()
    data = b[ds_off:]
    elems = implicit_elements if ts == "1.2.840.10008.1.2" else explicit_elements
    uids = {}
    for g, e, vr, v, ln, nxt in elems(data, 0, len(data)):
        if (g, e) in ((8, 0x16), (8, 0x18)):
            uids[e] = data[v:v + ln].rstrip(b"\0 ").decode()
        if (g, e) > (8, 0x18):
            break
    return dict(sop_instance_uid=uids.get(0x18), sop_class_uid=uids.get(0x16),
                transfer_syntax=ts, dataset_size=len(data),
                dataset_sha256=hashlib.sha256(data).hexdigest())

def jload(p):
    try:
        return json.load(open(p))
    except (OSError, ValueError) as ex:
        return {"error": str(ex)}

def tcpdump_stats(p):
    d = {}
    try:
        t = open(p).read()
    except OSError:
        return d
    for key, pat in (("captured", r"(\d+) packets? captured"),
                     ("dropped_by_kernel", r"(\d+) packets? dropped by kernel")):
        m = re.search(pat, t)
        if m:
            d[key] = int(m.group(1))
    return d

sent = []
for f in sorted(os.listdir(objdir)):
    r = read(os.path.join(objdir, f)); r["file"] = f
    sent.append(r)
stored = []
for f in sorted(os.listdir(rxdir)):
    r = read(os.path.join(rxdir, f)); r["file"] = f
    stored.append(r)
by_uid = {s["sop_instance_uid"]: s for s in stored}
missing = [s["sop_instance_uid"] for s in sent if s["sop_instance_uid"] not in by_uid]
mismatch = [s["sop_instance_uid"] for s in sent if s["sop_instance_uid"] in by_uid
            and by_uid[s["sop_instance_uid"]]["dataset_sha256"] != s["dataset_sha256"]]
scp_log = open(os.path.join(wdir, "storescp.log"), errors="replace").read()
scu_log = open(os.path.join(wdir, "storescu.log"), errors="replace").read()
scu_errors = r"^E: "
extra = {}
if sender is not None:
    scu_errors = sender.pop("log_error_pattern")
    extra = dict(sender=sender,
                 sender_note="storescu_exit, storescu_seconds and storescu_log_errors describe "
                             "this sender (the field names are those of the dcmtk scenarios); "
                             "storescu_log_errors counts its log lines matching " + scu_errors)
truth = dict(
    scenario=scen,
    **extra,
    sent_sop_instance_uids=[s["sop_instance_uid"] for s in sent],
    sent=[{k: s[k] for k in ("file", "sop_instance_uid", "sop_class_uid", "dataset_size",
                             "dataset_sha256")} for s in sent],
    stored=stored,
    all_stored=not missing,
    missing=missing,
    datasets_differing_from_sent=mismatch,
    storescu_exit=int(open(os.path.join(wdir, "storescu.rc")).read()),
    storescu_seconds=round(float(open(os.path.join(wdir, "storescu.seconds")).read()), 2),
    storescp_exit=int(open(os.path.join(wdir, "storescp.rc")).read()),
    storescp_exit_note="storescp has no exit-after-association option: it is stopped with "
                       "SIGTERM after storescu has finished, so 143 is its normal status",
    storescp_log_errors=len(re.findall(r"^E: ", scp_log, re.M)),
    storescp_association_released="I: Association Release" in scp_log,
    storescu_log_errors=len(re.findall(scu_errors, scu_log, re.M)),
    emulator={"requestor_to_acceptor": jload(os.path.join(wdir, "a2b.json")),
              "acceptor_to_requestor": jload(os.path.join(wdir, "b2a.json"))},
    tcpdump={"sender": tcpdump_stats(os.path.join(wdir, "tcpdump-A.log")),
             "receiver": tcpdump_stats(os.path.join(wdir, "tcpdump-B.log"))},
)
json.dump(truth, open(outfile, "w"), indent=1)
print("   stored %d/%d, identical data sets %d, %s exit %d in %.1f s, storescp errors %d"
      % (len(stored), len(sent), len(sent) - len(missing) - len(mismatch),
         sender["program"] if sender else "storescu",
         truth["storescu_exit"], truth["storescu_seconds"], truth["storescp_log_errors"]))
PY

# ---- topology ---------------------------------------------------------------------------
ns_up() {
  for n in A R B; do ip netns del "$n" 2>/dev/null || true; ip netns add "$n"; done
  ip link add a0 netns A type veth peer name ra netns R
  ip link add b0 netns B type veth peer name rb netns R
  for x in "A a0" "R ra" "R rb" "B b0"; do
    set -- $x
    ip -n "$1" link set lo up
    ip -n "$1" link set "$2" mtu 1500 up
    # no segmentation offloads: 1448-byte segments as on real Ethernet; tx checksums computed
    # in software so the captures hold correct checksums
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null 2>&1 || true
  done
  ip -n A addr add 10.0.1.1/24 dev a0
  ip -n R addr add 10.0.1.2/24 dev ra
  ip -n R addr add 10.0.2.2/24 dev rb
  ip -n B addr add 10.0.2.1/24 dev b0
  ip -n A route add default via 10.0.1.2
  ip -n B route add default via 10.0.2.2
  ip netns exec R sysctl -qw net.ipv4.ip_forward=1
  # one queue per direction; re-sent packets carry mark 1 and are not queued again
  ip netns exec R iptables-legacy -A FORWARD -i ra -o rb -p tcp -m mark ! --mark 1 -j NFQUEUE --queue-num 0
  ip netns exec R iptables-legacy -A FORWARD -i rb -o ra -p tcp -m mark ! --mark 1 -j NFQUEUE --queue-num 1
}

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "timeout: $1" >&2; return 1; }

# ---- senders ----------------------------------------------------------------------------
# send_NAME DIR runs the sender in A on the objects in DIR/objs (output goes to DIR/storescu.log);
# describe_NAME DIR, where defined, writes DIR/sender.json before it starts.
# pkg_version PACKAGE: its Debian version
pkg_version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo unknown; }

# describe_sender DIR PROGRAM SOFTWARE VERSION PACKAGE LOG_ERROR_REGEX COMMAND [KEY=VALUE...]:
# DIR/sender.json for truth.py (the sender's name and version in the ground truth)
describe_sender() {
  local d=$1; shift
  $py - "$@" >"$d/sender.json" <<'PY'
import json, sys
program, software, version, package, errors, command = sys.argv[1:7]
d = dict(program=program, software=software, version=version, debian_package=package,
         command=command, log_error_pattern=errors)
for kv in sys.argv[7:]:
    k, v = kv.split("=", 1)
    d[k] = v
print(json.dumps(d))
PY
}

# dcmtk's storescu: one association, the objects in command-line order
send_storescu() {
  ip netns exec A storescu -v -aet MODALITY -aec PACS 10.0.2.1 $port "$1"/objs/*.dcm
}

# PixelMed's StorageSOPClassSCU (Java): HOST PORT CALLED CALLING - COMPRESSION reads the file
# names from stdin and sends them on one association; compression level 0 proposes no deflate.
# Its exit status is 0 even when it fails (main() catches every exception): the truth is what
# storescp stored.
describe_pixelmed() {
  describe_sender "$1" StorageSOPClassSCU \
    "PixelMed Java DICOM Toolkit (com.pixelmed.network.StorageSOPClassSCU)" \
    "$(basename "$(readlink -f "$pixelmed_jar")" .jar | sed 's/^pixelmed-//')" \
    "libpixelmed-java $(pkg_version libpixelmed-java)" '^(SEVERE:|\S*Exception\b)' \
    "ls OBJDIR/*.dcm | java -cp $pixelmed_jar com.pixelmed.network.StorageSOPClassSCU 10.0.2.1 $port PACS PIXELMED - 0" \
    "java_runtime=$(java -version 2>&1 | sed -n 1p)" \
    "exit_status_note=StorageSOPClassSCU.main() exits 0 even after an exception"
}
send_pixelmed() {
  ls "$1"/objs/*.dcm | ip netns exec A java -cp "$pixelmed_jar" \
    com.pixelmed.network.StorageSOPClassSCU 10.0.2.1 $port PACS PIXELMED - 0
}

# GDCM's gdcmscu --store: one association for all the files on the command line.  Debian's
# 3.0.21 aborts (exit 134) after the association's release, whatever it did on it.
describe_gdcm() {
  describe_sender "$1" gdcmscu "GDCM (Grassroots DICOM) gdcmscu --store" \
    "$(gdcmscu --version 2>/dev/null | sed -n 's/^gdcmscu: gdcm \([^ ]*\).*/\1/p')" \
    "libgdcm-tools $(pkg_version libgdcm-tools)" '^(Error|terminate called)' \
    "gdcmscu --store -V --aetitle GDCMSCU --call PACS 10.0.2.1 $port OBJDIR/*.dcm" \
    "exit_status_note=gdcmscu 3.0.21 aborts (exit 134, uncaught gdcm::Exception 'ProtocolStream as nullptr is invalid') after every association release, also for a C-ECHO on a clean link; the stores, A-RELEASE-RQ/RP and the FINs are complete before that"
}
send_gdcm() {
  ip netns exec A gdcmscu --store -V --aetitle GDCMSCU --call PACS 10.0.2.1 $port "$1"/objs/*.dcm
}

# [SENDER=storescu|pixelmed|gdcm] run_scenario NAME "A->B netem options" "B->A netem options" COUNT SIZE...
run_scenario() {
  local name=$1 a2b=$2 b2a=$3 count=$4; shift 4
  local sender=${SENDER:-storescu}
  local w=$work/$name
  echo "== impaired-$name ($count objects from $sender; A->B: $a2b; B->A: $b2a)"
  mkdir -p "$w/objs" "$w/rx"
  $py "$work/make_objects.py" "$ct" "$w/objs" "$name" "$count" "$@"
  ns_up
  local snd=$out/impaired-$name-sender.pcap rcv=$out/impaired-$name-receiver.pcap
  rm -f "$snd" "$rcv"
  ip netns exec R $py "$netem" --queue 0 --name requestor-to-acceptor --seed "$seed" $a2b \
     --summary "$w/a2b.json" --ready-file "$w/a2b.ready" >"$w/a2b.log" 2>&1 & local e1=$!
  ip netns exec R $py "$netem" --queue 1 --name acceptor-to-requestor --seed "$((seed + 1))" $b2a \
     --summary "$w/b2a.json" --ready-file "$w/b2a.ready" >"$w/b2a.log" 2>&1 & local e2=$!
  pids+=("$e1" "$e2")
  wait_file "$w/a2b.ready"; wait_file "$w/b2a.ready"
  ip netns exec A tcpdump -Z root -U -s 0 -i a0 -w "$snd" "tcp port $port" 2>"$w/tcpdump-A.log" & local t1=$!
  ip netns exec B tcpdump -Z root -U -s 0 -i b0 -w "$rcv" "tcp port $port" 2>"$w/tcpdump-B.log" & local t2=$!
  pids+=("$t1" "$t2")
  (cd "$w" && exec ip netns exec B storescp -v -dhl -aet PACS --bit-preserving -od "$w/rx" $port) >"$w/storescp.log" 2>&1 & local scp=$!
  pids+=("$scp")
  for _ in $(seq 100); do ip netns exec B ss -ltn | grep -q ":$port " && break; sleep 0.05; done
  if declare -F "describe_$sender" >/dev/null; then "describe_$sender" "$w"; fi
  sleep 1   # tcpdump is listening by now
  local rc=0 t0; t0=$(date +%s.%N)
  "send_$sender" "$w" >"$w/storescu.log" 2>&1 || rc=$?
  echo "$rc" >"$w/storescu.rc"
  awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }' >"$w/storescu.seconds"
  sleep 1   # the last segments and ACKs are still on the emulated link
  kill "$scp"; rc=0; wait "$scp" || rc=$?; echo "$rc" >"$w/storescp.rc"
  sleep 0.5
  kill "$t1" "$t2"; wait "$t1" "$t2" || true
  kill "$e1" "$e2"; wait "$e1" "$e2" || true
  pids=()
  local desc=(); [ -e "$w/sender.json" ] && desc=("$w/sender.json")
  $py "$work/truth.py" "$name" "$w/objs" "$w/rx" "$w" "$out/impaired-$name.truth.json" "${desc[@]}"
  for n in A R B; do ip netns del "$n"; done
}

for s in $scenarios; do
  case $s in
    loss) # 1% random loss towards the archive, 10 ms each way, 50 Mbit/s
      run_scenario loss "--loss 0.01 --delay-ms 10 --rate-kbps 50000 --queue-limit 1000" \
                        "--delay-ms 10 --rate-kbps 50000 --queue-limit 1000" 20 224 288 352 ;;
    reorder) # 10% of the segments 4 ms late (overtaken), 5% duplicated, no loss
      run_scenario reorder "--reorder 0.1 --reorder-delay-ms 4 --dup 0.05 --delay-ms 5 --rate-kbps 100000 --queue-limit 10000" \
                           "--delay-ms 5" 10 224 288 352 ;;
    wan) # 12 Mbit/s bottleneck with a 10-packet router queue (tail drops), 20 ms each way,
         # 2% loss on the way back (lost ACKs, a lost C-STORE response)
      run_scenario wan "--delay-ms 20 --rate-kbps 12000 --queue-limit 10" \
                       "--delay-ms 20 --loss 0.02" 40 160 ;;
    pixelmed-loss) # the loss link (1% loss towards the archive, 10 ms, 50 Mbit/s); PixelMed sends
      SENDER=pixelmed run_scenario pixelmed-loss "--loss 0.01 --delay-ms 10 --rate-kbps 50000 --queue-limit 1000" \
                                   "--delay-ms 10 --rate-kbps 50000 --queue-limit 1000" 10 224 288 352 ;;
    gdcm-reorder) # the reorder link (10% reordered, 5% duplicated, 5 ms); GDCM sends
      SENDER=gdcm run_scenario gdcm-reorder "--reorder 0.1 --reorder-delay-ms 4 --dup 0.05 --delay-ms 5 --rate-kbps 100000 --queue-limit 10000" \
                                            "--delay-ms 5" 10 224 288 352 ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
ls -l "$out"/impaired-*
