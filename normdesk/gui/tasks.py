"""Run a plain function on the Qt thread pool and hear its result on the GUI thread.

A QRunnable cannot emit signals, so each task owns a small relay QObject that does (as superqt's
workers do). The relay lives on the GUI thread, so results arrive there, queued; it calls back
only while the widget that asked (``context``) still exists, and keeps the task alive until then.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from normdesk.engine.errors import NormdeskError


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, task: Task, on_done: Callable[[Any], None], on_error: Callable[[str], None] | None,
                 context: QObject | None) -> None:
        super().__init__()
        self._task: Task | None = task
        self._on_done, self._on_error, self._context = on_done, on_error, context
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_error)

    def _alive(self) -> bool:
        return self._context is None or shiboken6.isValid(self._context)

    @Slot(object)
    def _deliver_done(self, result: Any) -> None:
        try:
            if self._alive():
                self._on_done(result)
        finally:
            self._release()

    @Slot(str)
    def _deliver_error(self, message: str) -> None:
        try:
            if self._alive() and self._on_error is not None:
                self._on_error(message)
        finally:
            self._release()

    def _release(self) -> None:
        Task._running.discard(self._task)
        self._task = self._context = None


class Task(QRunnable):
    """``fn(*args)`` in a pool thread; the relay hands its result or one-line error over."""

    _running: ClassVar[set[Task]] = set()

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], on_done: Callable[[Any], None],
                 on_error: Callable[[str], None] | None, context: QObject | None) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn, self.args = fn, args
        self.relay = _Relay(self, on_done, on_error, context)

    def run(self) -> None:
        try:
            result = self.fn(*self.args)
        except NormdeskError as err:
            self._emit("failed", str(err))
        except Exception as err:  # noqa: BLE001 - shown to the user as one line, never a traceback
            self._emit("failed", f"{type(err).__name__}: {err}")
        else:
            self._emit("done", result)

    def _emit(self, signal: str, value: Any) -> None:
        """Hand over, unless the application ended meanwhile and took the relay with it: then no one
        is left to tell (quitting with a task running must not print a traceback)."""
        try:
            if shiboken6.isValid(self.relay):
                getattr(self.relay, signal).emit(value)
        except RuntimeError:  # deleted between the check and the emit
            pass


def run_task(
    fn: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None],
    on_error: Callable[[str], None] | None = None,
    context: QObject | None = None,
) -> Task:
    """Start ``fn(*args)`` off the GUI thread; the callbacks run on the GUI thread, and only
    while ``context`` (by default the QObject whose method ``on_done`` is) still exists."""
    if context is None and isinstance(getattr(on_done, "__self__", None), QObject):
        context = on_done.__self__
    task = Task(fn, args, on_done, on_error, context)
    Task._running.add(task)
    QThreadPool.globalInstance().start(task)
    return task
