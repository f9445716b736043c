"""Errors the engine raises on purpose. Each carries a one-line, user-facing reason."""

from __future__ import annotations


class NormdeskError(Exception):
    """Base class: ``str(err)`` is a complete one-line message for the user."""


class InputError(NormdeskError):
    """The input cannot be processed as asked (empty, binary, malformed, unknown column...).

    Retrying will not help: jobs fail at once on it, the command line exits non-zero.
    """


class OutputError(NormdeskError):
    """The output could not be written (disk full, permission denied...)."""


class Cancelled(NormdeskError):
    """The run was cancelled through its progress object; no output was left behind."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class ChunkCrashed(NormdeskError):
    """An engine process died while normalizing the rows from ``first_row`` on (the parent lives):
    evidence that a value there crashes a library. The part file and the last checkpoint are kept."""

    def __init__(self, first_row: int) -> None:
        self.first_row = first_row
        super().__init__(f"an engine process died while normalizing the rows from {first_row:,} on: a value there "
                         f"may crash it; a retry resumes at row {first_row:,}")
