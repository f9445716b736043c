"""A completed job's files synced to S3 end to end: real JobQueue, real engine run, real moto server."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from s3_server import *  # noqa: F403 - fixtures
from s3_server import raw_client

from normdesk.jobs.queue import JobQueue
from normdesk.jobs.runner import RunControl, run_job
from normdesk.sync import subscribe_uploads
from normdesk.sync.secrets import store_credentials
from normdesk.sync.settings import load_settings, save_settings
from normdesk.sync.uploader import UPLOADER, Uploader, backoff, resume_pending_uploads, retry_upload, sync_job

CSV = "Name,Email,Phone\nada lovelace,ADA@Example.com,(415) 555-0100\nalan turing,not-an-email,12\n"


@pytest.fixture
def queue(aws_env):
    q = JobQueue()
    yield q
    UPLOADER.cancel_all()
    UPLOADER.wait(10)
    q.close()


@pytest.fixture(autouse=True)
def few_attempts(monkeypatch):
    """Two attempts per request (one retry) keep the failure tests short."""
    from normdesk.sync import client

    monkeypatch.setattr(client, "MAX_ATTEMPTS", 2)


@pytest.fixture
def hooked(queue):
    """The upload subscribed to the queue's COMPLETED events, as the worker and the window do."""
    assert subscribe_uploads(queue)


def _completed_job(queue, tmp_path, name="contacts.csv", engine=False):
    """A real CSV through the real queue to "completed", then its COMPLETED event, as a runner does.

    engine=True runs it with the real runner and engine; otherwise the test writes the output itself
    (so that these tests do not depend on the normalization)."""
    src = tmp_path / name
    src.write_text(CSV, encoding="utf-8")
    job = queue.submit(src)
    claimed = queue.claim("test-owner")
    assert claimed.id == job.id
    if engine:
        done = run_job(queue, "test-owner", RunControl(claimed), workers=0)
        assert done.status.value == "completed", done.error_message
        return done
    Path(job.output_path).write_text(CSV.lower(), encoding="utf-8")
    done = queue.complete(job.id, "test-owner", {"total_rows": 2, "valid_rows": 1, "invalid_rows": 1})
    queue.run_completed(done)
    return done


def _wait_state(queue, job_id, states, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = queue.get(job_id).extra.get("sync", {})
        if state.get("state") in states:
            return state
        time.sleep(0.05)
    raise AssertionError(f"sync state stuck at {queue.get(job_id).extra.get('sync')}")


def test_completed_job_is_uploaded_and_records_its_keys(bucket, queue, hooked, tmp_path):
    job = _completed_job(queue, tmp_path, engine=True)
    state = _wait_state(queue, job.id, {"done", "failed"})
    assert state == {"state": "done", "progress": 1.0, "error": None, "attempts": 1, "next_retry_at": None}
    job = queue.get(job.id)
    assert job.output_key == f"s3://{bucket}/team/in/{job.id}/contacts.normalized.csv"
    assert job.input_key == f"s3://{bucket}/team/in/{job.id}/contacts.csv"
    raw = raw_client(load_settings().endpoint_url)
    body = raw.get_object(Bucket=bucket, Key=f"team/in/{job.id}/contacts.normalized.csv")["Body"].read()
    with open(job.output_path, "rb") as fh:
        assert body == fh.read()
    assert raw.get_object(Bucket=bucket, Key=f"team/in/{job.id}/contacts.csv")["Body"].read() == CSV.encode()


def test_outputs_only_and_none_choices(bucket, queue, hooked, tmp_path):
    save_settings(replace(load_settings(), upload="outputs"))
    job = _completed_job(queue, tmp_path)
    _wait_state(queue, job.id, {"done"})
    assert queue.get(job.id).input_key is None and queue.get(job.id).output_key
    save_settings(replace(load_settings(), upload="none"))
    other = _completed_job(queue, tmp_path, "second.csv")
    time.sleep(0.2)
    assert "sync" not in queue.get(other.id).extra


def test_failed_upload_keeps_the_job_and_retries_with_backoff(bucket, queue, hooked, tmp_path, fault_proxy):
    save_settings(replace(load_settings(), endpoint_url=fault_proxy.url))
    fault_proxy.fail(10_000, "503")
    before = time.time()
    job = _completed_job(queue, tmp_path)
    state = _wait_state(queue, job.id, {"failed"})
    job = queue.get(job.id)
    assert job.status.value == "completed" and job.output_key is None
    assert state["attempts"] == 1 and "the S3 server failed (503 SlowDown)" in state["error"]
    assert before + backoff(1) <= state["next_retry_at"] <= time.time() + backoff(1)
    with open(job.output_path, encoding="utf-8") as fh:
        assert fh.read() == CSV.lower()  # the local output is intact

    # the server recovers; the retry comes when it is due (a clock moved past next_retry_at)
    UPLOADER.cancel_all()
    fault_proxy.rules.clear()
    later = Uploader(clock=lambda: state["next_retry_at"] + 1)
    assert resume_pending_uploads(queue, later, clock=lambda: state["next_retry_at"] + 1) == 1
    assert later.wait(30)
    state = _wait_state(queue, job.id, {"done"})
    assert state["attempts"] == 2 and queue.get(job.id).output_key


def test_backoff_schedule_and_give_up():
    assert [backoff(n) for n in (1, 2, 3)] == [5.0, 20.0, 80.0]


def test_attempts_stop_after_the_maximum(bucket, queue, tmp_path, fault_proxy, monkeypatch):
    from normdesk.sync import uploader

    monkeypatch.setattr(uploader, "MAX_ATTEMPTS", 2)
    settings = replace(load_settings(), endpoint_url=fault_proxy.url)
    fault_proxy.fail(10_000, "drop")
    job = _completed_job(queue, tmp_path)
    first = sync_job(job.id, queue, settings=settings)
    second = sync_job(job.id, queue, settings=settings)
    assert first["next_retry_at"] and second["attempts"] == 2 and second["next_retry_at"] is None
    assert "cannot reach" in second["error"]
    assert resume_pending_uploads(queue, Uploader()) == 0  # given up: only a retry by hand now

    fault_proxy.rules.clear()
    save_settings(settings)
    assert retry_upload(job.id, queue)["state"] == "done"


def test_an_interrupted_upload_resumes_after_a_restart(bucket, aws_env, tmp_path):
    queue = JobQueue()
    job = _completed_job(queue, tmp_path)
    queue.annotate(job.id, sync={"state": "uploading", "progress": 0.4, "attempts": 1})  # killed mid-upload
    queue.close()

    restarted = JobQueue()
    try:
        uploader = Uploader()
        assert resume_pending_uploads(restarted, uploader) == 1
        assert uploader.wait(30)
        assert restarted.get(job.id).extra["sync"]["state"] == "done"
        assert restarted.get(job.id).output_key.endswith("/contacts.normalized.csv")
    finally:
        restarted.close()


def test_a_vanished_output_fails_without_retry(bucket, queue, tmp_path):
    job = _completed_job(queue, tmp_path)
    Path(job.output_path).unlink()
    state = sync_job(job.id, queue)
    assert state["state"] == "failed" and state["error"].startswith("local file is gone")
    assert state["next_retry_at"] is None


def test_marker_secret_never_reaches_logs_files_or_job_records(bucket, queue, hooked, tmp_path, fault_proxy,
                                                               caplog, aws_env):
    import logging

    marker = "MARKER-SECRET-a41c99"
    store_credentials("AKIDMARKER", marker)
    save_settings(replace(load_settings(), endpoint_url=fault_proxy.url))
    fault_proxy.fail(10_000, "503")
    caplog.set_level(logging.DEBUG)
    job = _completed_job(queue, tmp_path)
    state = _wait_state(queue, job.id, {"failed"})
    UPLOADER.cancel_all()
    assert marker not in caplog.text and marker not in json.dumps(state)
    assert marker not in json.dumps(queue.get(job.id).to_dict(), default=str)
    for path in aws_env.rglob("*"):  # settings file, queue store, outputs: the whole data folder
        if path.is_file():
            assert marker.encode() not in path.read_bytes(), path


def test_progress_is_stored_while_uploading_and_inputs_from_s3_are_not_copied(bucket, queue, tmp_path, monkeypatch):
    from normdesk.sync import uploader
    from normdesk.sync.transfer import MB, transfer_config

    monkeypatch.setattr(uploader, "PROGRESS_EVERY", 0.0)
    src = tmp_path / "from-s3.csv"
    src.write_text(CSV, encoding="utf-8")
    job = queue.submit(src, input_key=f"s3://{bucket}/team/in/from-s3.csv")
    queue.claim("test-owner")
    Path(job.output_path).write_bytes(b"x" * (11 * MB))
    queue.complete(job.id, "test-owner", {"total_rows": 2})
    stored = []
    real_annotate = queue.annotate
    monkeypatch.setattr(queue, "annotate", lambda job_id, **extra: stored.append(extra["sync"]) or real_annotate(job_id, **extra))
    seen = []
    state = sync_job(job.id, queue, config=transfer_config(5 * MB, 5 * MB), progress=seen.append)
    assert state["state"] == "done"
    assert [s["state"] for s in stored][0] == "uploading" and stored[-1]["state"] == "done"
    middle = [s["progress"] for s in stored[1:-1]]
    assert middle and all(0 < p < 1 for p in middle) and middle == sorted(middle)
    assert seen[-1] == 1.0
    done = queue.get(job.id)
    assert done.input_key == f"s3://{bucket}/team/in/from-s3.csv"  # kept: the input came from S3
    raw = raw_client(load_settings().endpoint_url)
    assert [o["Key"] for o in raw.list_objects_v2(Bucket=bucket)["Contents"]] == [
        f"team/in/{job.id}/from-s3.normalized.csv"]
