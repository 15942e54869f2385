#!/usr/bin/env python3
"""Independent reference for apps/logstats: computes the report of an access
log with regular expressions and sorted lists (no histograms, no shared code
with the app) and compares it with what the app prints.

    logstats_reference.py LOGSTATS_GEN LOGSTATS PIPELINE OUTDIR N SEED [ARGS...]

Generates N lines with LOGSTATS_GEN N SEED into OUTDIR, runs
LOGSTATS run PIPELINE --set lines.path="..." ARGS..., and exits 0 when its
stdout, read as JSON, equals the reference report.
"""
import json
import math
import os
import re
import subprocess
import sys

LINE = re.compile(
    rb'(\S+) (\S+) (\S+) \[([^\]]*)\] "([^"]*)" ([1-5][0-9][0-9]) ([0-9]{1,18}|-)(?: .*)?\Z', re.S)
REQUEST = re.compile(rb'(\S+) (/\S*) (HTTP/\S*)\Z')


def report(data):
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the file's final '\n' ends the last line
    status = {"1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, "malformed": 0}
    sizes = {}
    for line in lines:
        if line.endswith(b"\r"):
            line = line[:-1]
        m = LINE.match(line)
        r = REQUEST.match(m.group(5)) if m else None
        if not r:
            status["malformed"] += 1
            continue
        status[m.group(6).decode()[0] + "xx"] += 1
        endpoint = r.group(2).split(b"?", 1)[0].decode("utf-8", "surrogateescape")
        size = 0 if m.group(7) == b"-" else int(m.group(7))
        sizes.setdefault(endpoint, []).append(size)
    endpoints = {}
    for endpoint, values in sizes.items():
        values.sort()
        n = len(values)
        endpoints[endpoint] = {
            "requests": n,
            "p50_bytes": values[max(1, math.ceil(50 * n / 100)) - 1],
            "p99_bytes": values[max(1, math.ceil(99 * n / 100)) - 1],
        }
    return {"report": {"endpoints": endpoints, "status": status}}


def main():
    gen, app, pipeline, outdir, n, seed = sys.argv[1:7]
    extra = sys.argv[7:]
    path = os.path.join(outdir, "reference-%s-%s.log" % (n, seed))
    with open(path, "wb") as f:
        subprocess.run([gen, n, seed], stdout=f, check=True)
    with open(path, "rb") as f:
        expected = report(f.read())
    run = subprocess.run([app, "run", pipeline, "--set", "lines.path=" + json.dumps(path)] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if run.returncode != 0 or run.stderr:
        sys.exit("logstats failed (exit %d):\n%s" % (run.returncode, run.stderr.decode(errors="replace")))
    got = json.loads(run.stdout)
    if got != expected:
        sys.exit("logstats differs from the reference:\n got      %s\n expected %s" %
                 (json.dumps(got, sort_keys=True), json.dumps(expected, sort_keys=True)))
    s = expected["report"]["status"]
    print("%s lines, %d endpoints, %d malformed: equal" % (n, len(expected["report"]["endpoints"]), s["malformed"]))


if __name__ == "__main__":
    main()
