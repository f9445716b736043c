"""The window's S3 integration against a real moto server (pytest-qt, offscreen): start-up hooks and
resumed uploads, the Sync column and details line with "Retry upload", and "Open from S3..."."""

from __future__ import annotations

import csv
import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from s3_server import *  # noqa: E402,F403 - fixtures
from s3_server import raw_client  # noqa: E402
from test_gui_window import ROWS, run_pending, wait_preview, write_csv  # noqa: E402

from normdesk.gui.app import main  # noqa: E402
from normdesk.gui.job_model import JobColumn  # noqa: E402
from normdesk.gui.main_window import MainWindow  # noqa: E402
from normdesk.gui.preview_dialog import PreviewDialog  # noqa: E402
from normdesk.settings import Settings  # noqa: E402
from normdesk.settings import save as save_settings  # noqa: E402
from normdesk.jobs import JobQueue  # noqa: E402
from normdesk.sync import wait_for_uploads  # noqa: E402
from normdesk.sync.settings import S3Settings, load_settings  # noqa: E402
from normdesk.sync.settings import save_settings as save_s3_settings  # noqa: E402
from normdesk.sync.uploader import UploadOnCompleted  # noqa: E402


@pytest.fixture
def documents(tmp_path, monkeypatch):
    """A fresh home folder, so that Documents/normdesk is made in tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user" / ".config"))
    return tmp_path / "user" / "Documents" / "normdesk"


@pytest.fixture
def queue(aws_env):
    q = JobQueue()
    yield q
    q.close()


def keys_under(url, bucket, prefix):
    return sorted(o["Key"] for o in raw_client(url).list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))


def run_main_until(condition, timeout=60.0):
    """Run ``main([])`` and close its window once ``condition(window)`` holds; (exit status, window)."""
    seen = {}
    deadline = time.monotonic() + timeout

    def look():
        window = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()), None)
        if window is not None and condition(window):
            seen["window"] = window
            window.close()
        elif time.monotonic() < deadline:
            QTimer.singleShot(50, look)
        elif window is not None:
            window.close()

    QTimer.singleShot(50, look)
    return main([]), seen.get("window")


# -- start-up -------------------------------------------------------------------------------------
def test_main_subscribes_the_upload_off_thread_and_resumes_interrupted_uploads(
        qapp, bucket, moto_url, tmp_path, monkeypatch):
    import normdesk.sync as sync

    save_settings(Settings(worker_concurrency=1))
    queue = JobQueue()
    interrupted = queue.submit(write_csv(tmp_path / "interrupted.csv"))
    run_pending(queue)  # completed before S3 uploads were subscribed in this process
    queue.annotate(interrupted.id, sync={"state": "uploading", "progress": 0.3, "error": None, "attempts": 1,
                                         "next_retry_at": None})  # as a kill mid-upload leaves it
    fresh = queue.submit(write_csv(tmp_path / "fresh.csv"))  # runs in the window, then uploads by the hook
    queue.close()
    threads = []
    real_subscribe = sync.subscribe_uploads
    monkeypatch.setattr(sync, "subscribe_uploads", lambda q: threads.append(threading.current_thread()) or real_subscribe(q))

    def both_uploaded(window):
        states = [(window.model.job_by_id(i) or interrupted).extra.get("sync", {}).get("state")
                  for i in (interrupted.id, fresh.id)]
        return states == ["done", "done"]

    status, window = run_main_until(both_uploaded)
    assert status == 0 and window is not None
    assert threads and threads[0] is not threading.main_thread()  # the keyring probe is off the GUI thread
    assert window.queue.events.subscribed(UploadOnCompleted(window.queue))
    assert wait_for_uploads(30)
    for job_id, name in ((interrupted.id, "interrupted"), (fresh.id, "fresh")):
        assert f"team/in/{job_id}/{name}.normalized.csv" in keys_under(moto_url, bucket, f"team/in/{job_id}/")
    queue = JobQueue()
    assert queue.get(fresh.id).output_key == f"s3://{bucket}/team/in/{fresh.id}/fresh.normalized.csv"
    queue.close()


def test_main_starts_without_a_keyring_and_shows_the_icon(qapp, aws_env, no_keyring, tmp_path):
    save_s3_settings(S3Settings(bucket="configured-but-no-keyring", endpoint_url="http://127.0.0.1:9"))
    save_settings(Settings(worker_concurrency=1))
    queue = JobQueue()
    job = queue.submit(write_csv(tmp_path / "a.csv"))
    queue.close()
    status, window = run_main_until(lambda w: w.model.rowCount() == 1 and w.model.job(0).status == "completed")
    assert status == 0 and window is not None
    assert not window.queue.events.subscribed(UploadOnCompleted(window.queue))  # S3 stays off
    assert not QApplication.windowIcon().isNull() and not window.windowIcon().isNull()
    assert QApplication.windowIcon().availableSizes()  # the PNG was found and loaded
    queue = JobQueue()
    assert queue.get(job.id).extra.get("sync") is None
    queue.close()


# -- sync state -----------------------------------------------------------------------------------
def test_sync_column_details_line_and_retry_upload(qtbot, window, queue, bucket, moto_url, tmp_path):
    job = queue.submit(write_csv(tmp_path / "a.csv"))
    run_pending(queue)
    qtbot.waitUntil(lambda: getattr(window.model.job_by_id(job.id), "status", None) == "completed")
    row = window.model.row_of(job.id)
    window.select_job(job.id)
    details = window.details
    sync_cell = lambda: window.model.index(window.model.row_of(job.id), JobColumn.SYNC).data()  # noqa: E731
    assert window.model.headerData(JobColumn.SYNC, Qt.Orientation.Horizontal) == "Sync"
    assert sync_cell() == "" and not details.facts.isRowVisible(details._fact_labels["Sync"])
    assert window.table.isColumnHidden(JobColumn.SYNC)  # no job has been synced: no empty column
    assert not details.retry_upload_button.isVisibleTo(details)

    queue.annotate(job.id, sync={"state": "uploading", "progress": 0.4, "error": None})
    qtbot.waitUntil(lambda: sync_cell() == "uploading 40%")
    assert not window.table.isColumnHidden(JobColumn.SYNC)
    assert details._fact_labels["Sync"].text() == "Uploading 40%"
    assert details.facts.isRowVisible(details._fact_labels["Sync"])

    good = load_settings()
    save_s3_settings(S3Settings(**{**good.__dict__, "bucket": "nd-no-such-bucket"}))
    window.retry_upload(job.id)
    qtbot.waitUntil(lambda: sync_cell() == "upload failed", timeout=30_000)
    line = details._fact_labels["Sync"].text()
    assert line.startswith("Upload failed: no such bucket: 'nd-no-such-bucket' — retrying at ")
    assert details.retry_upload_button.isVisibleTo(details)
    assert "no such bucket" in window.model.index(row, JobColumn.SYNC).data(Qt.ItemDataRole.ToolTipRole)  # the tooltip says why

    save_s3_settings(good)
    details.retry_upload_button.click()
    assert not details.retry_upload_button.isEnabled()  # the upload runs in the background
    qtbot.waitUntil(lambda: sync_cell() == "uploaded", timeout=30_000)
    key = f"team/in/{job.id}/a.normalized.csv"
    assert details._fact_labels["Sync"].text() == f"Uploaded to s3://{bucket}/{key}, s3://{bucket}/team/in/{job.id}/a.csv"
    assert not details.retry_upload_button.isVisibleTo(details)
    body = raw_client(moto_url).get_object(Bucket=bucket, Key=key)["Body"].read()
    assert body == open(queue.get(job.id).output_path, "rb").read()


# -- open from S3 ---------------------------------------------------------------------------------
def test_open_from_s3_is_off_until_s3_is_configured(window):
    window.menuBar().actions()[0].menu().aboutToShow.emit()
    assert not window.s3_action.isEnabled()
    assert window.open_from_s3() is None


def put_csv(url, bucket, key, rows=ROWS):
    import io

    text = io.StringIO()
    csv.writer(text).writerows(rows)
    raw_client(url).put_object(Bucket=bucket, Key=key, Body=text.getvalue().encode())


def test_open_from_s3_lists_filters_downloads_and_previews(qtbot, window, queue, bucket, moto_url, documents):
    put_csv(moto_url, bucket, "team/in/exports/march.csv")
    put_csv(moto_url, bucket, "team/in/exports/april.tsv", [["email"], ["x@example.com"]])
    put_csv(moto_url, bucket, "team/in/other/leads.csv", [["phone"], ["415 555 0100"]])
    raw_client(moto_url).put_object(Bucket=bucket, Key="team/in/exports/readme.pdf", Body=b"%PDF")
    raw_client(moto_url).put_object(Bucket=bucket, Key="elsewhere/secret.csv", Body=b"a\n1\n")
    window.menuBar().actions()[0].menu().aboutToShow.emit()
    assert window.s3_action.isEnabled()

    dialog = window.open_from_s3()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=30_000)
    keys = sorted(dialog.model.item(r, 0).text() for r in range(3))  # shown under the configured prefix
    assert keys == ["exports/april.tsv", "exports/march.csv", "other/leads.csv"]
    assert "1 other object not shown" in dialog.status.text()
    assert not dialog.open_button.isEnabled()  # nothing selected yet

    dialog.prefix.setText("exports/")
    dialog.list_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2 and dialog.list_button.isEnabled(), timeout=30_000)
    dialog.filter.setText("MARCH")
    assert dialog.proxy.rowCount() == 1 and dialog.status.text().endswith("— 1 match “MARCH”")
    dialog.filter.clear()
    dialog.select_keys(["team/in/exports/march.csv", "team/in/exports/april.tsv"])
    assert dialog.open_button.isEnabled()
    dialog.open_button.click()
    assert dialog.progress.isVisible() and not dialog.open_button.isEnabled()
    qtbot.waitUntil(lambda: window.findChild(PreviewDialog) is not None, timeout=30_000)
    assert dialog.progress.value() == 1000

    preview_dialog = window.findChild(PreviewDialog)
    previews = wait_preview(qtbot, preview_dialog)
    downloads = queue.home / "downloads" / bucket / "team" / "in" / "exports"
    assert sorted(p for pr in previews for p in pr.paths) == sorted(
        [(downloads / "march.csv").resolve(), (downloads / "april.tsv").resolve()])
    preview_dialog.accept()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    by_name = {os.path.basename(j.input_path): j for j in queue.list()}
    assert by_name["march.csv"].input_key == f"s3://{bucket}/team/in/exports/march.csv"
    assert by_name["march.csv"].output_path == str(documents / "march.normalized.csv")  # not in the data folder
    assert documents.is_dir()


def test_open_from_s3_says_what_went_wrong(qtbot, window, bucket, moto_url):
    good = load_settings()
    save_s3_settings(S3Settings(**{**good.__dict__, "bucket": "nd-gone-bucket"}))
    dialog = window.open_from_s3()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list_button.isEnabled(), timeout=30_000)
    assert dialog.status.text() == "Cannot reach S3: no such bucket: 'nd-gone-bucket'"

    save_s3_settings(good)
    put_csv(moto_url, bucket, "team/in/vanishing.csv")
    dialog.refresh()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=30_000)
    raw_client(moto_url).delete_object(Bucket=bucket, Key="team/in/vanishing.csv")
    dialog.select_keys(["team/in/vanishing.csv"])
    dialog.download()
    qtbot.waitUntil(lambda: "Download failed" in dialog.status.text(), timeout=30_000)
    assert dialog.status.text() == f"Download failed: no such object: s3://{bucket}/team/in/vanishing.csv"
    assert dialog.isVisible() and window.findChild(PreviewDialog) is None
