"""Optional S3 sync of inputs and outputs; credentials only in the OS keyring. No Qt here.

Entry points for the rest of the app (boto3 is imported on first use, not at import):

- ``subscribe_uploads(queue)``: at start, upload each job's files when the queue publishes its COMPLETED
  event, if S3 is configured.
- ``resume_pending_uploads(queue)``: at start, resume interrupted or due uploads and clean up.
- ``download_to_data_dir(url, progress=None) -> Path``: fetch s3://bucket/key into the data folder.
- ``list_objects(prefix) -> list[ObjectInfo]`` and ``download_key(key, progress)``: "Open from S3...".
- ``fetch_prefix(url) -> [(Path, url)]``: download every object under s3://bucket/prefix (a schedule's input).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from normdesk.sync.errors import KeyringUnavailable, NotConfigured, SyncError, UnsafeKey

if TYPE_CHECKING:
    from normdesk.sync.client import ObjectInfo

__all__ = [
    "KeyringUnavailable", "NotConfigured", "ObjectInfo", "SyncError", "UnsafeKey", "download_key", "download_to_data_dir",
    "fetch_prefix", "list_objects", "resume_pending_uploads", "subscribe_uploads", "wait_for_uploads",
]


def __getattr__(name: str):
    if name == "ObjectInfo":  # lazily, so that importing normdesk.sync does not import boto3
        from normdesk.sync.client import ObjectInfo

        return ObjectInfo
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def subscribe_uploads(queue) -> bool:
    """Subscribe the upload to ``queue``'s COMPLETED events when S3 is on (once); True if subscribed."""
    from normdesk.jobs.events import EventKind
    from normdesk.sync.client import active_settings
    from normdesk.sync.uploader import UploadOnCompleted

    subscriber = UploadOnCompleted(queue)
    if queue.events.subscribed(subscriber):
        return True
    try:
        active_settings()
    except SyncError:
        return False
    queue.events.subscribe(subscriber, {EventKind.COMPLETED})
    return True


def resume_pending_uploads(queue) -> int:
    """Schedule interrupted, pending and retry-due uploads; remove partial downloads; abort our stale
    multipart uploads (in the background). Returns how many uploads were scheduled."""
    import threading

    from normdesk.sync.transfer import clean_partial_downloads, startup_cleanup
    from normdesk.sync.uploader import resume_pending_uploads as resume

    clean_partial_downloads()
    threading.Thread(target=startup_cleanup, name="s3-startup-cleanup", daemon=True).start()
    return resume(queue)


def wait_for_uploads(timeout: float = 60.0) -> bool:
    """Block until no upload is running or due now (a headless worker calls this before exiting)."""
    from normdesk.sync.uploader import UPLOADER

    return UPLOADER.wait(timeout)


def download_to_data_dir(url: str, progress: Callable[[float], None] | None = None) -> Path:
    """Download s3://bucket/key to <data folder>/downloads/<bucket>/<key>; refuses unsafe keys (UnsafeKey)."""
    from normdesk.sync.transfer import download_to_data_dir as download

    return download(url, progress)


def download_key(key: str, progress: Callable[[float], None] | None = None) -> Path:
    """Download a key of the configured bucket (as returned by list_objects) into the data folder."""
    from normdesk.sync.transfer import download_key as download

    return download(key, progress)


def list_objects(prefix: str = "") -> list[ObjectInfo]:
    """Objects under the configured prefix (+ PREFIX) of the configured bucket: key, size, last_modified."""
    from normdesk.sync.client import list_objects as list_

    return list_(prefix)


def fetch_prefix(url: str) -> list[tuple[Path, str]]:
    """Download each object under ``s3://BUCKET/PREFIX`` (the configured bucket) into the data
    folder; returns (local path, s3 url) pairs, in key order. Folder placeholders are skipped."""
    from normdesk.sync.client import active_settings

    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    configured = active_settings().bucket
    if bucket != configured:
        raise NotConfigured(f"s3://{bucket} is not the configured bucket ({configured})")
    objects = sorted((o for o in list_objects(prefix) if not o.key.endswith("/")), key=lambda o: o.key)
    return [(download_key(o.key), f"s3://{bucket}/{o.key}") for o in objects]
