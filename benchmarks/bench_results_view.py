"""The results view on a large job: time to open (first rows on screen, all rows indexed), event-loop
pauses while it indexes and while it scrolls to the end (``latency_probe``), and memory; beside it, in
the same run, the floor (the same table over a plain in-memory model), the eager baseline (the whole
output read with polars on the GUI thread), and the filters' passes.

    python benchmarks/bench_results_view.py [--rows 1000000] [--input FILE.csv] [--reuse TMPDIR]

The job is run by the real queue first (detected plan, two worker processes) into a temp folder;
``--reuse`` measures the job of an earlier run's folder again, without running it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCROLL_TICK_MS = 16  # one scroll step per frame


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process, MiB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def run_job(source: Path, out: Path):
    from normdesk.jobs import Dispatcher, JobQueue

    queue = JobQueue()
    job = queue.submit(source, out)
    dispatcher = Dispatcher(queue, concurrency=1, start_rate=100, workers=2)
    dispatcher.open()
    try:
        started = time.perf_counter()
        while (control := dispatcher.claim()) is not None:
            dispatcher.run(control)
        print(f"job ran in {time.perf_counter() - started:.1f} s")
    finally:
        dispatcher.close()
    return queue, queue.get(job.id)


def wait(app, until, timeout_s: float = 600) -> float:
    """Run the event loop until ``until()`` holds (checked every millisecond, from the loop)."""
    from PySide6.QtCore import QEventLoop, QTimer

    started = time.perf_counter()
    loop, check = QEventLoop(), QTimer()
    check.setInterval(1)
    check.timeout.connect(lambda: loop.quit() if until() or time.perf_counter() - started > timeout_s else None)
    check.start()
    if not until():
        loop.exec()
    check.stop()
    if not until():
        raise TimeoutError("the results view did not get there")
    return time.perf_counter() - started


def scroll_to_end(app, table, probe) -> dict:
    """Scroll ``table`` from the top to the end in ~300 frames (then the end at once), probed."""
    from PySide6.QtCore import QEventLoop, QTimer

    bar = table.verticalScrollBar()
    bar.setValue(0)
    step = max(1, bar.maximum() // 300)
    loop, timer = QEventLoop(), QTimer()
    timer.setInterval(SCROLL_TICK_MS)

    def scroll() -> None:
        if bar.value() >= bar.maximum():
            timer.stop()
            QTimer.singleShot(200, loop.quit)
        else:
            bar.setValue(min(bar.maximum(), bar.value() + step))

    timer.timeout.connect(scroll)
    probe.start()
    started = time.perf_counter()
    timer.start()
    loop.exec()
    table.scrollToBottom()
    wait(app, lambda: True)
    probe.stop()
    return {**probe.summary(), "s": round(time.perf_counter() - started, 1)}


def measure_floor(app, rows: int) -> dict:
    """The floor: the same table over rows held in memory by the simplest Python model (what Qt and
    PySide cost per frame, whatever the model reads)."""
    from latency_probe import LatencyProbe
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QHeaderView, QTableView

    class Plain(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):
            return rows

        def columnCount(self, parent=QModelIndex()):
            return 24

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            return f"r{index.row()} c{index.column()}" if role == Qt.ItemDataRole.DisplayRole else None

    table = QTableView()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.horizontalHeader().setDefaultSectionSize(150)
    model = Plain()
    table.setModel(model)
    table.resize(1280, 760)
    table.show()
    result = scroll_to_end(app, table, LatencyProbe())
    table.close()
    return result


def measure_view(app, job) -> dict:
    from latency_probe import LatencyProbe

    from normdesk.gui.results_view import ResultsView

    rss_before = rss_mib()[0]
    probe = LatencyProbe()
    probe.start()
    started = time.perf_counter()
    view = ResultsView(job)
    view.resize(1280, 800)
    view.show()
    first = wait(app, lambda: view.model is not None and view.model.rowCount() > 0)
    view.table.viewport().repaint()
    first_shown = time.perf_counter() - started
    wait(app, lambda: view.model.done and view.model.rowCount() == view.model.total_rows())
    indexed = time.perf_counter() - started
    probe.stop()
    opening = probe.summary()

    scrolling = scroll_to_end(app, view.table, probe)
    last = view.model.rowCount() - 1
    assert view.model.cell(last, 0) != "" or view.model.cell(last, 1) != ""
    current, peak = rss_mib()
    view.close()
    return {"first_rows_s": round(first_shown, 3), "loaded_s": round(first, 3), "indexed_s": round(indexed, 2),
            "open": opening, "scroll": scrolling,
            "rows": last + 1, "rss_growth_mib": round(current - rss_before), "peak_mib": round(peak)}


def measure_eager(job) -> dict:
    """The baseline: the whole output in memory, read on the GUI thread (the loop is blocked throughout)."""
    import polars as pl

    before = rss_mib()[0]
    started = time.perf_counter()
    frame = pl.read_csv(job.output_path, infer_schema=False)
    elapsed = time.perf_counter() - started
    current, peak = rss_mib()
    rows = frame.height
    del frame
    return {"open_s": round(elapsed, 3), "pause_ms": round(elapsed * 1000), "rows": rows,
            "rss_growth_mib": round(current - before), "peak_mib": round(peak)}


def measure_filters(job) -> dict:
    """Each filter's pass over the whole output (and the input, for "changed only"), and an export
    of the rows with issues, as the view runs them on a pool thread."""
    from normdesk.engine.results import ResultLayout, RowFilter, export_rows, matching_rows, open_input
    from normdesk.engine.row_index import RowIndex
    from normdesk.gui.results_view import ran_plan

    plan = ran_plan(job)
    index = RowIndex.of_output(job.output_path)
    layout = ResultLayout.of(plan, open_input(plan, job.input_path), index.read_header())
    index.build()
    out = {}
    for name, flt in (("issues", RowFilter(issues_only=True)), ("search", RowFilter(text="smith")),
                      ("changed", RowFilter(changed_only=True))):
        started = time.perf_counter()
        rows = matching_rows(job.output_path, ",", flt, layout, plan, job.input_path)
        out[name] = {"s": round(time.perf_counter() - started, 2), "rows": rows.len()}
    started = time.perf_counter()
    rows = matching_rows(job.output_path, ",", RowFilter(issues_only=True), layout)
    n = export_rows(index, rows, Path(job.output_path).with_name("issues.csv"), layout.header)
    out["export_issues"] = {"s": round(time.perf_counter() - started, 2), "rows": n}
    out["peak_mib"] = round(rss_mib()[1])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--input", type=Path, help="a contacts CSV (default: the generated workload)")
    ap.add_argument("--reuse", type=Path, help="the temp folder of an earlier run: measure its job again")
    args = ap.parse_args()
    tmp = args.reuse or Path(tempfile.mkdtemp(prefix="nd-bench-results-"))
    os.environ["NORMDESK_HOME"] = str(tmp / "home")
    if args.input is None and args.reuse is None:
        from workload import contacts

        args.input = contacts(args.rows)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    if args.reuse:
        from normdesk.jobs import JobQueue

        queue = JobQueue()
        job = next(j for j in queue.list() if j.status.value == "completed")
    else:
        queue, job = run_job(args.input, tmp / "out.csv")
    print(f"output: {job.output_path} ({Path(job.output_path).stat().st_size / 2**20:.0f} MiB, {job.total_rows:,} rows)")
    lazy = measure_view(app, job)
    print("results view, first open in this process:", lazy)
    warm = measure_view(app, job)
    print("results view, opened again:", warm)
    floor = measure_floor(app, job.total_rows)
    print("floor, a plain in-memory model in the same table:", floor)
    eager = measure_eager(job)
    print("eager baseline:", eager)
    print("filters:", measure_filters(job))
    print(f"time to first rows: view {lazy['first_rows_s']} s vs eager {eager['open_s']} s "
          f"(ratio {eager['open_s'] / max(lazy['first_rows_s'], 1e-3):.1f}x)")
    queue.close()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # the ballast above only delays PySide's None leak: the interpreter's teardown would trip it
