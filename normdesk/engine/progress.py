"""The protocol a caller hands the engine to hear progress and to ask for a stop.

The engine never imports Qt: the worker layer implements this protocol over Qt signals,
the command line over a terminal progress bar, a notebook over nothing at all.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def update(self, rows_done: int, fraction: float) -> None:
        """Called between chunks: rows written so far and the fraction of the input read (0..1)."""

    def cancelled(self) -> bool:
        """Checked between chunks; True stops the run (engine raises ``Cancelled``)."""


def chunk_started(progress: object, first_row: int) -> None:
    """Tell ``progress`` that this process starts normalizing the chunk at ``first_row``, if it wants
    to know (an optional ``chunk_started(first_row)`` method: the job queue's crash evidence)."""
    hook = getattr(progress, "chunk_started", None)
    if hook is not None:
        hook(first_row)


class NoProgress:
    """A Progress that ignores updates and never cancels."""

    def update(self, rows_done: int, fraction: float) -> None:
        pass

    def cancelled(self) -> bool:
        return False
