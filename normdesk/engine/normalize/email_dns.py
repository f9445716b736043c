"""The optional online check of email domains: does the domain take mail (an MX record, else an
A or AAAA record, RFC 5321 section 5.1)? Off by default (``check_mx``); dnspython does the lookups.

* Once per distinct domain, concurrently (``WORKERS`` threads), each lookup bounded by
  ``mx_timeout_s`` and all the lookups of a run (in one process) by ``mx_budget_s``: once that is
  spent, the remaining domains are left unchecked and the file goes on.
* Answers are cached in the data folder (``dns_cache.sqlite``) for the records' TTL (a missing
  domain for ``NEGATIVE_TTL_S``); a timeout or a server failure is not cached.
* Verdicts: True (takes mail), False (NXDOMAIN, a null MX, or no MX/A/AAAA record), None (not
  known: timeout, no server, budget spent).

The resolver is the system's, or ``dns_server`` ("HOST" or "HOST:PORT") from the settings.
"""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import dns.exception
import dns.name
import dns.resolver

from normdesk.paths import data_dir

WORKERS = 8
NEGATIVE_TTL_S = 3600
MAX_TTL_S = 7 * 86400
CACHE_FILE = "dns_cache.sqlite"


def make_resolver(server: str) -> dns.resolver.Resolver:
    """The system's resolver, or one that asks only ``server`` ("HOST" or "HOST:PORT")."""
    if not server:
        return dns.resolver.Resolver()
    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = int(port or 53)
    return resolver


def lookup(resolver: dns.resolver.Resolver, domain: str, timeout_s: float) -> tuple[bool | None, int]:
    """(verdict, seconds to cache it) for one domain, in at most about ``timeout_s``."""
    end = time.monotonic() + timeout_s

    def left() -> float:
        return max(end - time.monotonic(), 0.01)

    try:
        answer = resolver.resolve(domain, "MX", lifetime=left(), search=False)
        null_mx = all(r.exchange == dns.name.root for r in answer)
        return not null_mx, answer.rrset.ttl
    except dns.resolver.NXDOMAIN:
        return False, NEGATIVE_TTL_S
    except dns.resolver.NoAnswer:
        pass
    except (dns.exception.DNSException, OSError, ValueError):
        return None, 0
    for rdtype in ("A", "AAAA"):
        try:
            return True, resolver.resolve(domain, rdtype, lifetime=left(), search=False).rrset.ttl
        except dns.resolver.NoAnswer:
            continue
        except (dns.exception.DNSException, OSError, ValueError):
            return None, 0
    return False, NEGATIVE_TTL_S


class DnsCache:
    """Verdicts by domain in SQLite, each until it expires; shared by the worker processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS mx (domain TEXT PRIMARY KEY, ok INTEGER, expires REAL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def get_many(self, domains: list[str]) -> dict[str, bool]:
        now = time.time()
        found = {}
        with self._connect() as db:
            for i in range(0, len(domains), 500):
                part = domains[i:i + 500]
                rows = db.execute(
                    f"SELECT domain, ok FROM mx WHERE expires > ? AND domain IN ({','.join('?' * len(part))})",
                    (now, *part),
                )
                found.update((d, bool(ok)) for d, ok in rows)
        return found

    def put_many(self, items: list[tuple[str, bool, int]]) -> None:
        now = time.time()
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO mx VALUES (?, ?, ?)",
                           [(d, int(ok), now + min(ttl, MAX_TTL_S)) for d, ok, ttl in items])


class MxChecker:
    """Verdicts for the domains of a run, within its time budget."""

    def __init__(self, server: str, timeout_s: float, budget_s: float, cache_path: Path | None = None) -> None:
        self.resolver: dns.resolver.Resolver | None = None
        self.server, self.timeout_s = server, timeout_s
        self.deadline = time.monotonic() + budget_s
        self.cache = DnsCache(cache_path or data_dir() / CACHE_FILE)
        self.known: dict[str, bool] = {}

    @classmethod
    def from_settings(cls) -> MxChecker:
        from normdesk import settings

        current = settings.load()
        return cls(current.dns_server, current.mx_timeout_s, current.mx_budget_s)

    def verdicts(self, domains: list[str]) -> dict[str, bool | None]:
        """Each domain's verdict (see the module); looks up what neither cache holds."""
        todo = [d for d in domains if d not in self.known]
        if todo:
            self.known.update(self.cache.get_many(todo))
            self._resolve([d for d in todo if d not in self.known])
        return {d: self.known.get(d) for d in domains}

    def _resolve(self, domains: list[str]) -> None:
        remaining = self.deadline - time.monotonic()
        if not domains or remaining <= 0:
            return
        try:
            self.resolver = self.resolver or make_resolver(self.server)
        except dns.exception.DNSException:  # no resolver configured on this machine
            return
        pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="normdesk-mx")
        timeout = min(self.timeout_s, remaining)
        futures = {pool.submit(lookup, self.resolver, d, timeout): d for d in domains}
        done, _ = wait(futures, timeout=remaining)
        pool.shutdown(wait=False, cancel_futures=True)
        answered = [(futures[f], *f.result()) for f in done]
        answered = [(d, ok, ttl) for d, ok, ttl in answered if ok is not None]
        self.known.update((d, ok) for d, ok, _ in answered)
        if answered:
            self.cache.put_many(answered)
