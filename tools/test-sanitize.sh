#!/usr/bin/env bash
# The core and the plugin under AddressSanitizer and UndefinedBehaviorSanitizer (gcc): the
# unit tests, and the integration tests with the instrumented plugin inside tshark (the
# sanitizer runtime preloaded, see tests/CMakeLists.txt); then a short libFuzzer run of every
# fuzz target (clang), seeded from the sample captures and the checked-in corpus. Part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh fuzz
cmake -S . -B build-asan -DDICOM_SANITIZE=ON -DDICOM_PLUGIN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo ${DICOM_CMAKE_ARGS:-} >/dev/null
cmake --build build-asan -j2
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j2)
CXX=clang++ CC=clang cmake -S . -B build-fuzz -DDICOM_FUZZ=ON -DDICOM_PLUGIN=OFF -DDICOM_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2
(cd build-fuzz && ctest --output-on-failure -j2)
