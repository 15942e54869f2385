#!/bin/bash
# Session 22 on the 2-core development machine, the AMD EPYC VM of sessions
# 20 and 21 (machine.txt). start/ is the session's first library (e6a85a8),
# end/ its last (10f1e5a); each is a bench/ folder of a Release build. Run
# from the folder holding them and a link `bench` to the repository's bench/.
# About four minutes: the A/Bs, then every target's benchmark at the end.
set -e
R=${1:-bench/results/dev-2core-2026-11-29-h}
python3 bench/ab.py --once 6 "--threads 1,2 --repeat 3 --sizes 1000,10000,100000 --columns once" start/bench_shapes end/bench_shapes > $R/ab-shapes-once.txt
python3 bench/ab.py 6 "--threads 1,2 --repeat 5 --sizes 1000,10000,100000 --columns rerun" start/bench_shapes end/bench_shapes > $R/ab-shapes-rerun.txt
# the graphs that fit in the cache: a run is 30-100 us here, so more rounds
python3 bench/ab.py 20 "--threads 1,2 --repeat 21 --sizes 1000 --columns rerun" start/bench_shapes end/bench_shapes > $R/ab-shapes-rerun-1000.txt
python3 bench/ab.py 6 "--threads 1,2 --repeat 3 --messages 300000 --hop-messages 300 --rounds 5000" start/bench_flow end/bench_flow > $R/ab-flow.txt
# every target at the end
end/bench_shapes --threads 1,2 --repeat 3 --sizes 1000,10000,100000 > $R/bench_shapes-end.txt
end/bench_shapes --threads 1,2 --repeat 1 --sizes 1000000 > $R/bench_shapes-1m-end.txt
end/bench_flow --threads 1,2 --repeat 5 > $R/bench_flow-end.txt
end/bench_sum --threads 1,2 --repeat 5 > $R/bench_sum-end.txt
end/bench_pi --threads 1,2 --repeat 5 > $R/bench_pi-end.txt
for b in start end; do $b/bench_load --sizes 10000,100000 --threads 1 > $R/bench_load-$b.txt; done
end/bench_load --sizes 1000000 --threads 1 > $R/bench_load-1m-end.txt
