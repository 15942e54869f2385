#!/usr/bin/env bash
# Device A/B: session 12's start (old), its Window alone (win), and its end (new).
set -u
out=$1
L=".device/lib/ld-linux-x86-64.so.2 --library-path .device/lib"
t=1,2,4,8,16
step() { local f=$1; shift; local s=$(date +%s); echo "\$ $*" >> "$out/$f"; $L "$@" >> "$out/$f" 2>&1; echo "$f: $* -> $? $(( $(date +%s) - s )) s"; }
{ nproc; lscpu | grep -E "Model name|^CPU\(s\)"; date -u; } > "$out/machine.txt"
for r in 1 2; do
  for v in old win new; do step flow-$v.txt .device/$v/bench_flow --threads $t --repeat 3 --messages 300000 --hop-messages 300 --rounds 5000; done
done
for v in old new; do step sum-$v.txt .device/$v/bench_sum --threads $t --repeat 3; done
step pi-new.txt .device/new/bench_pi --threads $t --repeat 3
step shapes-new.txt .device/new/bench_shapes --threads $t --repeat 3 --sizes 1000,10000,100000 --columns rerun
