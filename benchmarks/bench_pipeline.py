#!/usr/bin/env python3
"""End-to-end benchmark: `normdesk run` (auto-detecting the four typed columns) against the naive
pandas baseline (`../shared/bench/naive_baseline.py --mode column`), side by side in one run, on
files from `../shared/bench/gen_contacts.py`.

    python benchmarks/bench_pipeline.py 100000 1000000 [--baseline-rows 100000] [--runs 1] [--against DIR]

Wall time includes interpreter start and imports (what a user waits for). Peak memory is the
largest sum of RSS over the process and all its children (normdesk's worker processes),
sampled every 50 ms. ``--against DIR`` also runs the normdesk of another checkout (say, main
exported to DIR) on the same file, runs alternating, and prints this one's time relative to it.
Prints a Markdown table; add it to docs/BENCHMARKS.md.
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




def measure(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Run ``cmd`` (in ``cwd``: ``python -m`` imports from there); return (wall seconds, peak RSS of
    the process tree in MiB)."""
    started = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
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
    parser.add_argument("--against", type=Path, help="another checkout whose normdesk runs side by side")
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
        if args.against:
            _side_by_side(normdesk, src, out, rows, args.against, args.runs)
            continue
        best = min((measure([*normdesk, "run", str(src), "-o", str(out / "nd.csv")]) for _ in range(args.runs)),
                   key=lambda m: m[0])
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


def _side_by_side(normdesk: list[str], src: Path, out: Path, rows: int, other: Path, runs: int) -> None:
    """This checkout's ``normdesk run`` and ``other``'s, alternating; the best of ``runs`` each."""
    cmd = [*normdesk, "run", str(src.resolve()), "-o", str((out / "nd.csv").resolve())]
    mine, theirs = [], []
    for _ in range(runs):
        theirs.append(measure(cmd, cwd=other.resolve()))
        mine.append(measure(cmd, cwd=ROOT))
    a, b = min(theirs), min(mine)
    print(f"| {rows:,} | normdesk run, {other} | {a[0]:.1f} | {rows / a[0]:,.0f} | {a[1]:,.0f} | |")
    print(f"| {rows:,} | normdesk run, this checkout | {b[0]:.1f} | {rows / b[0]:,.0f} | {b[1]:,.0f} "
          f"| time {b[0] / a[0]:.2f}x of {other.name} |", flush=True)


if __name__ == "__main__":
    main()
