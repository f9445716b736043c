"""Speed and peak memory of ``normdesk dedupe`` on generated contacts with injected duplicates,
beside the naive rule (exact email) in the same run; appends a row to docs/BENCHMARKS.md.

    python benchmarks/dedupe_speed.py N [--no-append]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedupe_accuracy import SHARED, inject  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        raw, dup = work / "raw.csv", work / "dups.csv"
        subprocess.run([sys.executable, str(SHARED / "bench" / "gen_contacts.py"), str(args.n), "--out", str(raw),
                        "--truth", str(work / "t.parquet")], check=True, capture_output=True)
        inject(raw, dup, 42)
        rows = pl.scan_csv(dup, infer_schema=False).select(pl.len()).collect().item()
        started = time.monotonic()
        naive = pl.scan_csv(dup, infer_schema=False).select(
            pl.col("email").str.strip_chars().str.to_lowercase()).group_by("email").len().collect()
        naive_s = time.monotonic() - started
        env = dict(os.environ, NORMDESK_HOME=str(work / "home"))
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "normdesk", "dedupe", str(dup), "-o", str(work / "out.csv"),
                               "--json"], env=env, check=True, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report = json.loads(done.stdout)
    del naive
    line = (f"| {rows:,} | {elapsed:.1f} s | {rows / elapsed:,.0f} | {peak_mib:,.0f} MiB | {report['pairs_compared']:,} "
            f"| {report['clusters']:,} | {naive_s:.2f} s | {', '.join(report['blocking_rules'])} |")
    print("| rows | dedupe wall time | rows/s | peak RSS | pairs compared | clusters | naive exact-email | blocking rules |")
    print(line)
    if not args.no_append:
        with DOCS.open("a", encoding="utf-8") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
