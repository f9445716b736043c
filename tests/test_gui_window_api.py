"""The window's API: "Allow other programs to use normdesk" runs the HTTP server in the window's
process (real uvicorn on 127.0.0.1, real httpx), its jobs run in the window's worker pool and
their webhooks go out to a real receiver; the port moves or closes with the setting, a taken port
is said in one line; Settings -> Webhooks shows the delivery log and retries a waiting delivery."""

from __future__ import annotations

import json
import socket
from dataclasses import replace

import httpx
import pytest

from api_server import SAMPLE, Receiver, free_port, make_key, upload
from normdesk.api.webhooks import SIGNATURE_HEADER, WebhookStore, sign
from normdesk.settings import Settings

pytestmark = pytest.mark.usefixtures("home")


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.close()


@pytest.fixture
def app_window(qtbot, home):
    """The window as ``normdesk`` opens it: its own worker pool, the data folder taken."""
    from normdesk.gui.app import start_jobs
    from normdesk.gui.main_window import MainWindow
    from normdesk.jobs import JobQueue
    from normdesk.workers import WorkerPool

    queue = JobQueue()
    pool = WorkerPool(queue)
    window = MainWindow(queue, pool, Settings(api_enabled=True, api_port=free_port()))
    qtbot.addWidget(window)
    window.show()
    start_jobs(window, queue, pool)
    qtbot.waitUntil(lambda: window.api.url is not None or "off" in window.api.state, timeout=60_000)
    yield window
    window.close()
    queue.close()


def listening(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def test_the_window_serves_the_api_and_delivers_webhooks(qtbot, app_window, home, receiver):
    window = app_window
    port = window.settings.api_port
    assert window.api.url == f"http://127.0.0.1:{port}" and window.api_label.text() == f"API: http://127.0.0.1:{port}"
    assert not window.api_label.isHidden()
    key = make_key(home, "tool", "read,submit,manage")
    hook = WebhookStore(home).add(receiver.url, ["job.completed"], "s3cret")
    with httpx.Client(base_url=window.api.url + "/api/v1", headers={"Authorization": f"Bearer {key}"},
                      timeout=30) as client:
        sent = upload(client, SAMPLE)
        assert sent.status_code == 201, sent.text
        job_id = sent.json()["jobId"]
        qtbot.waitUntil(lambda: client.get(f"/jobs/{job_id}").json()["status"] == "completed", timeout=120_000)
        assert client.get(f"/jobs/{job_id}/output").status_code == 200
    (request,) = receiver.wait(1)
    body = json.loads(request["body"])
    assert body["event"] == "job.completed" and body["jobId"] == job_id
    assert request["headers"][SIGNATURE_HEADER] == sign(hook.secret, request["body"])
    qtbot.waitUntil(lambda: any(window.model.job(r).id == job_id for r in range(window.model.rowCount())),
                    timeout=10_000)  # the window shows the job the API queued


def test_the_setting_moves_and_stops_the_server(qtbot, app_window):
    window = app_window
    old = window.settings.api_port
    new = free_port()
    window.apply_settings(replace(window.settings, api_port=new))
    qtbot.waitUntil(lambda: window.api.url == f"http://127.0.0.1:{new}", timeout=60_000)
    assert listening(new) and not listening(old)
    window.apply_settings(replace(window.settings, api_enabled=False))
    qtbot.waitUntil(lambda: window.api.state == "", timeout=60_000)
    assert window.api.url is None and not listening(new) and window.api_label.isHidden()
    window.apply_settings(replace(window.settings, api_enabled=True))
    qtbot.waitUntil(lambda: window.api.url is not None, timeout=60_000)
    assert listening(new)


def test_a_taken_port_is_said_in_one_line(qtbot, app_window):
    window = app_window
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        window.apply_settings(replace(window.settings, api_port=taken))
        qtbot.waitUntil(lambda: "in use" in window.api.state, timeout=60_000)
    assert window.api.url is None
    assert window.api_label.text() == f"API off: cannot listen on http://127.0.0.1:{taken}: port {taken} is in use by another program"
    assert "\n" not in window.api.state


def retry_with_the_page(page, home, receiver, delivery_id: str) -> None:
    """"Retry now" on the selected row, with a real deliverer woken by it: the receiver gets it."""
    from normdesk.api.webhooks import Deliverer

    deliverer = Deliverer(WebhookStore(home), Settings())
    page.retried.connect(deliverer.wake)
    deliverer.start()
    try:
        assert page.retry_selected()
        (request,) = receiver.wait(1, timeout=30)
        assert request["headers"]["X-Normdesk-Delivery"] == delivery_id
    finally:
        deliverer.stop()


def test_the_webhooks_page_shows_the_log_and_retries_now(qtbot, home, receiver):
    from normdesk.gui.settings_dialog import SettingsDialog

    store = WebhookStore(home)
    hook = store.add(receiver.url, ["job.completed", "job.failed"])
    delivery_id = store.enqueue(hook, "job.failed", b'{"event":"job.failed"}', "j1")
    (waiting,) = store.deliveries()
    store.record(waiting, 503, "HTTP 503 Service Unavailable", store.clock() + 3600)  # the next try in an hour
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    page = dialog.webhooks_page
    assert dialog.tabs.tabText(dialog.tabs.indexOf(page)) == "Webhooks"
    row = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert row[1:5] == [receiver.url, "job.failed", "503", "1"] and row[5]  # the next retry's time
    assert not page.retry_button.isEnabled()  # nothing selected
    page.table.selectRow(0)
    assert page.retry_button.isEnabled()
    retry_with_the_page(page, home, receiver, delivery_id)  # long before the hour
    page.refresh()
    newest = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert newest[3:] == ["200", "2", ""] and page.table.rowCount() == 2
    page.table.selectRow(0)
    assert not page.retry_button.isEnabled() and not page.retry_selected()  # delivered: nothing waits


def test_the_webhooks_page_sends_a_given_up_delivery_once_more(qtbot, home, receiver):
    from normdesk.gui.settings_dialog import SettingsDialog

    store = WebhookStore(home)
    hook = store.add(receiver.url, ["job.failed"])
    delivery_id = store.enqueue(hook, "job.failed", b'{"event":"job.failed"}', "j1")
    (waiting,) = store.deliveries()
    store.record(waiting, 500, "HTTP 500", None, given_up=True)  # its last attempt failed
    assert store.deliveries() == [] and [d["id"] for d in store.given_up()] == [delivery_id]
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    page = dialog.webhooks_page
    row = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert row[3:] == ["500", "1", "gave up"]
    page.table.selectRow(0)
    assert page.retry_button.isEnabled()
    retry_with_the_page(page, home, receiver, delivery_id)
    page.refresh()
    assert [page.table.item(0, c).text() for c in range(3, 6)] == ["200", "2", ""]
    assert store.given_up() == [] and store.deliveries() == []


def test_the_api_keys_page_edits_the_setting(qtbot):
    from normdesk.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(api_port=9100))
    qtbot.addWidget(dialog)
    page = dialog.api_keys_page
    assert not page.enabled.isChecked() and page.port.value() == 9100
    page.enabled.setChecked(True)
    page.port.setValue(9200)
    page.show_state("API: http://127.0.0.1:9200")
    assert page.state.text() == "API: http://127.0.0.1:9200"
    chosen = dialog.settings()
    assert chosen.api_enabled and chosen.api_port == 9200


def test_a_window_whose_jobs_run_elsewhere_says_the_api_is_off(qtbot, home, monkeypatch):
    """A real ``normdesk worker`` holds the data folder: the window runs no server and says why."""
    import os
    import subprocess
    import sys
    import time

    from PySide6.QtWidgets import QMessageBox

    from normdesk.gui.app import start_jobs
    from normdesk.gui.main_window import MainWindow
    from normdesk.jobs import JobQueue
    from normdesk.jobs.lock import DataDirLock
    from normdesk.workers import WorkerPool

    worker = subprocess.Popen([sys.executable, "-m", "normdesk", "worker", "--workers", "0"],
                              env={**os.environ, "NORMDESK_HOME": str(home)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    queue = window = None
    try:
        deadline = time.monotonic() + 60
        while DataDirLock(home).owner_pid() != worker.pid:
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.1)
        told = []
        monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
        queue = JobQueue()
        pool = WorkerPool(queue)
        port = free_port()
        window = MainWindow(queue, pool, Settings(api_enabled=True, api_port=port))
        qtbot.addWidget(window)
        window.show()
        start_jobs(window, queue, pool)
        qtbot.waitUntil(lambda: bool(told), timeout=60_000)
        assert "Another normdesk" in told[0]
        assert window.api_label.text() == "API off: another normdesk runs this folder's jobs"
        assert window.api.url is None and not listening(port)
        window.apply_settings(replace(window.settings, api_enabled=False))
        assert window.api_label.isHidden() and window.api.state == ""
    finally:
        worker.terminate()
        worker.wait(30)
        if window is not None:
            window.close()
        if queue is not None:
            queue.close()
