"""Uploads and downloads with progress: multipart for large files, no half-written file, no orphaned upload."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from boto3.s3.transfer import TransferConfig

from normdesk.paths import data_dir
from normdesk.sync.client import active_settings, explain, make_client
from normdesk.sync.errors import NotConfigured, SyncError
from normdesk.sync.keys import local_path_for, parse_s3_url
from normdesk.sync.secrets import NO_KEYRING_MESSAGE, keyring_available
from normdesk.sync.settings import S3Settings, load_settings

log = logging.getLogger(__name__)

MB = 1024 * 1024
DOWNLOADS = "downloads"
PARTIAL = ".partial"
STALE_UPLOAD_AGE = timedelta(hours=1)
ProgressFn = Callable[[float], None]


def transfer_config(threshold: int = 16 * MB, chunk: int = 8 * MB) -> TransferConfig:
    """Multipart above `threshold`, in parts of `chunk` bytes (S3 needs at least 5 MB per part).

    At most 4 parts in flight and 6 buffered, so memory stays near 6 x `chunk` whatever the file size
    (boto3 enlarges the parts by itself past S3's 10,000-part limit)."""
    config = TransferConfig(multipart_threshold=threshold, multipart_chunksize=chunk, max_concurrency=4)
    config.max_in_memory_upload_chunks = config.max_in_memory_download_chunks = 6  # s3transfer-only knobs
    return config


class _Counter:
    """boto3 transfer callback (bytes per call, from several threads) -> progress(fraction), in order."""

    def __init__(self, total: int, progress: ProgressFn | None) -> None:
        self.total, self.done, self.progress = max(total, 1), 0, progress
        self.lock = threading.Lock()

    def __call__(self, nbytes: int) -> None:
        with self.lock:  # held during the callback too, so fractions never arrive out of order
            self.done += nbytes
            if self.progress:
                self.progress(min(self.done / self.total, 1.0))


def upload_file(client, settings: S3Settings, path: Path, key: str, progress: ProgressFn | None = None,
                config: TransferConfig | None = None) -> None:
    """Upload a local file to s3://bucket/key; on failure abort its multipart upload and raise SyncError."""
    path, config = Path(path), config or transfer_config()
    size = 0
    try:
        size = path.stat().st_size
        client.upload_file(str(path), settings.bucket, key, Callback=_Counter(size, progress), Config=config)
    except Exception as exc:  # noqa: BLE001
        if size >= config.multipart_threshold:
            abort_multipart_uploads(client, settings, key)
        raise explain(exc, settings, key) from None
    if progress:
        progress(1.0)


def abort_multipart_uploads(client, settings: S3Settings, prefix: str, older_than: timedelta | None = None) -> int:
    """Abort the unfinished multipart uploads under `prefix` (only those older than `older_than` if given)."""
    cutoff = datetime.now(timezone.utc) - older_than if older_than else None
    aborted = 0
    try:
        for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=settings.bucket, Prefix=prefix):
            for upload in page.get("Uploads", []):
                if cutoff and upload["Initiated"] > cutoff:
                    continue
                client.abort_multipart_upload(Bucket=settings.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                aborted += 1
    except Exception as exc:  # noqa: BLE001 - cleanup is best effort; the next start tries again
        log.warning("could not abort unfinished uploads under %s: %s", prefix, explain(exc, settings, prefix))
    return aborted


def downloads_dir() -> Path:
    path = data_dir() / DOWNLOADS
    path.mkdir(parents=True, exist_ok=True)
    return path


def download_file(client, settings: S3Settings, key: str, dest: Path, progress: ProgressFn | None = None,
                  config: TransferConfig | None = None) -> Path:
    """Download s3://bucket/key to `dest` via a temporary file in downloads/.partial, then rename."""
    partial = downloads_dir() / PARTIAL
    partial.mkdir(exist_ok=True)
    tmp = partial / f"{uuid.uuid4().hex}.part"
    try:
        size = client.head_object(Bucket=settings.bucket, Key=key)["ContentLength"]
        with open(tmp, "wb") as fh:
            client.download_fileobj(settings.bucket, key, fh, Callback=_Counter(size, progress), Config=config or transfer_config())
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
    except Exception as exc:  # noqa: BLE001
        tmp.unlink(missing_ok=True)
        raise explain(exc, settings, key) from None
    if progress:
        progress(1.0)
    return dest


def download_to_data_dir(url: str, progress: ProgressFn | None = None, *, settings: S3Settings | None = None,
                         client=None) -> Path:
    """Download s3://bucket/key into <data folder>/downloads/<bucket>/<key>; the local path.

    The key is checked first: one that could write outside the data folder is refused (UnsafeKey).
    """
    bucket, key = parse_s3_url(url)
    dest = local_path_for(downloads_dir(), bucket, key)
    if settings is None:
        if not keyring_available():
            raise NotConfigured(NO_KEYRING_MESSAGE)
        settings = load_settings()
    settings = replace(settings, bucket=bucket)
    return download_file(client or make_client(settings), settings, key, dest, progress)


def download_key(key: str, progress: ProgressFn | None = None) -> Path:
    """Download a key of the configured bucket (as listed by list_objects) into the data folder."""
    return download_to_data_dir(f"s3://{active_settings().bucket}/{key}", progress)


def clean_partial_downloads(idle_for: float = 300.0) -> int:
    """Delete the temporary files of downloads a kill interrupted (untouched for `idle_for` seconds,
    so a download running in another process is left alone); how many were removed."""
    partial = data_dir() / DOWNLOADS / PARTIAL
    cutoff = time.time() - idle_for
    removed = 0
    for leftover in partial.glob("*.part") if partial.is_dir() else ():
        try:
            if leftover.stat().st_mtime <= cutoff:
                leftover.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def startup_cleanup(settings: S3Settings | None = None, client=None, older_than: timedelta = STALE_UPLOAD_AGE) -> tuple[int, int]:
    """On start: remove partial downloads and abort our stale multipart uploads. (partials, aborted)."""
    removed = clean_partial_downloads()
    try:
        settings = settings or active_settings()
    except SyncError:
        return removed, 0
    prefix = f"{settings.prefix}/" if settings.prefix else ""
    return removed, abort_multipart_uploads(client or make_client(settings), settings, prefix, older_than)
