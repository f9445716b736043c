"""The plain data of the job queue: statuses, jobs, statistics and the retry policy."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from normdesk.settings import Settings
from normdesk.settings import load as load_settings

JOB_TYPES = ("intelligent", "name", "phone", "email", "address")  # normalizing one file
DEDUPE = "dedupe"  # finding the same person across files (normdesk.jobs.dedupe_job)


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting to run (also while waiting for a retry: next_retry_at is set)
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


def new_job_id() -> str:
    """A time-sortable id: microseconds since the epoch (13 hex digits) and 4 random hex digits."""
    return f"{time.time_ns() // 1000:013x}{secrets.token_hex(2)}"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _internal(default: Any) -> Any:
    """A field the queue keeps for itself (leases, crash counts): stored, never in ``to_dict()``."""
    return field(default=default, metadata={"internal": True})


@dataclass(frozen=True, slots=True)
class Job:
    """One queued file: its plan and its report, never its data. Also the stored record: the queue
    changes a job with ``dataclasses.replace`` inside one transaction."""

    id: str
    type: str
    status: JobStatus
    input_path: str
    output_path: str
    input_key: str | None
    output_key: str | None
    config: dict
    total_rows: int | None
    processed_rows: int
    valid_rows: int
    invalid_rows: int
    error_message: str | None
    created_at: float
    started_at: float | None
    completed_at: float | None
    attempts: int
    max_attempts: int
    next_retry_at: float | None
    report: dict | None
    fraction: float = 0.0  # share of the input read, 0..1
    rejects: int = 0  # malformed lines a completed job set aside (``<stem>.rejects.csv`` beside the output)
    output_stat: dict | None = None  # size and mtime of the output as written (retention checks it)
    extra: dict = field(default_factory=dict)  # annotations of the queue's subscribers (e.g. "sync")
    hooks_due: bool = _internal(False)  # completed, and the COMPLETED subscribers have not all returned
    lease_owner: str | None = _internal(None)
    lease_expires: float | None = _internal(None)
    chunk_row: int | None = _internal(None)  # first row of the chunk this process is normalizing, since the claim
    crash_row: int | None = _internal(None)  # the chunk that was being normalized at the last crash...
    crash_strikes: int = _internal(0)  # ...and at how many crashes in a row
    cancel_requested: bool = _internal(False)

    @property
    def will_retry(self) -> bool:
        """Pending again after a failed attempt (waiting for its backoff)."""
        return self.status is JobStatus.PENDING and self.next_retry_at is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, with the design's camelCase keys (totalRows, errorMessage...)."""
        return {camel: getattr(self, name) for name, camel in _PUBLIC_FIELDS}

    def summary(self) -> dict[str, Any]:
        """``to_dict()`` without the plan (``config``) and the ``report``, which are most of a job."""
        data = self.to_dict()
        del data["config"], data["report"]
        return data

    def to_record(self) -> dict[str, Any]:
        """What the store keeps: every field under its own name, the status as text."""
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        record["status"] = self.status.value
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Job:
        """Build from a stored record; also reads the records of stores written before version 2
        (where the fraction, the output's stat and the hooks flag lived in ``extra``)."""
        values = {name: record[name] for name in JOB_FIELDS if name in record}
        values["status"] = JobStatus(values["status"])
        if record.get("schema", 1) < 2:
            extra = dict(record.get("extra") or {})
            values["fraction"] = float(extra.pop("fraction", 0.0))
            values["output_stat"] = extra.pop("output_stat", None)
            values["hooks_due"] = bool(extra.pop("hooks_due", False))
            values["extra"] = extra
            values["cancel_requested"] = bool(values.get("cancel_requested"))
        return cls(**values)


RECORD_SCHEMA = 3  # 1: the queue's own fields were untyped keys of the record and of ``extra``; 2: the report was in it


JOB_FIELDS = tuple(f.name for f in fields(Job))
_PUBLIC_FIELDS = tuple((f.name, _camel(f.name)) for f in fields(Job) if not f.metadata.get("internal"))


@dataclass(frozen=True, slots=True)
class Stats:
    total: int = 0
    pending: int = 0
    processing: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def success_rate(self) -> float:
        """Completed among finished-and-not-cancelled jobs (0.0 when none has finished)."""
        done = self.completed + self.failed
        return self.completed / done if done else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**data, "successRate": round(self.success_rate, 4)}


@dataclass(frozen=True, slots=True)
class Policy:
    """How the queue retries, leases and keeps jobs: the job fields of ``normdesk.settings.Settings``."""

    max_attempts: int
    backoff_s: float  # first delay, doubled for each further attempt
    lease_s: float  # renewed every third of it while running
    max_crashes: int  # crashes in a row while normalizing the same chunk before the job is failed
    keep_completed_s: float
    keep_completed_count: int
    keep_failed_s: float
    delete_outputs: bool  # retention also deletes a completed job's unchanged output

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Policy:
        """From the given settings, or the effective ones (settings file + environment)."""
        s = settings or load_settings()
        return cls(
            max_attempts=s.max_attempts, backoff_s=s.backoff_s, lease_s=s.lease_s, max_crashes=s.max_crashes,
            keep_completed_s=s.keep_completed_hours * 3600.0, keep_completed_count=s.keep_completed_max,
            keep_failed_s=s.keep_failed_days * 86400.0, delete_outputs=s.delete_outputs,
        )

    def backoff(self, failed_attempts: int) -> float:
        """Delay before the next attempt after ``failed_attempts`` failures (5 s, 10 s, 20 s...)."""
        return self.backoff_s * 2 ** max(failed_attempts - 1, 0)
