"""Where schedules, watched folders and the files they saw are kept: one diskcache store under
``<data folder>/automation``, safe across processes (the CLI edits it while a worker runs).

    schedule:<id>           a schedule record (``Schedule.to_record()``)
    watch:<id>              a watched folder record
    file:<watch id>:<name>  what happened to one file of a watched folder
    rev                     bumped by every change (a window polls it)
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import diskcache

from normdesk.engine.errors import InputError
from normdesk.paths import data_dir

SCHEDULE, WATCH, FILE, REV = "schedule:", "watch:", "file:", "rev"


class AutomationStore:
    def __init__(self, home: Path | None = None) -> None:
        self.home = Path(home) if home is not None else data_dir()
        self.cache = diskcache.Cache(str(self.home / "automation"), timeout=60, eviction_policy="none",
                                     statistics=0, tag_index=0)

    def close(self) -> None:
        self.cache.close()

    @contextmanager
    def transact(self) -> Iterator[None]:
        with self.cache.transact():
            yield

    def put(self, key: str, record: dict[str, Any]) -> None:
        with self.cache.transact():
            self.cache.set(key, record)
            self.cache.incr(REV)

    def get(self, key: str) -> dict[str, Any] | None:
        return self.cache.get(key)

    def delete(self, key: str) -> bool:
        with self.cache.transact():
            found = self.cache.delete(key)
            self.cache.incr(REV)
        return found

    def records(self, prefix: str) -> list[dict[str, Any]]:
        """Every record whose key starts with ``prefix``, oldest key first."""
        out = []
        for key in self.cache.iterkeys():
            if isinstance(key, str) and key.startswith(prefix):
                rec = self.cache.get(key)
                if rec is not None:
                    out.append(rec)
        return out

    def find(self, prefix: str, text: str, what: str) -> dict[str, Any]:
        """The record of ``prefix`` whose id is ``text``, or starts or ends with it."""
        rec = self.get(prefix + text)
        if rec is not None:
            return rec
        hits = [r for r in self.records(prefix) if text and (r["id"].startswith(text) or r["id"].endswith(text))]
        if len(hits) != 1:
            raise InputError(f"no {what} {text!r}" if not hits else f"{text!r} matches {len(hits)} {what}s")
        return hits[0]

    def update(self, key: str, **changes: Any) -> dict[str, Any] | None:
        """Merge ``changes`` into a record in one transaction; None when it is gone."""
        with self.cache.transact():
            rec = self.cache.get(key)
            if rec is None:
                return None
            rec.update(changes)
            self.cache.set(key, rec)
            self.cache.incr(REV)
        return rec

    def revision(self) -> int:
        return self.cache.get(REV, 0)
