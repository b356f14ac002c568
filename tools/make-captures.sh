#!/usr/bin/env bash
# Regenerates sample-pcaps/ from real dcmtk peers talking over loopback inside a private
# network namespace (MTU 1500, offloads off, so segments look like a real Ethernet link).
# Usage: tools/make-captures.sh [OUTDIR] [SCENARIO...]   (run as root; needs dcmtk, tcpdump)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/tools/captures/run_capture.sh"
capture_workspace "${1:-}"; shift || true

scp="storescp -aet PACS -od rx"
# A throw-away key pair for the TLS captures; the tests hand the key to tshark. dcmtk's retired
# AES profile (+pa) negotiates RSA key exchange, which a server key alone can decrypt.
tls="+tls $here/tools/captures/tls/test-key.pem $here/tools/captures/tls/test-cert.pem +pa -ic"

# query_retrieve NAME: dcmqrscp archive (filled before the capture starts) plus a storescp
# as C-MOVE destination; the capture holds C-FIND, C-MOVE (with its sub-association),
# C-GET, a C-FIND cancelled after its first response (C-CANCEL-RQ), and a C-MOVE to an
# unknown destination (status 0xA801).
query_retrieve() {
  local name=$1
  echo "== $name"
  unshare -n bash -s "$out/$name.pcap" "$work" "$files" <<'INNER'
set -u
pcap=$1 work=$2 files=$3
ip link set lo up; ip link set lo mtu 1500
ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true
db=$work/qrdb; mkdir -p $db/archive $work/rx; chmod -R 777 $db $work/rx
cat > $work/qr.cfg <<CFG
NetworkTCPPort = 11112
MaxPDUSize = 16384
MaxAssociations = 16
UserName = nobody
GroupName = nogroup
HostTable BEGIN
STORESCP = (STORESCP, 127.0.0.1, 11113)
MODALITY = (MODALITY, 127.0.0.1, 11114)
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
ARCHIVE $db/archive RW (200, 1024mb) ANY
AETable END
CFG
cd $work
dcmqrscp -c $work/qr.cfg >$work/qr.log 2>&1 & qr=$!
storescp -aet STORESCP -od $work/rx 11113 >$work/scp.log 2>&1 & scp=$!
sleep 1
storescu -aet LOADER -aec ARCHIVE 127.0.0.1 11112 $files/CT_small.dcm $files/MR_small.dcm >/dev/null 2>&1
tcpdump -Z root -U -s 0 -i lo -w "$pcap" 'tcp port 11112 or tcp port 11113' 2>/dev/null & tcpd=$!
sleep 1
findscu -aet MODALITY -aec ARCHIVE -S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID -k PatientName -k StudyDate 127.0.0.1 11112 >/dev/null 2>&1
movescu -aet MODALITY -aec ARCHIVE -aem STORESCP -S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=1.3.6.1.4.1.5962.1.2.1.20040119072730.12322 127.0.0.1 11112 >/dev/null 2>&1
getscu -aet MODALITY -aec ARCHIVE -S -od $work/rx -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=1.3.6.1.4.1.5962.1.2.4.20040826185059.5457 127.0.0.1 11112 >/dev/null 2>&1
findscu -aet MODALITY -aec ARCHIVE -S --cancel 1 -k QueryRetrieveLevel=STUDY -k StudyInstanceUID 127.0.0.1 11112 >/dev/null 2>&1
movescu -aet MODALITY -aec ARCHIVE -aem NOWHERE -S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=1.3.6.1.4.1.5962.1.2.1.20040119072730.12322 127.0.0.1 11112 >/dev/null 2>&1
sleep 1
kill $tcpd; wait $tcpd 2>/dev/null
kill $qr $scp 2>/dev/null; wait 2>/dev/null
rm -rf $db $work/rx
INNER
}
all=(echo store-multi refused abort heuristic-port max-pdu-4096 find-rejected user-identity negotiation extended-negotiation oversized-pdu transfer-syntaxes query-retrieve charsets charsets-all malformed-dataset slow-receiver one-per-object midstream rewrites tls tls-client-plain-port plain-client-tls-port)
[ $# -gt 0 ] && all=("$@")
for s in "${all[@]}"; do
  case $s in
    echo) run_capture echo 11112 "$scp 11112" \
      "echoscu -aet MODALITY -aec PACS 127.0.0.1 11112" ;;
    store-multi) run_capture store-multi 11112 "$scp 11112" \
      "storescu -aet MODALITY -aec PACS 127.0.0.1 11112 $files/CT_small.dcm $files/MR_small.dcm $files/rtplan.dcm" ;;
    refused) run_capture refused 11112 "$scp --refuse 11112" \
      "echoscu -aet MODALITY -aec PACS 127.0.0.1 11112" ;;
    abort) run_capture abort 11112 "$scp --abort-during 11112" \
      "storescu -aet MODALITY -aec PACS 127.0.0.1 11112 $files/CT_small.dcm" ;;
    heuristic-port) run_capture heuristic-port 4242 "$scp 4242" \
      "storescu -aet MODALITY -aec PACS 127.0.0.1 4242 $files/MR_small.dcm $files/rtdose_1frame.dcm $files/rtstruct.dcm $files/test-SR.dcm $files/waveform_ecg.dcm" ;;
    max-pdu-4096) run_capture max-pdu-4096 11112 "$scp --max-pdu 4096 11112" \
      "storescu -aet MODALITY -aec PACS --max-pdu 4096 127.0.0.1 11112 $files/CT_small.dcm" ;;
    find-rejected) run_capture find-rejected 11112 "$scp 11112" \
      "findscu -aet MODALITY -aec PACS -P -k QueryRetrieveLevel=PATIENT -k PatientName=A* 127.0.0.1 11112" ;;
    user-identity) run_capture user-identity 11112 "$scp 11112" \
      "storescu -R -aet WORKSTATION -aec PACS -usr alice -pwd s3cret 127.0.0.1 11112 $files/CT_small.dcm" ;;
    negotiation) cfg=$here/tools/captures/negotiation.cfg
      run_capture negotiation 11112 "storescp -aet PACS -od rx --config-file $cfg Acceptor 11112" \
      "storescu -aet MODALITY -aec PACS --config-file $cfg Requestor 127.0.0.1 11112 $files/CT_small.dcm" ;;
    extended-negotiation) run_capture extended-negotiation 11112 "$scp 11112" \
      "/usr/bin/python3 $here/tools/captures/extended_rq.py 127.0.0.1 11112" ;;
    oversized-pdu) run_capture oversized-pdu 11112 "$scp 11112" \
      "/usr/bin/python3 $here/tools/captures/extended_rq.py 127.0.0.1 11112 --oversized" ;;
    transfer-syntaxes) run_capture transfer-syntaxes 11112 "storescp -aet PACS -od rx +xa 11112" \
      "storescu -aet MODALITY -aec PACS -xi 127.0.0.1 11112 $files/CT_small.dcm;
       storescu -aet MODALITY -aec PACS -xd 127.0.0.1 11112 $files/rtplan.dcm;
       storescu -aet MODALITY -aec PACS -xx 127.0.0.1 11112 $files/JPEG-lossy.dcm;
       storescu -aet MODALITY -aec PACS -xb 127.0.0.1 11112 $files/MR_small_bigendian.dcm" ;;
    charsets) # the same objects with patient names in three character sets
      cp $files/CT_small.dcm $work/utf8.dcm; cp $files/MR_small.dcm $work/latin1.dcm; cp $files/rtplan.dcm $work/iso2022.dcm
      dcmodify -nb -m "(0008,0005)=ISO_IR 192" -m "(0010,0010)=$(printf 'M\xc3\xbcller^J\xc3\xb6rg')" $work/utf8.dcm
      dcmodify -nb -i "(0008,0005)=ISO_IR 100" -m "(0010,0010)=$(printf 'M\xfcller^J\xf6rg')" $work/latin1.dcm
      dcmodify -nb -i "(0008,0005)=\\ISO 2022 IR 87" -m "(0010,0010)=$(printf 'Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B')" $work/iso2022.dcm
      run_capture charsets 11112 "$scp 11112" \
      "storescu -aet MODALITY -aec PACS 127.0.0.1 11112 $work/utf8.dcm $work/latin1.dcm $work/iso2022.dcm" ;;
    charsets-all) # every character set of PS3.5 6.1: pydicom's test files and objects for the rest
      /usr/bin/python3 "$here/tools/captures/charset_objects.py" $work/charsets
      run_capture charsets-all 11112 "$scp 11112" \
      "storescu -aet MODALITY -aec PACS 127.0.0.1 11112 $work/charsets/*.dcm" ;;
    query-retrieve) query_retrieve query-retrieve ;;
    slow-receiver) run_capture slow-receiver 11112 "$scp --sleep-after 2 11112" \
      "storescu -aet MODALITY -aec PACS 127.0.0.1 11112 $files/CT_small.dcm $files/MR_small.dcm $files/rtplan.dcm" ;;
    one-per-object) run_capture one-per-object 11112 "$scp 11112" \
      "for f in CT_small MR_small rtplan; do storescu -aet MODALITY -aec PACS 127.0.0.1 11112 $files/\$f.dcm; done" ;;
    midstream) # store-multi.pcap as seen by a capture started late: right after the
      # A-ASSOCIATE-AC, and ten packets later, inside the first P-DATA-TF
      ac=$(tshark -r "$out/store-multi.pcap" --enable-protocol dicom -d tcp.port==11112,dicom \
             -Y 'dicom.pdu.type == 2' -T fields -e frame.number 2>/dev/null | head -1)
      last=$(capinfos -c -M "$out/store-multi.pcap" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
      editcap -r "$out/store-multi.pcap" "$out/cut-after-setup.pcap" "$((ac + 1))-$last"
      editcap -r "$out/store-multi.pcap" "$out/cut-mid-pdu.pcap" "$((ac + 10))-$last"
      echo "== midstream (frames after $ac and after $((ac + 9)) of store-multi)"
      # the same on a port that is not a DICOM port: heuristic-port.pcap after its set-up
      ac=$(tshark -r "$out/heuristic-port.pcap" --enable-protocol dicom -d tcp.port==4242,dicom \
             -Y 'dicom.pdu.type == 2' -T fields -e frame.number 2>/dev/null | head -1)
      last=$(capinfos -c -M "$out/heuristic-port.pcap" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
      editcap -r "$out/heuristic-port.pcap" "$out/cut-other-port.pcap" "$((ac + 1))-$last"
      echo "== midstream (frames after $ac of heuristic-port)" ;;
    rewrites) # store-multi.pcap damaged the way networks and capture hosts damage captures
      # (tools/captures/rewrite.py): segments the capture lost, and segments duplicated,
      # swapped and delivered late (see tools/make-impaired-captures.sh for real impaired links)
      rw=$here/tools/captures/rewrite.py
      eval "$(/usr/bin/python3 $rw pick "$out/store-multi.pcap" 11112)"
      /usr/bin/python3 $rw "$out/store-multi.pcap" "$out/gap-in-dataset.pcap" drop:$data
      /usr/bin/python3 $rw "$out/store-multi.pcap" "$out/gap-over-header.pcap" drop:$header
      /usr/bin/python3 $rw "$out/store-multi.pcap" "$out/gap-at-end-of-dataset.pcap" drop:$last
      /usr/bin/python3 $rw "$out/store-multi.pcap" "$out/reordered-duplicated.pcap" \
        dup:$((data - 5)) dup:$data swap:$((data + 1)) late:$((data + 3)):$((data + 8)) dup:$header
      # one-per-object.pcap as from a client that reuses its port for every association, with
      # the fifth data segment of the second connection retransmitted
      dup=$(tshark -r "$out/one-per-object.pcap" -Y 'tcp.stream == 1 && tcp.dstport == 11112 && tcp.len > 0' \
              -T fields -e frame.number 2>/dev/null | sed -n 5p)
      /usr/bin/python3 $rw "$out/one-per-object.pcap" "$out/port-reuse.pcap" sameport:11112 dup:$dup
      echo "== rewrites (store-multi frames $data, $header, $last; one-per-object frame $dup)" ;;
    malformed-dataset) run_capture malformed-dataset 11112 "$scp 11112" \
      "/usr/bin/python3 $here/tools/captures/extended_rq.py 127.0.0.1 11112 --malformed" ;;
    tls) run_capture tls 2762 "$scp $tls 2762" \
      "storescu -aet MODALITY -aec PACS $tls 127.0.0.1 2762 $files/CT_small.dcm $files/MR_small.dcm" ;;
    tls-client-plain-port) # a TLS client configured against a plain DICOM server
      run_capture tls-client-plain-port 11112 "$scp 11112" \
      "storescu -aet MODALITY -aec PACS $tls 127.0.0.1 11112 $files/CT_small.dcm" ;;
    plain-client-tls-port) # a plain client configured against a DICOM-over-TLS server
      run_capture plain-client-tls-port 2762 "$scp $tls 2762" \
      "storescu -aet MODALITY -aec PACS 127.0.0.1 2762 $files/CT_small.dcm" ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
ls -l "$out"
