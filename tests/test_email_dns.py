"""The optional MX/A check against a real DNS server on 127.0.0.1 (tests/dns_server.py)."""

from __future__ import annotations

import time

import polars as pl
import pytest

from dns_server import DnsServer
from normdesk.engine.normalize.base import NormalizeOptions
from normdesk.engine.normalize.email import MX_UNCHECKED, NO_MAIL, EmailNormalizer
from normdesk.engine.normalize.email_dns import CACHE_FILE, DnsCache, MxChecker
from normdesk.engine.types import Outcome

Z = "mx-fixture.net"


@pytest.fixture
def server():
    with DnsServer() as dns_server:
        yield dns_server


def checker(server, home, timeout=1.0, budget=10.0) -> MxChecker:
    return MxChecker(server.address, timeout, budget, home / CACHE_FILE)


def test_verdicts_from_the_zone(server, home):
    home.mkdir(parents=True)
    names = [f"mail-ok.{Z}", f"a-only.{Z}", f"v6-only.{Z}", f"null-mx.{Z}", f"no-records.{Z}", f"missing.{Z}"]
    verdicts = checker(server, home).verdicts(names)
    assert verdicts == dict(zip(names, [True, True, True, False, False, False]))
    asked = {(n, t) for n, t in server.queries}
    assert (f"mail-ok.{Z}", "A") not in asked  # an MX answer is enough
    assert (f"a-only.{Z}", "A") in asked and (f"v6-only.{Z}", "AAAA") in asked


def test_answers_are_cached_in_the_data_folder_for_their_ttl(server, home):
    home.mkdir(parents=True)
    names = [f"mail-ok.{Z}", f"missing.{Z}", f"short-ttl.{Z}"]
    checker(server, home).verdicts(names)
    before = len(server.queries)
    again = checker(server, home)  # a new run (another process): served by the SQLite file
    assert again.verdicts(names) == {names[0]: True, names[1]: False, names[2]: True}
    assert len(server.queries) == before
    import sqlite3

    with sqlite3.connect(home / CACHE_FILE) as db:
        expires = dict(db.execute("SELECT domain, expires - ? FROM mx", (time.time(),)))
    assert 250 < expires[names[0]] <= 300 and 30 < expires[names[2]] <= 60  # the records' TTLs
    assert 3500 < expires[names[1]] <= 3600
    # expired entries are looked up again
    DnsCache(home / CACHE_FILE).put_many([(names[0], False, -1)])
    assert checker(server, home).verdicts([names[0]]) == {names[0]: True}
    assert len(server.queries) == before + 1


def test_a_silent_server_costs_one_timeout_and_is_not_cached(server, home):
    home.mkdir(parents=True)
    slow = [f"d{i}.slow.{Z}" for i in range(20)]
    started = time.monotonic()
    verdicts = checker(server, home, timeout=0.5).verdicts(slow + [f"mail-ok.{Z}"])
    took = time.monotonic() - started
    assert verdicts == {**dict.fromkeys(slow), f"mail-ok.{Z}": True}
    assert took < 3  # 21 lookups on 8 threads, each bounded by 0.5 s
    assert DnsCache(home / CACHE_FILE).get_many(slow) == {}


def test_the_budget_bounds_the_whole_run(server, home):
    home.mkdir(parents=True)
    mx = checker(server, home, timeout=5.0, budget=0.6)
    started = time.monotonic()
    assert mx.verdicts([f"x{i}.slow.{Z}" for i in range(30)]) == dict.fromkeys(f"x{i}.slow.{Z}" for i in range(30))
    assert time.monotonic() - started < 1.5
    count = len(server.queries)
    assert mx.verdicts([f"mail-ok.{Z}"]) == {f"mail-ok.{Z}": None}  # the budget is spent: no more lookups
    assert len(server.queries) == count


def test_normalizer_with_check_mx(server, home, monkeypatch):
    monkeypatch.setenv("NORMDESK_DNS_SERVER", server.address)
    monkeypatch.setenv("NORMDESK_MX_TIMEOUT_S", "0.5")
    norm = EmailNormalizer(NormalizeOptions(check_mx=True))
    values = [f"Ann@Mail-OK.{Z}", f"bob@missing.{Z}", f"info@a-only.{Z}", f"c@x.slow.{Z}", "bad", None,
              f"ann@mail-ok.{Z}"]
    out = norm.normalize(pl.Series(values))
    assert out["outcome"].to_list() == [Outcome.CHANGED, Outcome.INVALID, Outcome.WARNING, Outcome.WARNING,
                                        Outcome.INVALID, Outcome.EMPTY, Outcome.UNCHANGED]
    assert out["reason"].to_list()[:4] == [None, NO_MAIL, "role address", MX_UNCHECKED]
    assert out["value"][1] == f"bob@missing.{Z}"
    asked = [n for n, _ in server.queries if n == f"mail-ok.{Z}"]
    assert len(asked) == 1  # one lookup per distinct domain


def test_check_mx_off_asks_nothing(server, home, monkeypatch):
    monkeypatch.setenv("NORMDESK_DNS_SERVER", server.address)
    out = EmailNormalizer(NormalizeOptions()).normalize(pl.Series([f"bob@missing.{Z}"]))
    assert out["outcome"].to_list() == [Outcome.UNCHANGED] and server.queries == []
