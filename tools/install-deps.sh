#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the tests and the capture script need.
# Skips apt entirely when everything is already there.
set -euo pipefail
pkgs=(cmake make g++ pkg-config libglib2.0-dev libwireshark-dev wireshark-dev libwiretap-dev
      tshark libgtest-dev googletest python3 zlib1g-dev
      dcmtk tcpdump iproute2 ethtool python3-pydicom clang libclang-rt-14-dev)
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
