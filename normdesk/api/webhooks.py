"""Webhooks: a signed POST per subscribed job event, retried with backoff, persisted, logged.

    normdesk webhook add http://127.0.0.1:9000/hook --events job.completed,job.failed --secret S

Each delivery is a POST of a JSON body (``event``, ``jobId``, ``status``, row counts, ``outputKey``,
``timestamp``) with ``X-Normdesk-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>``.
A receiver checks it by computing the same HMAC over the raw body and comparing in constant time.

The process running jobs subscribes a ``Deliverer`` to its queue's events: the subscriber only
writes the delivery to the API store (so it survives a crash) and wakes the delivery thread, so a
slow or dead receiver never slows a job. Failed attempts are retried after ``webhook_backoff_s``,
doubled each time, up to ``webhook_max_attempts``; each webhook keeps a log of its last attempts.
A delivery that used all its attempts is kept, given up (the last ``GIVEN_UP_KEPT``), so that it can
still be sent again by hand ("Retry now", ``normdesk webhook retry ID``): one more attempt.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

import normdesk
from normdesk.api.store import open_store
from normdesk.engine.errors import InputError
from normdesk.jobs.events import EventBus, EventKind, JobEvent
from normdesk.settings import Settings

log = logging.getLogger(__name__)

EVENTS = tuple(k.value for k in EventKind if k is not EventKind.PROGRESS)
TEST_EVENT = "webhook.test"
SIGNATURE_HEADER = "X-Normdesk-Signature"
LOG_SIZE = 20  # attempts kept per webhook
MAX_BACKOFF_S = 3600.0
POLL_S = 5.0  # the delivery thread also looks at the store this often (a "Retry now" from another process)
GIVEN_UP_KEPT = 100  # deliveries that used all their attempts, kept for a retry by hand
_HOOK, _DELIVERY = "webhook:", "delivery:"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, sha256).hexdigest()


def parse_events(text: str | Iterable[str]) -> tuple[str, ...]:
    names = [e.strip().lower() for e in (text.split(",") if isinstance(text, str) else text) if e.strip()]
    unknown = [n for n in names if n not in EVENTS]
    if unknown or not names:
        raise InputError(f"events must be some of {', '.join(EVENTS)}, not {','.join(unknown) or text!r}")
    return tuple(e for e in EVENTS if e in names)


def payload(event: JobEvent) -> bytes:
    """The JSON body for a job event (compact, keys sorted: the bytes that are signed)."""
    job = event.job
    return json.dumps({
        "event": event.kind.value, "jobId": job.id, "status": job.status.value, "totalRows": job.total_rows,
        "processedRows": job.processed_rows, "validRows": job.valid_rows, "invalidRows": job.invalid_rows,
        "outputKey": job.output_key, "outputPath": job.output_path, "errorMessage": job.error_message,
        "timestamp": event.at,
    }, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    url: str
    events: tuple[str, ...]
    secret: str
    created_at: float
    log: tuple[dict, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Everything but the secret."""
        return {"id": self.id, "url": self.url, "events": list(self.events), "createdAt": self.created_at,
                "log": list(self.log)}


def _webhook(rec: dict) -> Webhook:
    return Webhook(rec["id"], rec["url"], tuple(rec["events"]), rec["secret"], rec["created_at"], tuple(rec["log"]))


class WebhookStore:
    """Webhooks and their pending deliveries in the API store (safe across processes)."""

    def __init__(self, home: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.cache = open_store(home)
        self.clock = clock

    def close(self) -> None:
        self.cache.close()

    def add(self, url: str, events: Iterable[str], secret: str | None = None) -> Webhook:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(f"a webhook URL must be http:// or https://, not {url!r}")
        hook = Webhook(secrets.token_hex(4), url, parse_events(events),
                       secret or "whsec_" + secrets.token_urlsafe(24), self.clock())
        self.cache.set(_HOOK + hook.id, {"id": hook.id, "url": hook.url, "events": list(hook.events),
                                         "secret": hook.secret, "created_at": hook.created_at, "log": []})
        return hook

    def list(self) -> list[Webhook]:
        hooks = [_webhook(self.cache.get(k)) for k in self._keys(_HOOK)]
        return sorted((h for h in hooks if h), key=lambda h: h.created_at)

    def find(self, id_or_url: str) -> Webhook:
        hits = [h for h in self.list() if id_or_url in (h.id, h.url)]
        if len(hits) != 1:
            raise InputError(f"no webhook {id_or_url!r}" if not hits else f"{id_or_url!r} names {len(hits)} webhooks: use the id")
        return hits[0]

    def remove(self, id_or_url: str) -> Webhook:
        hook = self.find(id_or_url)
        with self.cache.transact():
            self.cache.delete(_HOOK + hook.id)
            for key in self._keys(_DELIVERY):
                rec = self.cache.get(key)
                if rec and rec["webhook_id"] == hook.id:
                    self.cache.delete(key)
        return hook

    # -- deliveries ---------------------------------------------------------------------------
    def enqueue(self, hook: Webhook, event: str, body: bytes, job_id: str | None) -> str:
        delivery = {"id": secrets.token_hex(8), "webhook_id": hook.id, "event": event, "job_id": job_id,
                    "body": body, "attempts": 0, "next_at": self.clock()}
        self.cache.set(_DELIVERY + delivery["id"], delivery)
        return delivery["id"]

    def deliveries(self) -> list[dict]:
        """The deliveries waiting for an attempt, the next due first."""
        return sorted((d for d in self._all_deliveries() if not d.get("given_up")), key=lambda d: d["next_at"])

    def given_up(self) -> list[dict]:
        """The deliveries that used all their attempts, the latest given up first."""
        return sorted((d for d in self._all_deliveries() if d.get("given_up")), key=lambda d: -d["next_at"])

    def retry_now(self, delivery_id: str) -> bool:
        """Make a waiting delivery due now, or give a given-up one one more attempt (False: it is gone:
        delivered, dropped or its webhook removed)."""
        with self.cache.transact():
            delivery = self.cache.get(_DELIVERY + delivery_id)
            if delivery is None:
                return False
            # a given-up delivery used all its attempts: the next one is its last again
            self.cache.set(_DELIVERY + delivery_id, {**delivery, "next_at": self.clock(), "given_up": False})
        return True

    def attempts(self) -> list[tuple[Webhook, dict]]:
        """Every webhook's logged attempts, newest first."""
        found = [(hook, entry) for hook in self.list() for entry in hook.log]
        return sorted(found, key=lambda pair: pair[1]["at"], reverse=True)

    def record(self, delivery: dict, status: int | None, error: str | None, next_at: float | None,
               given_up: bool = False) -> None:
        """Log one attempt on its webhook; keep the delivery for ``next_at``, or as ``given_up`` (for a
        retry by hand), or drop it (neither)."""
        entry = {"at": self.clock(), "deliveryId": delivery["id"], "event": delivery["event"],
                 "jobId": delivery["job_id"], "attempt": delivery["attempts"] + 1, "status": status,
                 "error": error, "retryAt": next_at}
        with self.cache.transact():
            rec = self.cache.get(_HOOK + delivery["webhook_id"])
            if rec is not None:
                rec["log"] = (rec["log"] + [entry])[-LOG_SIZE:]
                self.cache.set(_HOOK + rec["id"], rec)
            if rec is None or (next_at is None and not given_up):
                self.cache.delete(_DELIVERY + delivery["id"])
            else:
                self.cache.set(_DELIVERY + delivery["id"], {
                    **delivery, "attempts": delivery["attempts"] + 1, "given_up": given_up,
                    "next_at": self.clock() if given_up else next_at})
                if given_up:
                    for old in self.given_up()[GIVEN_UP_KEPT:]:
                        self.cache.delete(_DELIVERY + old["id"])

    def _all_deliveries(self) -> Iterable[dict]:
        return (d for d in (self.cache.get(k) for k in self._keys(_DELIVERY)) if d)

    def _keys(self, prefix: str) -> list[str]:
        return [k for k in self.cache.iterkeys() if isinstance(k, str) and k.startswith(prefix)]


def post(hook: Webhook, event: str, body: bytes, delivery_id: str, timeout: float) -> tuple[int | None, str | None]:
    """One signed POST; returns (HTTP status or None, error text or None)."""
    request = urllib.request.Request(hook.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": f"normdesk/{normdesk.__version__}",
        SIGNATURE_HEADER: sign(hook.secret, body), "X-Normdesk-Event": event, "X-Normdesk-Delivery": delivery_id,
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, None
    except urllib.error.HTTPError as err:
        return err.code, f"HTTP {err.code} {err.reason}"
    except (OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return None, str(reason) or type(err).__name__


def send_test(store: WebhookStore, hook: Webhook, timeout: float) -> tuple[int | None, str | None]:
    """Send a ``webhook.test`` delivery now and log it."""
    body = json.dumps({"event": TEST_EVENT, "jobId": None, "status": None, "timestamp": store.clock()},
                      sort_keys=True, separators=(",", ":")).encode()
    delivery = {"id": secrets.token_hex(8), "webhook_id": hook.id, "event": TEST_EVENT, "job_id": None,
                "body": body, "attempts": 0, "next_at": store.clock()}
    status, error = post(hook, TEST_EVENT, body, delivery["id"], timeout)
    store.record(delivery, status, error, None)
    return status, error


class Deliverer:
    """Delivers the stored deliveries on one background thread, oldest due first."""

    def __init__(self, store: WebhookStore, settings: Settings) -> None:
        self.store = store
        self.backoff_s = settings.webhook_backoff_s
        self.max_attempts = settings.webhook_max_attempts
        self.timeout_s = settings.webhook_timeout_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, bus: EventBus) -> Callable[[], None]:
        return bus.subscribe(self.on_event, {EventKind(e) for e in EVENTS})

    def on_event(self, event: JobEvent) -> None:
        """Queue subscriber: store a delivery per interested webhook (quick), wake the thread."""
        body = None
        for hook in self.store.list():
            if event.kind.value in hook.events:
                body = body or payload(event)
                self.store.enqueue(hook, event.kind.value, body, event.job.id)
                self._wake.set()

    def wake(self) -> None:
        """Look at the stored deliveries now (one was made due by ``WebhookStore.retry_now``)."""
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="normdesk-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the attempt in flight; what is left is delivered after the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def backoff(self, attempts: int) -> float:
        return min(self.backoff_s * 2 ** max(attempts - 1, 0), MAX_BACKOFF_S)

    def deliver_due(self) -> float | None:
        """Attempt every delivery due now; returns when the next one falls due (None: none left)."""
        for delivery in self.store.deliveries():
            if self._stop.is_set():
                return None
            if delivery["next_at"] > self.store.clock():
                return delivery["next_at"]
            hooks = {h.id: h for h in self.store.list()}
            hook = hooks.get(delivery["webhook_id"])
            if hook is None:
                self.store.record(delivery, None, "webhook removed", None)
                continue
            status, error = post(hook, delivery["event"], delivery["body"], delivery["id"], self.timeout_s)
            ok = status is not None and 200 <= status < 300
            attempts = delivery["attempts"] + 1
            last = attempts >= self.max_attempts
            retry_at = None if ok or last else self.store.clock() + self.backoff(attempts)
            if not ok:
                log.warning("webhook %s: %s for job %s, attempt %d: %s", hook.url, delivery["event"],
                            delivery["job_id"], attempts, error)
            self.store.record(delivery, status, error, retry_at, given_up=not ok and last)
        left = self.store.deliveries()
        return left[0]["next_at"] if left else None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                next_at = self.deliver_due()
            except Exception:  # the store or a receiver misbehaving must not end the thread
                log.exception("webhook delivery failed")
                next_at = self.store.clock() + 1.0
            wait = POLL_S if next_at is None else min(max(next_at - self.store.clock(), 0.0), POLL_S)
            self._wake.wait(wait)
