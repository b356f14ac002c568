#!/usr/bin/env bash
# Captures for conformance validation (issue 24): a peer that breaks one rule on purpose
# (tools/captures/rule_breaker.py) against a real dcmtk peer: as requestor against storescp, as
# acceptor called by echoscu. Each capture is named conformance-SCENARIO.pcap; the rule it
# breaks is listed in rule_breaker.py. Over loopback in a private network namespace
# (tools/captures/run_capture.sh); what the peers printed is kept as NAME.peers.log.
# Usage: sudo tools/make-conformance-captures.sh [OUTDIR] [SCENARIO...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export KEEP_LOGS=1
. "$here/tools/captures/run_capture.sh"
capture_workspace "${1:-}"; shift || true
command -v tcpdump >/dev/null || "$here/tools/install-deps.sh" capture
breaker="/usr/bin/python3 $here/tools/captures/rule_breaker.py"

requestor=(ae-control uid-leading-zero pdata-after-release store-no-instance priority-7 echo-on-ct
           two-outstanding message-id-reuse group-length ct-no-series-uid ct-empty-modality
           ct-bad-values ct-vr-mismatch)
acceptor=(accept-unproposed-ts extra-negotiation echo-status-a700 release-rp-unasked)
all=("${requestor[@]}" "${acceptor[@]}")
[ $# -gt 0 ] && all=("$@")
for s in "${all[@]}"; do
  if [[ " ${acceptor[*]} " == *" $s "* ]]; then
    run_capture "conformance-$s" 11112 "$breaker scp 11112 $s" "echoscu -aet MODALITY -aec PACS 127.0.0.1 11112"
  else
    run_capture "conformance-$s" 11112 "storescp -aet PACS -od rx 11112" "$breaker scu 127.0.0.1 11112 $s"
  fi
done
