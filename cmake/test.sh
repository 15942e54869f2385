#!/usr/bin/env bash
# Builds braid and runs the whole test suite twice: a Release build, then the
# same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: bash cmake/test.sh        (from anywhere; installs missing packages first)
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/deps.sh

jobs=$(nproc)
suite() {
  local dir=$1
  shift
  echo "=== test suite: $dir ($*)"
  cmake -S . -B "$dir" -G Ninja "$@"
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

suite build -DCMAKE_BUILD_TYPE=Release
suite build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DBRAID_SANITIZE=address;undefined" -DBRAID_BUILD_BENCH=OFF
