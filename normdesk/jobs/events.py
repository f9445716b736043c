"""Typed job events. The queue publishes them; S3 upload, webhooks, desktop notifications and the
API's live updates subscribe. The queue knows none of its subscribers.

    queue.events.subscribe(on_done, {EventKind.COMPLETED})
    unsubscribe = queue.events.subscribe(print)           # every kind

Events are published in the process that made the change, after its transaction committed, on the
thread that made it: a subscriber must be quick (hand slow work to a thread of its own) and may
never fail the job (an exception is logged and dropped). Other processes see changes through
``JobQueue.revision()``.

Completion is delivered at least once: a completed job carries ``hooks_due`` until the subscribers
of its COMPLETED event have returned, and the process that next opens the data folder publishes
it again (``replayed=True``), so an upload or a webhook interrupted by a crash still happens.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from normdesk.jobs.model import Job

log = logging.getLogger(__name__)


class EventKind(StrEnum):
    SUBMITTED = "job.submitted"
    STARTED = "job.started"
    PROGRESS = "job.progress"
    COMPLETED = "job.completed"
    FAILED = "job.failed"  # for good; an attempt that will be retried is RETRYING
    RETRYING = "job.retrying"
    CANCELLED = "job.cancelled"
    RELEASED = "job.released"  # back to pending: a graceful stop or a recovered crash
    REMOVED = "job.removed"
    RESTORED = "job.restored"  # a removed job put back (the window's Undo)

    @property
    def final(self) -> bool:
        return self in (EventKind.COMPLETED, EventKind.FAILED, EventKind.CANCELLED)


@dataclass(frozen=True, slots=True)
class JobEvent:
    kind: EventKind
    job: Job
    at: float = field(default_factory=time.time)
    replayed: bool = False  # a COMPLETED event published again after a restart

    def to_dict(self) -> dict:
        """JSON-able: the event name, the time and the job in the design's camelCase fields."""
        return {"event": self.kind.value, "at": self.at, "jobId": self.job.id, "job": self.job.to_dict()}


Subscriber = Callable[[JobEvent], None]


class EventBus:
    """Subscribers by kind; ``publish`` calls each one, in order of subscription."""

    def __init__(self) -> None:
        self._subscribers: list[tuple[Subscriber, frozenset[EventKind] | None]] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber, kinds: Iterable[EventKind] | None = None) -> Callable[[], None]:
        """Call ``subscriber(event)`` for events of ``kinds`` (None: all); returns the unsubscribe."""
        entry = (subscriber, frozenset(kinds) if kinds is not None else None)
        with self._lock:
            self._subscribers.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._subscribers:
                    self._subscribers.remove(entry)

        return unsubscribe

    def subscribed(self, subscriber: Subscriber) -> bool:
        with self._lock:
            return any(s == subscriber for s, _ in self._subscribers)

    def publish(self, event: JobEvent) -> None:
        with self._lock:
            targets = [s for s, kinds in self._subscribers if kinds is None or event.kind in kinds]
        for subscriber in targets:
            try:
                subscriber(event)
            except Exception:
                log.exception("%s subscriber %s failed for job %s", event.kind.value,
                              getattr(subscriber, "__qualname__", subscriber), event.job.id)
