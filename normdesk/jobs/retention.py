"""Retention: completed jobs are kept 24 h and at most the newest 1000; failed and cancelled
jobs 7 days (``Policy``, from the settings). The dispatcher's heartbeat applies it by itself.

Output files belong to the user: retention removes job records (and normdesk's own part files with
them), and deletes a completed job's output only when the user turned on "delete outputs with their
job" (``delete_outputs``), and then only when it is still the file the job wrote (same size and
modification time): never a file someone replaced."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from normdesk.jobs.model import Job, JobStatus

if TYPE_CHECKING:
    from normdesk.jobs.queue import JobQueue

log = logging.getLogger(__name__)


def expired(jobs: list[Job], now: float, queue: JobQueue) -> list[Job]:
    """The finished jobs that retention removes at ``now``."""
    policy = queue.policy
    completed = sorted((j for j in jobs if j.status is JobStatus.COMPLETED),
                       key=lambda j: j.completed_at or 0.0, reverse=True)
    drop = [j for rank, j in enumerate(completed)
            if rank >= policy.keep_completed_count or now - (j.completed_at or 0.0) > policy.keep_completed_s]
    drop += [j for j in jobs if j.status in (JobStatus.FAILED, JobStatus.CANCELLED)
             and now - (j.completed_at or j.created_at) > policy.keep_failed_s]
    return drop


def remove_output(job: Job) -> bool:
    """Delete the output of a completed job if it is unchanged since the job wrote it."""
    written = job.output_stat
    path = Path(job.output_path)
    try:
        st = path.stat()
    except OSError:
        return False
    if not written or (st.st_size, st.st_mtime_ns) != (written["size"], written["mtime_ns"]):
        return False
    path.unlink(missing_ok=True)
    return True


def clean(queue: JobQueue) -> int:
    """Remove the expired jobs (outputs first, so a crash midway leaves no orphan file)."""
    removed = 0
    for job in expired(queue.list(), queue.clock(), queue):
        if job.status is JobStatus.COMPLETED and queue.policy.delete_outputs and remove_output(job):
            log.info("retention: removed %s", job.output_path)
        removed += queue.remove(job.id, if_status=job.status)
    return removed
