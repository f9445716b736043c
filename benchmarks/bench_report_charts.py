#!/usr/bin/env python3
"""The quality report's charts: SVG from Jinja2 macros (engine/charts.py) against the matplotlib charts
they replaced (engine/charts.py at commit 0ca6eeb, read with git show), the same series side by side.

    python benchmarks/bench_report_charts.py [REPORT.json] [--runs 3]

Without REPORT.json the bundled sample is run first (the number of charts does not grow with the
file: at most 8 bars each, a fixed set per column). Prints a Markdown table: seconds to draw every
chart of the report (best of ``runs``, after one warm-up), their total size, and the whole HTML page.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "0ca6eeb"


def load_baseline(tmp: Path):
    """The matplotlib chart module of BASELINE, imported from a temporary file."""
    source = subprocess.run(["git", "show", f"{BASELINE}:normdesk/engine/charts.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = tmp / "charts_matplotlib.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("charts_matplotlib", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def draw_all(report, draw_series, draw_stacked) -> list[str]:
    from normdesk.engine.quality_report import ColumnView, _transpose

    views = [ColumnView(key, prof, report.columns.get(key)) for key, prof in report.profile.items()]
    out = [draw_stacked([v.profile.header for v in views], _transpose([v.outcome_parts() for v in views]), "Outcomes")]
    from normdesk.engine.chart_data import column_series

    for v in views:
        out += [draw_series(s) for s in column_series(v.profile, v.count_dict)]
    return out


def best(runs: int, fn) -> tuple[float, list[str]]:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from normdesk.engine import charts
    from normdesk.engine.quality_report import render_html
    from normdesk.engine.report import Report

    with tempfile.TemporaryDirectory(prefix="nd-bench-charts-") as tmp:
        tmp = Path(tmp)
        path, source = args.report, "report.json"
        if path is None:
            path, source = tmp / "report.json", ROOT / "resources" / "sample_contacts.csv"
            subprocess.run([sys.executable, "-m", "normdesk", "run", str(source), "-o", str(tmp / "out.csv"),
                            "--report", str(path)], check=True, capture_output=True)
        report = Report.from_dict({k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if k != "source"})
        old = load_baseline(tmp)

        def old_series(s):
            labels, counts = [k for k, _ in s.items], [n for _, n in s.items]
            if s.kind == "lengths":
                return old.histogram([int(k.rstrip("+")) for k in labels], counts, s.title, 65)
            return old.bars(labels, counts, s.title)

        new_s, new_charts = best(args.runs, lambda: draw_all(report, charts.chart, charts.stacked))
        old_s, old_charts = best(args.runs, lambda: draw_all(report, old_series, old.stacked))
        page_s, page = best(args.runs, lambda: [render_html(report, source)])
        print(f"{report.total_rows:,} rows, {len(report.profile)} columns, {len(new_charts)} charts; "
              f"HTML page with the SVG charts: {page_s:.3f} s, {len(page[0].encode()) // 1024} KiB\n")
        print("| charts | seconds (best of %d) | total size |" % args.runs)
        print("|---|---:|---:|")
        for name, secs, drawn in (("Jinja2 SVG (now)", new_s, new_charts), (f"matplotlib SVG ({BASELINE})", old_s, old_charts)):
            print(f"| {name} | {secs:.3f} | {sum(len(c.encode()) for c in drawn) // 1024} KiB |")
        print(f"\nratio matplotlib / Jinja2 SVG: {old_s / new_s:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
