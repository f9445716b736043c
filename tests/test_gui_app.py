"""The entry point opens the window over the data folder's queue and settings, and returns 0."""

import csv
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from normdesk.gui.app import main
from normdesk.gui.main_window import MainWindow
from normdesk.settings import Settings
from normdesk.settings import save as save_settings
from normdesk.jobs import JobQueue


def test_main_shows_the_queue_and_the_saved_settings(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))
    save_settings(Settings(country="DE", worker_concurrency=1))
    source = tmp_path / "a.csv"
    with open(source, "w", newline="") as fh:
        csv.writer(fh).writerows([["name", "email"], ["Ann Lee", "ann@example.com"]])
    queue = JobQueue()
    queued = queue.submit(source)
    queue.close()
    seen = {}
    deadline = time.monotonic() + 60

    def look_and_close():
        window = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()), None)
        ready = window is not None and window.model.rowCount() and window.model.job(0).status == "completed"
        if not ready and time.monotonic() < deadline:
            QTimer.singleShot(50, look_and_close)  # not shown yet, or its job not done yet
            return
        if window is None:
            QApplication.instance().exit(1)
            return
        seen.update(country=window.settings.country, workers=window.pool.concurrency,
                    job=window.model.job(0).id)
        window.close()

    QTimer.singleShot(50, look_and_close)
    assert main([]) == 0
    assert seen == {"country": "DE", "workers": 1, "job": queued.id}
    queue = JobQueue()
    assert queue.get(queued.id).status == "completed"  # the window's worker pool ran it
    queue.close()
