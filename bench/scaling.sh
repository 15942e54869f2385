#!/usr/bin/env bash
# Thread-scaling run of braid's benchmarks (bench/README.md): 1, 2, 4, 8, 16
# threads (bench_shapes, bench_observe and bench_load at 1, 4, 16; their
# 1,000,000-node runs at 1 and 16, one round each).
# Usage: bash bench/scaling.sh BIN_DIR OUT_DIR [LOADER LIB_DIR]
# With LOADER and LIB_DIR, binaries run through that dynamic loader and
# libraries (a machine with another C library, and no oneTBB installed).
set -u
bin=$1 out=$2
run() {
  local exe=$1
  shift
  if [ -n "${LOADER:-}" ]; then "$LOADER" --library-path "$LIBDIR" "$bin/$exe" "$@"; else "$bin/$exe" "$@"; fi
}
LOADER=${3:-} LIBDIR=${4:-}
mkdir -p "$out"
{ nproc; lscpu | grep -E "Model name|^CPU\(s\)|Thread|Core|Socket|NUMA node\(s\)"; date -u; } > "$out/machine.txt" 2>&1
run bench_sum --threads 1,2,4,8,16 --repeat 5 > "$out/bench_sum.txt" 2>&1
run bench_flow --threads 1,2,4,8,16 --repeat 3 --messages 300000 --hop-messages 300 --rounds 5000 > "$out/bench_flow.txt" 2>&1
run bench_shapes --threads 1,4,16 --repeat 1 --sizes 1000,100000 > "$out/bench_shapes.txt" 2>&1
run bench_shapes --threads 1,16 --repeat 1 --sizes 1000000 --shapes chain,layered >> "$out/bench_shapes.txt" 2>&1
run bench_observe --threads 1,4,16 --repeat 21 > "$out/bench_observe.txt" 2>&1
run bench_pi --threads 1,2,4,8,16 --repeat 5 > "$out/bench_pi.txt" 2>&1
run bench_load --threads 1,4,16 --repeat 11 --sizes 10000 > "$out/bench_load.txt" 2>&1
run bench_load --threads 1,16 --repeat 1 --warmup 0 --sizes 1000000 >> "$out/bench_load.txt" 2>&1
cli=braid
[ -x "$bin/braid" ] || cli=../apps/braid/braid  # a build tree: build/bench and build/apps/braid
for t in 1 2 4 8 16; do
  s=$(date +%s.%N)
  r=$(run "$cli" run apps/parallel_sum/pipelines/array.json --threads "$t")
  e=$(date +%s.%N)
  echo "array.json threads=$t $(echo "$e - $s" | bc 2>/dev/null || echo "$s $e") s $r"
done > "$out/cli_array.txt" 2>&1
