"""Webhooks: signed deliveries from the job events of a real ``normdesk serve`` to a real receiver on
127.0.0.1; retries with backoff, a delivery log, persistence across a restart, slow receivers."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time

import pytest

from api_server import SAMPLE, Receiver, Serve, cli, free_port, make_key, upload, wait_for_job
from normdesk.api.webhooks import WebhookStore, sign

FAST = {"NORMDESK_WEBHOOK_BACKOFF_S": "0.2", "NORMDESK_WEBHOOK_MAX_ATTEMPTS": "50"}


@pytest.fixture
def receiver():
    made = []

    def make(*codes, port=None):
        made.append(Receiver(codes, port))
        return made[-1]

    yield make
    for r in made:
        r.close()


def delivery_log(home, hook_id, count, timeout=30):
    store = WebhookStore(home)
    deadline = time.monotonic() + timeout
    try:
        while len(log := store.find(hook_id).log) < count:
            assert time.monotonic() < deadline, log
            time.sleep(0.05)
        return log
    finally:
        store.close()


def add_hook(home, url, events="job.completed", secret="s3cr3t"):
    return cli(home, "webhook", "add", url, "--events", events, "--secret", secret).stdout.split()[0]


def test_a_receiver_that_fails_then_recovers(tmp_path, receiver):
    home = tmp_path / "home"
    hook = receiver(500, 503)
    hook_id = add_hook(home, hook.url, "job.completed,job.failed")
    key = make_key(home, "k", "read,submit")
    serve = Serve(home, **FAST)
    try:
        with serve.client(key) as c:
            job_id = upload(c, SAMPLE).json()["jobId"]
            job = wait_for_job(c, job_id)
        got = hook.wait(3)
        log = delivery_log(home, hook_id, 3)
    finally:
        assert serve.stop() == 0
    assert len({r["body"] for r in got}) == 1 and len({r["headers"]["X-Normdesk-Delivery"] for r in got}) == 1
    body = got[0]["body"]
    expected = "sha256=" + hmac.new(b"s3cr3t", body, hashlib.sha256).hexdigest()
    assert all(r["headers"]["X-Normdesk-Signature"] == expected for r in got)
    sent = json.loads(body)
    assert sent["event"] == "job.completed" and sent["jobId"] == job_id and sent["status"] == "completed"
    assert sent["totalRows"] == job["totalRows"] and sent["validRows"] == job["validRows"] and "timestamp" in sent
    assert [e["status"] for e in log] == [500, 503, 200] and [e["attempt"] for e in log] == [1, 2, 3]
    assert log[0]["retryAt"] and log[-1]["retryAt"] is None
    listing = cli(home, "webhook", "list").stdout
    assert hook.url in listing and "attempt 3: 200" in listing and "attempt 1: 500" in listing


def test_a_delivery_that_gave_up_is_kept_and_sent_again_by_hand(tmp_path, receiver):
    home = tmp_path / "home"
    hook = receiver(500, 500, 503)
    hook_id = add_hook(home, hook.url)
    key = make_key(home, "k", "read,submit")
    serve = Serve(home, NORMDESK_WEBHOOK_BACKOFF_S="0.2", NORMDESK_WEBHOOK_MAX_ATTEMPTS="2")
    try:
        with serve.client(key) as c:
            wait_for_job(c, upload(c, SAMPLE).json()["jobId"])
        log = delivery_log(home, hook_id, 2)
        delivery = log[-1]["deliveryId"]
        time.sleep(1.0)  # well past the backoff: no third attempt comes by itself
        assert len(hook.requests) == 2 and [e["status"] for e in delivery_log(home, hook_id, 2)] == [500, 500]
        assert f"gave up (normdesk webhook retry {delivery})" in cli(home, "webhook", "list").stdout
        assert "due now" in cli(home, "webhook", "retry", delivery).stdout
        log = delivery_log(home, hook_id, 3)  # one more attempt (503): given up again, still kept
        assert store_ids(home) == {delivery}
        cli(home, "webhook", "retry", delivery)
        log = delivery_log(home, hook_id, 4)
    finally:
        assert serve.stop() == 0
    assert [e["status"] for e in log] == [500, 500, 503, 200] and [e["attempt"] for e in log] == [1, 2, 3, 4]
    assert store_ids(home) == set()  # delivered: gone, and a retry of it is one line
    done = cli(home, "webhook", "retry", delivery, code=2)
    assert done.stderr.count("\n") == 1 and "no delivery" in done.stderr


def store_ids(home) -> set[str]:
    store = WebhookStore(home)
    try:
        return {d["id"] for d in store.given_up()} | {d["id"] for d in store.deliveries()}
    finally:
        store.close()


def test_a_slow_receiver_never_slows_a_job(tmp_path, receiver):
    home = tmp_path / "home"
    hook = receiver()
    hook.hold = threading.Event()
    add_hook(home, hook.url)
    key = make_key(home, "k", "read,submit")
    serve = Serve(home, NORMDESK_WEBHOOK_TIMEOUT_S="60")
    try:
        with serve.client(key) as c:
            first = upload(c, SAMPLE).json()["jobId"]
            assert wait_for_job(c, first)["status"] == "completed"
            hook.wait(1)  # the first delivery is held by the receiver...
            second = upload(c, SAMPLE).json()["jobId"]
            assert wait_for_job(c, second)["status"] == "completed"  # ...and the next job ran all the same
            assert len(hook.requests) == 1
            hook.hold.set()
            ids = {json.loads(r["body"])["jobId"] for r in hook.wait(2)}
        assert ids == {first, second}
    finally:
        assert serve.stop() == 0


def test_deliveries_survive_a_restart(tmp_path, receiver):
    home = tmp_path / "home"
    port = free_port()  # nothing listens there yet: connection refused
    hook_id = add_hook(home, f"http://127.0.0.1:{port}/hook")
    key = make_key(home, "k", "read,submit")
    serve = Serve(home, **FAST)
    try:
        with serve.client(key) as c:
            job_id = upload(c, SAMPLE).json()["jobId"]
            wait_for_job(c, job_id)
        failed = delivery_log(home, hook_id, 1)
        assert failed[0]["status"] is None and failed[0]["error"]
    finally:
        assert serve.stop() == 0  # SIGTERM: a graceful stop, the delivery stays stored
    hook = receiver(port=port)
    serve = Serve(home, **FAST)
    try:
        got = hook.wait(1)
        assert json.loads(got[0]["body"])["jobId"] == job_id
        assert got[0]["headers"]["X-Normdesk-Delivery"] == failed[0]["deliveryId"]
    finally:
        assert serve.stop() == 0


def test_the_webhook_command_line(tmp_path, receiver):
    home = tmp_path / "home"
    hook = receiver()
    added = cli(home, "webhook", "add", hook.url).stdout
    hook_id, secret = added.split()[0], added.strip().split()[-1]
    assert secret.startswith("whsec_")
    assert cli(home, "webhook", "test", hook_id).stdout.startswith("200")
    test = hook.wait(1)[0]
    assert test["headers"]["X-Normdesk-Signature"] == sign(secret, test["body"])
    assert json.loads(test["body"])["event"] == "webhook.test"
    listed = json.loads(cli(home, "webhook", "list", "--json").stdout)
    assert listed[0]["events"] == ["job.completed", "job.failed"] and "secret" not in listed[0]
    assert listed[0]["log"][0]["status"] == 200
    assert "not a valid" not in cli(home, "webhook", "add", "ftp://x", code=2).stderr
    assert "events must be" in cli(home, "webhook", "add", hook.url, "--events", "job.done", code=2).stderr
    dead = cli(home, "webhook", "add", f"http://127.0.0.1:{free_port()}/x").stdout.split()[0]
    assert "failed" in cli(home, "webhook", "test", dead, code=1).stderr
    cli(home, "webhook", "remove", hook_id)
    cli(home, "webhook", "remove", dead)
    assert cli(home, "webhook", "list").stdout.strip() == "no webhooks"
