#!/usr/bin/env bash
# The core under AddressSanitizer and UndefinedBehaviorSanitizer: its unit tests (gcc), then
# a short libFuzzer run of every fuzz target (clang), seeded from the sample captures and
# the checked-in corpus. Part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build-asan -DDICOM_SANITIZE=ON -DDICOM_PLUGIN=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo ${DICOM_CMAKE_ARGS:-} >/dev/null
cmake --build build-asan -j2
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure)
CXX=clang++ CC=clang cmake -S . -B build-fuzz -DDICOM_FUZZ=ON -DDICOM_PLUGIN=OFF -DDICOM_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2
(cd build-fuzz && ctest --output-on-failure -j2)
