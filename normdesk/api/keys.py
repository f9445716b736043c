"""API keys: named, with permissions and an expiry; only an HMAC of each key is stored.

A key looks like GitHub's tokens: ``ndk_`` + 30 random base62 characters + a 6-character CRC32
checksum of them, so secret scanners can recognise it and a mistyped key is refused without a
look-up. The store keeps ``HMAC-SHA256(install secret, key)`` (see ``store.install_secret``); the
key itself is shown once, when it is made, and never written anywhere.

Permissions: ``read`` (list, show, download, stats, events), ``submit`` (add jobs), ``manage``
(retry, cancel, webhooks).
"""

from __future__ import annotations

import hmac
import re
import secrets
import string
import time
import zlib
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Callable, Iterable

from normdesk.api.store import install_secret, open_store
from normdesk.engine.errors import InputError

PREFIX = "ndk_"
PERMISSIONS = ("read", "submit", "manage")
_ALPHABET = string.digits + string.ascii_letters
_BODY, _CHECK = 30, 6
_SHAPE = re.compile(rf"^{PREFIX}[0-9A-Za-z]{{{_BODY + _CHECK}}}$")
_KEY, _DIGEST = "apikey:", "apikey-digest:"
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECK)


def well_formed(key: str) -> bool:
    """The key has the prefix, the length, the alphabet and a matching checksum."""
    return bool(_SHAPE.match(key)) and _checksum(key[len(PREFIX):-_CHECK]) == key[-_CHECK:]


def parse_permissions(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"read,submit"`` -> ("read", "submit") in the canonical order; unknown names are refused."""
    names = {p.strip().lower() for p in (text.split(",") if isinstance(text, str) else text) if p.strip()}
    unknown = names - set(PERMISSIONS)
    if unknown or not names:
        raise InputError(f"permissions must be some of {', '.join(PERMISSIONS)}, not {text!r}")
    return tuple(p for p in PERMISSIONS if p in names)


def parse_duration(text: str) -> float | None:
    """``30d``, ``12h``, ``90m``, ``2w`` -> seconds; ``never`` -> None."""
    text = text.strip().lower()
    if text in ("never", "none", ""):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([mhdw])", text)
    if not match or float(match[1]) <= 0:
        raise InputError(f"--expires must look like 30d, 12h, 90m or 2w (or never), not {text!r}")
    return float(match[1]) * _UNITS[match[2]]


@dataclass(frozen=True, slots=True)
class ApiKey:
    """What is known of a key: never the key itself."""

    id: str
    name: str
    permissions: tuple[str, ...]
    created_at: float
    expires_at: float | None
    revoked_at: float | None

    def active(self, now: float) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def state(self, now: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.active(now) else "expired"

    def to_dict(self, now: float | None = None) -> dict:
        return {"id": self.id, "name": self.name, "permissions": list(self.permissions),
                "createdAt": self.created_at, "expiresAt": self.expires_at, "revokedAt": self.revoked_at,
                "state": self.state(time.time() if now is None else now)}


class KeyStore:
    def __init__(self, home: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.cache = open_store(home)
        self.secret = install_secret(home)
        self.clock = clock

    def close(self) -> None:
        self.cache.close()

    def digest(self, key: str) -> str:
        return hmac.new(self.secret, key.encode(), sha256).hexdigest()

    def create(self, name: str, permissions: Iterable[str], expires_in: float | None = None) -> tuple[ApiKey, str]:
        """A new key; returns its record and the key, which only the caller ever sees."""
        name = name.strip()
        if not name:
            raise InputError("an API key needs a name")
        perms = parse_permissions(permissions)
        body = "".join(secrets.choice(_ALPHABET) for _ in range(_BODY))
        key = PREFIX + body + _checksum(body)
        now = self.clock()
        record = ApiKey(secrets.token_hex(4), name, perms, now, now + expires_in if expires_in else None, None)
        with self.cache.transact():
            if any(k.name == name and k.active(now) for k in self.list()):
                raise InputError(f"an active API key is already named {name!r}: revoke it first or pick another name")
            self.cache.set(_KEY + record.id, {**_fields(record), "digest": self.digest(key)})
            self.cache.set(_DIGEST + self.digest(key), record.id)
        return record, key

    def list(self) -> list[ApiKey]:
        """Every key, oldest first (revoked and expired ones too)."""
        found = []
        for cache_key in self.cache.iterkeys():
            if isinstance(cache_key, str) and cache_key.startswith(_KEY):
                rec = self.cache.get(cache_key)
                if rec is not None:
                    found.append(_record(rec))
        return sorted(found, key=lambda k: k.created_at)

    def revoke(self, name_or_id: str) -> ApiKey:
        """Revoke the active key of that name or id; effective at the next request."""
        now = self.clock()
        with self.cache.transact():
            hits = [k for k in self.list() if k.active(now) and name_or_id in (k.id, k.name)]
            if not hits:
                raise InputError(f"no active API key named {name_or_id!r}")
            rec = self.cache.get(_KEY + hits[0].id)
            rec["revoked_at"] = now
            self.cache.set(_KEY + rec["id"], rec)
            self.cache.delete(_DIGEST + rec["digest"])
        return _record(rec)

    def verify(self, key: str) -> ApiKey | None:
        """The active key record for ``key``, or None (malformed, unknown, revoked, expired)."""
        if not well_formed(key):
            return None
        digest = self.digest(key)
        key_id = self.cache.get(_DIGEST + digest)
        rec = self.cache.get(_KEY + key_id) if key_id else None
        if rec is None or not hmac.compare_digest(rec["digest"], digest):
            return None
        found = _record(rec)
        return found if found.active(self.clock()) else None

    def any_active(self) -> bool:
        now = self.clock()
        return any(k.active(now) for k in self.list())


def _fields(key: ApiKey) -> dict:
    return {"id": key.id, "name": key.name, "permissions": list(key.permissions), "created_at": key.created_at,
            "expires_at": key.expires_at, "revoked_at": key.revoked_at}


def _record(rec: dict) -> ApiKey:
    return ApiKey(rec["id"], rec["name"], tuple(rec["permissions"]), rec["created_at"], rec["expires_at"],
                  rec["revoked_at"])
