"""Watched folders: each new file matching the pattern becomes one ordinary job, written into the
output folder as ``<stem>.normalized.<ext>``; when that job has ended the file is moved aside
(``DIR/done/``, or ``DIR/failed/`` with ``<name>.reason.txt``).

Exactly once, across restarts and kills: a file's record (``file:<watch>:<name>``, with its size
and mtime) is written *before* its job is submitted ("submitting") and names the job after
("processing"); a restarted process adopts the job a "submitting" record made (same input, made
after the record) instead of submitting again, and moves the file of a "processing" record once
its job has ended. A file whose name, size and mtime are on record is never processed again.

A file is ready when two looks ``settle_s`` apart saw the same size and mtime and nobody holds a
lock on it; until then it is "waiting". Files already in the folder when the watch is added are
processed too.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

from normdesk.automation.store import FILE, WATCH, AutomationStore
from normdesk.engine.errors import InputError, NormdeskError
from normdesk.engine.plan import Plan
from normdesk.jobs.model import Job, JobStatus, new_job_id
from normdesk.jobs.queue import JobQueue

log = logging.getLogger(__name__)

REASON_SUFFIX = ".reason.txt"
FINAL_STATES = ("done", "failed")
EVENT_GRACE_S = 3.0  # a file event arrives within milliseconds; a file this old that none announced: no events


@dataclass(frozen=True, slots=True)
class Watch:
    id: str
    folder: str
    pattern: str = "*.csv"
    plan: str | None = None
    output: str | None = None  # default DIR/normalized
    done: str | None = None  # default DIR/done
    failed: str | None = None  # default DIR/failed
    output_format: str | None = None  # default: the plan's, else the input's kind (csv)
    created_at: float = 0.0

    @property
    def output_dir(self) -> Path:
        return Path(self.output) if self.output else Path(self.folder) / "normalized"

    @property
    def done_dir(self) -> Path:
        return Path(self.done) if self.done else Path(self.folder) / "done"

    @property
    def failed_dir(self) -> Path:
        return Path(self.failed) if self.failed else Path(self.folder) / "failed"

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Watch:
        return cls(**rec)

    def to_dict(self, counts: Mapping[str, int] | None = None) -> dict[str, Any]:
        return {"id": self.id, "folder": self.folder, "pattern": self.pattern, "plan": self.plan,
                "output": str(self.output_dir), "done": str(self.done_dir), "failed": str(self.failed_dir),
                "format": self.output_format, "createdAt": self.created_at,
                **({"counts": dict(counts)} if counts is not None else {})}

    def matches(self, name: str) -> bool:
        """A file of ours: the pattern, and not hidden, not an output, not a reason file."""
        return (fnmatch.fnmatch(name, self.pattern) and not name.startswith(".")
                and ".normalized." not in name and not name.endswith(REASON_SUFFIX))


def _key(watch_id: str, name: str) -> str:
    return f"{FILE}{watch_id}:{name}"


class Watches:
    """Adding, listing and removing watched folders (any process; the owner of the data folder runs them)."""

    def __init__(self, store: AutomationStore, clock=None) -> None:
        import time

        self.store = store
        self.clock = clock or time.time

    def add(self, folder: str | Path, pattern: str = "*.csv", plan: str | None = None, output: str | None = None,
            done: str | None = None, failed: str | None = None, output_format: str | None = None) -> Watch:
        root = Path(folder).expanduser().absolute()
        if not root.is_dir():
            raise InputError(f"no such folder: {folder}")
        if plan:
            Plan.load(plan)  # a clear error now rather than a failed file later
        absolute = {k: str(Path(v).expanduser().absolute()) if v else None
                    for k, v in {"plan": plan, "output": output, "done": done, "failed": failed}.items()}
        watch = Watch(id=new_job_id(), folder=str(root), pattern=pattern or "*.csv",
                      output_format=output_format, created_at=self.clock(), **absolute)
        if any(Watch.from_record(r).folder == watch.folder and r["pattern"] == watch.pattern
               for r in self.store.records(WATCH)):
            raise InputError(f"{watch.folder} is already watched for {watch.pattern}")
        for path in (watch.output_dir, watch.done_dir, watch.failed_dir):
            path.mkdir(parents=True, exist_ok=True)
        self.store.put(WATCH + watch.id, watch.to_record())
        return watch

    def list(self) -> list[Watch]:
        return [Watch.from_record(r) for r in self.store.records(WATCH)]

    def get(self, watch_id: str) -> Watch:
        return Watch.from_record(self.store.find(WATCH, watch_id, "watched folder"))

    def remove(self, watch_id: str) -> Watch:
        watch = self.get(watch_id)
        with self.store.transact():
            for rec in self.files(watch):
                self.store.cache.delete(_key(watch.id, rec["name"]))
            self.store.delete(WATCH + watch.id)
        return watch

    def files(self, watch: Watch) -> list[dict[str, Any]]:
        return self.store.records(f"{FILE}{watch.id}:")

    def counts(self, watch: Watch) -> dict[str, int]:
        """processed, failed, waiting (in the folder or running, not yet moved)."""
        records = {r["name"]: r for r in self.files(watch)}
        counts = {"processed": 0, "failed": 0, "waiting": 0}
        for rec in records.values():
            if rec["state"] == "done":
                counts["processed"] += 1
            elif rec["state"] == "failed":
                counts["failed"] += 1
            else:
                counts["waiting"] += 1
        for entry in _entries(watch):
            rec = records.get(entry.name)
            if rec is None or _stat_key(entry.stat()) != (rec["size"], rec["mtime_ns"]):
                counts["waiting"] += 1
        return counts


def _entries(watch: Watch) -> list[os.DirEntry]:
    try:
        with os.scandir(watch.folder) as it:
            return [e for e in it if watch.matches(e.name) and e.is_file(follow_symlinks=False)]
    except OSError:
        return []


def _stat_key(st: os.stat_result) -> tuple[int, int]:
    return st.st_size, st.st_mtime_ns


class FolderRunner:
    """Runs one watched folder in the process that owns the data folder: ``look(now)`` notices
    files and submits the ready ones; ``settle(now)`` moves the files whose jobs have ended."""

    def __init__(self, watch: Watch, store: AutomationStore, queue: JobQueue, settle_s: float) -> None:
        self.watch, self.store, self.queue, self.settle_s = watch, store, queue, settle_s
        self.looks: dict[str, tuple[tuple[int, int], float]] = {}  # name -> (size, mtime), first seen so
        self.unseen_by_events: list[str] = []  # names a scan found that no file event announced
        self.active = {r["name"] for r in store.records(f"{FILE}{watch.id}:") if r["state"] not in FINAL_STATES}

    def look(self, now: float, announced: set[str] | None = None) -> int:
        """Scan the folder; submit the files that are ready. Returns how many are still waiting.

        With ``announced`` (the names file events told of), a new file that no event announced
        though it is older than a few seconds goes to ``unseen_by_events``: events do not arrive."""
        present = set()
        for entry in _entries(self.watch):
            present.add(entry.name)
            try:
                key = _stat_key(entry.stat())
            except OSError:
                continue
            rec = self.store.get(_key(self.watch.id, entry.name))
            if rec is not None and (rec["size"], rec["mtime_ns"]) == key:
                continue  # on record: running, moving, or processed before
            previous = self.looks.get(entry.name)
            if previous is None or previous[0] != key:
                if (previous is None and announced is not None and entry.name not in announced
                        and now - key[1] / 1e9 > EVENT_GRACE_S):
                    self.unseen_by_events.append(entry.name)
                self.looks[entry.name] = (key, now)
            elif now - previous[1] >= self.settle_s and not _locked(entry.path):
                del self.looks[entry.name]
                self._start(entry.name, key, now)
        for gone in set(self.looks) - present:
            del self.looks[gone]
        if announced is not None:
            announced.intersection_update(present)
        return len(self.looks)

    def _start(self, name: str, key: tuple[int, int], now: float) -> None:
        record = {"name": name, "size": key[0], "mtime_ns": key[1], "state": "submitting", "since": now,
                  "job_id": None, "error": None, "moved_to": None, "finished_at": None}
        self.store.put(_key(self.watch.id, name), record)
        self.active.add(name)
        self._submit(record, adopt=False)

    def _submit(self, record: dict[str, Any], adopt: bool) -> None:
        path = Path(self.watch.folder) / record["name"]
        try:
            job = (adopt and self._adopt(path, record["since"])) or self._new_job(path)
        except NormdeskError as err:
            self._finish(record, None, "failed", str(err))
            return
        self.store.update(_key(self.watch.id, record["name"]), state="processing", job_id=job.id)
        log.info("%s: job %s", path, job.id)

    def _adopt(self, path: Path, since: float) -> Job | None:
        """The job a killed process submitted for this file after writing its record."""
        source = str(path.resolve())
        return next((j for j in self.queue.list() if j.input_path == source and j.created_at >= since - 1.0), None)

    def _new_job(self, path: Path) -> Job:
        plan = Plan.load(self.watch.plan) if self.watch.plan else None
        fmt = self.watch.output_format or (plan.output_format if plan else None) or "csv"
        self.watch.output_dir.mkdir(parents=True, exist_ok=True)
        target = self.watch.output_dir / f"{path.stem}.normalized.{fmt}"
        return self.queue.submit(path, target, plan, output_format=fmt)

    def settle(self, now: float) -> None:
        """Finish what earlier looks (or an earlier process) started."""
        for name in sorted(self.active):
            record = self.store.get(_key(self.watch.id, name))
            if record is None or record["state"] in FINAL_STATES:
                self.active.discard(name)
            elif record["state"] == "submitting":
                self._submit(record, adopt=True)
            elif record["state"] == "processing":
                job = self.queue.get(record["job_id"])
                if job is None:
                    self._finish(record, None, "failed", "its job was removed before it ended", now)
                elif job.status is JobStatus.COMPLETED:
                    self._finish(record, job, "done", None, now)
                elif job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
                    self._finish(record, job, "failed", job.error_message or job.status.value, now)

    def _finish(self, record: dict[str, Any], job: Job | None, state: str, error: str | None,
                now: float | None = None) -> None:
        """Move the file aside (a reason file beside a failed one), then record the outcome.
        A move that fails (the folder is gone...) is tried again on the next look."""
        source = Path(self.watch.folder) / record["name"]
        folder = self.watch.done_dir if state == "done" else self.watch.failed_dir
        moved_to = None
        try:
            if source.exists():
                folder.mkdir(parents=True, exist_ok=True)
                target = _free_name(folder / record["name"])
                if state == "failed":
                    _write_reason(target.with_name(target.name + REASON_SUFFIX), error or "failed")
                shutil.move(str(source), str(target))
                moved_to = str(target)
        except OSError as err:
            log.warning("cannot move %s to %s: %s (trying again later)", source, folder, err.strerror or err)
            return
        self.store.update(_key(self.watch.id, record["name"]), state=state, error=error, moved_to=moved_to,
                          finished_at=now, job_id=job.id if job else record.get("job_id"))
        self.active.discard(record["name"])
        log.info("%s: %s%s", source, state, f" ({error})" if error else "")


def _free_name(path: Path) -> Path:
    """``path``, or ``stem (2).ext``... when a file of that name is already there."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        n += 1
    return candidate


def _write_reason(path: Path, reason: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(reason.rstrip() + "\n", encoding="utf-8")
    os.replace(tmp, path)


if sys.platform == "win32":
    def _locked(path: str) -> bool:
        """Another program has the file open for writing (Windows refuses to share it)."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_BINARY)
        except PermissionError:
            return True
        except OSError:
            return False
        os.close(fd)
        return False
else:
    import fcntl

    def _locked(path: str) -> bool:
        """Another program holds an exclusive lock (flock) on the file."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)
        return False
