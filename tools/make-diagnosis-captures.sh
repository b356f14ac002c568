#!/usr/bin/env bash
# Captures for the diagnosis (-z dicom_ul,diagnose): real peers that fail, stall or misbehave
# the ways integration engineers meet, and healthy transfers between other DICOM stacks (each
# frames PDUs and PDVs its own way), all over loopback in a private network namespace
# (tools/captures/run_capture.sh). What the peers printed is kept as NAME.peers.log.
# Usage: sudo tools/make-diagnosis-captures.sh [OUTDIR] [SCENARIO...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export KEEP_LOGS=1
. "$here/tools/captures/run_capture.sh"
capture_workspace "${1:-}"; shift || true

# Debian packages of the other stacks, installed only when missing; dcmjs-dimse from npm.
need=()
for c in storescu:dcmtk Orthanc:orthanc send_image:ctn odil:odil gdcmscu:libgdcm-tools java:default-jre-headless \
         node:nodejs npm:npm tcpdump:tcpdump; do
  command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
done
[ -e /usr/share/java/pixelmed.jar ] || need+=(libpixelmed-java)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
dcmjs=/var/tmp/dicom-ul-dcmjs
if [ ! -d "$dcmjs/node_modules/dcmjs-dimse" ]; then
  mkdir -p "$dcmjs" && (cd "$dcmjs" && npm init -y >/dev/null && npm install --silent dcmjs-dimse@0.3.3 >/dev/null)
fi

scp="storescp -aet PACS -od rx"
ct=$files/CT_small.dcm mr=$files/MR_small.dcm
# One larger CT image (768 x 384, 16 bit: 590 kB) for the transfers that must outlast the
# receiver's buffers.
/usr/bin/python3 "$here/bench/make_objects.py" "$work/large" 1 384 768 >/dev/null
large=$work/large/ct00000.dcm
chmod -R a+rX "$work"

# Orthanc, the PACS server (built on dcmtk): AE PACS on 11112 (or $2), knowing the modalities in $1.
orthanc_config() {
  cat > "$work/orthanc-$3.json" <<EOF
{ "Name": "PACS", "DicomAet": "PACS", "DicomPort": $2, "HttpPort": 8042, "HttpServerEnabled": true,
  "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "StorageDirectory": "$work/orthanc-$3", "IndexDirectory": "$work/orthanc-$3",
  "DicomModalities": { $1 }, "DicomAlwaysAllowEcho": false, "DicomAlwaysAllowStore": false,
  "DicomAlwaysAllowFind": false, "DicomAlwaysAllowMove": false, "DicomAlwaysAllowGet": false,
  "DicomCheckModalityHost": false, "Plugins": [] }
EOF
  echo "$work/orthanc-$3.json"
}

# A study of a CT and an MR image (MR_small moved into CT_small's study), for the C-MOVE whose
# destination takes CT only.
/usr/bin/python3 - "$ct" "$mr" "$work/study" <<'PY'
import os, sys
from pydicom import dcmread
ct, mr, out = dcmread(sys.argv[1]), dcmread(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
mr.StudyInstanceUID = ct.StudyInstanceUID
mr.PatientID, mr.PatientName = ct.PatientID, ct.PatientName
ct.save_as(os.path.join(out, "ct.dcm"))
mr.save_as(os.path.join(out, "mr.dcm"))
PY
study_uid=$(/usr/bin/python3 -c "import sys; from pydicom import dcmread; print(dcmread(sys.argv[1]).StudyInstanceUID)" "$ct")

cat > "$work/dcmjs-store.js" <<'EOF'
// dcmjs-dimse as a storage SCU: every file on the command line, one association.
const dimse = require(process.env.DCMJS + '/node_modules/dcmjs-dimse');
const [host, port, calling, called, ...paths] = process.argv.slice(2);
const client = new dimse.Client();
for (const p of paths) {
  const rq = new dimse.requests.CStoreRequest(p);
  rq.on('response', (r) => console.log('C-STORE-RSP status 0x' + r.getStatus().toString(16)));
  client.addRequest(rq);
}
client.on('networkError', (e) => { console.log('network error', e); process.exitCode = 1; });
client.on('closed', () => console.log('association closed'));
client.send(host, Number(port), calling, called);
EOF

all=(rejected-calling-ae context-rejected slow-setup-dns move-partial abort-after requestor-timeout window-full scp-killed faulty-mismatch faulty-encapsulated faulty-no-dataset
     faulty-rejected-context faulty-native-on-jpeg faulty-pause orthanc-scp orthanc-scu ctn-store odil-store gdcm-store pixelmed-store dcmjs-store)
[ $# -gt 0 ] && all=("$@")
for s in "${all[@]}"; do
  case $s in
    rejected-calling-ae) # Orthanc knows no modality MODALITY: "calling AE title not recognized"
      run_capture "$s" 11112 "Orthanc $(orthanc_config '' 11112 reject)" \
        "sleep 2; storescu -v -aet MODALITY -aec PACS 127.0.0.1 11112 $ct" ;;
    context-rejected) # an archive that takes CT only; the modality, which proposes only the SOP
      # classes of its images (-R), also has an MR image to send, and gives up (A-ABORT)
      run_capture "$s" 11112 "$scp -xf $here/tools/captures/ct-only-storescp.cfg CTOnly 11112" \
        "storescu -v -R -aet MODALITY -aec PACS 127.0.0.1 11112 $ct $mr" ;;
    slow-setup-dns) # the archive looks up the requestor's name (dcmtk does by default) with a DNS
      # server that does not answer: 2 s per query, so the A-ASSOCIATE-AC comes seconds late
      printf 'nameserver 10.9.9.53\noptions timeout:2 attempts:1\n' > "$work/resolv.conf"
      run_capture "$s" 11112 "ip addr add 10.9.9.9/32 dev lo; ip addr add 10.9.9.53/32 dev lo;
        iptables-legacy -A INPUT -p udp --dport 53 -j DROP;
        exec unshare -m sh -c 'mount --bind $work/resolv.conf /etc/resolv.conf && exec $scp 11112'" \
        "storescu -v -aet MODALITY -aec PACS 10.9.9.9 11112 $ct" ;;
    move-partial) # C-MOVE of a CT and an MR image to a destination that takes CT only: the
      # sub-operation for the MR fails, the final C-MOVE-RSP is a warning (0xB000)
      mkdir -p "$work/qr/archive"
      printf '%s\n' "NetworkTCPPort = 11112" "MaxPDUSize = 16384" "MaxAssociations = 16" "UserName = nobody" \
        "GroupName = nogroup" "HostTable BEGIN" "STORESCP = (STORESCP, 127.0.0.1, 11113)" "HostTable END" \
        "VendorTable BEGIN" "VendorTable END" "AETable BEGIN" "ARCHIVE $work/qr/archive RW (200, 1024mb) ANY" \
        "AETable END" > "$work/qr.cfg"
      cp "$work/study/"*.dcm "$work/qr/archive/" && dcmqridx "$work/qr/archive" "$work/qr/archive/"*.dcm
      chmod -R 777 "$work/qr"
      run_capture "$s" "11112 11113" \
        "storescp -aet STORESCP -od rx -xf $here/tools/captures/ct-only-storescp.cfg CTOnly 11113 & exec dcmqrscp -c $work/qr.cfg" \
        "movescu -v -aet MODALITY -aec ARCHIVE -aem STORESCP -S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=$study_uid 127.0.0.1 11112;
         pkill -x storescp" ;;
    abort-after) # storescp aborts the association once the C-STORE-RQ is in
      run_capture "$s" 11112 "$scp --abort-after 11112" "storescu -v -aet MODALITY -aec PACS 127.0.0.1 11112 $ct" ;;
    requestor-timeout) # the archive takes 3 s, the modality waits 1 s for a response, then aborts
      run_capture "$s" 11112 "$scp --sleep-during 3 11112" "storescu -v -td 1 -aet MODALITY -aec PACS 127.0.0.1 11112 $ct" ;;
    window-full) # storescp sleeps while it receives: it stops reading, the window fills
      run_capture "$s" 11112 "$scp --sleep-during 1 11112" "storescu -v -aet MODALITY -aec PACS 127.0.0.1 11112 $large" ;;
    scp-killed) # the archive crashes (SIGKILL) in the middle of a transfer: TCP RST, no A-ABORT
      run_capture "$s" 11112 "$scp --sleep-during 1 11112" \
        "storescu -v -aet MODALITY -aec PACS 127.0.0.1 11112 $large & c=\$!; sleep 1.5; pkill -KILL -x storescp; wait \$c" ;;
    faulty-*) # a requestor's mistakes (tools/captures/faulty_scu.py), a real storescp's answer
      # (told to accept JPEG for native-on-jpeg)
      accept=""; [ "$s" = faulty-native-on-jpeg ] && accept=+xa
      run_capture "$s" 11112 "$scp $accept 11112" "/usr/bin/python3 $here/tools/captures/faulty_scu.py 127.0.0.1 11112 ${s#faulty-}" ;;
    orthanc-scp) # storescu to Orthanc, which knows MODALITY
      run_capture "$s" 11112 "Orthanc $(orthanc_config '"modality": ["MODALITY", "127.0.0.1", 11114]' 11112 scp)" \
        "sleep 2; storescu -v -aet MODALITY -aec PACS 127.0.0.1 11112 $ct $mr" ;;
    orthanc-scu) # Orthanc sends an instance to storescp (its REST API starts the C-STORE)
      run_capture "$s" 11113 "$scp 11113 & Orthanc $(orthanc_config '"archive": ["ARCHIVE", "127.0.0.1", 11113]' 11112 scu)" \
        "sleep 2; id=\$(curl -s --data-binary @$ct http://127.0.0.1:8042/instances | sed -n 's/.*\"ID\" : \"\\([^\"]*\\)\".*/\\1/p');
         curl -s -X POST -d \"\$id\" http://127.0.0.1:8042/modalities/archive/store" ;;
    ctn-store) # the Central Test Node's send_image: one association per image
      run_capture "$s" 11112 "$scp 11112" "send_image -a CTN -c PACS 127.0.0.1 11112 $ct $mr" ;;
    odil-store)
      run_capture "$s" 11112 "$scp 11112" "odil store 127.0.0.1 11112 ODIL PACS $ct $mr" ;;
    gdcm-store) # Debian's gdcmscu 3.0.21 aborts (exit 134) after the release, whatever it did
      run_capture "$s" 11112 "$scp 11112" "gdcmscu --store --aetitle GDCMSCU --call PACS 127.0.0.1 11112 $ct $mr" ;;
    pixelmed-store)
      run_capture "$s" 11112 "$scp 11112" \
        "printf '%s\n' $ct $mr | java -cp /usr/share/java/pixelmed.jar com.pixelmed.network.StorageSOPClassSCU 127.0.0.1 11112 PACS PIXELMED - 0" ;;
    dcmjs-store)
      run_capture "$s" 11112 "$scp 11112" "DCMJS=$dcmjs node $work/dcmjs-store.js 127.0.0.1 11112 DCMJS PACS $ct $mr" ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
ls -l "$out"
