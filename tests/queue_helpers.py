"""Running a queue's due jobs to their end in the test's own process, with the real Qt-free dispatcher."""

from __future__ import annotations

from normdesk.jobs import Dispatcher


def run_pending(queue) -> None:
    """Run every due job to its end (one at a time, in this process)."""
    dispatcher = Dispatcher(queue, concurrency=1, start_rate=100, workers=0)
    dispatcher.open()
    try:
        dispatcher.run_due()
    finally:
        dispatcher.close()
