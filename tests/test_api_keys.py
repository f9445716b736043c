"""API keys: the format, the hash-only store, permissions, expiry, revocation; the command line;
the brake on repeated bad keys."""

from __future__ import annotations

import json

import pytest

from api_server import cli
from normdesk.api.auth import BadKeyLimiter
from normdesk.api.keys import PREFIX, KeyStore, parse_duration, parse_permissions, well_formed
from normdesk.engine.errors import InputError


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_key_is_recognisable_checked_and_stored_only_as_a_hash(tmp_path):
    store = KeyStore(tmp_path)
    record, key = store.create("crm export", "submit,read")
    assert key.startswith(PREFIX) and len(key) == len(PREFIX) + 36 and well_formed(key)
    assert store.verify(key) == record and record.permissions == ("read", "submit")
    typo = key[:-8] + ("A" if key[-8] != "A" else "B") + key[-7:]
    assert not well_formed(typo) and store.verify(typo) is None
    assert store.verify(PREFIX + "x" * 36) is None and store.verify("") is None
    other = KeyStore(tmp_path / "elsewhere")  # another install's secret: another hash
    assert other.verify(key) is None
    store.close()
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    assert (tmp_path / "api" / "install.secret").stat().st_mode & 0o077 == 0


def test_expiry_and_revocation(tmp_path):
    clock = Clock()
    store = KeyStore(tmp_path, clock=clock)
    short, short_key = store.create("short", "read", parse_duration("2h"))
    _, long_key = store.create("long", "read,manage")
    with pytest.raises(InputError, match="already named"):
        store.create("long", "read")
    clock.now += 2 * 3600
    assert store.verify(short_key) is None and store.verify(long_key) is not None
    assert {k.name: k.state(clock.now) for k in store.list()} == {"short": "expired", "long": "active"}
    store.revoke("long")
    assert store.verify(long_key) is None and not store.any_active()
    with pytest.raises(InputError, match="no active API key"):
        store.revoke(short.id)
    store.create("long", "read")  # the name is free again


def test_parsing_permissions_and_durations():
    assert parse_permissions("manage, READ") == ("read", "manage")
    assert parse_duration("30d") == 30 * 86400 and parse_duration("never") is None
    for bad in ("admin", "", "read,write"):
        with pytest.raises(InputError):
            parse_permissions(bad)
    for bad in ("30", "0d", "soon"):
        with pytest.raises(InputError):
            parse_duration(bad)


def test_the_command_line_prints_the_key_once(tmp_path):
    home = tmp_path / "home"
    made = json.loads(cli(home, "api-key", "create", "--name", "bar", "--permissions", "submit,read",
                          "--expires", "30d", "--json").stdout)
    assert set(made) == {"id", "name", "key", "permissions", "expiresAt"} and made["permissions"] == ["read", "submit"]
    listed = cli(home, "api-key", "list", "--json").stdout
    assert made["key"] not in listed and json.loads(listed)[0]["state"] == "active"
    assert made["key"] not in cli(home, "api-key", "list").stdout
    bad = cli(home, "api-key", "create", "--name", "x", "--permissions", "root", code=2)
    assert bad.stderr.startswith("normdesk: permissions must be") and len(bad.stderr.splitlines()) == 1
    cli(home, "api-key", "revoke", made["id"])
    assert json.loads(cli(home, "api-key", "list", "--json").stdout)[0]["state"] == "revoked"
    cli(home, "api-key", "revoke", "bar", code=2)


def test_bad_keys_are_braked_per_address():
    clock = Clock()
    limiter = BadKeyLimiter(limit=3, window_s=60, clock=clock)
    for _ in range(3):
        assert limiter.wait_s("127.0.0.1") == 0
        limiter.failed("127.0.0.1")
    assert limiter.wait_s("127.0.0.1") == pytest.approx(60) and limiter.wait_s("127.0.0.2") == 0
    clock.now += 61
    assert limiter.wait_s("127.0.0.1") == 0
