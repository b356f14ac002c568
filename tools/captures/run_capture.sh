# Shared by the capture scripts (sourced): run_capture NAME PORTS SERVER_CMD CLIENT_CMD records
# NAME.pcap in $out from a server and a client inside one fresh network namespace (loopback,
# MTU 1500, offloads off, so segments look like a real Ethernet link). $work is a scratch
# folder; the commands run there, with rx/ for what a server stores. PORTS: the TCP ports to
# capture, separated by spaces. With KEEP_LOGS=1 what the
# peers printed is kept next to the capture as NAME.peers.log (evidence for the tests).
# capture_workspace OUTDIR sets $out (OUTDIR, default sample-pcaps/, made and absolute), $files
# (pydicom's test objects) and $work (a scratch folder any user may write, removed on exit).
capture_workspace() {
  out=${1:-$here/sample-pcaps}
  mkdir -p "$out"; out=$(cd "$out" && pwd)
  files=/usr/lib/python3/dist-packages/pydicom/data/test_files
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  chmod 777 "$work"
}

run_capture() {
  local name=$1 port=$2 server=$3 client=$4
  echo "== $name"
  unshare -n bash -s "$out/$name.pcap" "$port" "$server" "$client" "$work" <<'INNER'
set -u
pcap=$1 port=$2 server=$3 client=$4 work=$5
ip link set lo up; ip link set lo mtu 1500
ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true
mkdir -p "$work/rx"; cd "$work"
filter=$(for p in $port; do printf 'tcp port %s or ' "$p"; done); filter=${filter% or }
tcpdump -Z root -U -B 65536 -s 0 -i lo -w "$pcap" "$filter" 2>/dev/null & tcpd=$!
sleep 1
eval "$server" >"$work/server.log" 2>&1 & srv=$!
sleep 1
eval "$client" >"$work/client.log" 2>&1 || echo "   (client exit $?)"
sleep 1
# the server command may have started its own children (a second server, Orthanc behind a
# subshell): they go too, or they would outlive the capture
pkill -TERM -P "$srv" 2>/dev/null; kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
sleep 0.5
kill "$tcpd"; wait "$tcpd" 2>/dev/null
rm -rf "$work/rx"
INNER
  if [ "${KEEP_LOGS:-0}" = 1 ]; then
    { echo "# client: $client"; cat "$work/client.log"; echo "# server: $server"; cat "$work/server.log"; } \
      > "$out/$name.peers.log"
  fi
}

