#!/bin/bash
# Session 21 on the 2-core development machine, the AMD EPYC VM of session 20
# (machine.txt; sessions 10 to 19 ran on an Intel Xeon VM). start/ is the
# session's first library (b45710a), end/ its last (4538c19); each is a
# bench/ folder of a Release build. Run from the folder holding them and a
# link `bench` to the repository's bench/ (and nokeep/, below). About four minutes.
set -e
R=${1:-bench/results/dev-2core-2026-11-29-g}
python3 bench/ab.py --once 6 "--threads 1,2 --repeat 3 --sizes 1000,10000,100000 --columns once" start/bench_shapes end/bench_shapes > $R/ab-shapes-once.txt
python3 bench/ab.py 6 "--threads 1,2 --repeat 5 --sizes 1000,10000,100000 --columns rerun" start/bench_shapes end/bench_shapes > $R/ab-shapes-rerun.txt
# the graphs that fit in the cache: a run is 30-100 us here, so more rounds
python3 bench/ab.py 20 "--threads 1,2 --repeat 21 --sizes 1000 --columns rerun" start/bench_shapes end/bench_shapes > $R/ab-shapes-rerun-1000.txt
python3 bench/ab.py 4 "--threads 1,2 --repeat 3 --messages 300000 --hop-messages 300 --rounds 5000" start/bench_flow end/bench_flow > $R/ab-flow.txt
end/bench_shapes --threads 1,2 --repeat 3 --sizes 1000,10000,100000 > $R/bench_shapes-end.txt
for b in start end; do $b/bench_load --sizes 10000,100000 --threads 1 > $R/bench_load-$b.txt; done
# The join records kept (73d9994) alone: nokeep/ is end/ with
# `keep_records_ = false && ...` in Compiler::build (lib/src/runtime/runtime.cpp),
# a Release build; thirty rounds, 1 thread, the graphs that fit in the cache.
if [ -x nokeep/bench_shapes ]; then
  python3 bench/ab.py 30 "--threads 1 --repeat 21 --sizes 1000 --shapes wavefront,layered --columns rerun" start/bench_shapes nokeep/bench_shapes end/bench_shapes > $R/ab-shapes-rerun-keep.txt
fi
