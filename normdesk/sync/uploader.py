"""Upload a completed job's files to s3://BUCKET/PREFIX/<job id>/<file name>, with a stored sync state.

The state lives in ``job.extra["sync"]`` = {"state": pending|uploading|done|failed, "progress": 0..1,
"error": str|None, "attempts": n, "next_retry_at": epoch seconds|None}, so it survives a restart.
A failed upload never fails the job nor touches the local files: it is retried with backoff
(5 s, 20 s, 80 s, ... up to MAX_ATTEMPTS), and by hand with `normdesk s3 sync-retry JOB_ID`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from normdesk.sync.client import active_settings, make_client
from normdesk.sync.errors import SyncError
from normdesk.sync.keys import upload_key
from normdesk.sync.settings import S3Settings
from normdesk.sync.state import sync_state
from normdesk.sync.transfer import ProgressFn, TransferConfig, upload_file

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = 5.0
BACKOFF_FACTOR = 4.0
PROGRESS_EVERY = 0.5  # seconds between stored progress updates
RESUMABLE = ("pending", "uploading")


def backoff(attempts: int) -> float:
    """Seconds to wait after the n-th failed attempt."""
    return BACKOFF_BASE * BACKOFF_FACTOR ** max(attempts - 1, 0)


def _status(job) -> str:
    return str(getattr(job.status, "value", job.status))


def _files(job, settings: S3Settings) -> list[tuple[str, Path, str]]:
    """(role, local path, key) for each file to upload; an input and output of the same name get distinct keys."""
    chosen = []
    if settings.uploads_inputs() and job.input_path and not job.input_key:  # an input_key: it came from S3
        chosen.append(("input", Path(job.input_path)))
    if settings.uploads_outputs() and job.output_path:
        chosen.append(("output", Path(job.output_path)))
    names = [p.name for _, p in chosen]
    clash = len(names) != len(set(names))
    return [(role, p, upload_key(settings.prefix, job.id, f"{role}-{p.name}" if clash else p.name)) for role, p in chosen]


def sync_job(job_id: str, queue, *, settings: S3Settings | None = None, client=None,
             config: TransferConfig | None = None, progress: ProgressFn | None = None, clock: Callable[[], float] = time.time) -> dict:
    """One upload attempt for a completed job; records and returns the new sync state.

    A failed upload is recorded (state "failed", the reason, the next retry time), not raised."""
    job = queue.get(job_id)
    if job is None:
        raise SyncError(f"no such job: {job_id}")
    state = sync_state(job)
    attempts = int(state.get("attempts") or 0) + 1
    lock, last = threading.Lock(), [0.0]

    def record(**changes) -> dict:
        with lock:
            state.update(changes)
            queue.annotate(job_id, sync=dict(state))
            return dict(state)

    def on_progress(fraction: float) -> None:  # called from the transfer's threads
        if progress:
            progress(fraction)
        now = clock()
        if now - last[0] >= PROGRESS_EVERY and fraction < 1.0:
            last[0] = now
            record(progress=round(fraction, 3))

    record(state="uploading", progress=0.0, error=None, attempts=attempts, next_retry_at=None)
    try:
        settings = settings or active_settings()
        files = _files(job, settings)
        missing = [str(p) for _, p, _ in files if not p.is_file()]
        if missing:
            return record(state="failed", error=f"local file is gone: {missing[0]}", next_retry_at=None)
        client = client or make_client(settings)
        sizes = [max(p.stat().st_size, 1) for _, p, _ in files]
        total, done = sum(sizes), 0
        keys = {}
        for (role, path, key), size in zip(files, sizes):
            base = done
            upload_file(client, settings, path, key, lambda f, b=base, s=size: on_progress((b + f * s) / total), config)
            done += size
            keys[f"{role}_key"] = f"s3://{settings.bucket}/{key}"
        queue.set_keys(job_id, **keys)
    except SyncError as err:
        retry_at = clock() + backoff(attempts) if attempts < MAX_ATTEMPTS else None
        log.warning("upload of job %s failed (attempt %d): %s", job_id, attempts, err)
        return record(state="failed", error=str(err), next_retry_at=retry_at)
    return record(state="done", progress=1.0, error=None, next_retry_at=None)


class Uploader:
    """Runs uploads on background threads, one at a time per job, and schedules the retries."""

    def __init__(self, sync: Callable[..., dict] = sync_job, clock: Callable[[], float] = time.time) -> None:
        self._sync, self._clock = sync, clock
        self._lock = threading.Condition()
        self._active: set[str] = set()
        self._timers: dict[str, threading.Timer] = {}

    def submit(self, job_id: str, queue, delay: float = 0.0) -> None:
        """Upload the job after `delay` seconds (replaces an earlier scheduled retry)."""
        with self._lock:
            old = self._timers.pop(job_id, None)
            if old:
                old.cancel()
            timer = threading.Timer(max(delay, 0.0), self._run, (job_id, queue))
            timer.daemon = True
            self._timers[job_id] = timer
            timer.start()

    def _run(self, job_id: str, queue) -> None:
        with self._lock:
            self._timers.pop(job_id, None)
            if job_id in self._active:
                return
            self._active.add(job_id)
        state: dict = {}
        try:
            state = self._sync(job_id, queue)
        except Exception:  # noqa: BLE001 - a sync problem must never reach the job runner
            log.exception("upload of job %s crashed", job_id)
        finally:
            with self._lock:
                self._active.discard(job_id)
                self._lock.notify_all()
        if state.get("state") == "failed" and state.get("next_retry_at"):
            self.submit(job_id, queue, state["next_retry_at"] - self._clock())

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until no upload runs nor is due now (later retries may stay scheduled); True if idle."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._active or any(t.interval <= 0 for t in self._timers.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.05))
        return True

    def cancel_all(self) -> None:
        """Forget the scheduled retries (their state stays stored for the next start)."""
        with self._lock:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()


UPLOADER = Uploader()


@dataclass(frozen=True)
class UploadOnCompleted:
    """The subscriber to a queue's COMPLETED events (equal for the same queue, so it subscribes once)."""

    queue: Any

    def __call__(self, event) -> None:
        upload_hook(event.job, self.queue)


def upload_hook(job, queue) -> None:
    """Mark a completed job's sync pending and upload it in the background."""
    try:
        settings = active_settings()
    except SyncError:
        return
    if settings.upload == "none":
        return
    queue.annotate(job.id, sync={"state": "pending", "progress": 0.0, "error": None, "attempts": 0, "next_retry_at": None})
    UPLOADER.submit(job.id, queue)


def resume_pending_uploads(queue, uploader: Uploader | None = None, clock: Callable[[], float] = time.time) -> int:
    """On start: schedule the uploads a restart interrupted or whose retry is due (or later); how many."""
    uploader = uploader or UPLOADER
    count = 0
    for job in queue.list():
        state = sync_state(job)
        if _status(job) != "completed" or not state:
            continue
        if state.get("state") in RESUMABLE:
            uploader.submit(job.id, queue)
        elif state.get("state") == "failed" and state.get("next_retry_at"):
            uploader.submit(job.id, queue, float(state["next_retry_at"]) - clock())
        else:
            continue
        count += 1
    return count


def retry_upload(job_id: str, queue, progress: ProgressFn | None = None) -> dict:
    """Upload now, by hand, whatever the stored state (a fresh attempt count); returns the new state."""
    job = queue.get(job_id)
    if job is None:
        raise SyncError(f"no such job: {job_id}")
    if _status(job) != "completed":
        raise SyncError(f"job {job_id} is {_status(job)}, not completed: nothing to upload yet")
    queue.annotate(job_id, sync={**sync_state(job), "attempts": 0})
    return sync_job(job_id, queue, progress=progress)
