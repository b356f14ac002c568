#!/usr/bin/env bash
# Builds the Debian package for one Wireshark release and checks it the way a user gets it:
# installed with apt-get into a fresh Debian root of that release (debootstrap, removed
# afterwards), where root's tshark must load the plugin from the global folder, dissect a
# sample capture with it, and find the DICOM profile in the global profiles folder.
# Usage (root): tools/test-package.sh SUITE
#   bookworm: Wireshark 4.0, built on this machine (Debian 12): in build/ (tools/test.sh's)
#             when there is one, else in build-package/
#   trixie:   Wireshark 4.4, built in the root of tools/test-ws44.sh (reusing its build)
#   sid:      Wireshark 4.6, built in the root of tools/test-ws46.sh (reusing its build)
# The package is left in dist/.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
suite=$1
apt_opts="-o Acquire::Check-Valid-Until=false"
mkdir -p "$here/dist"
case $suite in
  bookworm)
    "$here/tools/install-deps.sh" test
    # the build tools/test.sh made (in CI the same commit: nothing to compile), else its own
    dir="$here/build" only=""
    [ -f "$dir/CMakeCache.txt" ] || dir="$here/build-package" only="-DDICOM_BUILD_TESTS=OFF"
    cmake -S "$here" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo $only -DDICOM_INSTALL=system -DDICOM_PLUGIN_INSTALL_DIR= ${DICOM_CMAKE_ARGS:-} >/dev/null
    cmake --build "$dir" -j2 --target package >/dev/null
    cp "$dir"/wireshark-dicom-ul_*.deb "$here/dist/" ;;
  trixie|sid)
    build_root=/var/tmp/dicom-ul-$suite
    [ -x "$build_root/usr/bin/cmake" ] || { echo "no build root $build_root: run tools/test-ws4x.sh first" >&2; exit 1; }
    mount -t proc proc "$build_root/proc" 2>/dev/null || true
    trap 'umount -l "$build_root/proc" 2>/dev/null || true' EXIT
    # dpkg-shlibdeps and file(1), which CPack's Debian generator runs
    chroot "$build_root" dpkg -s dpkg-dev file >/dev/null 2>&1 ||
      chroot "$build_root" env DEBIAN_FRONTEND=noninteractive apt-get $apt_opts install -y -qq dpkg-dev file >/dev/null
    # the source copied over the one tools/test-ws4x.sh built (tar keeps the files' times, so
    # its build is reused and nothing is compiled when the source is the same), else a build
    # of its own
    mkdir -p "$build_root/src"
    tar -C "$here" --exclude=./build --exclude='./build-*' --exclude=./.git --exclude=./dist -cf - . |
      tar -C "$build_root/src" -xf -
    dir=build-$suite only=""
    chroot "$build_root" test -f "/src/$dir/CMakeCache.txt" || dir=build-package only="-DDICOM_BUILD_TESTS=OFF"
    chroot "$build_root" bash -c "cd /src && cmake -S . -B $dir -DCMAKE_BUILD_TYPE=RelWithDebInfo $only -DDICOM_PLUGIN_INSTALL_DIR= \
      -DDICOM_INSTALL=system ${DICOM_CMAKE_ARGS:-} >/dev/null && cmake --build $dir -j2 --target package >/dev/null"
    cp "$build_root/src/$dir"/wireshark-dicom-ul_*.deb "$here/dist/" ;;
  *) echo "usage: $0 bookworm|trixie|sid" >&2; exit 2 ;;
esac
deb=$(ls -t "$here"/dist/wireshark-dicom-ul_*.deb | head -1)
echo "== built $(basename "$deb")"
dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Depends\|Recommends\):/  \1:/p'
dpkg-deb --contents "$deb" | awk '{print "  " $6}' | grep -v '/$'

# A fresh root of the same release: only what the package and tshark pull in.
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(awk '/^deb / && !/security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fresh=$(mktemp -d /var/tmp/dicom-ul-fresh-$suite.XXXXXX)
cleanup() { umount -l "$fresh/proc" 2>/dev/null || true; rm -rf "$fresh"; umount -l "/var/tmp/dicom-ul-$suite/proc" 2>/dev/null || true; }
trap cleanup EXIT
echo "== a fresh Debian $suite root"
debootstrap --variant=minbase "$suite" "$fresh" "$mirror" > /tmp/dicom-ul-fresh-$suite.log 2>&1 ||
  { tail -5 /tmp/dicom-ul-fresh-$suite.log >&2; exit 1; }
mount -t proc proc "$fresh/proc"
cp /etc/resolv.conf "$fresh/etc/resolv.conf" 2>/dev/null || true
cp "$deb" "$fresh/tmp/"; cp "$here/sample-pcaps/store-multi.pcap" "$fresh/tmp/"
chroot "$fresh" env DEBIAN_FRONTEND=noninteractive apt-get $apt_opts update -qq
chroot "$fresh" env DEBIAN_FRONTEND=noninteractive apt-get $apt_opts install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" tshark >/dev/null
echo "== in the fresh root: $(chroot "$fresh" tshark --version | head -1)"
plugins=$(chroot "$fresh" tshark -G plugins)
echo "$plugins" | grep dicom-ul
version=$(sed -n 's/^project(dicom_ul_plugin VERSION \([0-9.]*\).*/\1/p' "$here/CMakeLists.txt")
echo "$plugins" | grep -Eq "^dicom-ul.so[[:space:]]+$version[[:space:]]+dissector[[:space:]]+/usr/lib/.*/wireshark/plugins/[0-9.]+/epan/dicom-ul.so" || {
  echo "test-package: the plugin (version $version) is not loaded from the global folder" >&2; exit 1; }
report=$(chroot "$fresh" tshark -r /tmp/store-multi.pcap -q -z dicom_ul,diagnose)
echo "$report" | grep -E 'Association 1|Outcome'
echo "$report" | grep -q "Outcome: released after .*; 3 of 3 objects stored" || {
  echo "test-package: tshark with the packaged plugin did not decode store-multi.pcap" >&2; exit 1; }
chroot "$fresh" test -f /usr/share/wireshark/profiles/DICOM/colorfilters || {
  echo "test-package: no DICOM profile in the global profiles folder" >&2; exit 1; }
# the profile's columns, as tshark shows them with -C (global profiles are found too)
chroot "$fresh" tshark -C DICOM -r /tmp/store-multi.pcap -Y "dicom.dimse.command == 0x8001" | head -1 |
  grep -q "MODALITY.*PACS.*C-STORE-RSP" || { echo "test-package: the DICOM profile's columns are missing" >&2; exit 1; }
echo "== $(basename "$deb"): installed with apt-get in a fresh $suite root, loaded, decoded store-multi.pcap"
