"""The part of running jobs that every front end shares (headless worker, Qt ``WorkerPool``).

A ``Dispatcher`` owns the data folder while it is open: it holds the folder lock, puts back the
jobs a dead process left running, sweeps leftover part files, re-publishes the COMPLETED events a
crash interrupted, and hands out jobs within the concurrency limit and the start rate. Its
heartbeat renews the leases of its running jobs, applies retention, and picks up changed settings
(the window's settings dialog changes what a running headless worker does). The caller decides on
which thread ``run`` executes each claimed job.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path
from typing import Callable

from normdesk.engine.rejects import rejects_path
from normdesk.engine.writer import PART_SUFFIX, TEMP_DIR_SUFFIX
from normdesk.jobs.dedupe_job import remove_artifacts_with_jobs
from normdesk.jobs.lock import DataDirLock
from normdesk.jobs.model import Job, Policy
from normdesk.jobs.queue import JobQueue, owner_token
from normdesk.jobs.runner import ProgressCallback, RunControl, run_job
from normdesk.jobs.store import StoreError
from normdesk.settings import Settings, settings_path
from normdesk.settings import load as load_settings

log = logging.getLogger(__name__)

class StartLimiter:
    """At most ``rate`` job starts per second (evenly spaced)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self.clock = clock
        self._next = 0.0

    def ready(self) -> bool:
        return self.clock() >= self._next

    def take(self) -> None:
        self._next = max(self.clock(), self._next) + self.interval


def sweep_part_files(queue: JobQueue) -> list[Path]:
    """Delete the engine's temporary files beside the outputs of known jobs (part files, and the
    folders a conversion keeps its own temporary files in), except the part files that a job will
    resume from. Call before any job of ours runs."""
    live = queue.live_part_paths()
    removed = []
    by_dir: dict[Path, set[str]] = {}
    for job in queue.list():
        out = Path(job.output_path)
        by_dir.setdefault(out.parent, set()).update((out.name, rejects_path(out).name))
    for folder, names in by_dir.items():
        for part in (*folder.glob(f".*{PART_SUFFIX}"), *folder.glob(f".*{TEMP_DIR_SUFFIX}")):
            # .<output name>.<8 hex>[.final].normdesk-part, or .<output name>.<8 hex>.normdesk-tmp/
            stem = part.name[1:].removesuffix(PART_SUFFIX).removesuffix(TEMP_DIR_SUFFIX).removesuffix(".final")
            if stem.rpartition(".")[0] in names and str(part) not in live:
                if part.is_dir():
                    shutil.rmtree(part, ignore_errors=True)
                else:
                    part.unlink(missing_ok=True)
                removed.append(part)
    return removed


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


class Dispatcher:
    """``concurrency``, ``start_rate`` and ``chunk_rows`` override the settings for this dispatcher
    (command-line flags, tests); ``workers`` is the number of engine processes per job."""

    def __init__(self, queue: JobQueue, concurrency: int | None = None, start_rate: float | None = None,
                 workers: int | None = None, chunk_rows: int | None = None) -> None:
        self.queue = queue
        remove_artifacts_with_jobs(queue)
        self.owner = owner_token()
        self._overrides = {k: v for k, v in dict(worker_concurrency=concurrency, start_rate=start_rate,
                                                  chunk_rows=chunk_rows).items() if v}
        self.workers = workers  # engine worker processes per job (None: the engine decides)
        self.stop = threading.Event()
        self._orphans: set[str] = set()  # jobs whose outcome could not be stored: given back when it can be
        self._store_trouble: str | None = None
        self._settings_stamp = _mtime(settings_path())
        self._next_retention = 0.0
        self._use(load_settings())  # the queue keeps the policy it was made with until the settings change
        self._running: dict[str, RunControl] = {}
        self._mutex = threading.Lock()
        self._lock = DataDirLock(queue.home)
        self._heartbeat: threading.Thread | None = None
        self._idle_rev: int | None = None
        self._wake_at: float | None = None

    def apply_settings(self, settings: Settings) -> None:
        """Use these settings from now on: concurrency, start rate, chunk size, retry and retention policy."""
        self._use(settings)
        self.queue.policy = Policy.from_settings(self.settings)

    def _use(self, settings: Settings) -> None:
        self.settings = settings = Settings.from_dict({**settings.to_dict(), **self._overrides})
        self.concurrency = settings.worker_concurrency
        self.limiter = StartLimiter(settings.start_rate)
        self.chunk_rows = settings.chunk_rows or None

    # -- life cycle ---------------------------------------------------------------------------
    def open(self) -> None:
        """Own the data folder (``FolderBusy`` if another process does) and recover its state."""
        self._lock.acquire()
        self.stop.clear()
        for job in self.queue.recover(self.owner, everything=True):
            log.info("job %s: found interrupted, now %s", job.id, job.status.value)
        for part in sweep_part_files(self.queue):
            log.info("removed leftover %s", part)
        for job in self.queue.hooks_due():
            self.queue.run_completed(job, replayed=True)
        self.apply_retention()
        self._heartbeat = threading.Thread(target=self._renew_leases, name="normdesk-leases", daemon=True)
        self._heartbeat.start()

    def shutdown(self) -> None:
        """Stop claiming; running jobs stop within one chunk and go back to pending."""
        self.stop.set()

    def close(self) -> None:
        """Release the folder; call it after the running jobs have returned. A job claimed
        and not run (or still running) goes back to pending, as after a crash."""
        self.stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None
        with self._mutex:
            left, self._running = list(self._running), {}
        for job_id in left:
            self.queue.release(job_id, self.owner)
        self._lock.release()

    # -- jobs ---------------------------------------------------------------------------------
    def busy_count(self) -> int:
        with self._mutex:
            return len(self._running)

    def claim(self) -> RunControl | None:
        """A job to run now, or None (limit reached, start rate, nothing due)."""
        if self.stop.is_set() or self.busy_count() >= self.concurrency or not self.limiter.ready():
            return None
        rev = self.queue.revision()
        if rev == self._idle_rev and (self._wake_at is None or self.queue.clock() < self._wake_at):
            return None  # nothing changed since the last empty look
        with self._mutex:
            busy = frozenset(c.job.output_path for c in self._running.values())
        try:
            job = self.queue.claim(self.owner, busy)
        except StoreError as err:
            self._trouble(err)
            return None
        if job is None:
            self._idle_rev, self._wake_at = rev, self.queue.next_wake()
            return None
        self.limiter.take()
        control = RunControl(job, stop=self.stop)
        with self._mutex:
            self._running[job.id] = control
        return control

    def run(self, control: RunControl, on_progress: ProgressCallback | None = None) -> Job | None:
        """Run a claimed job to its end on the calling thread; returns its new state (None when it
        could not be stored: the heartbeat gives the job back to pending once the store works again)."""
        try:
            return run_job(self.queue, self.owner, control, on_progress, self.workers, self.chunk_rows)
        except StoreError as err:
            self._trouble(err)
            with self._mutex:
                self._orphans.add(control.job.id)
            return None
        finally:
            with self._mutex:
                self._running.pop(control.job.id, None)

    def run_due(self) -> list[Job | None]:
        """Run every job due now, one after another, on the calling thread (a one-off drain: tests,
        screenshots); returns their new states."""
        done = []
        while (control := self.claim()) is not None:
            done.append(self.run(control))
        return done

    def request_cancel(self, job_id: str) -> Job:
        """Cancel a job in any state; a running one of ours stops within one chunk."""
        job = self.queue.cancel(job_id)
        with self._mutex:
            control = self._running.get(job_id)
        if control is not None:
            control.cancel.set()
        return job

    def idle(self) -> bool:
        """Nothing running here and nothing pending in the queue (due now or later)."""
        return self.busy_count() == 0 and not self.queue.has_pending()

    def apply_retention(self) -> int:
        """Remove the jobs retention says are expired; returns how many."""
        self._next_retention = self.queue.clock() + self.settings.retention_interval_s
        removed = self.queue.clean()
        if removed:
            log.info("retention: %d finished job(s) removed", removed)
        return removed

    def _reload_settings(self) -> None:
        """Apply the settings file again when it changed since it was last read."""
        stamp = _mtime(settings_path())
        if stamp != self._settings_stamp:
            self._settings_stamp = stamp
            self._use(load_settings())  # the queue keeps the policy it was made with until the settings change

    def _trouble(self, err: StoreError) -> None:
        """Log a store failure once (not at every poll) until the store works again."""
        if str(err) != self._store_trouble:
            log.warning("%s", err)
            self._store_trouble = str(err)

    def _heartbeat_tick(self) -> None:
        with self._mutex:
            ids, orphans = list(self._running), list(self._orphans)
        self.queue.renew(self.owner, ids)
        for job_id in orphans:
            self.queue.release(job_id, self.owner)
            with self._mutex:
                self._orphans.discard(job_id)
            log.info("job %s: given back to pending now that the job store works again", job_id)
        if self._store_trouble is not None:
            self._store_trouble = None
        self.queue.recover(self.owner)
        self._reload_settings()
        if self.queue.clock() >= self._next_retention:
            self.apply_retention()

    def _renew_leases(self) -> None:
        """Heartbeat: renew our leases, put back jobs whose lease expired elsewhere, apply retention."""
        while not self.stop.wait(min(self.queue.policy.lease_s / 3, 5.0)):
            try:
                self._heartbeat_tick()
            except StoreError as err:
                self._trouble(err)
            except Exception:
                log.exception("heartbeat failed")
