#!/usr/bin/env python3
"""Keeps the guides in docs/ true: what they show is what braid does.

  check_docs.py examples GUIDE EXAMPLES_DIR BIN_DIR...
      - every ```json block of GUIDE that is a whole pipeline (has "braid":)
        is, byte for byte, one of the files of EXAMPLES_DIR;
      - every ```cpp block is, byte for byte, part of a .cpp file of EXAMPLES_DIR;
      - every ```console block is a transcript: lines `$ command` followed by
        what the command prints (stdout and stderr together). Each command
        runs in bash, in EXAMPLES_DIR, with BIN_DIRs first on PATH, and must
        print exactly what the block shows (`$ echo $?` shows the exit code
        of the command before it). Blocks fenced as
        ```text are not run: timings and other output that changes.
  check_docs.py format FORMAT_MD BRAID
      - every kind that `BRAID kinds` lists has a section "### `NAME`" in
        FORMAT_MD with a table row per port (direction, name, types) and per
        parameter (name, value, default) as `BRAID kinds NAME` gives them,
        and every such section is a kind that BRAID lists;
      - every top-level and node key that the loader accepts (the keys its
        "unknown key" message lists) appears in FORMAT_MD in backquotes.
Prints what differs and exits 1, or exits 0.
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)


def blocks(text, lang):
    return [m.group(2) for m in FENCE.finditer(text) if m.group(1) == lang]


def run_transcript(block, cwd, env):
    """Runs the `$ ` lines of a console block; returns [(command, expected, got)]."""
    steps = []  # (command, expected output)
    for line in block.splitlines(keepends=True):
        if line.startswith("$ "):
            steps.append([line[2:].rstrip("\n"), ""])
        elif steps:
            steps[-1][1] += line
        else:
            raise SystemExit(f"console block does not start with '$ ': {block!r}")
    results = []
    status = 0
    for command, expected in steps:
        if command == "echo $?":
            got = f"{status}\n"
        else:
            p = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=240)
            status, got = p.returncode, p.stdout
        if got and not got.endswith("\n"):
            got += "\n"  # a block shows output on whole lines
        results.append((command, expected, got))
    return results


def check_examples(guide, examples, bin_dirs):
    text = open(guide).read()
    problems = []
    files = {}
    for name in sorted(os.listdir(examples)):
        path = os.path.join(examples, name)
        if os.path.isfile(path):
            files[name] = open(path, errors="replace").read()
    for block in blocks(text, "json"):
        if '"braid":' in block and block not in files.values():
            problems.append(f"a pipeline in {guide} is not a file of {examples}:\n{block}")
    sources = "".join(v for k, v in files.items() if k.endswith(".cpp"))
    for block in blocks(text, "cpp"):
        if block not in sources:
            problems.append(f"a C++ block of {guide} is not part of a .cpp file of {examples}:\n{block}")
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.abspath(d) for d in bin_dirs] + [env.get("PATH", "")])
    env.pop("BRAID_PLUGIN_PATH", None)
    console = blocks(text, "console")
    for block in console:
        for command, expected, got in run_transcript(block, examples, env):
            if got != expected:
                problems.append(f"$ {command}\n--- {guide} shows\n{expected}--- braid printed\n{got}---")
    if not console:
        problems.append(f"{guide} has no ```console block: nothing of it is checked")
    return problems


def expected_rows(doc):
    """The starts of the table rows that document, in format.md, the kind that
    `braid kinds NAME` describes in `doc`: one per port (direction, name,
    types) and one per parameter (name, value, default)."""
    rows = []
    part = None
    for line in doc.splitlines():
        m = re.match(r"^  (inputs|outputs|parameters):", line)
        if m:
            part = m.group(1)
            continue
        m = re.match(r"^    ([A-Za-z_][^:]*): (.*)$", line)
        if not (m and part):
            if not line.startswith("    "):
                part = None
            continue
        name, rest = m.groups()
        if part == "parameters":
            dm = re.match(r"^(.*?) \((default (.*?)|required|optional)\)(?: - (.*))?$", rest)
            value, given, default = dm.group(1), dm.group(2), dm.group(3)
            cell = f"`{default}`" if default else ("required" if given == "required" else "none (optional)")
            rows.append(f"| `{name}` | {value} | {cell} |")
        else:
            types = rest.partition(" - ")[0]
            cell = ", ".join(t if t == "any" else f"`{t}`" for t in types.split(", "))
            rows.append(f"| {part[:-1]} `{name}` | {cell} |")
    return rows


def check_format(format_md, braid):
    text = open(format_md).read()
    problems = []
    listing = subprocess.run([braid, "kinds"], stdout=subprocess.PIPE, text=True, check=True).stdout
    kinds = [line.split()[0] for line in listing.splitlines() if line.strip()]
    sections = {}
    for m in re.finditer(r"^### `([^`]+)`\n(.*?)(?=^#{1,3} |\Z)", text, re.M | re.S):
        sections[m.group(1)] = m.group(2)
    for kind in kinds:
        if kind not in sections:
            problems.append(f"{format_md}: no section \"### `{kind}`\" for the built-in kind {kind}")
            continue
        doc = subprocess.run([braid, "kinds", kind], stdout=subprocess.PIPE, text=True, check=True).stdout
        for row in expected_rows(doc):
            if row not in sections[kind]:
                problems.append(f"{format_md}: the section of {kind} lacks the row \"{row} ...\" "
                                f"(from `braid kinds {kind}`)")
    for kind in sections:
        if kind not in kinds:
            problems.append(f"{format_md}: a section \"### `{kind}`\" but `braid kinds` lists no kind {kind}")
    # The keys the loader accepts: its message for an unknown key lists them.
    doc = '{"braid": 1, "nodes": {"a": {"kind": "source.count", "unknown-node-key": 1}}, "edges": [], "unknown-top-key": 1}'
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(doc)
    try:
        err = subprocess.run([braid, "validate", f.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True).stderr
    finally:
        os.unlink(f.name)
    lists = re.findall(r"unknown key \(expected one of: ([^)]*)\)", err)
    if len(lists) != 2:
        problems.append(f"cannot read the accepted keys from braid validate's messages:\n{err}")
    for keys in lists:
        for key in keys.split(", "):
            if f"`{key}`" not in text:
                problems.append(f"{format_md}: the key `{key}` is accepted by the loader but not documented")
    return problems


def main(argv):
    if len(argv) >= 4 and argv[1] == "examples":
        problems = check_examples(argv[2], argv[3], argv[4:])
    elif len(argv) == 4 and argv[1] == "format":
        problems = check_format(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
