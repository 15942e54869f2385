#!/usr/bin/env python3
"""Writes the invalid pipelines of this catalogue that are not hand-written:
binary files and files too big or too deep to write by hand. Run it from any
directory; then make each NAME.err with `braid validate NAME.json 2> NAME.err`
(run from this directory) and read it."""
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))

SEED = """{
  "braid": 1,
  "name": "seed-sum",
  "description": "DESC",
  "nodes": {
    "numbers": { "kind": "source.values", "params": { "values": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } },
    "split":   { "kind": "split", "params": { "chunks": 4 } },
    "partial": { "kind": "reduce.sum" },
    "total":   { "kind": "gather.sum" },
    "result":  { "kind": "sink.output" }
  },
  "edges": [ "numbers -> split -> partial -> total -> result" ]
}
"""


def seed(description):
    return SEED.replace("DESC", "Sum of 1..10 in 4 chunks; " + description)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


# A pipeline saved gzip-compressed (mtime 0: the same bytes every time).
write("json-gzip-compressed.json", gzip.compress(seed("the file is gzip-compressed").encode(), mtime=0))
# Saved as UTF-16 with a byte order mark, as some Windows tools do.
write("json-utf16.json", b"\xff\xfe" + seed("saved as UTF-16").encode("utf-16-le"))
# A Latin-1 byte in a string: not UTF-8.
write("json-invalid-utf8.json",
      seed("a Latin-1 byte in the name").replace('"seed-sum"', '"seed-sum-\xe9t\xe9"').encode("latin-1"))
# 300 levels of arrays in a parameter: deeper than the 256 levels braid reads.
write("json-nesting-too-deep.json",
      seed("the values are nested 300 arrays deep").replace("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]",
                                                            "[" * 300 + "1, 2, 3" + "]" * 300))

# The 100,000-node pipeline is generated at configure time: tests/cli/huge_pipeline.cmake.
