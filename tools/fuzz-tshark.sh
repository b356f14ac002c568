#!/usr/bin/env bash
# Fuzzes the whole plugin inside tshark, the way Wireshark fuzzes itself: each sample
# capture is mutated with editcap -E at several probabilities, and separately at the frame
# level the way networks and capture hosts damage captures (frames dropped, duplicated,
# swapped, delivered late: tools/captures/rewrite.py random), and dissected with -V, with the
# default output, and with -2 and TCP's out-of-order reassembly (DICOM forced on port 4242
# too, where the mutation may have broken detection), under WIRESHARK_ABORT_ON_DISSECTOR_BUG
# and strict wmem, with a time and memory limit per run.
# Usage: tools/fuzz-tshark.sh [COUNT] [SEED]   (root; needs a build)
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-50} seed=${2:-1}
plugin=$here/build/dicom-ul.so
[ -f "$plugin" ] || { echo "fuzz-tshark: build the plugin first (tools/test.sh)" >&2; exit 1; }
ver=$(tshark --version | sed -n 's/.*(Wireshark) \([0-9]*\.[0-9]*\).*/\1/p' | head -1)
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir -p "$t/home/.local/lib/wireshark/plugins/$ver/epan" "$t/empty" "$t/failed"
cp "$plugin" "$t/home/.local/lib/wireshark/plugins/$ver/epan/"
chmod -R a+rwX "$t"
probs=(0.001 0.005 0.01 0.02 0.05)
runs=0 crashes=0 bugs=0 timeouts=0
for ((i = 0; i < count; i++)); do
  for f in "$here"/sample-pcaps/*.pcap; do
    p=${probs[$(( (seed + i) % ${#probs[@]} ))]}
    s=$((seed * 100000 + i))
    for mutation in bytes frames; do
    if [ $mutation = bytes ]; then
      editcap -E "$p" --seed "$s" "$f" "$t/m.pcap" >/dev/null 2>&1 || continue
    else
      /usr/bin/python3 "$here/tools/captures/rewrite.py" random "$f" "$t/m.pcap" "$s" "$p" 2>/dev/null || continue
    fi
    chmod 644 "$t/m.pcap"
    for mode in -V "" "-2 -o tcp.reassemble_out_of_order:TRUE"; do
      runs=$((runs + 1))
      setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$t/home" WIRESHARK_PLUGIN_DIR="$t/empty" \
        WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 WIRESHARK_DEBUG_WMEM_OVERRIDE=strict \
        prlimit --as=4294967296 timeout 120 tshark -r "$t/m.pcap" $mode -d tcp.port==4242,dicom_ul \
        >"$t/out" 2>"$t/err"
      rc=$?
      kind=""
      if [ $rc -eq 124 ]; then kind=timeout; timeouts=$((timeouts + 1))
      elif grep -qi "dissector bug" "$t/out" "$t/err"; then kind=bug; bugs=$((bugs + 1))
      elif [ $rc -ne 0 ]; then kind=crash; crashes=$((crashes + 1)); fi
      if [ -n "$kind" ]; then
        keep="$here/fuzz-failures"; mkdir -p "$keep"
        cp "$t/m.pcap" "$keep/$kind-$(basename "$f" .pcap)-$mutation-p$p-s$s.pcap"
        echo "$kind (rc $rc): $(basename "$f") $mutation $p --seed $s ${mode:-default}"
      fi
    done
    done
  done
done
echo "fuzz-tshark: $runs runs, $crashes crashes, $bugs dissector bugs, $timeouts time-outs (count $count, seed $seed)"
[ $((crashes + bugs + timeouts)) -eq 0 ]
