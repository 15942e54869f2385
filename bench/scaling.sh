#!/usr/bin/env bash
# Thread-scaling run of braid's benchmarks (bench/README.md) at 1, 2, 4, 8 and
# 16 threads: bench_sum, bench_flow, bench_shapes (1,000 to 100,000 nodes),
# bench_pi, the CLI on array.json and two sample apps; bench_observe and
# bench_load at 1, 4, 16; the 1,000,000-node shapes and load at 1 and 16, one
# round each, last. Each output file is written as its step runs, so a run cut
# short keeps what it finished; each step's seconds go to standard output.
# At most eight files, the limit of what a lent device machine sends back.
# Usage: bash bench/scaling.sh BIN_DIR OUT_DIR [LOADER LIB_DIR]
# BIN_DIR holds the bench_* programs and braid, mandelbrot, montecarlo (or is a
# build tree's bench/ folder). With LOADER and LIB_DIR, binaries run through
# that dynamic loader and libraries (a machine with another C library, and no
# oneTBB installed). About six minutes on a 16-core machine.
set -u
bin=$1 out=$2
LOADER=${3:-} LIBDIR=${4:-}
threads=1,2,4,8,16
exe_path() {
  if [ -x "$bin/$1" ]; then echo "$bin/$1"; else echo "$bin/../apps/$1/$1"; fi
}
run() {
  local exe
  exe=$(exe_path "$1")
  shift
  if [ -n "$LOADER" ]; then "$LOADER" --library-path "$LIBDIR" "$exe" "$@"; else "$exe" "$@"; fi
}
step() {  # step FILE COMMAND...: append COMMAND's output to OUT/FILE, print its time
  local file=$1 start
  shift
  start=$(date +%s)
  echo "\$ $*" >> "$out/$file"
  run "$@" >> "$out/$file" 2>&1
  echo "$file: $* -> exit $?, $(($(date +%s) - start)) s"
}
mkdir -p "$out"
{ nproc; lscpu | grep -E "Model name|^CPU\(s\)|Thread|Core|Socket|NUMA node\(s\)|MHz|L2|L3"; free -g | head -2; date -u; } > "$out/machine.txt" 2>&1
step bench_sum.txt bench_sum --threads $threads --repeat 5
step bench_flow.txt bench_flow --threads $threads --repeat 3 --messages 300000 --hop-messages 300 --rounds 5000
step bench_shapes.txt bench_shapes --threads $threads --repeat 3 --sizes 1000,10000,100000
step bench_pi.txt bench_pi --threads $threads --repeat 5
step bench_observe.txt bench_observe --threads 1,4,16 --repeat 21
step bench_load.txt bench_load --threads 1,4,16 --repeat 11 --sizes 10000
step apps.txt braid bench apps/parallel_sum/pipelines/array.json --threads $threads --repeat 5
step apps.txt mandelbrot bench apps/mandelbrot/pipelines/mandelbrot.json --threads $threads --repeat 5 --set 'png.path="/tmp/braid-scaling-mandelbrot.png"'
step apps.txt montecarlo bench apps/montecarlo/pipelines/integrals.json --threads $threads --repeat 3 --set samples.end=100000000
step bench_load.txt bench_load --threads 1,16 --repeat 1 --warmup 0 --sizes 1000000
step bench_shapes.txt bench_shapes --threads 1,16 --repeat 1 --sizes 1000000
