"""The API's own state in the data folder: one diskcache store (``<data folder>/api``) for the API
keys, the webhooks and their pending deliveries, and the per-install secret the key hashes use.

diskcache is SQLite underneath, safe across processes: ``normdesk api-key revoke`` in a terminal is
seen by the running server at its next request.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import diskcache

from normdesk.paths import data_dir

SECRET_NAME = "install.secret"


def open_store(home: Path | None = None) -> diskcache.Cache:
    """The API store of the data folder ``home`` (default: ``data_dir()``)."""
    return diskcache.Cache(str(Path(home or data_dir()) / "api"), timeout=60, eviction_policy="none",
                           statistics=0, tag_index=0)


def install_secret(home: Path | None = None) -> bytes:
    """32 random bytes made once per data folder (mode 0600): the HMAC key of the key hashes.

    Created atomically (a temporary file hard-linked into place), so two processes starting at
    once agree on one secret."""
    folder = Path(home or data_dir()) / "api"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_NAME
    if not path.exists():
        tmp = folder / f".{SECRET_NAME}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_bytes(32))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()
