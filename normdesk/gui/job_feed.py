"""Keeps the window's view of the queue fresh without the GUI thread doing the work.

A timer polls ``queue.revision()`` (one small read); only when it moved is the job list and
the statistics read, in a pool thread, and handed over as one ``snapshot``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from normdesk.gui.tasks import run_task

POLL_MS = 400


def _read(queue: Any, detail_id: str | None) -> tuple[list[Any], Any, Any]:
    """The job list (without reports), the statistics, and the job ``detail_id`` whole (the details pane's)."""
    return queue.list(), queue.stats(), queue.get(detail_id) if detail_id else None


class JobFeed(QObject):
    snapshot = Signal(list, object, object)  # jobs newest first, Stats, the ``detail_id`` job with its report
    error = Signal(str)

    def __init__(self, queue: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self._seen: int | None = None
        self.detail_id: str | None = None  # the job the window shows in detail: read whole with each snapshot
        self._busy = False
        self._again = False
        self.timer = QTimer(self, interval=POLL_MS, timeout=self.poll)

    def start(self) -> None:
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()

    def poll(self, force: bool = False) -> None:
        """Read the queue in the background if it changed since the last snapshot."""
        if self._busy:
            self._again = True
            return
        revision = self.queue.revision()
        if not force and revision == self._seen:
            return
        self._busy, self._again = True, False
        self._seen = revision
        run_task(_read, self.queue, self.detail_id, on_done=self._done, on_error=self._failed)

    def _done(self, result: tuple[list[Any], Any, Any]) -> None:
        self._busy = False
        self.snapshot.emit(*result)
        if self._again:
            self.poll()

    def _failed(self, message: str) -> None:
        self._busy = False
        self.error.emit(message)
