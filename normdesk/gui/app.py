"""The desktop entry point: ``main(argv) -> exit status``."""

from __future__ import annotations

import logging
import sys
from typing import Sequence

from PySide6.QtWidgets import QApplication, QMessageBox

from normdesk import __version__
from normdesk.engine import NormdeskError
from normdesk.gui.main_window import MainWindow
from normdesk.gui.settings_store import load_settings, policy_for
from normdesk.jobs import JobQueue
from normdesk.workers import WorkerPool

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window over the queue in the data folder; jobs run in this process unless
    another normdesk already runs them (then the window only shows them)."""
    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("normdesk")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(True)
    settings = load_settings()
    queue = JobQueue(policy=policy_for(settings))
    pool: WorkerPool | None = WorkerPool(queue, concurrency=settings.worker_concurrency)
    try:
        pool.start()
    except NormdeskError as err:  # another process owns the data folder (FolderBusy)
        log.warning("not running jobs here: %s", err)
        pool = None
    window = MainWindow(queue, pool, settings)
    window.show()
    if pool is None:
        QMessageBox.information(window, "normdesk", "Another normdesk is already processing the jobs of this "
                                "data folder. This window shows them; they run in the other one.")
    try:
        return app.exec()
    finally:
        if pool is not None:
            pool.stop()
        queue.close()
