#!/usr/bin/env bash
# Builds braid and runs the whole test suite three times: a Release build, the
# same suite under AddressSanitizer + UndefinedBehaviorSanitizer, and under
# ThreadSanitizer (with oneTBB rebuilt from Debian's own source package with
# -fsanitize=thread, so that TSan sees its synchronisation); then fuzzes the
# JSON loader and the --set parser for a bounded time. Any failure, sanitizer
# report or fuzzer crash fails the script.
# Usage: bash cmake/test.sh        (from anywhere; installs missing packages first)
#   env: FUZZ_SECONDS (default 30 per target)
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/deps.sh

jobs=$(nproc)
# suite DIR [ctest arguments --] cmake arguments...
suite() {
  local dir=$1
  shift
  local ctest_args=()
  if [[ " $* " == *" -- "* ]]; then
    while [ "$1" != "--" ]; do
      ctest_args+=("$1")
      shift
    done
    shift
  fi
  echo "=== test suite: $dir ($*)"
  cmake -S . -B "$dir" -G Ninja "$@"
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" "${ctest_args[@]}"
}

suite build -DCMAKE_BUILD_TYPE=Release
suite build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DBRAID_SANITIZE=address;undefined" \
  -DBRAID_BUILD_BENCH=OFF

# ThreadSanitizer: tests labelled heavy (hundreds of millions of elements in
# memory) take minutes under TSan and test nothing the other passes miss.
bash cmake/tsan/build-tbb.sh build-tsan/_tbb
suite build-tsan -LE heavy -- -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBRAID_SANITIZE=thread -DBRAID_BUILD_BENCH=OFF \
  "-DCMAKE_PREFIX_PATH=$PWD/build-tsan/_tbb/install" -DBRAID_TEST_TIMEOUT=900

# Fuzzing: each libFuzzer target for FUZZ_SECONDS (clang, ASan + UBSan).
bash cmake/fuzz.sh "${FUZZ_SECONDS:-30}"
