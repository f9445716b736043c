"""The queue's diskcache store and what can go wrong with it: a full or read-only data folder, a
damaged database, a store that vanished.

- ``open_store(home)`` opens ``<home>/queue``. A damaged database (``PRAGMA quick_check``, or SQLite
  saying so) is moved aside to ``queue.damaged-<time>`` and a fresh store is opened; until
  ``JobQueue.repair()`` has copied back every job that can still be read, ``problem()`` says so.
- A small manifest beside the store (``queue.manifest.json``) remembers how many jobs the store held,
  so a store that was deleted or emptied is reported ("held 8 jobs"), never shown as "no jobs".
- ``store_errors`` turns SQLite's errors into one-line ``StoreError`` messages that name the folder
  and what to do.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

import diskcache

from normdesk.engine.errors import NormdeskError

STORE_DIR, MANIFEST = "queue", "queue.manifest.json"
DAMAGED_PREFIX = "queue.damaged-"
_SETTINGS = dict(
    eviction_policy="none",  # jobs are removed by retention only, never evicted
    disk_min_file_size=1 << 24,  # keep every record inside SQLite (one file, one integrity check)
    statistics=0,
    tag_index=0,
)
_DAMAGED = ("malformed", "not a database", "file is encrypted", "database corrupt")
_REASONS = (  # SQLite's words -> what the user reads, and what to do
    (("database or disk is full", "no space"), "the disk is full", "free some space; normdesk carries on by itself"),
    (("readonly", "read-only"), "it is read-only", "make the folder writable, or set NORMDESK_HOME to another folder"),
    (("unable to open",), "it cannot be opened", "check that the folder exists and is yours"),
    (("disk i/o error",), "the disk reported an I/O error", "check the disk, then start normdesk again"),
    (("locked", "busy"), "another program holds it locked", "close other normdesk windows or workers"),
)
T = TypeVar("T")


class StoreError(NormdeskError):
    """The job store in the data folder cannot be used; ``str(err)`` says why and what to do."""


def describe(err: sqlite3.Error, folder: Path) -> StoreError:
    text = str(err).lower()
    if any(word in text for word in _DAMAGED):
        return StoreError(f"the job store in {folder} is damaged: run `normdesk jobs repair`")
    for words, reason, advice in _REASONS:
        if any(word in text for word in words):
            return StoreError(f"the job store in {folder} cannot be used: {reason}; {advice}")
    return StoreError(f"the job store in {folder} cannot be used: {str(err).splitlines()[0]}")


def store_errors(cls: type[T]) -> type[T]:
    """Class decorator: SQLite's errors in any public method (and ``__init__``) of ``cls`` become one-line
    StoreErrors naming ``self.home``'s store. Generators are not wrapped: keep public methods plain."""

    def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as err:
                raise describe(err, Path(self.home) / STORE_DIR) from None

        return wrapper

    for name, value in list(vars(cls).items()):
        if callable(value) and (not name.startswith("_") or name == "__init__"):
            setattr(cls, name, guarded(value))
    return cls


def open_store(home: Path) -> diskcache.Cache:
    """Open (or create) the store under ``home``; a damaged one is moved aside first."""
    folder = home / STORE_DIR
    try:
        cache = _open(folder)
        healthy = cache._sql("PRAGMA quick_check").fetchone()[0] == "ok"  # noqa: SLF001
    except sqlite3.DatabaseError as err:
        if not any(word in str(err).lower() for word in _DAMAGED):
            raise describe(err, folder) from None
        cache, healthy = None, False
    if not healthy:
        if cache is not None:
            cache.close()
        aside = home / f"{DAMAGED_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}"
        os.replace(folder, aside)
        try:
            cache = _open(folder)
        except sqlite3.Error as err:
            raise describe(err, folder) from None
    return cache


def _open(folder: Path) -> diskcache.Cache:
    return diskcache.Cache(str(folder), timeout=60, **_SETTINGS)


def remembered(home: Path) -> tuple[int, float] | None:
    """(jobs, when) from the manifest, or None when there is none."""
    try:
        data = json.loads((home / MANIFEST).read_text(encoding="utf-8"))
        return int(data["jobs"]), float(data["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(home: Path, jobs: int) -> None:
    """Write the manifest (atomically); a failure to write it is not an error of the caller's change."""
    tmp = home / f".{MANIFEST}.tmp"
    try:
        tmp.write_text(json.dumps({"jobs": jobs, "at": time.time()}), encoding="utf-8")
        os.replace(tmp, home / MANIFEST)
    except OSError:
        tmp.unlink(missing_ok=True)


def problem(home: Path, jobs_now: int) -> str | None:
    """What the user must hear of, in one line: a damaged store not repaired yet, or a store that
    holds no jobs while the manifest says it held some. None when all is well."""
    damaged = damaged_stores(home)
    if damaged:
        return f"the job store was damaged and was moved aside to {damaged[-1]}; `normdesk jobs repair` recovers its jobs"
    known = remembered(home)
    if jobs_now or not known or not known[0]:
        return None
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(known[1]))
    return (f"the job store in {home / STORE_DIR} is empty, but held {known[0]} jobs on {when}: restore the folder "
            f"from a backup, or run `normdesk jobs repair` to start afresh")


def damaged_stores(home: Path) -> list[Path]:
    """The stores moved aside, oldest first, that were not repaired yet."""
    return sorted(p for p in home.glob(f"{DAMAGED_PREFIX}*") if p.is_dir() and not p.name.endswith(".repaired"))


def readable_records(folder: Path) -> tuple[list[tuple[str, Any]], int]:
    """Every (key, value) that can still be read from a damaged store, and how many rows could not be.

    Reads row by row through ``rowid``, so one bad page costs the rows on it, not the rest."""
    records: list[tuple[str, Any]] = []
    lost = last = misses = 0
    try:
        con = sqlite3.connect(f"file:{folder / 'cache.db'}?mode=ro", uri=True)
    except sqlite3.Error:
        return records, lost
    while misses < 1000:  # past a long run of unreadable rows, nothing more can be had
        try:
            rows = con.execute("SELECT rowid, key, mode, value FROM Cache WHERE rowid > ? ORDER BY rowid LIMIT 100",
                               (last,)).fetchall()
        except sqlite3.Error:
            last, lost, misses = last + 1, lost + 1, misses + 1
            continue
        if not rows:
            break
        for rowid, key, mode, value in rows:
            last = rowid
            try:
                records.append((key, pickle.loads(value) if mode == 4 else value))  # diskcache's MODE_PICKLE
                misses = 0
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError):
                lost += 1
    con.close()
    known = {v["id"] for k, v in records if isinstance(v, dict) and "id" in v}
    carved = [r for r in carve_jobs(folder / "cache.db") if r["id"] not in known]
    return records + [(f"job:{r['id']}", r) for r in carved], lost


_PROGRESS = {"pending": 0, "processing": 1, "cancelled": 2, "failed": 2, "completed": 3}


def carve_jobs(db: Path) -> list[dict]:
    """Job records found in the raw bytes of a database SQLite can no longer read (a truncated or
    garbled file): every pickle that loads as a job record. Freed pages may hold older copies of a
    record, so of several copies of one job the most advanced one is kept."""
    try:
        data = db.read_bytes()
    except OSError:
        return []
    best: dict[str, dict] = {}
    start = data.find(b"\x80\x05")
    while start != -1:
        try:
            record = pickle.loads(data[start:start + 65536])
        except Exception:  # noqa: BLE001 - most offsets are not a pickle at all
            record = None
        if isinstance(record, dict) and isinstance(record.get("id"), str) and record.get("status") in _PROGRESS:
            old = best.get(record["id"])
            rank = (_PROGRESS[record["status"]], record.get("completed_at") or 0, record.get("processed_rows") or 0)
            if old is None or rank > (_PROGRESS[old["status"]], old.get("completed_at") or 0, old.get("processed_rows") or 0):
                best[record["id"]] = record
        start = data.find(b"\x80\x05", start + 2)
    return list(best.values())


def mark_repaired(folder: Path) -> Path:
    target = folder.with_name(folder.name + ".repaired")
    shutil.move(str(folder), target)
    return target
