"""The persistent job queue (diskcache) and its Qt-free runner. No Qt here.

    from normdesk.jobs import JobQueue, JobStatus
    queue = JobQueue()                      # the store under data_dir()/queue
    job = queue.submit("contacts.csv")      # detected when it runs; output contacts.normalized.csv
    queue.list(); queue.stats(); queue.cancel(job.id)

Names load on first use, so ``import normdesk.jobs`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Job": "normdesk.jobs.model", "JobStatus": "normdesk.jobs.model", "Stats": "normdesk.jobs.model",
    "Policy": "normdesk.jobs.model", "JobQueue": "normdesk.jobs.queue", "FolderBusy": "normdesk.jobs.lock",
    "Dispatcher": "normdesk.jobs.dispatch", "EventKind": "normdesk.jobs.events", "JobEvent": "normdesk.jobs.events",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'normdesk.jobs' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
