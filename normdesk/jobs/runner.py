"""Run one claimed job with the engine: plan, resume point, progress, and the outcome ladder.

    success      -> completed (report stored), then its COMPLETED event (a "dedupe" job runs
                    ``jobs.dedupe_job.run_dedupe`` instead of the engine, on the same ladder)
    Cancelled    -> cancelled (the engine removed its part file; no output)
    StopRequested-> back to pending with its checkpoint (graceful shutdown; resumes later)
    ChunkCrashed -> failed at once, the checkpoint kept (an engine process died on those rows)
    InputError   -> failed at once (retrying cannot help)
    OutputError  -> a failed attempt (disk full...): retried after a backoff
    ClusterError -> (an unreachable cluster, for a job over the cluster threshold) a failed attempt
    anything else-> a failed attempt, logged with its traceback
    StoreError   -> raised: the job store cannot record anything now (the dispatcher gives the job
                    back once it can)
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from normdesk.engine import (
    Cancelled, Checkpoint, ColumnPlan, ColumnType, InputError, OutputError, Plan,
    detect_file, open_source, run_file,
)
from normdesk import settings
from normdesk.engine.errors import ChunkCrashed
from normdesk.engine.files import detected_country
from normdesk.engine.pipeline import CHUNK_ROWS, INPUT_CHANGED
from normdesk.jobs.dedupe_job import run_dedupe
from normdesk.jobs.events import EventKind, JobEvent
from normdesk.jobs.model import DEDUPE, Job
from normdesk.jobs.queue import JobQueue
from normdesk.jobs.store import StoreError

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, float], None]  # job id, rows done, fraction read
PROGRESS_INTERVAL_S = 0.1  # at most ~10 progress callbacks per second and job


class StopRequested(Exception):
    """Raised through the engine on graceful shutdown: it keeps the part file and checkpoint."""


class LeaseLost(Exception):
    """This runner no longer holds the job (it was recovered elsewhere): stop, touch nothing."""


@dataclass
class RunControl:
    """The flags one running job is steered by."""

    job: Job
    cancel: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)  # shared by a whole dispatcher


class JobProgress:
    """The engine's Progress protocol for a job: stores each checkpoint, publishes throttled PROGRESS
    events (and calls ``on_progress``), and answers ``cancelled()`` from the local flags and the queue
    (a cancel from another process)."""

    def __init__(self, queue: JobQueue, owner: str, control: RunControl,
                 on_progress: ProgressCallback | None = None) -> None:
        self.queue, self.owner, self.control = queue, owner, control
        self.job_id = control.job.id
        self.on_progress = on_progress
        self.fraction = 0.0
        self._last_emit = 0.0

    def update(self, rows_done: int, fraction: float) -> None:
        self.fraction = fraction
        now = time.monotonic()
        if now - self._last_emit >= PROGRESS_INTERVAL_S or fraction >= 1.0:
            self._last_emit = now
            job = replace(self.control.job, processed_rows=rows_done, fraction=round(fraction, 4))
            self.queue.events.publish(JobEvent(EventKind.PROGRESS, job, self.queue.clock()))
            if self.on_progress is not None:
                self.on_progress(self.job_id, rows_done, fraction)

    def cancelled(self) -> bool:
        if self.control.stop.is_set():
            raise StopRequested()
        return self.control.cancel.is_set() or self.queue.cancel_requested(self.job_id)

    def chunk_started(self, first_row: int) -> None:
        self.queue.chunk_started(self.job_id, self.owner, first_row)

    def on_checkpoint(self, checkpoint: Checkpoint) -> None:
        if not self.queue.progress(self.job_id, self.owner, checkpoint.rows_done, self.fraction,
                                   checkpoint.to_dict()):
            raise LeaseLost()


def resolve_plan(job: Job) -> Plan:
    """The job's plan: as submitted, or detected now (the region then inferred from the data, unless
    the job was given a country); a typed job keeps only its type's columns; the user's overrides last."""
    config = dict(job.config)
    detect, overrides = config.pop("detect", False), config.pop("overrides", {})
    country_given = config.pop("country_given", True)  # jobs queued before the key existed kept theirs
    plan = Plan.from_dict(config)
    if detect:
        detection = detect_file(job.input_path, plan.sheet)
        known = [c.name for c in detection.columns]
        plan = plan.with_detection(detection)
        if not country_given:
            plan = plan.with_options(country=detected_country(detection, settings.load().country))
        if job.type != "intelligent":
            skip = ColumnPlan(ColumnType.UNKNOWN)
            plan = plan.with_options(columns={k: c if c.type == job.type else skip for k, c in plan.columns.items()})
    elif overrides:
        known = list(plan.columns)
        if not set(overrides) <= set(known):  # a column the plan does not name: is it in the file?
            with open_source(job.input_path, plan.sheet) as source:
                known = source.columns
    return plan.with_overrides(overrides, known) if overrides else plan


def resume_point(queue: JobQueue, job: Job) -> Checkpoint | None:
    """The stored checkpoint, when its part files (the output's, the rejects' if any) are still there."""
    data = queue.checkpoint(job.id)
    if data and all(Path(p).is_file() for p in (data["part_path"], data.get("rejects_part")) if p):
        return Checkpoint.from_dict(data)
    return None


def run_job(queue: JobQueue, owner: str, control: RunControl, on_progress: ProgressCallback | None = None,
            workers: int | None = None, chunk_rows: int | None = None) -> Job | None:
    """Run a job leased to ``owner``; returns its new state (None when the lease was lost).
    ``workers`` and ``chunk_rows`` go to ``run_file`` (None: the engine's defaults)."""
    job = control.job
    progress = JobProgress(queue, owner, control, on_progress)
    try:
        if job.type == DEDUPE:
            report = run_dedupe(queue, job, progress)
        else:
            report = run_file(job.input_path, job.output_path, resolve_plan(job), progress=progress,
                              checkpoint=resume_point(queue, job), on_checkpoint=progress.on_checkpoint,
                              workers=workers, chunk_rows=chunk_rows or CHUNK_ROWS, cluster=cluster_for(job),
                              strict=settings.load().strict_lines).to_dict()
    except StopRequested:
        return queue.release(job.id, owner)
    except LeaseLost:
        log.warning("job %s: lease lost, stopped", job.id)
        return None
    except Cancelled:
        return queue.finish_cancel(job.id, owner)
    except StoreError:
        raise  # the store itself failed: nothing can be recorded now (the dispatcher retries later)
    except ChunkCrashed as err:
        return queue.fail(job.id, owner, str(err), retryable=False, keep_checkpoint=True)
    except InputError as err:
        return queue.fail(job.id, owner, str(err), retryable=False)
    except OutputError as err:
        return queue.fail(job.id, owner, str(err), retryable=True)
    except Exception as err:
        log.exception("job %s failed", job.id)
        message = f"{type(err).__name__}: {err}".splitlines()[0]
        return queue.fail(job.id, owner, message, retryable=True)
    if report.get("input_changed"):
        log.warning("job %s: %s", job.id, INPUT_CHANGED)
    done = queue.complete(job.id, owner, report, output_stat=file_stat(job.output_path))
    if done is not None:
        queue.run_completed(done)
    return done


def cluster_for(job: Job) -> str | None:
    """The cluster this job runs on ("Run large jobs on a cluster", read when the job starts), or None."""
    try:
        size = Path(job.input_path).stat().st_size
    except OSError:
        return None  # the engine reports the missing input
    return settings.load().cluster_for(size)


def file_stat(path: str) -> dict | None:
    """Size and mtime of a file we wrote, so retention deletes it only if nobody replaced it."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
