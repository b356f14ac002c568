#!/usr/bin/env bash
# Builds the plugin against the Wireshark of another Debian release and runs the whole test
# suite there: a root made with debootstrap (reused when present), the source copied in,
# CMake and CTest inside a chroot. Run as root.
# Usage: tools/test-in-debian-root.sh SUITE ROOT_DIR LABEL   (trixie: Wireshark 4.4, sid: 4.6)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
suite=$1 root=$2 label=$3
pkgs="libwireshark-dev wireshark-dev libwiretap-dev tshark cmake make g++ pkg-config libglib2.0-dev
      libgtest-dev googletest python3 zlib1g-dev dcmtk python3-pydicom util-linux dpkg-dev file"
# sid's index on the mirror can be past its validity date; apt then refuses it without this
apt_opts="-o Acquire::Check-Valid-Until=false"

# The Debian mirror this machine's apt already uses (no host is written into the repo).
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(awk '/^deb / && !/security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || { echo "$label: no Debian mirror found in the apt configuration" >&2; exit 1; }

command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

if [ ! -x "$root/usr/bin/tshark" ] && [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "== creating a Debian $suite root in $root"
  rm -rf "$root"
  if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" > "/tmp/dicom-ul-debootstrap-$suite.log" 2>&1; then
    echo "$label: debootstrap of Debian $suite failed (see /tmp/dicom-ul-debootstrap-$suite.log)" >&2
    tail -5 "/tmp/dicom-ul-debootstrap-$suite.log" >&2
    exit 1
  fi
fi

cleanup() { umount -l "$root/proc" 2>/dev/null || true; umount -l "$root/dev" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

if [ ! -x "$root/usr/bin/tshark" ] || ! chroot "$root" dpkg -s $pkgs >/dev/null 2>&1; then
  echo "== installing Wireshark and the test dependencies in the root"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get $apt_opts update -qq
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get $apt_opts install -y -qq --no-install-recommends $pkgs >/dev/null
fi
echo "== $(chroot "$root" tshark --version 2>/dev/null | head -1)"

rm -rf "$root/src"; mkdir -p "$root/src"
tar -C "$here" --exclude=./build --exclude='./build-*' --exclude=./.git -cf - . | tar -C "$root/src" -xf -
# the differential check of test_trust walks half the sample captures in each root (all of
# them on the host's 4.0): the core is the same, the glue's differences show on any half
case "$suite" in trixie) half='[a-i]*.pcap' ;; *) half='[j-z]*.pcap' ;; esac
chroot "$root" env DICOM_DIFFERENTIAL_CAPTURES="$half" DICOM_NO_GUI=1 DICOM_NO_DCIODVFY=1 bash -c "cd /src && cmake -S . -B build-$suite -DCMAKE_BUILD_TYPE=RelWithDebInfo ${DICOM_CMAKE_ARGS:-} >/dev/null && cmake --build build-$suite -j2 && cd build-$suite && ctest -j2 --output-on-failure"
