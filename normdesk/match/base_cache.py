"""The comparison columns of a base (``dedupe --against BASE``), kept in the data folder, so that
linking each month's export against the same base does not normalize the base again.

A kept base is ``<data folder>/dedupe-bases/<key>.parquet`` (the comparison frame) beside
``<key>.json`` (the roles it has). The key digests the base's resolved path, size and modification
time, the plan (or "detected"), the ``--match`` columns and normdesk's version: a changed base, plan
or version is another key. The ``KEEP`` most recently used bases are kept; a damaged or missing copy
only means normalizing the base again.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import polars as pl

from normdesk.engine import Plan
from normdesk.engine.errors import NormdeskError
from normdesk.engine.writer import write_atomically, write_text_atomically
from normdesk.paths import DataDirError, data_dir

KEEP = 4
FORMAT = 1  # of the kept frame: a change of its columns is a new key


def base_key(path: Path, plan: Plan | None, match: list[str] | None) -> str:
    stat = path.stat()
    try:
        ours = version("normdesk")
    except PackageNotFoundError:
        ours = "unknown"
    given = json.dumps([FORMAT, ours, str(path.resolve()), stat.st_size, stat.st_mtime_ns,
                        plan.to_dict() if plan else "detected", match], sort_keys=True, default=str)
    return hashlib.sha256(given.encode()).hexdigest()[:32]


def load(key: str) -> tuple[pl.DataFrame, set[str]] | None:
    """The kept comparison frame and roles of ``key``, or None."""
    try:
        folder = _folder()
        present = set(json.loads((folder / f"{key}.json").read_text(encoding="utf-8")))
        frame = pl.read_parquet(folder / f"{key}.parquet")
        os.utime(folder / f"{key}.json")  # used now: the last to be dropped
    except (OSError, DataDirError, ValueError, pl.exceptions.PolarsError):
        return None
    return frame, present


def keep(key: str, frame: pl.DataFrame, present: set[str]) -> None:
    """Keep ``frame`` and ``present`` under ``key`` (atomically; the frame first, so that a roles file
    always has its frame), then drop all but the ``KEEP`` most recently used bases."""
    try:
        folder = _folder()
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / f"{key}.parquet", frame.write_parquet)
        write_text_atomically(folder / f"{key}.json", json.dumps(sorted(present)))
        kept = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in kept[KEEP:]:
            old.unlink(missing_ok=True)
            old.with_suffix(".parquet").unlink(missing_ok=True)
    except (OSError, NormdeskError, DataDirError, pl.exceptions.PolarsError):
        pass  # a full or read-only data folder: the base is normalized again next time


def _folder() -> Path:
    return data_dir() / "dedupe-bases"
