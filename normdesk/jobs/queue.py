"""The persistent job queue: one diskcache store under ``data_dir()/queue``.

Every state change is one transaction (``with cache.transact():``), so any number of threads and
processes may use the queue at once. Keys:

    job:<id>     the job: ``Job.to_record()`` (every field typed, leases and crash counts included),
                 without its report
    rep:<id>     the engine's report of a completed job (column profile included: the bulk of a job)
    sum:<id>     the job's public summary as JSON text (``Job.summary()``): what `jobs list --json` prints
    ckpt:<id>    the engine's last ``Checkpoint.to_dict()`` of a running job (resume point)
    idx:active   {id: (status, next_retry_at, output_path)} of the pending and running jobs
    idx:counts   {status: number of jobs}
    idx:hooks    ids of completed jobs whose COMPLETED subscribers have not all returned
    rev          a counter bumped by every change, cheap to poll
    schema       the record schema (3); an older store is upgraded once, when first opened

The indexes and summaries change in the same transaction as the records, so claiming a job,
counting, and asking "anything due?" read one small key instead of every record, and listing
10,000 jobs reads short texts instead of unpickling records.

The first half of ``JobQueue`` is the public API (GUI, command line, API); the second half is what
a runner uses to claim a job and report on it. A runner's calls carry its ``owner`` token and are
ignored once its lease is gone, so a worker that lost a job can never overwrite its state. Each
change is published on ``queue.events`` once its transaction committed.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from normdesk.engine.errors import InputError
from normdesk.engine.plan import Plan
from normdesk.engine.sniff import open_input
from normdesk.jobs.events import EventBus, EventKind, JobEvent
from normdesk.jobs.model import DEDUPE, JOB_TYPES, RECORD_SCHEMA, Job, JobStatus, Policy, Stats, new_job_id
from normdesk.jobs.store import damaged_stores, mark_repaired, open_store, problem, readable_records, remember
from normdesk.jobs.store import store_errors
from normdesk.paths import data_dir

_JOB, _REP, _SUM, _CKPT, _REV, _SCHEMA = "job:", "rep:", "sum:", "ckpt:", "rev", "schema"
_ACTIVE, _COUNTS, _HOOKS = "idx:active", "idx:counts", "idx:hooks"
_CANCELLED = dict(status=JobStatus.CANCELLED, error_message="cancelled", next_retry_at=None)


def default_output_path(input_path: Path, output_format: str = "csv") -> Path:
    """``<stem>.normalized.<ext>`` beside the input."""
    return input_path.with_name(f"{input_path.stem}.normalized.{output_format}")


def checked_input(path: str | Path) -> Path:
    """The resolved input; a missing file, a FIFO, socket or device is refused here, in one line,
    not when the job runs."""
    source = Path(path).expanduser().resolve()
    if not source.exists():
        raise InputError(f"no such file: {path}")
    open_input(source).close()
    return source


def checked_output(path: str | Path, sources: list[Path]) -> Path:
    """The resolved output, in an existing folder, overwriting none of ``sources``."""
    target = Path(path).expanduser().resolve()
    if target in sources:
        raise InputError(f"the output would overwrite the input file {target}")
    if not target.parent.is_dir():
        raise InputError(f"output folder does not exist: {target.parent}")
    return target


@store_errors
class JobQueue:
    """``note`` is a one-line problem found when the store was opened (damaged and moved aside, or
    vanished): every front end shows it; ``repair()`` deals with it."""

    def __init__(
        self,
        home: Path | None = None,
        clock: Callable[[], float] = time.time,
        policy: Policy | None = None,
    ) -> None:
        self.home = Path(home) if home is not None else data_dir()
        self.clock = clock
        self.policy = policy or Policy.from_settings()
        self.events = EventBus()
        self.cache = open_store(self.home)
        if self.cache.get(_SCHEMA) != RECORD_SCHEMA:
            self._upgrade()
        self.note = problem(self.home, self.stats().total)

    def close(self) -> None:
        self.cache.close()

    # -- public API ---------------------------------------------------------------------------
    def submit(
        self,
        input_path: str | Path,
        output_path: str | Path | None = None,
        plan: Plan | None = None,
        type: str = "intelligent",
        *,
        overrides: Mapping[str, str] | None = None,
        country: str | None = None,
        output_format: str | None = None,
        input_key: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Job:
        """Queue one file. Without a plan its columns are detected when the job runs; ``type``
        other than intelligent keeps only the columns detected as that type; ``overrides``
        (``{column: "type[:part]"}``) apply on top of the plan or the detection; ``options`` are plan
        options (``address_line``, ``preserve_accents``...). Without a plan or a ``country``, the
        region is the file's country as its data shows it, else the user's default."""
        if type not in JOB_TYPES:
            raise InputError(f"unknown job type {type!r}: use {', '.join(JOB_TYPES)}")
        source = checked_input(input_path)
        options = dict(options or {})
        given_plan = plan is not None
        if country is not None:
            options["country"] = country.upper()
        if output_format is not None:
            options["output_format"] = output_format
        plan = (plan or Plan()).with_options(**options)
        target = checked_output(output_path or default_output_path(source, plan.output_format), [source])
        config = {**plan.to_dict(), "detect": not plan.columns, "overrides": dict(overrides or {}),
                  "country_given": country is not None or given_plan}
        return self.submit_job(type, source, target, config, input_key=input_key)

    def submit_job(self, type: str, source: Path, target: Path, config: dict, *, input_key: str | None = None,
                   extra: dict | None = None) -> Job:
        """Queue a job whose paths and config the caller checked (``submit``, ``submit_dedupe``)."""
        if type not in (*JOB_TYPES, DEDUPE):
            raise InputError(f"unknown job type {type!r}: use {', '.join((*JOB_TYPES, DEDUPE))}")
        job = Job(
            id=new_job_id(), type=type, status=JobStatus.PENDING,
            input_path=str(source), output_path=str(target),
            input_key=input_key, output_key=None, config=config,
            total_rows=None, processed_rows=0, valid_rows=0, invalid_rows=0,
            error_message=None, created_at=self.clock(), started_at=None, completed_at=None,
            attempts=0, max_attempts=self.policy.max_attempts, next_retry_at=None, report=None,
            extra=dict(extra or {}),
        )
        with self.cache.transact():
            self._save(None, job)
        self._publish(EventKind.SUBMITTED, job)
        return job

    def get(self, job_id: str) -> Job | None:
        """The job, with its report."""
        record = self.cache.get(_JOB + job_id)
        if not record:
            return None
        job = Job.from_record(record)
        report = self.cache.get(_REP + job_id)
        return replace(job, report=report) if report is not None else job

    def list(self, limit: int | None = None, reports: bool = False) -> list[Job]:
        """Every job (or the ``limit`` newest), newest first; without their reports (``get`` has
        them) unless ``reports``."""
        jobs = list(self._jobs(reverse=True, limit=limit))
        if not reports:
            return jobs
        return [replace(job, report=self.cache.get(_REP + job.id)) for job in jobs]

    def summaries(self) -> list[str]:
        """Every job's public summary as JSON text, newest first (every field but the plan and the
        report: ``Job.summary()``)."""
        return self._scan(_SUM, reverse=True)

    def find(self, text: str) -> Job:
        """The job whose id is ``text`` or starts or ends with it (for people typing ids)."""
        job = self.get(text)
        if job:
            return job
        hits = [j for j in self.list() if text and (j.id.startswith(text) or j.id.endswith(text))]
        if len(hits) != 1:
            raise InputError(f"no job {text!r}" if not hits else f"{text!r} matches {len(hits)} jobs")
        return self._load(hits[0].id)

    def cancel(self, job_id: str) -> Job:
        """Cancel a pending job (also one waiting for a retry) at once; a running one stops
        within one chunk (its runner sees the request and marks it cancelled)."""
        with self.cache.transact():
            job = self._load(job_id)
            if job.status is JobStatus.PENDING:
                new = replace(job, **_CANCELLED, completed_at=self.clock())
                self._drop_checkpoint(job_id)
            elif job.status is JobStatus.PROCESSING:
                new = replace(job, cancel_requested=True)
            elif job.status is JobStatus.CANCELLED:
                return job
            else:
                raise InputError(f"job {job_id} is already {job.status.value}")
            self._save(job, new)
        if new.status is JobStatus.CANCELLED:
            self._publish(EventKind.CANCELLED, new)
        return new

    def retry(self, job_id: str) -> Job:
        """Queue a failed or cancelled job again, with a fresh set of attempts."""
        with self.cache.transact():
            job = self._load(job_id)
            if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
                raise InputError(f"job {job_id} is {job.status.value}: only failed or cancelled jobs can be retried")
            new = replace(job, status=JobStatus.PENDING, attempts=0, next_retry_at=None, error_message=None,
                          completed_at=None, processed_rows=0, crash_row=None, crash_strikes=0, cancel_requested=False)
            self._save(job, new)
        self._publish(EventKind.SUBMITTED, new)
        return new

    def remove(self, job_id: str, *, if_status: JobStatus | None = None) -> bool:
        """Forget a job that is not running (its output file stays). With ``if_status``, only
        when the job is still in that status; returns whether it was removed."""
        with self.cache.transact():
            job = self._load(job_id)
            if if_status is not None and job.status != if_status:
                return False
            if job.status is JobStatus.PROCESSING:
                raise InputError(f"job {job_id} is running: cancel it first")
            self._drop_checkpoint(job_id)
            self._save(job, None)
        self._publish(EventKind.REMOVED, job)
        return True

    def restore(self, job: Job) -> Job:
        """Put back a job that ``remove`` forgot, as it was then (the window's Undo). A job removed while
        pending is due again and starts from its first row (its resume point went with it)."""
        if job.status is JobStatus.PROCESSING:
            raise InputError(f"job {job.id} was running: only a removed job can be restored")
        with self.cache.transact():
            if self.get(job.id) is not None:
                raise InputError(f"job {job.id} is in the queue already")
            new = replace(job, processed_rows=0) if job.status is JobStatus.PENDING else job
            self._save(None, new)
        self._publish(EventKind.RESTORED, new)
        return new

    def annotate(self, job_id: str, **extra: Any) -> Job:
        """Merge ``extra`` into ``job.extra`` (a value of None removes the key): where the queue's
        subscribers (S3 sync...) keep their own state about a job."""
        with self.cache.transact():
            job = self._load(job_id)
            merged = {**job.extra, **extra}
            new = replace(job, extra={k: v for k, v in merged.items() if v is not None})
            self._save(job, new)
        return new

    def set_keys(self, job_id: str, input_key: str | None = None, output_key: str | None = None) -> Job:
        with self.cache.transact():
            job = self._load(job_id)
            new = replace(job, input_key=input_key if input_key is not None else job.input_key,
                          output_key=output_key if output_key is not None else job.output_key)
            self._save(job, new)
        return new

    def stats(self) -> Stats:
        counts = self.cache.get(_COUNTS) or {}
        by_status = {s.value: counts.get(s.value, 0) for s in JobStatus}
        return Stats(total=sum(by_status.values()), **by_status)

    def revision(self) -> int:
        """A number that changes with every change of the queue (poll it to refresh a view)."""
        return self.cache.get(_REV, 0)

    def has_pending(self) -> bool:
        """Whether a job waits to run, now or after a backoff."""
        return any(status == JobStatus.PENDING for status, _, _ in self._active().values())

    def clean(self) -> int:
        """Apply retention now; returns the number of jobs removed."""
        from normdesk.jobs.retention import clean

        return clean(self)

    # -- runner API ---------------------------------------------------------------------------
    def claim(self, owner: str, busy_outputs: frozenset[str] = frozenset()) -> Job | None:
        """Take the oldest runnable pending job and lease it to ``owner``.

        A job is skipped while another running job writes the same output file."""
        now = self.clock()
        with self.cache.transact():
            active = self._active()
            writing = set(busy_outputs) | {out for status, _, out in active.values() if status == JobStatus.PROCESSING}
            job_id = next((i for i in sorted(active) if active[i][0] == JobStatus.PENDING
                           and (active[i][1] or 0) <= now and active[i][2] not in writing), None)
            if job_id is None:
                return None
            job = self._load(job_id)
            new = replace(job, status=JobStatus.PROCESSING, started_at=now, next_retry_at=None, lease_owner=owner,
                          lease_expires=now + self.policy.lease_s, chunk_row=None, cancel_requested=False,
                          max_attempts=self.policy.max_attempts)  # the settings of now
            self._save(job, new)
        self._publish(EventKind.STARTED, new)
        return new

    def next_wake(self) -> float | None:
        """When the earliest retry falls due (None: no job waits for a retry)."""
        return min((due for status, due, _ in self._active().values() if status == JobStatus.PENDING and due),
                   default=None)

    def renew(self, owner: str, job_ids: list[str]) -> None:
        """Extend the leases ``owner`` holds on ``job_ids`` (one transaction)."""
        expires = self.clock() + self.policy.lease_s
        with self.cache.transact():
            for job_id in job_ids:
                job = self._leased(job_id, owner)
                if job is not None:
                    self._touch(replace(job, lease_expires=expires))

    def chunk_started(self, job_id: str, owner: str, first_row: int) -> None:
        """The runner's process starts normalizing the chunk that begins at ``first_row`` (the evidence
        ``recover`` needs to tell a poison chunk from a kill that just happened to land)."""
        with self.cache.transact():
            job = self._leased(job_id, owner)
            if job is not None:
                self._touch(replace(job, chunk_row=first_row))

    def cancel_requested(self, job_id: str) -> bool:
        job = self.get(job_id)
        return job is None or job.cancel_requested or job.status is not JobStatus.PROCESSING

    def checkpoint(self, job_id: str) -> dict | None:
        return self.cache.get(_CKPT + job_id)

    def live_part_paths(self) -> set[str]:
        """Part files that jobs will resume from (pending, running, or failed with their checkpoint kept),
        rejects part files too."""
        return {str(path) for ckpt in self._scan(_CKPT) for path in _part_paths(ckpt)}

    def progress(self, job_id: str, owner: str, rows_done: int, fraction: float,
                 checkpoint: dict | None = None) -> bool:
        """Record progress (and the resume point, when given); False when the lease is lost."""
        with self.cache.transact():
            job = self._leased(job_id, owner)
            if job is None:
                return False
            if checkpoint is not None:
                self.cache.set(_CKPT + job_id, checkpoint)
            self._save(job, replace(job, processed_rows=rows_done, fraction=round(fraction, 4)))
        return True

    def complete(self, job_id: str, owner: str, report: dict, output_stat: dict | None = None) -> Job | None:
        """Mark done with the engine's report, and due for its COMPLETED subscribers
        (``run_completed``, which the runner calls next)."""
        with self.cache.transact():
            job = self._leased(job_id, owner)
            if job is None:
                return None
            new = replace(
                job, status=JobStatus.COMPLETED, completed_at=self.clock(), error_message=None,
                total_rows=report.get("total_rows"), processed_rows=report.get("total_rows", 0),
                valid_rows=report.get("valid_rows", 0), invalid_rows=report.get("invalid_rows", 0),
                report=report, fraction=1.0, rejects=report.get("rejects", 0), output_stat=output_stat, hooks_due=True,
                lease_owner=None, lease_expires=None,
            )
            self._drop_checkpoint(job_id)
            self._save(job, new)
        return new

    def run_completed(self, job: Job, replayed: bool = False) -> None:
        """Publish COMPLETED for ``job``, then clear its ``hooks_due`` mark (at-least-once delivery)."""
        self._publish(EventKind.COMPLETED, job, replayed)
        with self.cache.transact():
            current = self.get(job.id)
            if current is not None and current.hooks_due:
                self._save(current, replace(current, hooks_due=False))

    def fail(self, job_id: str, owner: str, message: str, retryable: bool, keep_checkpoint: bool = False) -> Job | None:
        """A failed attempt: back to pending after a backoff, or failed for good (with
        ``keep_checkpoint``, a retry resumes where it stood)."""
        now = self.clock()
        with self.cache.transact():
            job = self._leased(job_id, owner)
            if job is None:
                return None
            attempts = job.attempts + 1
            new = replace(job, attempts=attempts, error_message=message, lease_owner=None, lease_expires=None)
            if retryable and attempts < job.max_attempts:
                new = replace(new, status=JobStatus.PENDING, next_retry_at=now + self.policy.backoff(attempts))
            else:
                new = replace(new, status=JobStatus.FAILED, completed_at=now, next_retry_at=None)
            if not keep_checkpoint:
                self._drop_checkpoint(job_id)
            self._save(job, new)
        self._publish(EventKind.RETRYING if new.status is JobStatus.PENDING else EventKind.FAILED, new)
        return new

    def finish_cancel(self, job_id: str, owner: str) -> Job | None:
        """The runner stopped a job whose cancel was requested."""
        with self.cache.transact():
            job = self._leased(job_id, owner)
            if job is None:
                return None
            new = replace(job, **_CANCELLED, completed_at=self.clock(), lease_owner=None, lease_expires=None)
            self._drop_checkpoint(job_id)
            self._save(job, new)
        self._publish(EventKind.CANCELLED, new)
        return new

    def release(self, job_id: str, owner: str, keep_checkpoint: bool = True) -> Job | None:
        """Give a running job back (graceful shutdown): pending, not a failed attempt
        (cancelled instead, when a cancel was requested meanwhile)."""
        with self.cache.transact():
            job = self._leased(job_id, owner)
            if job is None:
                return None
            new = replace(job, lease_owner=None, lease_expires=None)
            if job.cancel_requested:
                new = replace(new, **_CANCELLED, completed_at=self.clock())
                keep_checkpoint = False
            else:
                new = replace(new, status=JobStatus.PENDING)
            if not keep_checkpoint:
                self._drop_checkpoint(job_id)
            self._save(job, new)
        self._publish(EventKind.CANCELLED if new.status is JobStatus.CANCELLED else EventKind.RELEASED, new)
        return new

    def recover(self, owner: str, everything: bool = False) -> list[Job]:
        """Put back to pending the running jobs whose lease expired (``everything``: every
        running job not leased to ``owner``, for a process that just took the data folder).

        A crash is not the job's fault and only puts it back to pending with its checkpoint, unless
        there is evidence: the same chunk was being normalized in the crashed process at each of
        ``policy.max_crashes`` crashes in a row. Then the job is failed naming those rows, keeping its
        checkpoint, so that a retry resumes there. A crash before any chunk started (the start-up, the
        engine processes spawning, the final rename, the events after completion) is no evidence.
        """
        now = self.clock()
        recovered = []
        with self.cache.transact():
            for job_id, (status, _, _) in self._active().items():
                if status != JobStatus.PROCESSING:
                    continue
                job = self._load(job_id)
                if job.lease_owner == owner or (not everything and (job.lease_expires or 0) > now):
                    continue
                new = replace(job, lease_owner=None, lease_expires=None, chunk_row=None)
                if job.chunk_row is not None:
                    strikes = job.crash_strikes + 1 if job.chunk_row == job.crash_row else 1
                    new = replace(new, crash_row=job.chunk_row, crash_strikes=strikes)
                if job.cancel_requested:
                    new = replace(new, **_CANCELLED, completed_at=now)
                    self._drop_checkpoint(job_id)
                elif new.crash_strikes >= self.policy.max_crashes:
                    new = replace(new, status=JobStatus.FAILED, completed_at=now, crash_strikes=0, error_message=(
                        f"normdesk stopped {self.policy.max_crashes} times in a row while normalizing the rows from "
                        f"{new.crash_row:,} on: a value there may crash it; a retry resumes at row {new.crash_row:,}"))
                else:
                    new = replace(new, status=JobStatus.PENDING)
                self._save(job, new)
                recovered.append(new)
        kinds = {JobStatus.CANCELLED: EventKind.CANCELLED, JobStatus.FAILED: EventKind.FAILED}
        for job in recovered:
            self._publish(kinds.get(job.status, EventKind.RELEASED), job)
        return recovered

    def hooks_due(self) -> list[Job]:
        """Completed jobs whose COMPLETED subscribers have not run to the end yet."""
        return [job for job_id in sorted(self.cache.get(_HOOKS) or ()) if (job := self.get(job_id)) is not None]

    # -- storage ------------------------------------------------------------------------------
    def _jobs(self, reverse: bool = False, limit: int | None = None) -> Iterator[Job]:
        for record in self._scan(_JOB, reverse, limit):
            yield Job.from_record(record)

    def _scan(self, prefix: str, reverse: bool = False, limit: int | None = None) -> list[Any]:
        """The values of every key starting with ``prefix`` (the first ``limit``), in key order, read
        with one query (10,000 jobs in a fraction of a second; the per-key ``get`` of diskcache's
        public API takes seconds).
        Uses diskcache's own table and value decoding (``Cache._sql``, ``Disk.fetch``), pinned by the
        version range in pyproject.toml."""
        order = "DESC" if reverse else "ASC"
        rows = self.cache._sql(  # noqa: SLF001 - one read of one table, see the docstring
            f"SELECT mode, filename, value FROM Cache WHERE key >= ? AND key < ? AND raw = 1 ORDER BY key {order} LIMIT ?",
            (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1), -1 if limit is None else limit),
        ).fetchall()
        fetch = self.cache._disk.fetch  # noqa: SLF001
        return [fetch(mode, filename, value, False) for mode, filename, value in rows]

    def _active(self) -> dict[str, tuple[str, float | None, str]]:
        return self.cache.get(_ACTIVE) or {}

    def _load(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job is None:
            raise InputError(f"no job {job_id!r}")
        return job

    def _leased(self, job_id: str, owner: str) -> Job | None:
        job = self.get(job_id)
        if job is None or job.status is not JobStatus.PROCESSING or job.lease_owner != owner:
            return None
        return job

    def _drop_checkpoint(self, job_id: str) -> None:
        """Forget a job's resume point and delete the part files it names (normdesk's own files)."""
        ckpt = self.cache.get(_CKPT + job_id)
        if ckpt:
            for path in _part_paths(ckpt):
                Path(path).unlink(missing_ok=True)
            self.cache.delete(_CKPT + job_id)

    def _save(self, old: Job | None, new: Job | None) -> None:
        """Store ``new`` in place of ``old`` (None: add or remove), keep the indexes in step and bump
        the revision. Call inside ``cache.transact()``."""
        job = new or old
        assert job is not None
        if new is None:
            for prefix in (_JOB, _REP, _SUM, _CKPT):
                self.cache.delete(prefix + job.id)
        else:
            self._touch(new)
            if new.report is not None and (old is None or new.report is not old.report):
                self.cache.set(_REP + job.id, new.report)
            self.cache.set(_SUM + job.id, json.dumps(new.summary(), ensure_ascii=False))
        self._index(old, new)
        self.cache.incr(_REV)

    def _touch(self, job: Job) -> None:
        """Store ``job`` as it is, without touching the indexes or the revision: for the changes no
        viewer shows (a renewed lease, the chunk being normalized). Call inside ``cache.transact()``."""
        self.cache.set(_JOB + job.id, {**job.to_record(), "report": None, "schema": RECORD_SCHEMA})

    def _index(self, old: Job | None, new: Job | None) -> None:
        def entry(job: Job | None) -> tuple | None:
            if job is None or job.status.finished:
                return None
            return (job.status.value, job.next_retry_at, job.output_path)

        job_id = (new or old).id  # type: ignore[union-attr]
        if entry(old) != entry(new):
            active = self._active()
            if entry(new) is None:
                active.pop(job_id, None)
            else:
                active[job_id] = entry(new)
            self.cache.set(_ACTIVE, active)
        old_status, new_status = old and old.status.value, new and new.status.value
        if old_status != new_status:
            counts = self.cache.get(_COUNTS) or {}
            if old_status:
                counts[old_status] = counts.get(old_status, 0) - 1
            if new_status:
                counts[new_status] = counts.get(new_status, 0) + 1
            self.cache.set(_COUNTS, counts)
            if not (old_status and new_status):  # a job came or went: the manifest remembers how many
                remember(self.home, sum(counts.values()))
        if bool(old and old.hooks_due) != bool(new and new.hooks_due):
            hooks = set(self.cache.get(_HOOKS) or ())
            (hooks.add if new and new.hooks_due else hooks.discard)(job_id)
            self.cache.set(_HOOKS, hooks)

    def _upgrade(self) -> None:
        """Rewrite every record in the current schema and build the indexes (one transaction)."""
        with self.cache.transact():
            if self.cache.get(_SCHEMA) == RECORD_SCHEMA:
                return  # another process did it meanwhile
            for key in (_ACTIVE, _COUNTS, _HOOKS):
                self.cache.delete(key)
            for job in list(self._jobs()):  # records up to version 2 hold their report
                self._save(None, job)
            self.cache.set(_SCHEMA, RECORD_SCHEMA)

    def repair(self) -> tuple[int, int]:
        """Copy every job still readable in the stores moved aside into this one (jobs already here
        win), then forget the note; returns (jobs recovered, records lost)."""
        recovered = lost = 0
        for folder in damaged_stores(self.home):
            records, unreadable = readable_records(folder)
            lost += unreadable
            jobs = {k: v for k, v in records if isinstance(k, str) and k.startswith(_JOB) and isinstance(v, dict)}
            checkpoints = {k: v for k, v in records if isinstance(k, str) and k.startswith(_CKPT)}
            reports = {k: v for k, v in records if isinstance(k, str) and k.startswith(_REP)}
            with self.cache.transact():
                for key, record in jobs.items():
                    try:
                        job = Job.from_record(record)
                        job = replace(job, report=reports.get(_REP + job.id, job.report))
                    except (KeyError, TypeError, ValueError):
                        lost += 1
                        continue
                    if self.get(job.id) is None:
                        self._save(None, job)
                        if _CKPT + job.id in checkpoints and not job.status.finished:
                            self.cache.set(_CKPT + job.id, checkpoints[_CKPT + job.id])
                        recovered += 1
            mark_repaired(folder)
        remember(self.home, self.stats().total)
        self.note = None
        return recovered, lost

    def _publish(self, kind: EventKind, job: Job, replayed: bool = False) -> None:
        self.events.publish(JobEvent(kind, job, self.clock(), replayed))


def owner_token() -> str:
    """A lease owner id, unique per process start."""
    return f"{os.getpid()}-{new_job_id()}"


def _part_paths(checkpoint: dict) -> list[str]:
    """The part files a checkpoint names: the output's, and the rejects' once there are any."""
    return [p for p in (checkpoint["part_path"], checkpoint.get("rejects_part")) if p]
