#!/usr/bin/env python3
"""Address groups end to end: ``normdesk run`` on a split file with a home and a work address
(``split_layouts.py``, layout ``two``), this checkout beside another (``--before DIR``, e.g.
``git archive <commit> normdesk | tar -x -C DIR``), alternating run by run, each with a data folder
of its own that it keeps between its runs (as a user's does: the ZIP table kept there is built once).

    python benchmarks/bench_groups.py 100000 --before DIR [--runs 3]

Prints a Markdown table for docs/BENCHMARKS.md; checks that both give the same bytes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import split_layouts
from bench_pipeline import measure


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("--before", type=Path, required=True, metavar="DIR")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "two.csv"
        split_layouts.write(src, args.rows, "two")
        times: dict[str, list[tuple[float, float]]] = {"before": [], "this": []}
        for _ in range(args.runs):
            for label, pythonpath in (("before", args.before.resolve()), ("this", None)):
                os.environ["NORMDESK_HOME"] = str(work / f"home-{label}")
                cmd = [sys.executable, "-m", "normdesk", "run", str(src), "-o", str(work / f"{label}.csv")]
                times[label].append(measure(cmd, pythonpath))
        same = (work / "before.csv").read_bytes() == (work / "this.csv").read_bytes()
    print(f"same output: {same}")
    print("| rows, two address groups | what | wall s (best of {}) | every run | peak MiB |".format(args.runs))
    print("|---:|---|---:|---|---:|")
    for label, what in (("before", f"before ({args.before.name})"), ("this", "this checkout")):
        wall, peak = min(times[label])
        every = ", ".join(f"{w:.1f}" for w, _ in times[label])
        print(f"| {args.rows:,} | {what} | {wall:.1f} | {every} | {peak:,.0f} |")


if __name__ == "__main__":
    main()
