"""The persistent job queue: one diskcache store under ``data_dir()/queue``.

Every state change is one transaction (``with cache.transact():``), so any number of threads and
processes may use the queue at once. Keys:

    job:<id>    the job record: the ``Job`` fields plus the lease (owner, expiry) and crash count
    ckpt:<id>   the engine's last ``Checkpoint.to_dict()`` of a running job (resume point)
    rev         a counter bumped by every change, cheap to poll

The first half of ``JobQueue`` is the public API (GUI, command line); the second half is what a
runner uses to claim a job and report on it. A runner's calls carry its ``owner`` token and are
ignored once its lease is gone, so a worker that lost a job can never overwrite its state.
"""

from __future__ import annotations

import os
import time
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import diskcache

from normdesk.engine.errors import InputError
from normdesk.engine.plan import Plan
from normdesk.jobs.events import EventBus, EventKind, JobEvent
from normdesk.jobs.model import JOB_FIELDS, JOB_TYPES, Job, JobStatus, Policy, Stats, new_job_id
from normdesk.paths import data_dir

_JOB, _CKPT, _REV = "job:", "ckpt:", "rev"
_SETTINGS = dict(
    eviction_policy="none",  # jobs are removed by retention only, never evicted
    disk_min_file_size=1 << 24,  # keep every record inside SQLite (one file, one integrity check)
    statistics=0,
    tag_index=0,
)


def default_output_path(input_path: Path, output_format: str = "csv") -> Path:
    """``<stem>.normalized.<ext>`` beside the input."""
    return input_path.with_name(f"{input_path.stem}.normalized.{output_format}")


class JobQueue:
    def __init__(
        self,
        home: Path | None = None,
        clock: Callable[[], float] = time.time,
        policy: Policy | None = None,
    ) -> None:
        self.home = Path(home) if home is not None else data_dir()
        self.clock = clock
        self.policy = policy or Policy.from_env()
        self.cache = diskcache.Cache(str(self.home / "queue"), timeout=60, **_SETTINGS)
        self.events = EventBus()

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
    ) -> Job:
        """Queue one file. Without a plan its columns are detected when the job runs; ``type``
        other than intelligent keeps only the columns detected as that type; ``overrides``
        (``{column: "type[:part]"}``) apply on top of the plan or the detection."""
        if type not in JOB_TYPES:
            raise InputError(f"unknown job type {type!r}: use {', '.join(JOB_TYPES)}")
        source = Path(input_path).expanduser().resolve()
        if not source.is_file():
            raise InputError(f"no such file: {input_path}")
        options: dict[str, Any] = {}
        if country is not None:
            options["country"] = country.upper()
        if output_format is not None:
            options["output_format"] = output_format
        plan = (plan or Plan()).with_options(**options)
        target = Path(output_path).expanduser() if output_path else default_output_path(source, plan.output_format)
        target = target.resolve()
        if target == source:
            raise InputError(f"the output would overwrite the input file {source}")
        if not target.parent.is_dir():
            raise InputError(f"output folder does not exist: {target.parent}")
        config = {
            **plan.to_dict(),
            "detect": not plan.columns,
            "overrides": dict(overrides or {}),
        }
        job = Job(
            id=new_job_id(), type=type, status=JobStatus.PENDING,
            input_path=str(source), output_path=str(target),
            input_key=input_key, output_key=None, config=config,
            total_rows=None, processed_rows=0, valid_rows=0, invalid_rows=0,
            error_message=None, created_at=self.clock(), started_at=None, completed_at=None,
            attempts=0, max_attempts=self.policy.max_attempts, next_retry_at=None,
            report=None, extra={},
        )
        with self.cache.transact():
            self._put(_record(job))
        return job

    def get(self, job_id: str) -> Job | None:
        record = self.cache.get(_JOB + job_id)
        return Job.from_record(record) if record else None

    def list(self, limit: int | None = None) -> list[Job]:
        """Every job (or the ``limit`` newest), newest first."""
        return [Job.from_record(r) for r in islice(self._records(reverse=True), limit)]

    def find(self, text: str) -> Job:
        """The job whose id is ``text`` or starts or ends with it (for people typing ids)."""
        job = self.get(text)
        if job:
            return job
        hits = [j for j in self.list() if text and (j.id.startswith(text) or j.id.endswith(text))]
        if len(hits) != 1:
            raise InputError(f"no job {text!r}" if not hits else f"{text!r} matches {len(hits)} jobs")
        return hits[0]

    def cancel(self, job_id: str) -> Job:
        """Cancel a pending job (also one waiting for a retry) at once; a running one stops
        within one chunk (its runner sees the request and marks it cancelled)."""
        with self.cache.transact():
            rec = self._load(job_id)
            status = JobStatus(rec["status"])
            if status is JobStatus.PENDING:
                rec.update(status=JobStatus.CANCELLED.value, next_retry_at=None,
                           completed_at=self.clock(), error_message="cancelled")
                self.cache.delete(_CKPT + job_id)
            elif status is JobStatus.PROCESSING:
                rec["cancel_requested"] = True
            elif status is not JobStatus.CANCELLED:
                raise InputError(f"job {job_id} is already {status.value}")
            self._put(rec)
        return Job.from_record(rec)

    def retry(self, job_id: str) -> Job:
        """Queue a failed or cancelled job again, with a fresh set of attempts."""
        with self.cache.transact():
            rec = self._load(job_id)
            status = JobStatus(rec["status"])
            if status not in (JobStatus.FAILED, JobStatus.CANCELLED):
                raise InputError(f"job {job_id} is {status.value}: only failed or cancelled jobs can be retried")
            rec.update(
                status=JobStatus.PENDING.value, attempts=0, next_retry_at=None, error_message=None,
                completed_at=None, processed_rows=0, crashes=0, cancel_requested=False,
            )
            self._put(rec)
        return Job.from_record(rec)

    def remove(self, job_id: str, *, if_status: JobStatus | None = None) -> bool:
        """Forget a job that is not running (its output file stays). With ``if_status``, only
        when the job is still in that status; returns whether it was removed."""
        with self.cache.transact():
            rec = self._load(job_id)
            if if_status is not None and rec["status"] != if_status:
                return False
            if rec["status"] == JobStatus.PROCESSING:
                raise InputError(f"job {job_id} is running: cancel it first")
            self._drop(job_id)
        return True

    def annotate(self, job_id: str, **extra: Any) -> Job:
        """Merge ``extra`` into ``job.extra`` (a value of None removes the key)."""
        with self.cache.transact():
            rec = self._load(job_id)
            merged = {**rec["extra"], **extra}
            rec["extra"] = {k: v for k, v in merged.items() if v is not None}
            self._put(rec)
        return Job.from_record(rec)

    def set_keys(self, job_id: str, input_key: str | None = None, output_key: str | None = None) -> Job:
        with self.cache.transact():
            rec = self._load(job_id)
            if input_key is not None:
                rec["input_key"] = input_key
            if output_key is not None:
                rec["output_key"] = output_key
            self._put(rec)
        return Job.from_record(rec)

    def stats(self) -> Stats:
        counts = {s: 0 for s in JobStatus}
        for rec in self._records():
            counts[JobStatus(rec["status"])] += 1
        return Stats(total=sum(counts.values()), **{s.value: n for s, n in counts.items()})

    def revision(self) -> int:
        """A number that changes with every change of the queue (poll it to refresh a view)."""
        return self.cache.get(_REV, 0)

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
            writing = set(busy_outputs)
            candidates = []
            for rec in self._records():
                if rec["status"] == JobStatus.PROCESSING:
                    writing.add(rec["output_path"])
                elif rec["status"] == JobStatus.PENDING and (rec["next_retry_at"] or 0) <= now:
                    candidates.append(rec)
            rec = next((r for r in candidates if r["output_path"] not in writing), None)
            if rec is None:
                return None
            ckpt = self.cache.get(_CKPT + rec["id"])
            rec.update(
                status=JobStatus.PROCESSING.value, started_at=now, next_retry_at=None,
                lease_owner=owner, lease_expires=now + self.policy.lease_s,
                claim_rows=ckpt["rows_done"] if ckpt else 0, cancel_requested=False,
            )
            self._put(rec)
        return Job.from_record(rec)

    def next_wake(self) -> float | None:
        """When the earliest retry falls due (None: no job waits for a retry)."""
        times = [r["next_retry_at"] for r in self._records()
                 if r["status"] == JobStatus.PENDING and r["next_retry_at"]]
        return min(times, default=None)

    def renew(self, owner: str, job_ids: list[str]) -> None:
        """Extend the leases ``owner`` holds on ``job_ids`` (one transaction)."""
        expires = self.clock() + self.policy.lease_s
        with self.cache.transact():
            for job_id in job_ids:
                rec = self._leased(job_id, owner)
                if rec is not None:
                    rec["lease_expires"] = expires
                    self.cache.set(_JOB + job_id, rec)

    def cancel_requested(self, job_id: str) -> bool:
        rec = self.cache.get(_JOB + job_id)
        return bool(rec is None or rec.get("cancel_requested") or rec["status"] != JobStatus.PROCESSING)

    def checkpoint(self, job_id: str) -> dict | None:
        return self.cache.get(_CKPT + job_id)

    def live_part_paths(self) -> set[str]:
        """Part files that pending or running jobs will resume from."""
        paths = set()
        for rec in self._records():
            if rec["status"] in (JobStatus.PENDING, JobStatus.PROCESSING):
                ckpt = self.cache.get(_CKPT + rec["id"])
                if ckpt:
                    paths.add(str(ckpt["part_path"]))
        return paths

    def progress(self, job_id: str, owner: str, rows_done: int, fraction: float,
                 checkpoint: dict | None = None) -> bool:
        """Record progress (and the resume point, when given); False when the lease is lost."""
        with self.cache.transact():
            rec = self._leased(job_id, owner)
            if rec is None:
                return False
            rec["processed_rows"] = rows_done
            rec["extra"] = {**rec["extra"], "fraction": round(fraction, 4)}
            if checkpoint is not None:
                self.cache.set(_CKPT + job_id, checkpoint)
            self._put(rec)
        return True

    def complete(self, job_id: str, owner: str, report: dict, output_stat: dict | None = None) -> Job | None:
        """Mark done with the engine's report; completion hooks are then due (``hooks_due``)."""
        with self.cache.transact():
            rec = self._leased(job_id, owner)
            if rec is None:
                return None
            rec.update(
                status=JobStatus.COMPLETED.value, completed_at=self.clock(), error_message=None,
                total_rows=report.get("total_rows"), processed_rows=report.get("total_rows", 0),
                valid_rows=report.get("valid_rows", 0), invalid_rows=report.get("invalid_rows", 0),
                report=report, extra={**rec["extra"], "fraction": 1.0, "hooks_due": True,
                                      **({"output_stat": output_stat} if output_stat else {})},
            )
            _release(rec)
            self.cache.delete(_CKPT + job_id)
            self._put(rec)
        return Job.from_record(rec)

    def fail(self, job_id: str, owner: str, message: str, retryable: bool) -> Job | None:
        """A failed attempt: back to pending after a backoff, or failed for good."""
        now = self.clock()
        with self.cache.transact():
            rec = self._leased(job_id, owner)
            if rec is None:
                return None
            rec["attempts"] += 1
            rec["error_message"] = message
            if retryable and rec["attempts"] < rec["max_attempts"]:
                rec.update(status=JobStatus.PENDING.value,
                           next_retry_at=now + self.policy.backoff(rec["attempts"]))
            else:
                rec.update(status=JobStatus.FAILED.value, completed_at=now, next_retry_at=None)
            self.cache.delete(_CKPT + job_id)
            _release(rec)
            self._put(rec)
        return Job.from_record(rec)

    def finish_cancel(self, job_id: str, owner: str) -> Job | None:
        """The runner stopped a job whose cancel was requested."""
        with self.cache.transact():
            rec = self._leased(job_id, owner)
            if rec is None:
                return None
            rec.update(status=JobStatus.CANCELLED.value, completed_at=self.clock(), error_message="cancelled")
            self.cache.delete(_CKPT + job_id)
            _release(rec)
            self._put(rec)
        return Job.from_record(rec)

    def release(self, job_id: str, owner: str, keep_checkpoint: bool = True) -> Job | None:
        """Give a running job back (graceful shutdown): pending, not a failed attempt
        (cancelled instead, when a cancel was requested meanwhile)."""
        with self.cache.transact():
            rec = self._leased(job_id, owner)
            if rec is None:
                return None
            if rec.get("cancel_requested"):
                rec.update(status=JobStatus.CANCELLED.value, completed_at=self.clock(), error_message="cancelled")
                keep_checkpoint = False
            else:
                rec["status"] = JobStatus.PENDING.value
            if not keep_checkpoint:
                self.cache.delete(_CKPT + job_id)
            _release(rec)
            self._put(rec)
        return Job.from_record(rec)

    def recover(self, owner: str, everything: bool = False) -> list[Job]:
        """Put back to pending the running jobs whose lease expired (``everything``: every
        running job not leased to ``owner``, for a process that just took the data folder).

        A crash-restart is not a failed attempt; but a job whose lease expired
        ``policy.max_crashes`` times in a row without progress is failed: it likely kills its worker.
        """
        now = self.clock()
        recovered = []
        with self.cache.transact():
            for rec in self._records():
                if rec["status"] != JobStatus.PROCESSING or rec.get("lease_owner") == owner:
                    continue
                if not everything and rec.get("lease_expires", 0) > now:
                    continue
                ckpt = self.cache.get(_CKPT + rec["id"])
                progressed = (ckpt["rows_done"] if ckpt else 0) > rec.get("claim_rows", 0)
                rec["crashes"] = 0 if progressed else rec.get("crashes", 0) + 1
                if rec.get("cancel_requested"):
                    rec.update(status=JobStatus.CANCELLED.value, completed_at=now, error_message="cancelled")
                    self.cache.delete(_CKPT + rec["id"])
                elif rec["crashes"] >= self.policy.max_crashes:
                    rec.update(
                        status=JobStatus.FAILED.value, completed_at=now,
                        error_message=f"the worker stopped {rec['crashes']} times while running this job",
                    )
                    self.cache.delete(_CKPT + rec["id"])
                else:
                    rec["status"] = JobStatus.PENDING.value
                _release(rec)
                self._put(rec)
                recovered.append(Job.from_record(rec))
        return recovered

    def hooks_due(self) -> list[Job]:
        """Completed jobs whose completion hooks have not run to the end yet."""
        return [Job.from_record(r) for r in self._records()
                if r["status"] == JobStatus.COMPLETED and r["extra"].get("hooks_due")]

    # -- storage ------------------------------------------------------------------------------
    def _records(self, reverse: bool = False) -> Iterator[dict]:
        for key in self.cache.iterkeys(reverse=reverse):
            if isinstance(key, str) and key.startswith(_JOB):
                rec = self.cache.get(key)
                if rec is not None:  # removed meanwhile
                    yield rec

    def _load(self, job_id: str) -> dict:
        rec = self.cache.get(_JOB + job_id)
        if rec is None:
            raise InputError(f"no job {job_id!r}")
        return rec

    def _leased(self, job_id: str, owner: str) -> dict | None:
        rec = self.cache.get(_JOB + job_id)
        if rec is None or rec["status"] != JobStatus.PROCESSING or rec.get("lease_owner") != owner:
            return None
        return rec

    def _put(self, rec: dict) -> None:
        """Store a record and bump the revision; call inside ``cache.transact()``."""
        self.cache.set(_JOB + rec["id"], rec)
        self.cache.incr(_REV)

    def _drop(self, job_id: str) -> None:
        self.cache.delete(_JOB + job_id)
        self.cache.delete(_CKPT + job_id)
        self.cache.incr(_REV)


def _record(job: Job) -> dict[str, Any]:
    rec = {name: getattr(job, name) for name in JOB_FIELDS}
    rec["status"] = job.status.value
    rec.update(lease_owner=None, lease_expires=None, crashes=0, claim_rows=0, cancel_requested=False)
    return rec


def _release(rec: dict) -> None:
    rec.update(lease_owner=None, lease_expires=None)


def owner_token() -> str:
    """A lease owner id, unique per process start."""
    return f"{os.getpid()}-{new_job_id()}"

