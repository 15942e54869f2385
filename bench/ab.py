#!/usr/bin/env python3
"""Alternates benchmark binaries round by round, so a noisy machine's drift
falls on all of them alike, and prints each row's median (and minimum) ratio
braid / oneTBB per binary.

  python3 bench/ab.py [--once] ROUNDS "ARGS" BIN [BIN...]

Reads bench_shapes' rerun ratio (rows chain, tree, wavefront, layered; with
--once, its once ratio) and bench_flow's ratio (rows chain, single, fan-out):
the binaries must be the same program, built at different commits.
"""
import collections
import statistics
import subprocess
import sys


ONCE = "--once" in sys.argv


def ratios(line):
    """(row key, ratio) of one output line, or None."""
    f = line.split()
    if len(f) >= 10 and f[0] in ("chain", "tree", "wavefront", "layered"):
        return (f[0], f[1], f[2]), float(f[5 if ONCE else 8].rstrip("x"))  # bench_shapes: the once or rerun ratio
    if len(f) >= 6 and f[0] in ("chain", "single", "fan-out"):
        return (f[0], f[1]), float([x for x in f if x.endswith("x")][0].rstrip("x"))  # bench_flow
    return None


def main():
    argv = [a for a in sys.argv[1:] if a != "--once"]
    rounds, args, bins = int(argv[0]), argv[1].split(), argv[2:]
    seen = collections.defaultdict(list)
    for _ in range(rounds):
        for b in bins:
            out = subprocess.run([b] + args, capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                r = ratios(line)
                if r:
                    seen[(b, r[0])].append(r[1])
    keys = sorted({k for (_, k) in seen}, key=lambda k: (k[0], int(k[1]), k[2:]))
    names = [b.split("/")[-1] for b in bins]
    if len(set(names)) < len(names):  # the same program: name each build by its folder
        names = [(b.split("/")[-2] if "/" in b else b)[-15:] for b in bins]
    print("%-22s" % "row" + "".join("%16s" % n for n in names))
    for k in keys:
        print("%-22s" % " ".join(k) +
              "".join("%10.2fx(%4.2f)" % (statistics.median(seen[(b, k)]), min(seen[(b, k)])) for b in bins))


if __name__ == "__main__":
    main()
