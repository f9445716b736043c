"""Schedules: "every Monday at 9, clean this week's export" as ordinary jobs on the queue.

A schedule has a name, an input (a file, a glob such as ``exports/*.csv``, or an ``s3://`` prefix),
a plan (a saved plan file, or none: detect each time), an output folder and format, a cron
expression and enabled; it records lastRun, nextRun and each run's jobs. ``Scheduler.tick()``
runs what is due: one run per tick however many due times were missed (the catch-up after the
machine was off), never one per missed time. A run that cannot start (input missing, plan
unreadable) is recorded as failed with its reason.
"""

from __future__ import annotations

import glob
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Callable, Mapping

from normdesk.automation import cron
from normdesk.automation.store import SCHEDULE, AutomationStore
from normdesk.engine.errors import InputError, NormdeskError
from normdesk.engine.plan import Plan
from normdesk.jobs.model import JobStatus, new_job_id
from normdesk.jobs.queue import JobQueue

RUNS_KEPT = 50
MISSED_COUNT_LIMIT = 10_000  # a count of missed due times stops here ("10000+")

# ``fetch(prefix) -> [(local path, s3 key)]`` for inputs of a scheme (the front end plugs S3 in)
Fetcher = Callable[[str], list[tuple[Path, str]]]


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    name: str
    cron: str
    input: str
    plan: str | None = None  # a saved plan file; None: detect each time
    output: str | None = None  # a folder; None: the settings' output folder, else beside the input
    output_format: str | None = None  # None: the plan's, else the settings'
    enabled: bool = True
    created_at: float = 0.0
    last_run: float | None = None
    next_run: float | None = None
    runs: tuple[dict, ...] = field(default_factory=tuple)  # newest last: at, due, missed, jobs, error, manual

    @property
    def last(self) -> dict | None:
        return self.runs[-1] if self.runs else None

    def to_record(self) -> dict[str, Any]:
        rec = asdict(self)
        rec["runs"] = list(self.runs)
        return rec

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Schedule:
        return cls(**{**rec, "runs": tuple(rec.get("runs", ()))})

    def to_dict(self, queue: JobQueue | None = None, zone: tzinfo | None = None) -> dict[str, Any]:
        """The design's fields (id, name, type, cronExpression, config, enabled, lastRun, nextRun)
        in camelCase, times as ISO 8601 with the offset; plus the runs and the last result."""
        return {
            "id": self.id, "name": self.name, "type": "intelligent", "cronExpression": self.cron,
            "description": cron.describe(self.cron), "enabled": self.enabled,
            "lastRun": _iso(self.last_run, zone), "nextRun": _iso(self.next_run, zone),
            "config": {"input": self.input, "plan": self.plan, "output": self.output, "format": self.output_format},
            "lastResult": last_result(self, queue) if queue is not None else None,
            "runs": [{**r, "at": _iso(r["at"], zone), "due": _iso(r.get("due"), zone)} for r in self.runs],
        }


def _iso(ts: float | None, zone: tzinfo | None) -> str | None:
    return datetime.fromtimestamp(ts, zone or cron.local_zone()).isoformat(timespec="seconds") if ts else None


def last_result(schedule: Schedule, queue: JobQueue) -> str | None:
    """The last run in a few words: failed with its reason, running, or completed with its rows."""
    run = schedule.last
    if run is None:
        return None
    if run.get("error"):
        return f"failed: {run['error']}"
    jobs = [j for j in (queue.get(i) for i in run["jobs"]) if j is not None]
    if not jobs:
        return f"submitted {len(run['jobs'])} job(s)"
    failed = [j for j in jobs if j.status in (JobStatus.FAILED, JobStatus.CANCELLED)]
    if failed:
        return f"failed: {failed[0].error_message or failed[0].status.value} ({len(failed)} of {len(jobs)} files)"
    if any(not j.status.finished for j in jobs):
        return f"running ({sum(j.status.finished for j in jobs)} of {len(jobs)} files done)"
    rows = sum(j.total_rows or 0 for j in jobs)
    return f"completed: {len(jobs)} file(s), {rows:,} rows"


class Scheduler:
    """Schedules of one data folder. ``clock`` and ``zone`` are injectable for tests."""

    def __init__(self, store: AutomationStore, queue: JobQueue, clock: Callable[[], float] = time.time,
                 zone: tzinfo | None = None, fetchers: Mapping[str, Fetcher] | None = None,
                 defaults: Callable[[], Any] | None = None) -> None:
        self.store, self.queue, self.clock = store, queue, clock
        self.zone = zone or cron.local_zone()
        self.fetchers = dict(fetchers or {})
        self.defaults = defaults  # () -> Settings (output folder and format)

    # -- editing ----------------------------------------------------------------------------------
    def add(self, name: str, cron_expr: str, input: str, plan: str | None = None, output: str | None = None,
            output_format: str | None = None, enabled: bool = True) -> Schedule:
        schedule = Schedule(id=new_job_id(), name=name.strip() or "schedule", cron="", input=input.strip(),
                            enabled=enabled, created_at=self.clock())
        return self.save(schedule, cron=cron_expr, plan=plan, output=output, output_format=output_format)

    def save(self, schedule: Schedule, **changes: Any) -> Schedule:
        """Store ``schedule`` with ``changes`` (checked); nextRun follows the cron and enabled."""
        if "plan" in changes or "output" in changes:
            changes.update({k: _absolute(changes[k]) for k in ("plan", "output") if k in changes})
        schedule = replace(schedule, **changes)
        if not schedule.input:
            raise InputError("a schedule needs an input: a file, a glob or an s3:// prefix")
        if not schedule.input.startswith("s3://"):
            schedule = replace(schedule, input=str(Path(schedule.input).expanduser().absolute()))
        expr = cron.check(schedule.cron)
        stored = self.store.get(SCHEDULE + schedule.id)
        timing_changed = stored is None or stored["cron"] != expr or stored["enabled"] != schedule.enabled
        if timing_changed:
            next_run = cron.next_due(expr, self.clock(), self.zone) if schedule.enabled else None
            schedule = replace(schedule, cron=expr, next_run=next_run)
        self.store.put(SCHEDULE + schedule.id, schedule.to_record())
        return schedule

    def get(self, schedule_id: str) -> Schedule:
        return Schedule.from_record(self.store.find(SCHEDULE, schedule_id, "schedule"))

    def list(self) -> list[Schedule]:
        return [Schedule.from_record(r) for r in self.store.records(SCHEDULE)]

    def set_enabled(self, schedule_id: str, enabled: bool) -> Schedule:
        return self.save(self.get(schedule_id), enabled=enabled)

    def remove(self, schedule_id: str) -> Schedule:
        schedule = self.get(schedule_id)
        self.store.delete(SCHEDULE + schedule.id)
        return schedule

    # -- running ----------------------------------------------------------------------------------
    def tick(self) -> list[Schedule]:
        """Run every enabled schedule that is due (once each, however many times it was missed)."""
        now = self.clock()
        ran = []
        for schedule in self.list():
            if schedule.enabled and schedule.next_run is not None and schedule.next_run <= now:
                ran.append(self._run(schedule, now, due=schedule.next_run))
        return ran

    def run_now(self, schedule_id: str) -> Schedule:
        """Run at once, whatever the cron says (nextRun stays)."""
        return self._run(self.get(schedule_id), self.clock(), due=None)

    def _run(self, schedule: Schedule, now: float, due: float | None) -> Schedule:
        run: dict[str, Any] = {"at": now, "due": due, "missed": self._missed(schedule, due, now),
                               "manual": due is None, "jobs": [], "error": None}
        try:
            run["jobs"] = [job.id for job in self._submit(schedule)]
        except NormdeskError as err:
            run["error"] = str(err)
        except OSError as err:
            run["error"] = f"{err.strerror or err}: {err.filename or schedule.input}"
        changes: dict[str, Any] = {"last_run": now, "runs": (*schedule.runs, run)[-RUNS_KEPT:]}
        if due is not None:
            changes["next_run"] = cron.next_due(schedule.cron, now, self.zone)
        rec = self.store.update(SCHEDULE + schedule.id, **{k: list(v) if k == "runs" else v for k, v in changes.items()})
        return Schedule.from_record(rec) if rec else replace(schedule, **changes)

    def _missed(self, schedule: Schedule, due: float | None, now: float) -> int:
        """How many due times this run stands for (1 when on time; more after downtime)."""
        if due is None:
            return 0
        count, at = 1, due
        while count < MISSED_COUNT_LIMIT and (at := cron.next_due(schedule.cron, at, self.zone)) <= now:
            count += 1
        return count

    def _submit(self, schedule: Schedule) -> list:
        plan = Plan.load(schedule.plan) if schedule.plan else None
        settings = self.defaults() if self.defaults else None
        fmt = schedule.output_format or (plan.output_format if plan else None) or (
            settings.output_format if settings else "csv")
        folder = schedule.output or (settings.output_folder if settings else "") or None
        if folder and not Path(folder).is_dir():
            raise InputError(f"output folder does not exist: {folder}")
        jobs = []
        for path, key in self._inputs(schedule.input):
            target = Path(folder) / f"{path.stem}.normalized.{fmt}" if folder else None
            jobs.append(self.queue.submit(path, target, plan, output_format=fmt, input_key=key))
        return jobs

    def _inputs(self, spec: str) -> list[tuple[Path, str | None]]:
        if "://" in spec:
            scheme = spec.split("://", 1)[0]
            fetch = self.fetchers.get(scheme)
            if fetch is None:
                raise InputError(f"{scheme}:// inputs need {scheme.upper()} to be set up (normdesk {scheme} configure)")
            found = fetch(spec)
            if not found:
                raise InputError(f"no file under {spec}")
            return list(found)
        if glob.has_magic(spec):
            files = sorted(Path(p) for p in glob.glob(spec) if Path(p).is_file())
            if not files:
                raise InputError(f"no file matches {spec}")
            return [(p, None) for p in files]
        if not Path(spec).is_file():
            raise InputError(f"input missing: {spec}")
        return [(Path(spec), None)]


def _absolute(path: str | None) -> str | None:
    return str(Path(path).expanduser().absolute()) if path else None
