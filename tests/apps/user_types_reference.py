#!/usr/bin/env python3
"""Independent reference for apps/user_types: generates the same particles
(the 64-bit LCG of main.cpp) and computes their count, mass, centre of mass and
bounding box sequentially, then runs the app for each (particles, chunks,
threads) case and compares what it prints.

  user_types_reference.py USER_TYPES_BINARY
Exits 0 when every case matches, 1 otherwise (printing the differences).
"""
import json
import subprocess
import sys

MASK = (1 << 64) - 1


def particles(n, seed):
    state = seed
    out = []

    def draw(bound):
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) & MASK
        return (state >> 33) % bound

    for _ in range(n):
        x = draw(2001) - 1000
        y = draw(2001) - 1000
        m = draw(10) + 1
        out.append((x, y, m))
    return out


def expected(n, seed):
    ps = particles(n, seed)
    if not ps:
        return {"box": None, "center": None, "count": 0, "mass": 0}
    mass = sum(m for _, _, m in ps)
    mx = sum(m * x for x, _, m in ps)
    my = sum(m * y for _, y, m in ps)
    xs = [x for x, _, _ in ps]
    ys = [y for _, y, _ in ps]
    return {
        "box": [[min(xs), min(ys)], [max(xs), max(ys)]],
        "center": [float(mx) / float(mass), float(my) / float(mass)],
        "count": len(ps),
        "mass": mass,
    }


def main():
    binary = sys.argv[1]
    failures = 0
    cases = [(0, 1, 4), (1, 7, 4), (1000, 1, 8), (12345, 42, 7), (200000, 3, 64)]
    for n, seed, chunks in cases:
        want = {"result": expected(n, seed)}
        for threads in (1, 2, 4):
            cmd = [binary, "--particles", str(n), "--seed", str(seed), "--chunks", str(chunks),
                   "--threads", str(threads)]
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                print(" ".join(cmd), "exited", run.returncode, run.stderr)
                failures += 1
                continue
            got = json.loads(run.stdout)
            if got != want:
                print(" ".join(cmd), "printed", got, "expected", want)
                failures += 1
    # Bad arguments are a usage error.
    run = subprocess.run([binary, "--particles"], capture_output=True, text=True)
    if run.returncode != 2 or not run.stderr.startswith("usage: user_types"):
        print("--particles without a value: exit", run.returncode, run.stderr)
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
