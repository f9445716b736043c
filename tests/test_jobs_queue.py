"""The job queue's state machine on a real diskcache store, with a controllable clock."""

from __future__ import annotations

import json
import sqlite3

import pytest

from normdesk.engine import InputError, Plan
from normdesk.jobs.model import RECORD_SCHEMA, Job, JobStatus, Policy
from normdesk.jobs.queue import JobQueue
from normdesk.settings import Settings


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def queue(home, clock):
    q = JobQueue(clock=clock, policy=Policy.from_settings(Settings(backoff_s=5.0, lease_s=30.0)))
    yield q
    q.close()


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("name,email\nAda Lovelace,ada@example.com\n", encoding="utf-8")
    return path


def test_submit_defaults_and_record_shape(queue, csv_file, clock):
    job = queue.submit(csv_file)
    assert job.status is JobStatus.PENDING
    assert job.output_path == str(csv_file.with_name("contacts.normalized.csv"))
    assert job.created_at == clock.now and job.attempts == 0 and job.max_attempts == 3
    assert job.config["detect"] is True and job.config["country"] == "US"
    data = job.to_dict()
    for key in ("totalRows", "processedRows", "validRows", "invalidRows", "errorMessage", "inputKey",
                "outputKey", "startedAt", "completedAt", "createdAt", "nextRetryAt", "maxAttempts"):
        assert key in data
    json.dumps(data)  # JSON-able
    assert queue.get(job.id) == job


def test_submit_with_plan_and_format_names_the_output(queue, csv_file):
    plan = Plan.from_dict({"columns": {"name": "name", "email": "email"}, "output_format": "parquet"})
    job = queue.submit(csv_file, plan=plan, country="de")
    assert job.output_path.endswith("contacts.normalized.parquet")
    assert job.config["detect"] is False and job.config["country"] == "DE"
    assert Plan.from_dict({k: v for k, v in job.config.items() if k not in ("detect", "overrides")}).columns == plan.columns


@pytest.mark.parametrize("bad", ["missing", "same", "type", "country"])
def test_submit_refuses_bad_input_with_one_line(queue, csv_file, bad):
    kwargs = {
        "missing": dict(input_path=csv_file.with_name("nope.csv")),
        "same": dict(input_path=csv_file, output_path=csv_file),
        "type": dict(input_path=csv_file, type="fax"),
        "country": dict(input_path=csv_file, country="USA"),
    }[bad]
    with pytest.raises(InputError) as err:
        queue.submit(**kwargs)
    assert "\n" not in str(err.value) and str(err.value)
    assert queue.list() == []


def test_list_is_newest_first_and_persists_across_instances(queue, csv_file, home, clock):
    ids = [queue.submit(csv_file).id for _ in range(5)]
    assert [j.id for j in queue.list()] == ids[::-1]
    again = JobQueue(home, clock=clock)
    assert [j.id for j in again.list()] == ids[::-1]
    again.close()


def test_claim_complete_and_revision(queue, csv_file):
    job = queue.submit(csv_file)
    rev = queue.revision()
    claimed = queue.claim("me")
    assert claimed.id == job.id and claimed.status is JobStatus.PROCESSING and claimed.started_at
    assert queue.revision() > rev
    assert queue.claim("me") is None  # nothing else pending
    assert queue.progress(job.id, "me", 10, 0.5, {"part_path": "/x", "rows_done": 10, "out_bytes": 1, "report": {}})
    assert queue.get(job.id).processed_rows == 10
    assert not queue.progress(job.id, "someone-else", 20, 0.9)  # not the lease holder: ignored
    done = queue.complete(job.id, "me", {"total_rows": 12, "valid_rows": 11, "invalid_rows": 1})
    assert done.status is JobStatus.COMPLETED
    assert (done.total_rows, done.valid_rows, done.invalid_rows, done.processed_rows) == (12, 11, 1, 12)
    assert done.report["total_rows"] == 12 and done.hooks_due is True
    assert queue.checkpoint(job.id) is None


def test_backoff_schedule_survives_a_restart(queue, csv_file, home, clock):
    job = queue.submit(csv_file)
    start = clock.now
    delays = []
    for attempt in (1, 2):
        assert queue.claim("w").id == job.id
        failed = queue.fail(job.id, "w", "disk full while writing x", retryable=True)
        assert failed.status is JobStatus.PENDING and failed.attempts == attempt
        delays.append(failed.next_retry_at - clock.now)
        assert queue.claim("w") is None  # not due yet
        reopened = JobQueue(home, clock=clock)  # the schedule is on the job: a restart keeps it
        assert reopened.get(job.id).next_retry_at == failed.next_retry_at
        reopened.close()
        clock.now = failed.next_retry_at
    assert delays == [5.0, 10.0]
    assert queue.claim("w").id == job.id
    final = queue.fail(job.id, "w", "disk full while writing x", retryable=True)
    assert final.status is JobStatus.FAILED and final.attempts == 3 and final.next_retry_at is None
    assert final.error_message == "disk full while writing x" and clock.now == start + 15.0


def test_input_error_fails_at_once(queue, csv_file):
    job = queue.submit(csv_file)
    queue.claim("w")
    failed = queue.fail(job.id, "w", "line 3 has 7 fields, the header has 5", retryable=False)
    assert failed.status is JobStatus.FAILED and failed.attempts == 1


def test_cancel_in_every_state(queue, csv_file, clock):
    pending = queue.submit(csv_file)
    assert queue.cancel(pending.id).status is JobStatus.CANCELLED

    waiting = queue.submit(csv_file)  # waiting for a retry
    queue.claim("w")
    queue.fail(waiting.id, "w", "boom", retryable=True)
    assert queue.get(waiting.id).next_retry_at
    cancelled = queue.cancel(waiting.id)
    assert cancelled.status is JobStatus.CANCELLED and cancelled.next_retry_at is None
    clock.now += 3600
    assert queue.claim("w") is None

    running = queue.submit(csv_file)
    queue.claim("w")
    assert not queue.cancel_requested(running.id)
    assert queue.cancel(running.id).status is JobStatus.PROCESSING  # the runner stops it
    assert queue.cancel_requested(running.id)
    assert queue.finish_cancel(running.id, "w").status is JobStatus.CANCELLED

    done = queue.submit(csv_file)
    queue.claim("w")
    queue.complete(done.id, "w", {"total_rows": 1})
    with pytest.raises(InputError, match="already completed"):
        queue.cancel(done.id)
    assert queue.cancel(pending.id).status is JobStatus.CANCELLED  # idempotent


def test_retry_failed_and_cancelled_only(queue, csv_file):
    job = queue.submit(csv_file)
    with pytest.raises(InputError, match="only failed or cancelled"):
        queue.retry(job.id)
    queue.claim("w")
    queue.fail(job.id, "w", "bad file", retryable=False)
    again = queue.retry(job.id)
    assert again.status is JobStatus.PENDING and again.attempts == 0 and again.error_message is None
    queue.cancel(job.id)
    assert queue.retry(job.id).status is JobStatus.PENDING
    assert queue.claim("w").id == job.id


def test_graceful_release_keeps_checkpoint_and_honours_cancel(queue, csv_file):
    job = queue.submit(csv_file)
    queue.claim("w")
    ckpt = {"part_path": "/p", "rows_done": 5, "out_bytes": 9, "report": {}}
    queue.progress(job.id, "w", 5, 0.5, ckpt)
    released = queue.release(job.id, "w")
    assert released.status is JobStatus.PENDING and released.attempts == 0
    assert queue.checkpoint(job.id) == ckpt
    queue.claim("w")
    queue.cancel(job.id)
    assert queue.release(job.id, "w").status is JobStatus.CANCELLED
    assert queue.checkpoint(job.id) is None


def test_crash_recovery_is_not_an_attempt_but_a_poison_job_fails_on_evidence(queue, csv_file, clock):
    """Three crashes in a row while the same chunk was being normalized fail the job (naming the rows,
    keeping its checkpoint); crashes before any chunk started, or on ever new chunks, never do."""
    good, poison, starting = (queue.submit(csv_file, csv_file.with_name(f"{n}.csv")) for n in ("g", "p", "s"))
    for crash in range(1, 6):
        owner = f"dead{crash}"
        assert {queue.claim(owner).id for _ in range(3)} == {good.id, poison.id, starting.id}
        rows = crash * 100  # the good job moves on before each crash, the poison job is stuck on row 201
        queue.progress(good.id, owner, rows, 0.1, {"part_path": "/p", "rows_done": rows, "out_bytes": 1, "report": {}})
        queue.chunk_started(good.id, owner, rows + 1)
        if crash >= 3:
            queue.progress(poison.id, owner, 200, 0.1, {"part_path": "/q", "rows_done": 200, "out_bytes": 1, "report": {}})
            queue.chunk_started(poison.id, owner, 201)
        # `starting` is killed every time before its first chunk: in the start-up, the spawn of the engine
        assert queue.recover("me") == []  # leases still valid
        recovered = {j.id: j for j in queue.recover("me", everything=True)}
        assert recovered[good.id].status is JobStatus.PENDING and recovered[good.id].attempts == 0
        assert recovered[starting.id].status is JobStatus.PENDING
        assert recovered[poison.id].status is (JobStatus.FAILED if crash == 5 else JobStatus.PENDING)
        if crash == 5:
            break
    assert "3 times in a row while normalizing the rows from 201 on" in recovered[poison.id].error_message
    assert queue.checkpoint(poison.id)["rows_done"] == 200 and "/q" in queue.live_part_paths()  # kept for the retry
    assert queue.retry(poison.id).status is JobStatus.PENDING and queue.checkpoint(poison.id)["rows_done"] == 200
    assert queue.checkpoint(good.id)["rows_done"] == 500  # resumes from there


def test_expired_lease_is_recovered_by_time(queue, csv_file, clock):
    job = queue.submit(csv_file)
    queue.claim("dead")
    clock.now += 10
    queue.renew("dead", [job.id])
    clock.now += 29
    assert queue.recover("me") == []
    clock.now += 2
    assert [j.id for j in queue.recover("me")] == [job.id]
    assert queue.get(job.id).status is JobStatus.PENDING


def test_claim_skips_a_job_writing_an_output_in_use(queue, csv_file):
    first = queue.submit(csv_file)
    second = queue.submit(csv_file)  # same output path
    third = queue.submit(csv_file, csv_file.with_name("third.csv"))
    assert queue.claim("w").id == first.id
    assert queue.claim("w").id == third.id
    assert queue.claim("w") is None
    queue.complete(first.id, "w", {"total_rows": 1})
    assert queue.claim("w").id == second.id


def test_annotate_set_keys_remove_and_stats(queue, csv_file):
    a, b, c = (queue.submit(csv_file, csv_file.with_name(f"{n}.csv")) for n in "abc")
    assert queue.annotate(a.id, sync={"state": "pending"}).extra == {"sync": {"state": "pending"}}
    assert queue.annotate(a.id, sync=None, note="x").extra == {"note": "x"}
    keyed = queue.set_keys(a.id, input_key="s3://b/in.csv", output_key="out/in.normalized.csv")
    assert (keyed.input_key, keyed.output_key) == ("s3://b/in.csv", "out/in.normalized.csv")
    queue.claim("w"), queue.claim("w")
    queue.complete(a.id, "w", {"total_rows": 1})
    queue.fail(b.id, "w", "bad", retryable=False)
    stats = queue.stats()
    assert (stats.total, stats.pending, stats.processing, stats.completed, stats.failed) == (3, 1, 0, 1, 1)
    assert stats.success_rate == 0.5 and stats.to_dict()["successRate"] == 0.5
    queue.claim("w")
    with pytest.raises(InputError, match="running"):
        queue.remove(c.id)
    queue.remove(a.id)
    assert queue.get(a.id) is None and queue.stats().total == 2
    with pytest.raises(InputError, match="no job"):
        queue.get(a.id) or queue.cancel(a.id)


def test_find_by_unique_prefix_or_suffix(queue, csv_file):
    job = queue.submit(csv_file)
    assert queue.find(job.id[-4:]) == job and queue.find(job.id) == job
    with pytest.raises(InputError, match="no job"):
        queue.find("zzzz")


def test_store_is_plain_sqlite_that_passes_integrity_check(queue, csv_file, home):
    for _ in range(20):
        queue.submit(csv_file)
    with sqlite3.connect(home / "queue" / "cache.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_job_from_record_ignores_internal_keys(queue, csv_file):
    job = queue.submit(csv_file)
    record = queue.cache.get("job:" + job.id)
    assert "lease_owner" in record and Job.from_record(record) == job


def test_every_transition_publishes_a_typed_event(queue, csv_file, clock):
    from normdesk.jobs.events import EventKind

    seen = []
    unsubscribe = queue.events.subscribe(lambda e: seen.append((e.kind, e.job.id, e.job.status.value)))
    a, b, c = (queue.submit(csv_file) for _ in range(3))
    queue.claim("me")  # a
    queue.fail(a.id, "me", "disk full", retryable=True)  # retried later
    queue.cancel(b.id)
    queue.remove(b.id)
    clock.now += 60
    queue.claim("me")  # a again (older than c)
    done = queue.complete(a.id, "me", {"total_rows": 1})
    queue.run_completed(done)
    queue.claim("me")  # c
    queue.release(c.id, "me")
    queue.claim("me")
    queue.fail(c.id, "me", "bad input", retryable=False)
    unsubscribe()
    queue.retry(c.id)
    assert seen == [
        (EventKind.SUBMITTED, a.id, "pending"), (EventKind.SUBMITTED, b.id, "pending"),
        (EventKind.SUBMITTED, c.id, "pending"), (EventKind.STARTED, a.id, "processing"),
        (EventKind.RETRYING, a.id, "pending"), (EventKind.CANCELLED, b.id, "cancelled"),
        (EventKind.REMOVED, b.id, "cancelled"), (EventKind.STARTED, a.id, "processing"),
        (EventKind.COMPLETED, a.id, "completed"), (EventKind.STARTED, c.id, "processing"),
        (EventKind.RELEASED, c.id, "pending"), (EventKind.STARTED, c.id, "processing"),
        (EventKind.FAILED, c.id, "failed"),
    ]


def test_indexes_agree_with_the_records(queue, csv_file, clock):
    """Stats, claims and "anything due?" read the indexes; they must say what a full scan says."""
    jobs = [queue.submit(csv_file, csv_file.with_name(f"o{n}.csv")) for n in range(6)]
    queue.claim("me")
    queue.fail(jobs[0].id, "me", "x", retryable=True)
    queue.claim("me")
    queue.complete(jobs[1].id, "me", {"total_rows": 1})
    queue.cancel(jobs[2].id)
    queue.claim("me")
    queue.remove(jobs[4].id)
    scan = [j.status.value for j in queue.list()]
    stats = queue.stats()
    assert stats.total == len(scan) == 5
    assert {s: getattr(stats, s) for s in ("pending", "processing", "completed", "failed", "cancelled")} == \
        {s: scan.count(s) for s in ("pending", "processing", "completed", "failed", "cancelled")}
    assert queue.next_wake() == clock.now + 5.0 and queue.has_pending()
    assert [j.id for j in queue.hooks_due()] == [jobs[1].id]


def test_a_store_written_by_version_1_opens_and_is_upgraded_once(tmp_path, monkeypatch):
    """tests/data/store-v1 was written by the queue before typed records: five jobs, one in each state
    (the completed one with an S3 sync state, the processing one left by a crashed process)."""
    import shutil
    from pathlib import Path

    home = tmp_path / "home"
    shutil.copytree(Path(__file__).parent / "data" / "store-v1", home / "queue")
    monkeypatch.setenv("NORMDESK_HOME", str(home))
    queue = JobQueue()
    jobs = {j.status.value: j for j in queue.list()}
    assert sorted(jobs) == ["cancelled", "completed", "failed", "pending", "processing"]
    done = jobs["completed"]
    assert done.fraction == 1.0 and done.output_stat["size"] == 196 and not done.hooks_due
    assert done.extra == {"sync": {"state": "failed", "attempts": 2, "error": "x", "next_retry_at": 1.0}}
    assert jobs["processing"].lease_owner == "old-owner" and jobs["processing"].fraction == 0.5
    assert jobs["failed"].error_message and jobs["failed"].attempts == 1
    assert queue.stats().total == 5 and queue.stats().processing == 1 and queue.stats().pending == 1
    recovered = queue.recover("new-owner", everything=True)  # as a worker does when it takes the folder
    assert [j.status.value for j in recovered] == ["pending"] and queue.stats().pending == 2
    assert queue.claim("new-owner").id == jobs["processing"].id  # the oldest pending one
    queue.close()
    again = JobQueue()  # the upgrade ran once: the schema key is there now
    assert again.cache.get("schema") == RECORD_SCHEMA and again.stats().total == 5
    again.close()


def test_a_renewed_lease_keeps_the_record_in_the_current_schema(queue, csv_file):
    job = queue.submit(csv_file)
    queue.claim("me")
    queue.progress(job.id, "me", 10, 0.5)
    queue.renew("me", [job.id])
    queue.chunk_started(job.id, "me", 11)
    assert queue.cache.get("job:" + job.id)["schema"] == RECORD_SCHEMA
    again = queue.get(job.id)
    assert again.fraction == 0.5 and again.chunk_row == 11


def test_a_store_of_version_2_moves_its_reports_under_their_own_key(tmp_path, monkeypatch):
    """tests/data/store-v2 was written by the queue that kept reports inside the job records: one
    completed job (with a report) and one pending."""
    import shutil
    from pathlib import Path

    home = tmp_path / "home"
    shutil.copytree(Path(__file__).parent / "data" / "store-v2", home / "queue")
    monkeypatch.setenv("NORMDESK_HOME", str(home))
    queue = JobQueue()
    done = next(j for j in queue.list() if j.status == "completed")
    assert done.report is None  # a list is read without the reports...
    assert queue.get(done.id).report["columns"] == {"phone": {"valid": 1}}  # ...which are kept
    assert queue.cache.get("job:" + done.id)["report"] is None
    assert [json.loads(text)["id"] for text in queue.summaries()] == [j.id for j in queue.list()]
    queue.close()


def test_reports_and_summaries_live_beside_the_records(queue, csv_file):
    first, second = queue.submit(csv_file), queue.submit(csv_file)
    queue.claim("me")
    report = {"total_rows": 2, "valid_rows": 2, "invalid_rows": 0, "columns": {"x": list(range(1000))}}
    queue.run_completed(queue.complete(first.id, "me", report))
    assert queue.get(first.id).report == report
    assert [j.report for j in queue.list()] == [None, None]
    assert [j.report for j in queue.list(reports=True)] == [None, report]
    assert queue.find(first.id[-6:]).report == report
    summaries = [json.loads(text) for text in queue.summaries()]
    assert summaries == [queue.get(second.id).summary(), queue.get(first.id).summary()]
    assert summaries[1]["status"] == "completed" and "report" not in summaries[1] and "config" not in summaries[1]
    queue.remove(first.id)
    assert not [key for key in queue.cache.iterkeys() if str(key).endswith(first.id)]
