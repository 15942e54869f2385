#!/bin/bash
# Session 13 on the 2-core development machine: the session's first binaries
# (adba48c, start/) against its last (end/), alternated round by round.
# start/ and end/ are bench/ folders of builds at the two commits.
set -e
R=${1:-bench/results/dev-2core-2026-11-28-h}
python3 bench/ab.py 6 "--threads 1,2 --repeat 5 --sizes 1000,10000,100000 --columns rerun" start/bench_shapes end/bench_shapes > $R/ab-shapes-rerun.txt
python3 bench/ab.py 4 "--threads 1,2 --repeat 3 --messages 300000 --hop-messages 300 --rounds 5000" start/bench_flow end/bench_flow > $R/ab-flow.txt
end/bench_shapes --threads 1,2 --repeat 3 --sizes 1000,10000,100000 > $R/bench_shapes-end.txt
start/bench_shapes --threads 1,2 --repeat 3 --sizes 1000,10000,100000 > $R/bench_shapes-start.txt
