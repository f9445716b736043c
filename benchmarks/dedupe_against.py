"""Linking a new export against a base (``normdesk dedupe NEW --against BASE``), the way a user does
it every month: the first run in a data folder normalizes the base and keeps its comparison columns;
the next runs (same base, same data folder) take them from there. Both, side by side in one run.

    python benchmarks/dedupe_against.py BASE_ROWS NEW_ROWS [--runs 2]

BASE is ``gen_contacts.py BASE_ROWS`` (seed 42), NEW ``gen_contacts.py NEW_ROWS --seed 7`` plus
copies of a tenth of BASE's rows (so that some of the new rows are people the base has). Prints a
Markdown table for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedupe_accuracy import SHARED  # noqa: E402
from dedupe_speed import run_measured  # noqa: E402


def generate(rows: int, seed: int, out: Path) -> None:
    subprocess.run([sys.executable, str(SHARED / "bench" / "gen_contacts.py"), str(rows), "--seed", str(seed),
                    "--out", str(out), "--truth", str(out.with_suffix(".truth.parquet"))], check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("base_rows", type=int)
    ap.add_argument("new_rows", type=int)
    ap.add_argument("--runs", type=int, default=2, help="runs in the same data folder (the first keeps the base)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base, fresh, new = work / "base.csv", work / "fresh.csv", work / "new.csv"
        generate(args.base_rows, 42, base)
        generate(args.new_rows, 7, fresh)
        known = pl.read_csv(base, infer_schema=False).sample(fraction=0.1, seed=1)
        pl.concat([pl.read_csv(fresh, infer_schema=False), known]).write_csv(new)
        rows = args.new_rows + known.height
        env = dict(os.environ, NORMDESK_HOME=str(work / "home"))
        results = [run_measured([str(new), "--against", str(base)], work / f"out{i}.csv", env, work)
                   for i in range(args.runs)]
    print("| base rows | new rows | run | wall | peak RSS | pairs compared | new rows linked to the base |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for i, (elapsed, peak, report) in enumerate(results):
        phases = ", ".join(f"{k} {v:.0f} s" for k, v in report["phases_s"].items())
        what = "first (normalizes the base, keeps it)" if i == 0 else "again (the kept base)"
        print(f"| {args.base_rows:,} | {rows:,} | {what} | {elapsed:.1f} s ({phases}) | {peak:,.0f} MiB "
              f"| {report['pairs_compared']:,} | {report['rows_in_clusters']:,} |")


if __name__ == "__main__":
    main()
