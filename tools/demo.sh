#!/usr/bin/env bash
# The main job: install dependencies, build, install the plugin (and the DICOM profile) where
# this user's tshark loads it, and dissect a bundled capture with it. Root gets Wireshark's
# global folders (Wireshark run as root loads no personal plugins), anyone else the personal
# ones; cmake is told which (DICOM_INSTALL).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh demo
scope=user; [ "$(id -u)" = 0 ] && scope=system
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDICOM_INSTALL=$scope >/dev/null
cmake --build build -j2 --target dicom_ul
cmake --install build
capture=${1:-sample-pcaps/store-multi.pcap}
messages='dicom.pdu.type != 4 || dicom.dimse.command'
echo
echo "== One line per association event and DIMSE message: tshark -r $capture -Y '$messages'"
tshark -r "$capture" -Y "$messages" 2>/dev/null
echo
echo "== Who is at fault, where the time went: tshark -r $capture -q -z dicom_ul,diagnose"
tshark -r "$capture" -q -z dicom_ul,diagnose 2>/dev/null
echo
echo "== The associations: tshark -r $capture -q -z dicom_ul,assoc"
tshark -r "$capture" -q -z dicom_ul,assoc 2>/dev/null
echo
echo "== Association set-up of the same capture (tshark -V -O dicom_ul, first PDU)"
tshark -r "$capture" -Y "dicom.pdu.type == 1" -V -O dicom_ul 2>/dev/null | sed -n '/^DICOM Upper Layer/,$p' | sed -n 1,40p
