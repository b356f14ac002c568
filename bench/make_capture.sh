#!/usr/bin/env bash
# Real traffic for the benchmark: storescu sends OBJECTS synthetic CT images (512x512x16 bit)
# to storescp --ignore over loopback in a private network namespace, captured with tcpdump.
# Usage (root): bench/make_capture.sh OUT.pcap OBJECTS[xROWSxCOLUMNS] [MTU] [MAX_PDU]
#        bench/make_capture.sh OUT.pcap echo:COUNT [MTU]      (COUNT C-ECHOs on one association)
set -euo pipefail
out=$(realpath -m "$1") what=$2 mtu=${3:-1500} pdu=${4:-16384}
here=$(cd "$(dirname "$0")" && pwd)
"$here/../tools/install-deps.sh" capture   # dcmtk, tcpdump, ethtool
work=$(mktemp -d /var/tmp/dicom-bench.XXXXXX); trap 'rm -rf "$work"' EXIT
if [[ $what == echo:* ]]; then
  client="echoscu -aet MODALITY -aec PACS --repeat ${what#echo:} 127.0.0.1 11112"
else
  IFS=x read -r count rows cols <<< "$what"
  /usr/bin/python3 "$here/make_objects.py" "$work/objects" "$count" ${rows:-} ${cols:-} >/dev/null
  client="storescu -aet MODALITY -aec PACS --max-pdu $pdu +sd 127.0.0.1 11112 $work/objects"
fi
unshare -n bash -s "$out" "$mtu" "$client" "$pdu" <<'INNER'
set -u
out=$1 mtu=$2 client=$3 pdu=$4
ip link set lo up; ip link set lo mtu "$mtu"
ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true
# No delayed ACKs: dcmtk writes a PDU header and body separately, and Nagle plus delayed
# ACK would add 40 ms to every small message, which is not what a LAN looks like.
for r in 127.0.0.1 127.0.0.0/8; do
  ip route change local $r dev lo table local proto kernel scope host src 127.0.0.1 quickack 1
done
# A large kernel buffer: a capture that drops packets would measure the plugin on capture
# gaps (it says so, below) instead of on the traffic.
tcpdump -Z root -B 262144 -s 0 -i lo -w "$out" 'tcp port 11112' 2>"$out.tcpdump" & tcpd=$!
sleep 1
storescp -aet PACS --ignore --max-pdu "$pdu" 11112 >/dev/null 2>&1 & scp=$!
sleep 1
$client >/dev/null 2>&1 || echo "client exit $?" >&2
sleep 1
kill $scp; wait $scp 2>/dev/null
kill $tcpd; wait $tcpd 2>/dev/null
INNER
dropped=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel.*/\1/p' "$out.tcpdump")
rm -f "$out.tcpdump"
if [ "${dropped:-0}" != 0 ]; then
  echo "make_capture: tcpdump dropped $dropped packets: capture gaps; run again on a quieter machine" >&2
  rm -f "$out"; exit 1
fi
ls -l "$out"
