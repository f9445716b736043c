"""Keeps the window's view of the queue fresh without the GUI thread doing the work.

A timer polls ``queue.revision()`` (one small read); only when it moved is the job list and
the statistics read, in a pool thread, and handed over as one ``snapshot``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from normdesk.gui.tasks import run_task

POLL_MS = 400


def _read(queue: Any) -> tuple[list[Any], Any]:
    return queue.list(), queue.stats()


class JobFeed(QObject):
    snapshot = Signal(list, object)  # jobs newest first, Stats
    error = Signal(str)

    def __init__(self, queue: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self._seen: int | None = None
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
        run_task(_read, self.queue, on_done=self._done, on_error=self._failed)

    def _done(self, result: tuple[list[Any], Any]) -> None:
        self._busy = False
        self.snapshot.emit(*result)
        if self._again:
            self.poll()

    def _failed(self, message: str) -> None:
        self._busy = False
        self.error.emit(message)
