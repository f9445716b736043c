"""The headless worker (``normdesk worker``): plain threads over the Qt-free ``Dispatcher``.

No Qt here on purpose: the same runner as the GUI's ``WorkerPool``, but it starts fast and runs
where no Qt libraries are installed. Each running job has a thread; the CPU work happens in the
engine's worker processes. SIGTERM or SIGINT stops gracefully: no new job starts, running jobs
stop after their current chunk and go back to pending with their checkpoint; a job that has not
stopped within ``STOP_GRACE_S`` (stuck in a read, say) is given back as it stands and the worker
exits anyway. A second signal exits at once (the next start recovers the jobs as after a crash).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any, Callable, Sequence

from normdesk.jobs.dispatch import Dispatcher
from normdesk.jobs.queue import JobQueue
from normdesk.jobs.runner import RunControl

log = logging.getLogger(__name__)

POLL_S = 0.2
STOP_GRACE_S = 15.0  # how long a stopping worker waits for its running jobs


def serve(queue: JobQueue, once: bool = False, concurrency: int | None = None,
          workers: int | None = None, handle_signals: bool = True,
          periodic: Sequence[Callable[[], None]] = (), on_ready: Callable[[Dispatcher], None] | None = None) -> int:
    """Run jobs until the queue is drained (``once``) or a signal arrives; returns 0.

    ``periodic`` callables run on this thread between claims, every ``POLL_S`` at most, while the
    data folder is ours (the command line passes the automation's tick: schedules, watched
    folders). Each must be quick; one that raises is logged and called again next time.
    ``on_ready(dispatcher)`` is called once the data folder is ours and the signals are handled
    (``normdesk serve`` starts its HTTP server there)."""
    dispatcher = Dispatcher(queue, concurrency, workers=workers)
    dispatcher.open()
    log.info(describe(dispatcher))
    previous = _install_signals(dispatcher) if handle_signals else {}
    threads: list[threading.Thread] = []
    try:
        if on_ready is not None:
            on_ready(dispatcher)
        while not dispatcher.stop.is_set():
            control = dispatcher.claim()
            if control is not None:
                thread = threading.Thread(target=_run, args=(dispatcher, control), name=f"job-{control.job.id}",
                                          daemon=True)  # a job stuck past the grace time cannot keep us alive
                thread.start()
                threads.append(thread)
                continue
            threads = [t for t in threads if t.is_alive()]
            for call in periodic:
                _call(call)
            if once and dispatcher.idle():
                break
            dispatcher.stop.wait(POLL_S)
    finally:
        dispatcher.shutdown()
        deadline = time.monotonic() + STOP_GRACE_S
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        stuck = [t.name for t in threads if t.is_alive()]
        if stuck:
            log.warning("%s did not stop within %g s: given back to pending as they stand", ", ".join(stuck), STOP_GRACE_S)
        dispatcher.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


def _call(call: Callable[[], None]) -> None:
    try:
        call()
    except Exception:
        log.exception("periodic task %s failed", getattr(call, "__qualname__", call))


def describe(dispatcher: Dispatcher) -> str:
    """The settings a worker runs with, in one line (its log says what it will do)."""
    s, policy = dispatcher.settings, dispatcher.queue.policy
    return (f"{dispatcher.concurrency} job(s) at once, {policy.max_attempts} attempt(s) each (first retry after "
            f"{policy.backoff_s:g} s); keeping completed jobs {s.keep_completed_hours:g} h / last "
            f"{s.keep_completed_max}, failed {s.keep_failed_days:g} days; outputs "
            f"{'deleted with their job' if policy.delete_outputs else 'kept'}")


def _run(dispatcher: Dispatcher, control: RunControl) -> None:
    log.info("job %s: started (%s)", control.job.id, control.job.input_path)
    job = dispatcher.run(control)
    if job is not None:
        detail = job.error_message if job.error_message else f"{job.total_rows or job.processed_rows:,} rows"
        log.info("job %s: %s (%s)", job.id, job.status.value, detail)


def _install_signals(dispatcher: Dispatcher) -> dict[int, Any]:
    def stop(signum: int, frame: object) -> None:
        if dispatcher.stop.is_set():
            os._exit(128 + signum)
        log.info("stopping: running jobs stop after their current chunk")
        dispatcher.shutdown()

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
