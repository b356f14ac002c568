#!/usr/bin/env bash
# Fuzzes the core with libFuzzer (clang, ASan, UBSan): builds build-fuzz/, makes seeds from
# the sample captures, runs every target for SECONDS (default 60) two at a time, and merges
# what was found into the small checked-in corpus (fuzz/corpus/<target>, minimized).
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]     Crashes are left as build-fuzz/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(pdu associate dimse dataset stream timeline)
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
CXX=clang++ CC=clang cmake -S . -B build-fuzz -DDICOM_FUZZ=ON -DDICOM_PLUGIN=OFF -DDICOM_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2 >/dev/null
build-fuzz/fuzz/fuzz_seeds build-fuzz/fuzz/seeds
# run TARGET: fuzzes it; its exit status is the fuzzer's (non-zero after a crash, a leak or a timeout)
run() {
  local t=$1 rc=0
  mkdir -p build-fuzz/fuzz/work/$t fuzz/corpus/$t
  (cd build-fuzz && fuzz/fuzz_$t -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
     fuzz/work/$t ../fuzz/corpus/$t fuzz/seeds/$t > fuzz/$t.log 2>&1) || rc=$?
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" build-fuzz/fuzz/$t.log | sed "s/^/$t: /"
  [ $rc -eq 0 ] || echo "fuzz_$t: FAILED (exit $rc), see build-fuzz/fuzz/$t.log"
  return $rc
}
failed=()
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run "${targets[i]}" & p1=$!; p2=
  if [ -n "${targets[i+1]:-}" ]; then run "${targets[i+1]}" & p2=$!; fi
  wait $p1 || failed+=("${targets[i]}")
  if [ -n "$p2" ]; then wait $p2 || failed+=("${targets[i+1]}"); fi
done
if [ ${#failed[@]} -gt 0 ]; then # the corpus is not merged: the crash inputs stay where they are
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
for t in "${targets[@]}"; do # keep the checked-in corpus small: only inputs that add coverage
  rm -rf build-fuzz/fuzz/merged; mkdir -p build-fuzz/fuzz/merged
  build-fuzz/fuzz/fuzz_$t -merge=1 build-fuzz/fuzz/merged fuzz/corpus/$t build-fuzz/fuzz/work/$t >/dev/null 2>&1
  rm -rf fuzz/corpus/$t && mv build-fuzz/fuzz/merged fuzz/corpus/$t
  # whole streams (stream target) are large; fuzz_seeds makes them again from the captures
  [ "$t" = stream ] && find fuzz/corpus/$t -type f -size +8k -delete
  echo "$t: corpus $(ls fuzz/corpus/$t | wc -l) files, $(du -sk fuzz/corpus/$t | cut -f1) kB"
done
