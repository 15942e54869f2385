#!/usr/bin/env python3
"""An independent reference for the mandelbrot app.

Runs the app on a tiny frame, decodes the PNG it wrote with nothing but the
standard library (zlib, all five PNG row filters, CRCs checked), renders the
same frame here in Python and compares every pixel. Python floats are IEEE
doubles and math.log / math.log2 / math.fmod call the C library, so each pixel
must come out byte for byte the same as the app's (built with -ffp-contract=off).

  mandelbrot_reference.py APP PIPELINES_DIR OUTDIR CASE
"""
import json
import math
import os
import struct
import subprocess
import sys
import zlib

# What the app is asked to draw, per case: the pipeline, the frame's parameters and the tiling.
CASES = {
    "classic-smooth": dict(pipeline="mandelbrot.json", width=16, height=12, center=[-0.75, 0.0], scale=3.5, iterations=100,
                           palette="classic", smooth=True, rows=5),
    "fire-banded-region": dict(pipeline="seahorse.json", width=16, height=12, region=[-0.76, -0.73, 0.09, 0.12], iterations=300,
                               palette="fire", smooth=False, rows=1),
    "gray-odd-size": dict(pipeline="mandelbrot.json", width=17, height=13, center=[-0.5, 0.55], scale=1.25, iterations=60,
                          palette="gray", smooth=True, rows=4),
}

PALETTES = {
    "classic": [(0.0, 0, 7, 100), (0.16, 32, 107, 203), (0.42, 237, 255, 255), (0.6425, 255, 170, 0),
                (0.8575, 0, 2, 0), (1.0, 0, 7, 100)],
    "fire": [(0.0, 16, 0, 0), (0.3, 160, 16, 0), (0.6, 255, 128, 0), (0.8, 255, 230, 120), (1.0, 16, 0, 0)],
    "gray": [(0.0, 32, 32, 32), (0.5, 255, 255, 255), (1.0, 32, 32, 32)],
}
BAILOUT2 = 256.0 * 256.0
CYCLE = 32.0


def bounds(case):
    """(x0, x1, y0, y1) of the view."""
    if "region" in case:
        return tuple(float(v) for v in case["region"])
    cx, cy = case["center"]
    scale = float(case["scale"])
    view_height = scale * case["height"] / case["width"]
    return cx - scale * 0.5, cx + scale * 0.5, cy - view_height * 0.5, cy + view_height * 0.5


def colour(stops, p):
    i = 0
    while i + 2 < len(stops) and p >= stops[i + 1][0]:
        i += 1
    a, b = stops[i], stops[i + 1]
    f = (p - a[0]) / (b[0] - a[0])
    return tuple(int(float(a[k]) + (float(b[k]) - float(a[k])) * f + 0.5) for k in (1, 2, 3))


def pixel(case, cx, cy):
    zr = zi = zr2 = zi2 = 0.0
    n = 0
    while n < case["iterations"] and zr2 + zi2 <= BAILOUT2:
        zi = 2.0 * zr * zi + cy
        zr = zr2 - zi2 + cx
        zr2 = zr * zr
        zi2 = zi * zi
        n += 1
    if zr2 + zi2 <= BAILOUT2:
        return (0, 0, 0)
    mu = (n + 1 - math.log2(0.5 * math.log(zr2 + zi2))) if case["smooth"] else float(n)
    if not mu >= 0.0:
        mu = 0.0
    return colour(PALETTES[case["palette"]], math.fmod(mu / CYCLE, 1.0))


def render(case):
    """Rows of (r, g, b) tuples, top row first."""
    x0, x1, y0, y1 = bounds(case)
    w, h = case["width"], case["height"]
    dx = (x1 - x0) / w
    dy = (y1 - y0) / h
    return [[pixel(case, x0 + (col + 0.5) * dx, y1 - (row + 0.5) * dy) for col in range(w)] for row in range(h)]


def read_png(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB, non-interlaced PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG signature")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError("bad CRC in chunk %r" % kind)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    if (depth, colour_type, interlace) != (8, 2, 0):
        raise ValueError("expected 8-bit RGB non-interlaced, got depth %d colour type %d interlace %d"
                         % (depth, colour_type, interlace))
    raw = zlib.decompress(idat)
    stride, bpp = width * 3, 3
    rows, prev, pos = [], bytearray(stride), 0
    for _ in range(height):
        filt, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if filt == 0:
                pred = 0
            elif filt == 1:
                pred = a
            elif filt == 2:
                pred = b
            elif filt == 3:
                pred = (a + b) // 2
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else:
                raise ValueError("unknown filter %d" % filt)
            line[i] = (line[i] + pred) & 0xFF
        rows.append([tuple(line[3 * x:3 * x + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def main():
    app, pipelines, outdir, name = sys.argv[1:5]
    case = CASES[name]
    out = os.path.join(outdir, "reference-%s.png" % name)
    if os.path.exists(out):
        os.remove(out)
    sets = ["frame.%s=%s" % (k, json.dumps(v)) for k, v in case.items() if k not in ("pipeline", "rows")]
    sets += ["tiles.rows=%d" % case["rows"], "png.path=%s" % json.dumps(out)]
    command = [app, "run", os.path.join(pipelines, case["pipeline"]), "--threads", "2"]
    for s in sets:
        command += ["--set", s]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("%s\nexit %d\n%s" % (" ".join(command), done.returncode, done.stderr))
    width, height, got = read_png(out)
    want = render(case)
    if (width, height) != (case["width"], case["height"]):
        sys.exit("size %dx%d, expected %dx%d" % (width, height, case["width"], case["height"]))
    bad = [(x, y, got[y][x], want[y][x]) for y in range(height) for x in range(width) if got[y][x] != want[y][x]]
    if bad:
        sys.exit("%d of %d pixels differ; first (x, y, app, reference): %s"
                 % (len(bad), width * height, bad[:5]))
    inside = sum(1 for row in want for p in row if p == (0, 0, 0))
    print("%s: %dx%d, every pixel equal (%d inside the set)" % (name, width, height, inside))


if __name__ == "__main__":
    main()
