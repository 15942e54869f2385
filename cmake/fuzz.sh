#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer +
# UndefinedBehaviorSanitizer) and fuzzes each for a bounded time. Exits
# non-zero if any target finds a crash, a sanitizer report, a leak, an
# unexpected exception or an input slower than 10 s; the reproducer is left in
# BUILD/fuzz-artifacts/TARGET/ (copy it to tests/fuzz/regressions/TARGET/ to
# keep it as a test once fixed).
#
# Usage: bash cmake/fuzz.sh [SECONDS_PER_TARGET]   (default 30, or $FUZZ_SECONDS)
#   env: FUZZ_BUILD_DIR (default build-fuzz), JOBS (default nproc)
# New inputs found are kept in BUILD/fuzz-corpus/TARGET/ and reused by the next
# run; the seed corpus in tests/fuzz/corpus/ is only read.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-30}}
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${JOBS:-$(nproc)}
targets=(fuzz_spec fuzz_set)

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DBRAID_FUZZ=ON "-DBRAID_SANITIZE=address;undefined" -DBRAID_BUILD_BENCH=OFF
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/cmake/ubsan.supp"
export ASAN_OPTIONS="detect_leaks=1"
failed=()
for t in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  echo "=== fuzz: $t for $seconds s"
  if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -dict="tests/fuzz/${t#fuzz_}.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
      "$corpus" "tests/fuzz/corpus/$t"; then
    echo "fuzz: $t FAILED; reproducer(s):" >&2
    ls -1 "$artifacts" >&2 || true
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}" >&2
  echo "fuzz: replay one with: $build/tests/fuzz/TARGET $build/fuzz-artifacts/TARGET/FILE" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} passed, 0 failed"
