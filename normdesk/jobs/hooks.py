"""Functions called after a job completes, e.g. the S3 upload (``normdesk.sync`` registers it).

Each hook is called as ``hook(job, queue)``. A hook that raises is logged and never fails the
job. Hooks run at least once: the job carries ``extra["hooks_due"]`` from its completion until
every hook has returned, and a restarted worker runs the hooks of jobs still marked so.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from normdesk.engine.errors import InputError

if TYPE_CHECKING:
    from normdesk.jobs.model import Job
    from normdesk.jobs.queue import JobQueue

log = logging.getLogger(__name__)

COMPLETED_HOOKS: list[Callable[[Job, JobQueue], None]] = []


def run_completed_hooks(job: Job, queue: JobQueue) -> None:
    for hook in list(COMPLETED_HOOKS):
        try:
            hook(job, queue)
        except Exception:
            log.exception("completion hook %s failed for job %s", getattr(hook, "__name__", hook), job.id)
    try:
        queue.annotate(job.id, hooks_due=None)
    except InputError:  # the job was removed meanwhile
        pass
