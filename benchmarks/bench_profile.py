#!/usr/bin/env python3
"""The cost of column profiling: the same run with profiling off and on, side by side in one run,
on gen_contacts' file (the pipeline benchmark's workload), then the cost of rendering the report.

    python benchmarks/bench_profile.py 1000000 [--runs 1]

Each run is a fresh process (`detect_file` + `run_file`, default workers), wall time including
imports; peak memory is the largest sum of RSS over the process and its worker processes. Runs
alternate off/on so a change in the machine's load hits both alike. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from bench_pipeline import measure
from workload import DATA, contacts

RUN = (
    "import json, sys; from normdesk.engine import detect_file, plan_from_detection, run_file; "
    "src, out, profile = sys.argv[1], sys.argv[2], sys.argv[3] == 'on'; "
    "report = run_file(src, out, plan_from_detection(detect_file(src)), profile=profile); "
    "profile and open(sys.argv[4], 'w').write(json.dumps(report.to_dict()))"
)


def render_cost(report_json: str, source: str) -> tuple[float, int]:
    """Seconds to render the HTML report of a finished run, and its size in bytes."""
    from normdesk.engine.quality_report import render_html
    from normdesk.engine.report import Report

    with open(report_json, encoding="utf-8") as fh:
        report = Report.from_dict(json.load(fh))
    started = time.perf_counter()
    page = render_html(report, source)
    return time.perf_counter() - started, len(page.encode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    src = contacts(args.rows)
    out = DATA / "out"
    out.mkdir(parents=True, exist_ok=True)
    saved = str(out / "profile_report.json")
    results: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
    for _ in range(args.runs):
        for mode in ("off", "on"):
            results[mode].append(measure([sys.executable, "-c", RUN, str(src), str(out / f"{mode}.csv"), mode, saved]))
    off = min(results["off"], key=lambda m: m[0])
    on = min(results["on"], key=lambda m: m[0])
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; best of {args.runs}")
    print("| rows | profiling | wall s | rows/s | peak MiB |")
    print("|---:|---|---:|---:|---:|")
    for name, (wall, peak) in (("off", off), ("on", on)):
        print(f"| {args.rows:,} | {name} | {wall:.1f} | {args.rows / wall:,.0f} | {peak:,.0f} |")
    print(f"\nprofiling on vs off: wall {100 * (on[0] / off[0] - 1):+.1f}%, peak memory {100 * (on[1] / off[1] - 1):+.1f}%")
    seconds, size = render_cost(saved, str(src))
    print(f"rendering the HTML report: {seconds:.2f} s, {size / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
