#!/usr/bin/env bash
# Installs the Debian 12 packages a task needs, and no more; skips apt entirely when they are
# already there. Usage: tools/install-deps.sh [demo|test|fuzz|capture]   (default: test)
#   demo: build the plugin and run tshark with it
#   test: the whole test suite (unit tests, tshark integration tests with dcmtk's file checkers and
#         dicom3tools' dciodvfy, packaging, the GUI's dialogs under Xvfb, a live capture with
#         tcpdump in a network namespace)
#   fuzz: the sanitizer build and libFuzzer (clang)
#   capture: making captures (bench/make_capture.sh): tcpdump and the network tools, with dcmtk
set -euo pipefail
what=${1:-test}
demo=(cmake make g++ pkg-config libglib2.0-dev libwireshark-dev wireshark-dev libwiretap-dev tshark zlib1g-dev)
test=("${demo[@]}" libgtest-dev googletest python3 python3-pydicom dcmtk dicom3tools dpkg-dev file wireshark-qt xvfb xdotool xclip fonts-dejavu-core
      tcpdump iproute2)
capture=(tcpdump iproute2 ethtool)
case $what in
  demo) pkgs=("${demo[@]}") ;;
  test) pkgs=("${test[@]}") ;;
  fuzz) pkgs=("${test[@]}" clang libclang-rt-14-dev) ;;
  capture) pkgs=("${test[@]}" "${capture[@]}") ;;
  *) echo "usage: $0 [demo|test|fuzz|capture]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
