"""Quarantined lines: the malformed records of a run, beside its output as ``<stem>.rejects.csv``.

Columns ``line`` (the record's first physical line, 1-based), ``reason`` and ``raw`` (the text
exactly as decoded, without its line break). Written like the output: appended to a part file
that a checkpoint records the length of, renamed into place at the end; a run without rejects
leaves no rejects file (and removes one an earlier run on the same output left).
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from normdesk.engine.reader import Reject
from normdesk.engine.writer import PartWriter, new_part_path, os_error

SUFFIX = ".rejects.csv"
HEADER = ["line", "reason", "raw"]


def rejects_path(output: Path) -> Path:
    """``out/clean.csv`` -> ``out/clean.rejects.csv`` (``clean.parquet`` too)."""
    return output.with_name(output.stem + SUFFIX)


class RejectsFile:
    """The rejects part file of one run: opened at the first reject, or resumed at ``resume_at``."""

    def __init__(self, output: Path, part: str | None = None, resume_at: int | None = None) -> None:
        self.path = rejects_path(output)
        self.part = Path(part) if part else None
        self._writer = PartWriter(self.part, HEADER, ",", resume_at) if self.part else None

    def write(self, rejects: list[Reject]) -> None:
        if not rejects:
            return
        if self._writer is None:
            self.part = new_part_path(self.path)
            self._writer = PartWriter(self.part, HEADER, ",", None)
        self._writer.write(pl.DataFrame(
            {"line": [str(r.line) for r in rejects], "reason": [r.reason for r in rejects],
             "raw": [r.raw for r in rejects]}, schema={c: pl.Utf8 for c in HEADER}))

    def sync(self) -> int | None:
        """Make what was written durable; the part file's length (None before the first reject)."""
        return self._writer.sync() if self._writer else None

    def finish(self, source: Path) -> Path | None:
        """Rename the part file into place (the path), or remove a stale rejects file: None."""
        self.close()
        try:
            if self.part is not None:
                os.replace(self.part, self.path)
                return self.path
            if self.path.is_file() and self.path.resolve() != source.resolve():
                self.path.unlink()
        except OSError as err:
            raise os_error(err, self.path) from None
        return None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def discard(self) -> None:
        self.close()
        if self.part is not None:
            self.part.unlink(missing_ok=True)
