"""The plain data of the job queue: statuses, jobs, statistics and the retry policy."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from normdesk.engine.errors import InputError

JOB_TYPES = ("intelligent", "name", "phone", "email", "address")


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


@dataclass(frozen=True, slots=True)
class Job:
    """One queued file: its plan and its report, never its data."""

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
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, with the design's camelCase keys (totalRows, errorMessage...)."""
        return {_camel(f.name): getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Job:
        """Build from a stored record, ignoring the queue's internal keys (lease...)."""
        values = {f.name: record[f.name] for f in fields(cls) if f.name in record}
        values["status"] = JobStatus(values["status"])
        return cls(**values)


JOB_FIELDS = tuple(f.name for f in fields(Job))


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


def _env_float(name: str, default: float) -> float:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{name} must be a number, not {text!r}") from None


@dataclass(frozen=True, slots=True)
class Policy:
    """How the queue retries, leases and keeps jobs. Each field has an environment override."""

    max_attempts: int = 3  # NORMDESK_MAX_ATTEMPTS
    backoff_s: float = 5.0  # NORMDESK_RETRY_BACKOFF: first delay, doubled for each further attempt
    lease_s: float = 30.0  # NORMDESK_LEASE_SECONDS: renewed every third of it while running
    max_crashes: int = 3  # NORMDESK_MAX_CRASHES: lease expiries without progress before failing
    keep_completed_s: float = 24 * 3600.0
    keep_completed_count: int = 1000
    keep_failed_s: float = 7 * 24 * 3600.0

    @classmethod
    def from_env(cls) -> Policy:
        d = cls()
        return cls(
            max_attempts=int(_env_float("NORMDESK_MAX_ATTEMPTS", d.max_attempts)),
            backoff_s=_env_float("NORMDESK_RETRY_BACKOFF", d.backoff_s),
            lease_s=_env_float("NORMDESK_LEASE_SECONDS", d.lease_s),
            max_crashes=int(_env_float("NORMDESK_MAX_CRASHES", d.max_crashes)),
        )

    def backoff(self, failed_attempts: int) -> float:
        """Delay before the next attempt after ``failed_attempts`` failures (5 s, 10 s, 20 s...)."""
        return self.backoff_s * 2 ** max(failed_attempts - 1, 0)
