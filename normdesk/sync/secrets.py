"""S3 credentials in the OS keyring (service "normdesk"), never anywhere else.

When the active keyring backend is the "fail" (or "null") backend there is nowhere safe to keep a
secret: every function here raises KeyringUnavailable, and S3 stays off. No plain-text fallback:
a file backend from keyrings.alt, which keyring picks by itself when nothing better exists, is used
only when the user chose it (PYTHON_KEYRING_BACKEND or keyring's own config file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import keyring
import keyring.core
import keyring.backends.fail
import keyring.backends.null
from keyring.errors import KeyringError, PasswordDeleteError

from normdesk.sync.errors import KeyringUnavailable, SyncError

SERVICE = "normdesk"
_KEY_ID = "s3_access_key_id"
_SECRET = "s3_secret_access_key"
NO_KEYRING_MESSAGE = "S3 credentials cannot be stored on this machine: no keyring backend; S3 stays off"


@dataclass(frozen=True)
class Credentials:
    """An access key pair. The repr never shows the secret (nor the key id)."""

    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)


def keyring_available() -> bool:
    """True when the active keyring backend can actually store secrets."""
    backend = keyring.get_keyring()
    if isinstance(backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring)):
        return False
    return not _is_file_backend(backend) or _chosen_by_user()


def _is_file_backend(backend) -> bool:
    return type(backend).__module__.startswith("keyrings.alt")


def _chosen_by_user() -> bool:
    return bool(os.environ.get("PYTHON_KEYRING_BACKEND")) or keyring.core.load_config() is not None


def _require_keyring() -> None:
    if not keyring_available():
        raise KeyringUnavailable(NO_KEYRING_MESSAGE)


def store_credentials(access_key_id: str, secret_access_key: str) -> None:
    """Save the key pair in the keyring; SyncError on an empty value, KeyringUnavailable without a backend."""
    access_key_id, secret_access_key = access_key_id.strip(), secret_access_key.strip()
    if not access_key_id or not secret_access_key:
        raise SyncError("both the access key id and the secret access key are needed")
    _require_keyring()
    try:
        keyring.set_password(SERVICE, _KEY_ID, access_key_id)
        keyring.set_password(SERVICE, _SECRET, secret_access_key)
    except KeyringError as exc:
        raise KeyringUnavailable(f"the keyring refused to store the credentials ({exc.__class__.__name__})") from None


def load_credentials() -> Credentials | None:
    """The stored key pair, or None (then boto3's own chain is used: env vars, ~/.aws profiles)."""
    _require_keyring()
    try:
        key_id = keyring.get_password(SERVICE, _KEY_ID)
        secret = keyring.get_password(SERVICE, _SECRET)
    except KeyringError as exc:
        raise KeyringUnavailable(f"cannot read the keyring ({exc.__class__.__name__})") from None
    return Credentials(key_id, secret) if key_id and secret else None


def delete_credentials() -> bool:
    """Remove the stored key pair; True when something was removed."""
    _require_keyring()
    removed = False
    for name in (_KEY_ID, _SECRET):
        try:
            keyring.delete_password(SERVICE, name)
            removed = True
        except PasswordDeleteError:
            pass
        except KeyringError as exc:
            raise KeyringUnavailable(f"cannot delete from the keyring ({exc.__class__.__name__})") from None
    return removed
