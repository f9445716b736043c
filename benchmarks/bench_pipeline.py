#!/usr/bin/env python3
"""End-to-end benchmark: `normdesk run` (auto-detecting the four typed columns) against the naive
pandas baseline (`../shared/bench/naive_baseline.py --mode column`), side by side in one run, on
files from `../shared/bench/gen_contacts.py`.

    python benchmarks/bench_pipeline.py 100000 1000000 [--baseline-rows 100000] [--runs 1] [--before DIR]

``--before DIR`` also runs the normdesk package found in DIR (e.g. ``git archive REV normdesk | tar
-x -C DIR``: the version before a change), alternating with this checkout's run by run, and this
checkout with ``--safe-formulas``; the best of ``--runs`` of each is printed.

Wall time includes interpreter start and imports (what a user waits for). Peak memory is the
largest sum of RSS over the process and all its children (normdesk's worker processes),
sampled every 50 ms. Prints a Markdown table; add it to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
from workload import DATA, contacts

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"


FLOOR = (
    "import sys, polars as pl; "
    "pl.read_csv(sys.argv[1], infer_schema=False).write_csv(sys.argv[2])"
)




def measure(cmd: list[str], pythonpath: Path | None = None) -> tuple[float, float]:
    """Run ``cmd`` (with ``pythonpath`` first on PYTHONPATH); return (wall seconds, peak RSS of the
    process tree in MiB)."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath)) if pythonpath else None
    started = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{proc.stderr.read().decode()}")
    return wall, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="+", type=int)
    parser.add_argument("--baseline-rows", type=int, nargs="*", default=None,
                        help="sizes at which the baseline also runs (default: all; it is slow)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--before", type=Path, help="a folder holding another normdesk package to compare with")
    args = parser.parse_args()
    baseline_at = set(args.rows if args.baseline_rows is None else args.baseline_rows)
    out = DATA / "out"
    out.mkdir(parents=True, exist_ok=True)
    normdesk = [sys.executable, "-m", "normdesk"]
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print("| rows | what | wall s | rows/s | peak MiB | speed-up vs baseline |")
    print("|---:|---|---:|---:|---:|---:|")
    for rows in args.rows:
        src = contacts(rows)
        floor = measure([sys.executable, "-c", FLOOR, str(src), str(out / "floor.csv")])
        print(f"| {rows:,} | floor: polars read_csv + write_csv, no normalization | {floor[0]:.1f} "
              f"| {rows / floor[0]:,.0f} | {floor[1]:,.0f} | |")
        run = [*normdesk, "run", str(src), "-o", str(out / "nd.csv")]
        timings: dict[str, list[tuple[float, float]]] = {"now": [], "before": [], "safe": []}
        for _ in range(args.runs):  # alternate, so that a busy moment of the machine hits both
            timings["now"].append(measure(run))
            if args.before:
                timings["before"].append(measure(run, args.before.resolve()))
                timings["safe"].append(measure([*run, "--safe-formulas"]))
        best = min(timings["now"], key=lambda m: m[0])
        if args.before:
            for key, what in (("before", f"normdesk run, before ({args.before})"),
                              ("safe", "normdesk run --safe-formulas")):
                other = min(timings[key], key=lambda m: m[0])
                print(f"| {rows:,} | {what} | {other[0]:.1f} | {rows / other[0]:,.0f} | {other[1]:,.0f} "
                      f"| wall time {other[0] / best[0]:.2f}x this checkout's |")
        line = f"| {rows:,} | normdesk run | {best[0]:.1f} | {rows / best[0]:,.0f} | {best[1]:,.0f} |"
        if rows in baseline_at:
            base = measure([sys.executable, str(SHARED / "naive_baseline.py"), str(src), str(out / "naive.csv"),
                            "--mode", "column"])
            print(f"| {rows:,} | naive baseline, column mode | {base[0]:.1f} | {rows / base[0]:,.0f} "
                  f"| {base[1]:,.0f} | 1.0 |")
            line += f" {base[0] / best[0]:.1f}x |"
        else:
            line += " |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
