"""Removing jobs from the window: a confirmation when a job has an output file, and Undo (Edit ->
Undo, Ctrl+Z) that puts the removed jobs back (``JobQueue.restore``) until the window closes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from normdesk.engine import InputError
from normdesk.gui.job_model import status_of
from normdesk.gui.questions import ask


def has_output(job: Any) -> bool:
    return status_of(job) == "completed" and bool(job.output_path) and Path(job.output_path).exists()


def _names(jobs: Sequence[Any]) -> str:
    names = [Path(j.input_path or j.input_key or j.id).name for j in jobs]
    return names[0] if len(names) == 1 else f"{len(names)} jobs"


def confirm_removal(parent: QWidget, jobs: Sequence[Any], with_output: Sequence[Any]) -> bool:
    """Ask before removing jobs of which some have an output; the output files stay either way."""
    where = (f"Its output stays at {with_output[0].output_path}." if len(with_output) == 1
             else f"Their {len(with_output)} output files stay where they are.")
    return ask(parent, "Remove jobs", f"Remove {_names(jobs)} from the list?",
               f"{where} Edit → Undo (Ctrl+Z) puts {'it' if len(jobs) == 1 else 'them'} back until normdesk closes.",
               "Remove")


class RemovedJobs(QObject):
    """The jobs removed in this window, newest batch last; ``changed`` when Undo has more or less to do."""

    changed = Signal()

    def __init__(self, queue: Any, parent: QWidget) -> None:
        super().__init__(parent)
        self.queue = queue
        self._batches: list[list[Any]] = []

    def remove(self, jobs: Sequence[Any], parent: QWidget) -> list[str]:
        """Remove ``jobs`` (asking first when one has an output); the one-line errors of those that could not be."""
        with_output = [j for j in jobs if has_output(j)]
        if not jobs or (with_output and not confirm_removal(parent, jobs, with_output)):
            return []
        removed, errors = [], []
        for job in jobs:
            job = self.queue.get(job.id) or job  # with its report, to be restored whole
            try:
                if self.queue.remove(job.id):
                    removed.append(job)
            except InputError as err:
                errors.append(str(err))
        if removed:
            self._batches.append(removed)
            self.changed.emit()
        return errors

    def undo_text(self) -> str:
        return f"Undo remove {_names(self._batches[-1])}" if self._batches else "Undo"

    def can_undo(self) -> bool:
        return bool(self._batches)

    def undo(self) -> list[Any]:
        """Put the last removed batch back; the jobs restored (one already back again is skipped)."""
        if not self._batches:
            return []
        restored = []
        for job in self._batches.pop():
            try:
                restored.append(self.queue.restore(job))
            except InputError:
                continue
        self.changed.emit()
        return restored
