"""Errors of the S3 sync layer. ``str(err)`` is a one-line message that never holds a secret."""

from __future__ import annotations

from normdesk.engine.errors import InputError, NormdeskError


class SyncError(NormdeskError):
    """An S3 operation failed; the message says plainly why (credentials, bucket, network...)."""


class NotConfigured(SyncError):
    """S3 is off: no bucket configured, or no keyring backend to hold the credentials."""


class KeyringUnavailable(NotConfigured):
    """No usable OS keyring backend: credentials cannot be stored, and S3 stays off."""


class UnsafeKey(SyncError, InputError):
    """An S3 key or URL that could escape the data folder, or that is not a valid object name."""
