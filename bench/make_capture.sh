#!/usr/bin/env bash
# Real traffic for the benchmark: real dcmtk peers over loopback in a private network namespace,
# captured with tcpdump. Usage (root): bench/make_capture.sh OUT.pcap WHAT [MTU] [MAX_PDU]
#   WHAT  OBJECTS[xROWSxCOLUMNS]  storescu sends OBJECTS synthetic CT images (512x512x16 bit
#                                 unless ROWSxCOLUMNS) to storescp --ignore, on one association
#         echo:COUNT              COUNT C-ECHOs on one association (echoscu --repeat)
#         assocs:COUNT            COUNT associations to storescp, each with one C-ECHO and a release:
#                                 one echoscu process each, two per CPU at a time
#         find:COUNT              one association with one Modality Worklist C-FIND, which
#                                 dcmtk's wlmscpfs answers with COUNT pending responses (one
#                                 per worklist file, each with its identifier) and a final one
#   MAX_PDU is the maximum PDU of the side that receives the bulk: the SCP's (findscu's for find:).
set -euo pipefail
out=$(realpath -m "$1") what=$2 mtu=${3:-1500} pdu=${4:-16384}
here=$(cd "$(dirname "$0")" && pwd)
n=${what#*:}  # the COUNT of NAME:COUNT
if [[ $what == *:* && ! $n =~ ^[1-9][0-9]*$ ]]; then echo "make_capture: bad count in $what" >&2; exit 2; fi
"$here/../tools/install-deps.sh" capture   # dcmtk, python3-pydicom, tcpdump, ethtool
work=$(mktemp -d /var/tmp/dicom-bench.XXXXXX); trap 'rm -rf "$work"' EXIT
server="storescp -aet PACS --ignore --max-pdu $pdu 11112"
case $what in
  echo:*)
    client="echoscu -aet MODALITY -aec PACS --repeat $n 127.0.0.1 11112" ;;
  assocs:*)
    # echoscu's --repeat stays on one association, so one process per association. Starting a
    # dcmtk tool costs about 45 ms of CPU (dynamic linking, the data dictionary), far more than
    # its association, so two per CPU run at a time (two keep the CPUs busy while one waits for
    # the SCP); storescp takes them one after another, as a busy archive would, and the next
    # ones' connections and A-ASSOCIATE-RQs interleave on the wire with the current one. The
    # client ports are the kernel's usual ephemeral ones, so past a few thousand associations
    # they come round again (on loopback even while the old connection is in TIME_WAIT), and
    # Wireshark starts a new TCP stream at each SYN on a finished connection's ports.
    client="yes 11112 | head -n $n | xargs -P $(( 2 * $(nproc) )) -n 1 echoscu -aet MODALITY -aec PACS 127.0.0.1" ;;
  find:*)
    /usr/bin/python3 "$here/make_worklist.py" "$work/PACS" "$n" >/dev/null
    # wlmscpfs forks a child per association (its default), which reads every worklist file.
    server="wlmscpfs --max-pdu $pdu --data-files-path $work 11112"
    step="ScheduledProcedureStepSequence[0]"
    keys="-k $step.Modality=CT -k $step.ScheduledStationAETitle -k $step.ScheduledProcedureStepStartDate"
    keys+=" -k $step.ScheduledProcedureStepStartTime -k $step.ScheduledPerformingPhysicianName"
    keys+=" -k $step.ScheduledProcedureStepDescription -k $step.ScheduledProcedureStepID"
    keys+=" -k PatientName -k PatientID -k PatientBirthDate -k PatientSex -k AccessionNumber"
    keys+=" -k ReferencedStudySequence -k ReferencedPatientSequence -k StudyInstanceUID"
    keys+=" -k RequestedProcedureID -k RequestedProcedureDescription -k RequestingPhysician"
    keys+=" -k RequestedProcedurePriority -k SpecificCharacterSet"
    client="findscu -W -aet MODALITY -aec PACS --max-pdu $pdu $keys 127.0.0.1 11112" ;;
  *)
    [[ $what =~ ^[1-9][0-9]*(x[1-9][0-9]*x[1-9][0-9]*)?$ ]] || { echo "make_capture: unknown WHAT $what" >&2; exit 2; }
    IFS=x read -r objects rows cols <<< "$what"
    /usr/bin/python3 "$here/make_objects.py" "$work/objects" "$objects" ${rows:-} ${cols:-} >/dev/null
    client="storescu -aet MODALITY -aec PACS --max-pdu $pdu +sd 127.0.0.1 11112 $work/objects" ;;
esac
# Captured into the work folder and moved to OUT only when complete: an interrupted run
# leaves no partial capture for bench/run.py to take as made.
part=$work/capture.pcap rc=0
unshare -n bash -s "$part" "$mtu" "$server" "$client" <<'INNER' || rc=$?
set -u
out=$1 mtu=$2 server=$3 client=$4
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
$server >/dev/null 2>&1 & scp=$!
sleep 1
rc=0
bash -c "$client" >/dev/null 2>&1 || rc=$?
[ $rc = 0 ] || echo "make_capture: client exit $rc: $client" >&2
sleep 1
kill $scp; wait $scp 2>/dev/null
kill $tcpd; wait $tcpd 2>/dev/null
exit $rc
INNER
[ $rc = 0 ] || exit 1
dropped=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel.*/\1/p' "$part.tcpdump")
if [ "${dropped:-0}" != 0 ]; then
  echo "make_capture: tcpdump dropped $dropped packets: capture gaps; run again on a quieter machine" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
mv "$part" "$out"
echo "make_capture: $what made in $SECONDS s"
ls -l "$out"
