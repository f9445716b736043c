"""The settings dialog (the Qt-free settings object itself: tests/test_settings.py)."""

import os
from dataclasses import replace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from normdesk.settings import Settings


pytestmark = pytest.mark.usefixtures("home")


def test_dialog_edits_every_setting(qtbot, home):
    from normdesk.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.concurrency.setValue(3)
    dialog.attempts.setValue(4)
    dialog.backoff.setValue(10.0)
    dialog.keep_hours.setValue(12)
    dialog.keep_count.setValue(50)
    dialog.keep_failed.setValue(2)
    dialog.delete_outputs.setChecked(True)
    dialog.country.setEditText("Germ")
    dialog.country.set_country("DE")
    dialog.accents.setChecked(True)
    dialog.format.setCurrentText("xlsx")
    dialog.folder.setText(str(home))
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert dialog.settings() == replace(
        Settings(), worker_concurrency=3, max_attempts=4, backoff_s=10.0, keep_completed_hours=12.0,
        keep_completed_max=50, keep_failed_days=2.0, delete_outputs=True, country="DE", preserve_accents=True,
        output_folder=str(home), output_format="xlsx")


def test_dialog_keeps_the_settings_it_does_not_show(qtbot):
    from normdesk.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(lease_s=7.0, start_rate=9.0))
    qtbot.addWidget(dialog)
    assert (dialog.settings().lease_s, dialog.settings().start_rate) == (7.0, 9.0)


def test_dialog_refuses_a_missing_output_folder(qtbot, home, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from normdesk.gui.settings_dialog import SettingsDialog

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(home / "nope"))
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert "does not exist" in warnings[0]


def test_dialog_has_the_s3_page_when_installed(qtbot):
    from normdesk.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles[:3] == ["Processing", "Retention", "Defaults"]
    assert ("S3" in titles) == (dialog.s3_page is not None)


def test_country_combo_finds_countries_by_name_or_code(qtbot):
    from normdesk.gui.country_combo import CountryCombo, countries

    combo = CountryCombo("US")
    qtbot.addWidget(combo)
    codes = {code for code, _ in countries()}
    assert {"US", "DE", "FR", "JP", "BR"} <= codes and len(codes) > 200
    combo.completer().setCompletionPrefix("germ")
    assert combo.completer().currentCompletion() == "Germany (DE)"
    with qtbot.waitSignal(combo.country_changed) as blocker:
        combo.setEditText("fr")
        combo.lineEdit().editingFinished.emit()
    assert blocker.args == ["FR"] and combo.country() == "FR"
    combo.setEditText("no such place")
    combo.lineEdit().editingFinished.emit()
    assert combo.country() == "FR" and combo.currentText() == "France (FR)"


def test_the_dialog_changes_what_a_headless_worker_started_afterwards_does(qtbot, home, tmp_path):
    """Retries, retention and concurrency saved from the dialog steer a real `normdesk worker` process."""
    import subprocess
    import sys

    from normdesk.gui.settings_dialog import SettingsDialog
    from normdesk.jobs.queue import JobQueue
    from normdesk.settings import load_saved, save

    source = tmp_path / "in.csv"
    source.write_text("Name,Tel\nada lovelace,(415) 555-0100\n", encoding="utf-8")
    queue = JobQueue()
    for n in range(3):  # three completed jobs: retention will keep the newest one
        queue.submit(source, tmp_path / f"done{n}.csv")
    env = {**os.environ, "NORMDESK_HOME": str(home)}
    env.pop("NORMDESK_RETRY_BACKOFF", None)
    worker = [sys.executable, "-m", "normdesk", "worker", "--once", "--workers", "0"]
    subprocess.run(worker, env=env, check=True, capture_output=True, timeout=120)
    out = tmp_path / "gone"
    out.mkdir()
    failing = queue.submit(source, out / "x.csv")
    out.rmdir()
    out.write_text("a file where the output folder was")  # writing there fails: a retryable error

    dialog = SettingsDialog(load_saved())
    qtbot.addWidget(dialog)
    dialog.concurrency.setValue(1)
    dialog.attempts.setValue(1)
    dialog.keep_count.setValue(1)
    dialog.accept()
    save(dialog.settings())
    run = subprocess.run(worker, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "1 job(s) at once, 1 attempt(s) each" in run.stderr and "last 1," in run.stderr
    job = queue.get(failing.id)
    assert job.status == "failed" and job.attempts == 1  # with the default 3 it would wait for a retry
    assert [j.status.value for j in queue.list()] == ["failed", "completed"]  # retention kept the newest
    assert all((tmp_path / f"done{n}.csv").exists() for n in range(3))  # outputs belong to the user
    queue.close()


def test_dialog_sets_the_cluster_that_jobs_read(qtbot, home, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from normdesk import settings as core
    from normdesk.gui.settings_dialog import SettingsDialog

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert not dialog.cluster_address.isEnabled()
    dialog.cluster.setChecked(True)
    dialog.cluster_address.setText("10.0.0.4:8786")
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted and "tcp://HOST:PORT" in warnings[0]
    dialog.cluster_address.setText("tcp://10.0.0.4:8786")
    dialog.cluster_min_mb.setValue(50)
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    home.mkdir(parents=True, exist_ok=True)
    core.save(dialog.settings())
    effective = core.load()
    assert effective.cluster_for(50_000_000) == "tcp://10.0.0.4:8786" and effective.cluster_for(49_999_999) is None
