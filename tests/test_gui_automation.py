"""The window's schedules and watched folders: the dialog's pages (cron checked as typed, presets,
enable/disable, run now, counts), the window running them, and what the service did while it was closed."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace

import pytest

from automation_helpers import drain, sample_lines
from normdesk.automation.runner import WINDOW_CLOSED, Automation
from normdesk.automation.store import AutomationStore
from normdesk.jobs.queue import JobQueue
from normdesk.settings import Settings


@pytest.fixture
def queue(home):
    q = JobQueue()
    yield q
    q.close()


def test_schedules_page(window, qtbot, tmp_path):
    src = tmp_path / "a.csv"
    src.write_text("".join(sample_lines()[:10]), encoding="utf-8")
    dialog = window.edit_automation()
    page = dialog.schedules
    page.cron.setText("0 9 * *")
    assert "needs 5 fields" in page.cron_words.text() and not page.save_button.isEnabled()
    page.cron.setText("0 25 * * *")
    assert "not valid" in page.cron_words.text()
    page.preset.setCurrentIndex(page.preset.findData("weekly"))
    assert page.cron.text() == "0 9 * * 1"
    assert "every Monday at 09:00 — next: Mon " in page.cron_words.text() and page.save_button.isEnabled()
    page.cron.setText("0 9 1 * *")
    assert page.preset.currentData() == "monthly"
    page.name.setText("monthly export")
    page.input.setText(str(src))
    saved = page.save()
    assert saved is not None and page.table.rowCount() == 1
    assert page.table.item(0, 1).text().startswith("on day 1 of the month")
    page.toggle()
    assert page.table.item(0, 2).text() == "no" and page.toggle_button.text() == "Enable"
    assert "disabled" in page.table.item(0, 1).text()
    page.run_now()
    assert page.table.item(0, 4).text().startswith("running") and len(window.queue.list()) == 1
    page.remove()
    assert page.table.rowCount() == 0
    dialog.close()


def test_watched_folders_page_counts(window, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "waiting.csv").write_text("".join(sample_lines()[:10]), encoding="utf-8")
    dialog = window.edit_automation()
    page = dialog.folders
    page.folder.setText(str(folder))
    page.add()
    assert page.table.rowCount() == 1
    assert [page.table.item(0, c).text() for c in (3, 4, 5)] == ["0", "0", "1"]
    dialog.close()


def test_the_window_runs_watched_folders(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("NORMDESK_WATCH_SETTLE_S", "0.5")
    folder = tmp_path / "drop"
    folder.mkdir()
    window.start_automation()
    window.automation.watches.add(folder)
    shutil.copy(_csv(tmp_path), folder / "a.csv")
    qtbot.waitUntil(lambda: len(window.queue.list()) == 1, timeout=15000)
    dialog = window.edit_automation()
    assert dialog.folders.table.item(0, 6).text() in ("file events", "polling")
    dialog.close()
    window.stop_automation()
    assert window.automation_store.get(WINDOW_CLOSED)["at"] <= time.time()


def test_what_the_service_did_while_the_window_was_closed(home, qtbot, tmp_path):
    from normdesk.gui.main_window import MainWindow

    store, queue = AutomationStore(home), JobQueue(home)
    store.put(WINDOW_CLOSED, {"at": time.time() - 1})
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.csv").write_text("".join(sample_lines()[:10]), encoding="utf-8")
    (folder / "b.csv").write_bytes(b"")
    service = Automation(queue, store, settings=replace(Settings(), watch_polling=True, watch_settle_s=0.2))
    service.watches.add(folder)
    service.scheduler.add("nightly", "0 2 * * *", str(tmp_path / "missing.csv"))
    service.tick(force=True)
    time.sleep(0.3)
    service.tick(force=True)
    drain(queue)
    service.tick(force=True)
    service.scheduler.run_now(service.scheduler.list()[0].id)
    service.close()
    win = MainWindow(queue, None, None)
    qtbot.addWidget(win)
    assert win.activity == "1 watched file(s) processed, 1 failed; 1 scheduled run(s) (1 could not start)"
    assert "While the window was closed: 1 watched file(s) processed" in win.statusBar().currentMessage()
    win.feed.stop()
    queue.close()


def _csv(tmp_path):
    path = tmp_path / "src.csv"
    path.write_text("".join(sample_lines()[:10]), encoding="utf-8")
    return path
