#!/usr/bin/env bash
# The whole test suite against Wireshark 4.4, in a Debian 13 root (tools/test-in-debian-root.sh).
# Run as root. Usage: tools/test-ws44.sh [ROOT_DIR]
exec "$(dirname "$0")/test-in-debian-root.sh" trixie "${1:-${DICOM_WS44_ROOT:-/var/tmp/dicom-ul-trixie}}" test-ws44
