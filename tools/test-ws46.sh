#!/usr/bin/env bash
# The whole test suite against Wireshark 4.6, in a Debian unstable root (tools/test-in-debian-root.sh).
# Run as root. Usage: tools/test-ws46.sh [ROOT_DIR]
exec "$(dirname "$0")/test-in-debian-root.sh" sid "${1:-${DICOM_WS46_ROOT:-/var/tmp/dicom-ul-sid}}" test-ws46
