#!/usr/bin/env bash
# Device A/B of the gather: session 12's start, its queue lock (2761093), the
# group filled outside the lock with a queue lock (newq) and with a spin lock (newspin).
set -u
out=$1
L=".device/lib/ld-linux-x86-64.so.2 --library-path .device/lib"
for r in 1 2; do
  for v in start queuing newq newspin; do
    s=$(date +%s)
    echo "\$ bf-$v round $r" >> "$out/flow-$v.txt"
    $L .device/v/bf-$v --threads 1,2,4,8,16 --repeat 3 --messages 300000 --hop-messages 300 --rounds 5000 >> "$out/flow-$v.txt" 2>&1
    echo "$v round $r: $? $(( $(date +%s) - s )) s"
  done
done
