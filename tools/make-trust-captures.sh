#!/usr/bin/env bash
# Captures for trust on real captures (issue 23): real peers using the standard's freedoms and
# failing the ways that tempt a dissector to blame the wrong party, and a capture made the way a
# switch's mirror port makes one. All over loopback in a private network namespace
# (tools/captures/run_capture.sh).
#   unlimited-pdu.pcap.gz  both peers announce Maximum Length 0 (no limit) and send each 20 MiB
#                          data set in one P-DATA-TF (tools/captures/unlimited_pdu.py; gzip,
#                          which tshark reads as it is, since the pixel data repeats)
#   requestor-closes.pcap  the requestor closes the connection 2 ms after its C-STORE-RQ
#                          (faulty_scu.py close-after-request) to a real storescp
#   get-many.pcap          C-GET of a study of 12 images from dcmqrscp: 12 C-STORE sub-operations
#                          on the same association
#   move-many.pcap         C-MOVE of the same study to a storescp: 12 sub-operations on a second
#                          association
#   mirror-two-taps.pcap   storescu to storescp, captured by two taps, one per direction, the
#                          requestor's delayed by 0.3 ms, merged by time: ACKs come before the
#                          data they acknowledge, as on a mirror port
# Usage: sudo tools/make-trust-captures.sh [OUTDIR] [SCENARIO...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export KEEP_LOGS=1
. "$here/tools/captures/run_capture.sh"
capture_workspace "${1:-}"; shift || true
command -v tcpdump >/dev/null || "$here/tools/install-deps.sh" capture
scp="storescp -aet PACS -od rx"
ct=$files/CT_small.dcm mr=$files/MR_small.dcm
study=1.3.6.1.4.1.5962.1.2.1.20040119072730.12322 # CT_small's, kept by make_objects.py

# an archive (dcmqrscp, AE ARCHIVE on 11112) holding 12 small CT images of one study, and a
# storescp (STORESCP on 11113) for the C-MOVE
archive() {
  /usr/bin/python3 "$here/bench/make_objects.py" "$work/study" 12 128 128 >/dev/null
  mkdir -p "$work/qr/archive"
  printf '%s\n' "NetworkTCPPort = 11112" "MaxPDUSize = 16384" "MaxAssociations = 16" "UserName = nobody" \
    "GroupName = nogroup" "HostTable BEGIN" "STORESCP = (STORESCP, 127.0.0.1, 11113)" \
    "MODALITY = (MODALITY, 127.0.0.1, 11114)" "HostTable END" "VendorTable BEGIN" "VendorTable END" \
    "AETable BEGIN" "ARCHIVE $work/qr/archive RW (200, 1024mb) ANY" "AETable END" > "$work/qr.cfg"
  cp "$work/study/"*.dcm "$work/qr/archive/" && dcmqridx "$work/qr/archive" "$work/qr/archive/"*.dcm
  chmod -R 777 "$work/qr" "$work/study"
}

all=(unlimited-pdu requestor-closes get-many move-many mirror-two-taps)
[ $# -gt 0 ] && all=("$@")
for s in "${all[@]}"; do
  case $s in
    unlimited-pdu)
      run_capture "$s" 11112 "/usr/bin/python3 $here/tools/captures/unlimited_pdu.py scp 11112" \
        "/usr/bin/python3 $here/tools/captures/unlimited_pdu.py scu 127.0.0.1 11112 20 2"
      gzip -9 -f "$out/$s.pcap" ;;
    requestor-closes)
      run_capture "$s" 11112 "$scp 11112" "/usr/bin/python3 $here/tools/captures/faulty_scu.py 127.0.0.1 11112 close-after-request" ;;
    get-many)
      [ -d "$work/qr" ] || archive
      run_capture "$s" 11112 "exec dcmqrscp -c $work/qr.cfg" \
        "getscu -v -aet MODALITY -aec ARCHIVE -S -od rx -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=$study 127.0.0.1 11112" ;;
    move-many)
      [ -d "$work/qr" ] || archive
      run_capture "$s" "11112 11113" "storescp -aet STORESCP -od rx 11113 & exec dcmqrscp -c $work/qr.cfg" \
        "movescu -v -aet MODALITY -aec ARCHIVE -aem STORESCP -S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=$study 127.0.0.1 11112;
         pkill -x storescp" ;;
    mirror-two-taps)
      echo "== $s"
      unshare -n bash -s "$work" "$ct" "$mr" <<'INNER'
set -u
work=$1 ct=$2 mr=$3
ip link set lo up; ip link set lo mtu 1500
ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true
mkdir -p "$work/rx"; cd "$work"
tcpdump -Z root -U -B 65536 -s 0 -i lo -w "$work/tap-rq.pcap" 'tcp dst port 11112' 2>/dev/null & t1=$!
tcpdump -Z root -U -B 65536 -s 0 -i lo -w "$work/tap-ac.pcap" 'tcp src port 11112' 2>/dev/null & t2=$!
sleep 1
storescp -aet PACS -od rx 11112 >"$work/server.log" 2>&1 & srv=$!
sleep 1
storescu -v -aet MODALITY -aec PACS 127.0.0.1 11112 "$ct" "$mr" "$ct" >"$work/client.log" 2>&1
sleep 1
kill $srv; wait $srv 2>/dev/null
kill $t1 $t2; wait $t1 $t2 2>/dev/null
INNER
      # the requestor's tap queues 0.3 ms longer than the acceptor's; the two merged by time
      editcap -t 0.0003 "$work/tap-rq.pcap" "$work/tap-rq-late.pcap"
      mergecap -F pcap -w "$out/$s.pcap" "$work/tap-rq-late.pcap" "$work/tap-ac.pcap"
      { echo "# client"; cat "$work/client.log"; echo "# server"; cat "$work/server.log"; } > "$out/$s.peers.log" ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
