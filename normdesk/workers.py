"""Qt glue for running queued jobs: a QThreadPool of QRunnables over the Qt-free ``Dispatcher``.

Each runnable gets its own ``JobSignals`` QObject (a QRunnable cannot emit); the pool keeps that
object alive and re-emits its signals on the GUI thread. A runnable is never touched after it
starts (auto-deleted by Qt). Progress reaches the GUI at most ~10 times per second per job
(the runner throttles it). Cancel goes through a flag the engine checks between chunks.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from normdesk.jobs.dispatch import Dispatcher
from normdesk.jobs.queue import JobQueue
from normdesk.jobs.runner import RunControl
from normdesk.settings import Settings

log = logging.getLogger(__name__)

POLL_MS = 250


class JobSignals(QObject):
    started = Signal(str)
    progress = Signal(str, int, float)  # job id, rows done, fraction read
    finished = Signal(str, str)  # job id, new status
    failed = Signal(str, str)  # job id, one-line error (the job is then failed or waits for a retry)


class JobRunnable(QRunnable):
    def __init__(self, dispatcher: Dispatcher, control: RunControl, signals: JobSignals) -> None:
        super().__init__()
        self.dispatcher, self.control, self.signals = dispatcher, control, signals

    def run(self) -> None:
        job_id = self.control.job.id
        self.signals.started.emit(job_id)
        try:
            job = self.dispatcher.run(self.control, self.signals.progress.emit)
        except Exception as err:  # the runner catches the engine's errors; this is a bug
            log.exception("job %s: runner error", job_id)
            self.signals.failed.emit(job_id, str(err).splitlines()[0] if str(err) else type(err).__name__)
            self.signals.finished.emit(job_id, "pending")
            return
        status = job.status.value if job is not None else "pending"
        if job is not None and job.error_message and status in ("failed", "pending"):
            self.signals.failed.emit(job_id, job.error_message)
        self.signals.finished.emit(job_id, status)


class WorkerPool(QObject):
    """Runs the queue's jobs, ``concurrency`` at once. ``start()`` takes the data folder
    (``FolderBusy`` when another process has it); ``stop()`` sends running jobs back to pending."""

    job_started = Signal(str)
    job_progress = Signal(str, int, float)
    job_finished = Signal(str, str)  # job id, status
    job_failed = Signal(str, str)  # job id, error message

    def __init__(self, queue: JobQueue, concurrency: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.dispatcher = Dispatcher(queue, concurrency)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(self.dispatcher.concurrency)
        self._signals: dict[str, JobSignals] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._dispatch)
        self._open = False

    @property
    def concurrency(self) -> int:
        return self.dispatcher.concurrency

    def apply_settings(self, settings: Settings) -> None:
        """Run with these settings from now on (concurrency, retries, retention...)."""
        self.dispatcher.apply_settings(settings)
        self._pool.setMaxThreadCount(self.dispatcher.concurrency)
        self._dispatch()

    def start(self) -> None:
        if not self._open:
            self.dispatcher.open()
            self._open = True
        self._timer.start()
        self._dispatch()

    def stop(self, wait: bool = True) -> None:
        """Stop starting jobs; running ones stop after their current chunk and go back to pending."""
        self._timer.stop()
        if not self._open:
            return
        self.dispatcher.shutdown()
        if wait:
            self._pool.waitForDone()
            self.dispatcher.close()
            self._open = False

    def busy_count(self) -> int:
        return self.dispatcher.busy_count()

    def request_cancel(self, job_id: str) -> None:
        """Cancel a job in any state; a running one stops within one chunk, leaving no output."""
        self.dispatcher.request_cancel(job_id)
        self._dispatch()

    @Slot()
    def _dispatch(self) -> None:
        """Start as many claimed jobs as the limits allow."""
        if self._pool.maxThreadCount() != self.dispatcher.concurrency:  # the settings changed
            self._pool.setMaxThreadCount(self.dispatcher.concurrency)
        while self._open and (control := self.dispatcher.claim()) is not None:
            signals = JobSignals(self)
            job_id = control.job.id
            self._signals[job_id] = signals
            signals.started.connect(self.job_started)
            signals.progress.connect(self.job_progress)
            signals.failed.connect(self.job_failed)
            signals.finished.connect(self._on_finished)
            self._pool.start(JobRunnable(self.dispatcher, control, signals))

    @Slot(str, str)
    def _on_finished(self, job_id: str, status: str) -> None:
        signals = self._signals.pop(job_id, None)
        if signals is not None:
            signals.deleteLater()
        self.job_finished.emit(job_id, status)
        self._dispatch()
