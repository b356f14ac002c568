#!/usr/bin/env bash
# Photographs the real Wireshark GUI with this build's plugin, for docs/images/.
# Usage: tools/gui-screenshot.sh CAPTURE FILTER OUT.png [XDOTOOL_STEPS]
#   XDOTOOL_STEPS: a shell snippet run after the window is up (clicks, keys), e.g.
#   'xdotool mousemove 300 137; sleep .5; xdotool click 1'
#   WS_ARGS in the environment: more arguments for wireshark (e.g. -o 'gui.column.format:...', or
#   -C DICOM for the profile in profile/DICOM).
# Needs: apt-get install wireshark-qt xvfb xdotool imagemagick. Runs Wireshark as uid 65534
# (root's Wireshark ignores personal plugins) with a temporary HOME holding only this plugin.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
capture=$(realpath "$1") filter=$2 out=$(realpath -m "$3") steps=${4:-}
ver=$(tshark --version | sed -n 's/.*(Wireshark) \([0-9]*\.[0-9]*\).*/\1/p' | head -1)
tmp=$(mktemp -d); trap 'kill $xvfb 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home/.local/lib/wireshark/plugins/$ver/epan" "$tmp/empty"
cp "$here/build/dicom-ul.so" "$tmp/home/.local/lib/wireshark/plugins/$ver/epan/"
# the DICOM profile, for WS_ARGS='-C DICOM'
mkdir -p "$tmp/home/.config/wireshark/profiles" && cp -r "$here/profile/DICOM" "$tmp/home/.config/wireshark/profiles/"
cp "$capture" "$tmp/home/"
chmod -R a+rwX "$tmp"
display=:$((90 + RANDOM % 9))
Xvfb $display -screen 0 1400x900x24 >/dev/null 2>&1 & xvfb=$!
sleep 2
name=$(basename "$capture")
setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp/home" DISPLAY=$display TZ=UTC \
  WIRESHARK_PLUGIN_DIR="$tmp/empty" STEPS="$steps" NAME="$name" FILTER="$filter" OUT="$tmp/shot.png" \
  WS_ARGS="${WS_ARGS:-}" bash -c '
    eval "wireshark -r \"\$HOME/\$NAME\" -Y \"\$FILTER\" $WS_ARGS" >/dev/null 2>&1 & ws=$!
    sleep 7
    W=$(xdotool search --sync --onlyvisible --name "$NAME" | head -1)
    xdotool windowmove $W 0 0 windowsize $W 1400 900
    sleep 2
    eval "$STEPS"
    sleep 1
    import -window root "$OUT"
    kill $ws'
cp "$tmp/shot.png" "$out"
echo "wrote $out"
