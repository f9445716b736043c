"""A 1,000,000-row file: the preview opens in about a second, and while the real worker pool
normalizes it the GUI event loop stays responsive (a timer measuring its own lateness); the
running job is then cancelled from the table and leaves no output."""

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import polars as pl
import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

from normdesk.gui.job_model import FRACTION_ROLE, JobColumn
from normdesk.gui.main_window import MainWindow
from normdesk.settings import Settings
from normdesk.jobs import JobQueue
from normdesk.workers import WorkerPool

ROWS = 1_000_000
TICK_MS = 20
MAX_LATENESS_MS = 100
MEASURE_S = 6.0

FIRST = ["John", "jane", "ANN", "Pat", "María", "Lee", "Chris", "Dana"]
LAST = ["Smith", "o'brien", "GARCIA", "Lee", "Nguyen", "Müller", "Brown", "Kim"]
STREETS = ["Main St", "Oak Avenue Apt 4", "Pine Rd", "Elm Street Suite 210", "N 3rd St"]


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """1,000,000 varied contacts written by polars in about a second (no per-row Python)."""
    i = pl.int_range(0, ROWS, eager=True)
    frame = pl.DataFrame({
        "full_name": pl.Series(FIRST).gather(i % len(FIRST)) + " " + pl.Series(LAST).gather((i // 8) % len(LAST)),
        "email": "user" + (i % 50_000).cast(pl.Utf8) + "@Example.COM",
        "phone": "(415) 555-" + (i % 10_000).cast(pl.Utf8).str.zfill(4),
        "address": (i % 9000 + 1).cast(pl.Utf8) + " " + pl.Series(STREETS).gather(i % len(STREETS))
        + ", Springfield, IL 62704",
        "notes": "row " + i.cast(pl.Utf8),
    })
    path = tmp_path_factory.mktemp("big") / "contacts_1m.csv"
    frame.write_csv(path)
    return path


def test_preview_of_a_million_rows_opens_in_about_a_second(qtbot, home, big_csv):
    queue = JobQueue()
    window = MainWindow(queue, None, Settings())
    qtbot.addWidget(window)
    started = time.perf_counter()
    dialog = window.open_files([big_csv])
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1, timeout=20_000)
    elapsed = time.perf_counter() - started
    (preview,) = dialog.previews()
    assert {r.name: r.detected.type.value for r in preview.columns_model.rows()} == {
        "full_name": "name", "email": "email", "phone": "phone", "address": "address", "notes": "unknown"}
    print(f"\npreview of {ROWS:,} rows ready in {elapsed:.2f} s")
    assert elapsed < 3.0  # about a second on a quiet machine; room for a shared 2-core box
    dialog.reject()
    window.feed.stop()
    queue.close()


def test_event_loop_stays_responsive_while_a_big_job_runs(qtbot, home, big_csv, tmp_path):
    queue = JobQueue()
    pool = WorkerPool(queue, concurrency=1)
    window = MainWindow(queue, pool, Settings(worker_concurrency=1))
    qtbot.addWidget(window)
    window.show()
    pool.start()
    try:
        output = tmp_path / "out.csv"
        dialog = window.open_files([big_csv])
        qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1, timeout=20_000)
        dialog.folder.setText(str(tmp_path))
        with qtbot.waitSignal(pool.job_started, timeout=20_000):
            dialog.accept()
        (job,) = queue.list()
        output = job.output_path

        lateness: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        def tick():
            now = clock.elapsed()
            lateness.append(now - last[0] - TICK_MS)
            last[0] = now

        timer = QTimer(interval=TICK_MS, timeout=tick)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        progress_seen: list[float] = []
        pool.job_progress.connect(lambda _id, _rows, fraction: progress_seen.append(fraction))
        qtbot.waitUntil(lambda: bool(progress_seen), timeout=60_000)  # worker processes are up
        last[0] = clock.elapsed()
        timer.start()
        qtbot.wait(int(MEASURE_S * 1000))
        timer.stop()

        assert queue.get(job.id).status == "processing", "the job should still be running"
        row = window.model.row_of(job.id)
        assert window.model.index(row, JobColumn.PROGRESS).data(FRACTION_ROLE) > 0
        ordered = sorted(lateness)
        p99 = ordered[int(len(ordered) * 0.99)]
        print(f"\n{len(lateness)} ticks, lateness max {ordered[-1]:.0f} ms, p99 {p99:.0f} ms, "
              f"median {ordered[len(ordered) // 2]:.0f} ms, progress {progress_seen[-1]:.1%}")
        assert len(lateness) > MEASURE_S * 1000 / TICK_MS / 2
        # The engine's worker processes take both cores; on a machine shared with other jobs a
        # rare tick is late by the OS scheduler (seen: 357 ms beside a kill soak), so the bound is on
        # the 99th percentile, and the worst tick only has to show the window never froze.
        assert p99 < MAX_LATENESS_MS
        assert ordered[-1] < 10 * MAX_LATENESS_MS

        window.table.selectRow(window.proxy.mapFromSource(window.model.index(row, 0)).row())
        window.cancel_action.trigger()
        qtbot.waitUntil(lambda: queue.get(job.id).status == "cancelled", timeout=30_000)
        qtbot.waitUntil(lambda: window.model.index(window.model.row_of(job.id), JobColumn.STATUS).data() == "cancelled")
        assert not os.path.exists(output)
        assert not [p for p in os.listdir(tmp_path) if p.endswith(".normdesk-part")]
    finally:
        window.feed.stop()
        pool.stop()
        queue.close()
