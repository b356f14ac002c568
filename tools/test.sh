#!/usr/bin/env bash
# The whole test suite: unit tests of the core and tshark integration tests, via CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo ${DICOM_CMAKE_ARGS:-} >/dev/null
cmake --build build -j2
cd build
ctest -j2 --output-on-failure
