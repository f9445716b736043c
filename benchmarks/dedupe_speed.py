"""Speed and peak memory of ``normdesk dedupe`` on generated contacts with injected duplicates,
beside the naive rule (exact email) in the same run, and optionally beside another checkout of
normdesk (``--baseline DIR``, e.g. ``git archive <commit> | tar -x -C DIR``) on the same file;
appends its rows to docs/BENCHMARKS.md.

    python benchmarks/dedupe_speed.py N [--baseline DIR] [--no-append]
"""

from __future__ import annotations

import argparse
import json
import os
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
    ap.add_argument("--baseline", type=Path, metavar="DIR", help="also run this checkout's normdesk, first")
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
        runs = [("baseline", args.baseline)] if args.baseline else []
        results = [(label, *run(dup, work, label, checkout)) for label, checkout in runs + [("this", None)]]
    del naive
    print("| rows | dedupe wall time | rows/s | peak RSS | pairs compared | clusters | naive exact-email | blocking rules |")
    lines = []
    for label, elapsed, peak_mib, report in results:
        phases = ", ".join(f"{k} {v:.0f} s" for k, v in report.get("phases_s", {}).items())
        ratio = f", {results[0][1] / elapsed:.2f}x the baseline" if label == "this" and len(results) > 1 else ""
        lines.append(f"| {rows:,} | {elapsed:.1f} s ({label}{ratio}{'; ' + phases if phases else ''}) "
                     f"| {rows / elapsed:,.0f} | {peak_mib:,.0f} MiB "
                     f"| {report['pairs_compared']:,} | {report['clusters']:,} | {naive_s:.2f} s "
                     f"| {', '.join(report['blocking_rules'])} |")
    print("\n".join(lines))
    if not args.no_append:
        with DOCS.open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def run(dup: Path, work: Path, label: str, checkout: Path | None) -> tuple[float, float, dict]:
    """One ``normdesk dedupe`` of ``dup`` (with ``checkout``'s normdesk, else this one's)."""
    env = dict(os.environ, NORMDESK_HOME=str(work / f"home-{label}"))
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout.resolve())
    return run_measured([str(dup)], work / f"out-{label}.csv", env, work)


def run_measured(args: list[str], output: Path, env: dict, cwd: Path) -> tuple[float, float, dict]:
    """``normdesk dedupe ARGS -o OUTPUT --json`` in its own process: wall time, peak RSS (the largest
    of its process tree, by a ``time -v``-like rusage of a wrapper), report."""
    wrapper = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "sys.stderr.write(p.stderr); print(p.stdout); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(p.returncode)")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "normdesk", "dedupe", *args,
                           "-o", str(output), "--json"], env=env, capture_output=True, text=True, cwd=cwd)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"normdesk dedupe failed: {done.stderr.strip()[-2000:]}")
    *report, peak = done.stdout.strip().splitlines()
    return elapsed, int(peak) / 1024, json.loads("\n".join(report))


if __name__ == "__main__":
    main()
