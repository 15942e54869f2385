#!/usr/bin/env python3
"""An independent reference for the montecarlo app.

  montecarlo_reference.py APP PIPELINE exact BEGIN END CHUNKS SEED
      runs the app on samples BEGIN..END-1 in CHUNKS chunks and requires its
      output to equal, number for number, estimates computed here with the
      same generator (splitmix64 keyed by seed and integrand, one counter per
      uniform), the same chunking (balanced, contiguous: the first n mod k
      chunks one sample longer), chunk sums added in chunk order.
  montecarlo_reference.py APP PIPELINE within SAMPLES SIGMAS
      runs the app on SAMPLES samples and requires each estimate to lie within
      SIGMAS standard errors of the true value (pi; sqrt(pi)/2 erf(1)).

Python floats are IEEE doubles and math.exp / math.sqrt call the C library, so
the exact mode expects identical doubles (the app is built with -ffp-contract=off).
"""
import json
import math
import subprocess
import sys

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
STREAM_ID = {"pi": 1, "gauss": 2}
DIMS = {"pi": 2, "gauss": 1}
TRUE = {"pi": math.pi, "gauss": math.sqrt(math.pi) / 2 * math.erf(1.0)}


def splitmix64(x):
    x = (x + GOLDEN) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def uniform(key, n):
    return (splitmix64((key + n * GOLDEN) & MASK) >> 11) * 2.0 ** -53


def chunk_moments(integrand, seed, first, count):
    key = splitmix64(splitmix64(seed & MASK) ^ STREAM_ID[integrand])
    d = DIMS[integrand]
    total = squares = 0.0
    for i in range(first, first + count):
        n = (i & MASK) * d
        if integrand == "pi":
            x, y = uniform(key, n), uniform(key, n + 1)
            f = 4.0 if x * x + y * y < 1.0 else 0.0
        else:
            x = uniform(key, n)
            f = math.exp(-(x * x))
        total += f
        squares += f * f
    return count, total, squares


def estimate(integrand, seed, begin, end, chunks):
    n = end - begin
    k = max(1, min(chunks, n))
    base, extra = divmod(n, k)
    count, total, squares, first = 0, 0.0, 0.0, begin
    for i in range(k):
        length = base + (1 if i < extra else 0)
        c, s, q = chunk_moments(integrand, seed, first, length)
        count, total, squares = count + c, total + s, squares + q
        first += length
    mean = total / count
    variance = max(0.0, (squares - total * mean) / (count - 1.0))
    return {"estimate": mean, "stderr": math.sqrt(variance / count), "samples": count}


def run(app, pipeline, sets):
    command = [app, "run", pipeline, "--threads", "2"]
    for s in sets:
        command += ["--set", s]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("%s\nexit %d\n%s" % (" ".join(command), done.returncode, done.stderr))
    return json.loads(done.stdout)


def main():
    app, pipeline, mode = sys.argv[1:4]
    if mode == "exact":
        begin, end, chunks, seed = (int(a) for a in sys.argv[4:8])
        got = run(app, pipeline, ["samples.begin=%d" % begin, "samples.end=%d" % end, "split.chunks=%d" % chunks,
                                  "draw_pi.seed=%d" % seed, "draw_gauss.seed=%d" % seed])
        want = {name: estimate(name, seed, begin, end, chunks) for name in ("pi", "gauss")}
        if got != want:
            sys.exit("app:       %s\nreference: %s" % (json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True)))
        print("equal: %s" % json.dumps(want, sort_keys=True))
    elif mode == "within":
        samples, sigmas = int(sys.argv[4]), float(sys.argv[5])
        got = run(app, pipeline, ["samples.begin=0", "samples.end=%d" % samples])
        for name, truth in TRUE.items():
            e = got[name]
            off = abs(e["estimate"] - truth) / e["stderr"]
            print("%s: %.10f +- %.2g, true %.10f, %.2f standard errors off" % (name, e["estimate"], e["stderr"], truth, off))
            if e["samples"] != samples or not off < sigmas:
                sys.exit("%s: not within %g standard errors of %r (or not %d samples): %s"
                         % (name, sigmas, truth, samples, e))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
