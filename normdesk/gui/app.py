"""The desktop entry point: ``main(argv) -> exit status``."""

from __future__ import annotations

import logging
import sys
from typing import Any, Sequence

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from normdesk import __version__
from normdesk.engine import NormdeskError
from normdesk.gui.main_window import MainWindow, subscribe_s3_uploads
from normdesk.gui.tasks import run_task
from normdesk.jobs import JobQueue
from normdesk.jobs.store import StoreError
from normdesk.paths import DataDirError
from normdesk.resources import icon_file
from normdesk.settings import load_saved
from normdesk.workers import WorkerPool

log = logging.getLogger(__name__)

TASKS_GRACE_MS = 3000  # background tasks (reading the queue, counting rows) may end before the queue closes


def app_icon() -> QIcon:
    """The normdesk icon from resources/ (source tree or frozen app)."""
    return QIcon(str(icon_file()))


def fetch_prefix(url: str) -> list:
    """A schedule's s3:// input: download every object under the prefix."""
    from normdesk.sync import fetch_prefix as fetch

    return fetch(url)


def resume_s3_uploads(queue: Any) -> int:
    from normdesk.sync import resume_pending_uploads

    return resume_pending_uploads(queue)


def start_jobs(window: MainWindow, queue: Any, pool: WorkerPool) -> None:
    """Subscribe the S3 upload to the queue's events (in the background), then take the data folder and
    run its jobs, then resume interrupted uploads (in the background). The subscription comes first so
    that a job that completes at once, or whose COMPLETED event a kill interrupted, is uploaded too. S3 trouble (not
    configured, no keyring, no network) is logged and never stops the start-up."""

    def take_folder(registered: Any = None) -> None:
        if not window.isVisible():  # closed before the subscription was made
            return
        window.api.start_deliveries(window.settings)  # webhooks, subscribed before the replay too
        try:
            pool.start()
        except NormdeskError as err:  # another process owns the data folder (FolderBusy)
            log.warning("not running jobs here: %s", err)
            window.api.run_elsewhere(window.settings)
            window.set_pool(None)
            QMessageBox.information(window, "normdesk", "Another normdesk is already processing the jobs of this "
                                    "data folder. This window shows them; they run in the other one.")
            return
        window.start_automation({"s3": fetch_prefix} if registered else None)
        window.api.apply(window.settings, pool.dispatcher)  # the HTTP API, when the settings allow it
        run_task(resume_s3_uploads, queue, on_done=lambda n: n and log.info("resuming %d S3 uploads", n),
                 on_error=lambda msg: log.warning("S3 uploads not resumed: %s", msg), context=window)

    def no_hook(message: str) -> None:
        log.warning("S3 upload hook not registered: %s", message)
        take_folder()

    run_task(subscribe_s3_uploads, queue, on_done=take_folder, on_error=no_hook, context=window)


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window over the queue in the data folder; jobs run in this process unless
    another normdesk already runs them (then the window only shows them)."""
    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("normdesk")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(True)
    try:
        queue = JobQueue()
    except (StoreError, DataDirError) as err:  # the data folder cannot be used at all
        QMessageBox.critical(None, "normdesk", str(err)[0].upper() + str(err)[1:])
        return 3
    pool = WorkerPool(queue)
    window = MainWindow(queue, pool, load_saved())
    window.show()
    if queue.note:  # a damaged store moved aside, or one that vanished: say so, once, without blocking
        log.warning("%s", queue.note)
        QTimer.singleShot(0, lambda: QMessageBox.warning(window, "normdesk", queue.note[0].upper() + queue.note[1:]))
    start_jobs(window, queue, pool)
    try:
        return app.exec()
    finally:
        pool.stop()
        QThreadPool.globalInstance().waitForDone(TASKS_GRACE_MS)  # a snapshot being read: before the queue closes
        queue.close()
