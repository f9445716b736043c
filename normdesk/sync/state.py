"""A job's S3 sync state, as the uploader stores it in ``job.extra["sync"]`` (boto3-free, so the window
reads it without importing boto3)."""

from __future__ import annotations

from typing import Any


def sync_state(job: Any) -> dict:
    """The job's stored sync state ({} when it was never synced)."""
    return dict((job.extra or {}).get("sync") or {})
