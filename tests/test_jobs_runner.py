"""Jobs run with the real engine on real files: outcomes, cancel, graceful stop and resume,
disk full, hooks, the folder lock and the sweep of leftover part files."""

from __future__ import annotations

import errno
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest

from normdesk.engine import Plan, run_file
from normdesk.engine.writer import PART_SUFFIX
from normdesk.jobs.events import EventKind
from normdesk.jobs.dispatch import Dispatcher, StartLimiter, sweep_part_files
from normdesk.jobs.lock import DataDirLock, FolderBusy
from normdesk.jobs.model import JobStatus, Policy
from normdesk.jobs.queue import JobQueue
from normdesk.settings import Settings

PLAN = Plan.from_dict({"columns": {"name": "name", "phone": "phone", "notes": "none"}})
CHUNK = 100


@pytest.fixture
def queue(home):
    q = JobQueue(policy=Policy.from_settings(Settings(max_attempts=2, backoff_s=0.0)))
    yield q
    q.close()


@pytest.fixture
def dispatcher(queue):
    d = Dispatcher(queue, concurrency=2, start_rate=1e9, workers=0, chunk_rows=CHUNK)
    d.open()
    yield d
    d.close()


def write_contacts(path, rows: int):
    lines = ["name,phone,notes"]
    lines += [f"person {i} smith,(415) 555-{i % 10000:04d},note {i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def reference(tmp_path, source, plan=PLAN):
    out = tmp_path / "reference.csv"
    run_file(source, out, plan, workers=0, chunk_rows=CHUNK)
    return out.read_bytes()


def part_files(folder):
    return sorted(folder.glob(f"*{PART_SUFFIX}")) + sorted(folder.glob(f".*{PART_SUFFIX}"))


def run_next(dispatcher, on_progress=None):
    control = dispatcher.claim()
    assert control is not None
    return dispatcher.run(control, on_progress)


def test_job_completes_like_run_file_and_publishes_its_events(tmp_path, queue, dispatcher, caplog):
    source = write_contacts(tmp_path / "in.csv", 350)
    seen = []

    def broken(event):
        raise RuntimeError("subscriber bug")

    queue.events.subscribe(broken, {EventKind.COMPLETED})
    queue.events.subscribe(lambda event: seen.append((event.kind, event.job.id)))
    job = queue.submit(source, plan=PLAN)
    with caplog.at_level(logging.ERROR):
        done = run_next(dispatcher)
    assert done.status is JobStatus.COMPLETED and done.total_rows == 350 and done.processed_rows == 350
    assert done.report["columns"]["phone"]["changed"] == 350
    kinds = [kind for kind, job_id in seen if job_id == job.id]
    assert kinds[:2] == [EventKind.SUBMITTED, EventKind.STARTED] and kinds[-1] == EventKind.COMPLETED
    assert EventKind.PROGRESS in kinds
    assert "subscriber bug" in caplog.text  # logged; the job still completed
    assert queue.get(job.id).hooks_due is False and queue.hooks_due() == []
    assert (tmp_path / "in.normalized.csv").read_bytes() == reference(tmp_path, source)
    assert part_files(tmp_path) == []


def test_detected_job_and_typed_job(tmp_path, queue, dispatcher):
    source = write_contacts(tmp_path / "in.csv", 50)
    full = queue.submit(source, tmp_path / "all.csv")
    phones = queue.submit(source, tmp_path / "phones.csv", type="phone")
    assert run_next(dispatcher).status is JobStatus.COMPLETED
    assert run_next(dispatcher).status is JobStatus.COMPLETED
    assert "phone" in queue.get(full.id).report["columns"]
    assert set(queue.get(phones.id).report["columns"]) == {"phone"}


def test_a_job_detected_at_run_time_keeps_every_plan_option(tmp_path, queue, dispatcher):
    """The runner hands the job's plan on whole: options set at submit survive the detection."""
    source = tmp_path / "accents.csv"
    source.write_text("Name,Tel\nJosé Müller,030 1234567\nZoë Brontë,030 7654321\n", encoding="utf-8")
    job = queue.submit(source, tmp_path / "out.csv", plan=Plan(preserve_accents=True, country="DE"))
    assert job.config["detect"] is True
    assert run_next(dispatcher).status is JobStatus.COMPLETED
    rows = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("José Müller,") and ",+49301234567," in rows[1]


def test_cancel_a_running_job_stops_within_a_chunk_without_output(tmp_path, queue, dispatcher):
    source = write_contacts(tmp_path / "in.csv", 1000)
    job = queue.submit(source, plan=PLAN)
    rows_seen = []

    def on_progress(job_id, rows, fraction):
        rows_seen.append(rows)
        dispatcher.request_cancel(job_id)

    done = run_next(dispatcher, on_progress)
    assert done.status is JobStatus.CANCELLED and rows_seen == [CHUNK]
    assert not (tmp_path / "in.normalized.csv").exists() and part_files(tmp_path) == []
    assert queue.get(job.id).status is JobStatus.CANCELLED


def test_cancel_from_another_process_is_seen_by_the_runner(tmp_path, home, queue, dispatcher):
    source = write_contacts(tmp_path / "in.csv", 1000)
    job = queue.submit(source, plan=PLAN)

    def on_progress(job_id, rows, fraction):
        if rows == CHUNK:
            subprocess.run([sys.executable, "-m", "normdesk", "jobs", "cancel", job_id], check=True,
                           capture_output=True, env={**os.environ, "NORMDESK_HOME": str(home)})

    assert run_next(dispatcher, on_progress).status is JobStatus.CANCELLED
    assert queue.get(job.id).processed_rows <= 2 * CHUNK


def test_graceful_stop_goes_back_to_pending_and_resumes_byte_identical(tmp_path, queue, dispatcher):
    source = write_contacts(tmp_path / "in.csv", 730)
    job = queue.submit(source, plan=PLAN)

    def on_progress(job_id, rows, fraction):
        if rows >= 3 * CHUNK:
            dispatcher.shutdown()

    stopped = run_next(dispatcher, on_progress)
    assert stopped.status is JobStatus.PENDING and stopped.attempts == 0
    ckpt = queue.checkpoint(job.id)
    # the stop is seen between chunks: at the third chunk, or a later one if progress lagged
    assert ckpt["rows_done"] % CHUNK == 0 and 3 * CHUNK <= ckpt["rows_done"] < 730
    assert os.path.exists(ckpt["part_path"])
    dispatcher.stop.clear()
    resumed_from = []
    done = run_next(dispatcher, lambda i, rows, f: resumed_from.append(rows))
    assert done.status is JobStatus.COMPLETED and resumed_from[0] == ckpt["rows_done"] + CHUNK
    assert done.report["total_rows"] == 730
    assert (tmp_path / "in.normalized.csv").read_bytes() == reference(tmp_path, source)
    assert part_files(tmp_path) == []


def test_bad_input_fails_at_once(tmp_path, queue, dispatcher):
    source = tmp_path / "bad.csv"
    source.write_bytes(b"\x00\x01\x02binary\x00" * 200)
    job = queue.submit(source, plan=PLAN)
    failed = run_next(dispatcher)
    assert failed.status is JobStatus.FAILED and failed.attempts == 1
    assert failed.error_message and "\n" not in failed.error_message
    assert queue.get(job.id).status is JobStatus.FAILED


def test_disk_full_at_write_fails_the_job_and_keeps_the_previous_output(tmp_path, queue, dispatcher, monkeypatch, home):
    import normdesk.engine.writer as writer

    source = write_contacts(tmp_path / "in.csv", 500)
    out = tmp_path / "in.normalized.csv"
    out.write_text("previous output\n")
    calls = []

    def full_fsync(fd):
        calls.append(fd)
        if len(calls) >= 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.fsync(fd)

    monkeypatch.setattr(writer.os, "fsync", full_fsync)
    job = queue.submit(source, plan=PLAN)
    retry = run_next(dispatcher)
    assert retry.status is JobStatus.PENDING and "disk full" in retry.error_message  # one more attempt
    failed = run_next(dispatcher)
    assert failed.status is JobStatus.FAILED and failed.attempts == 2
    assert failed.error_message.startswith("disk full while writing")
    assert out.read_text() == "previous output\n" and part_files(tmp_path) == []
    with sqlite3.connect(home / "queue" / "cache.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert JobQueue(home).get(job.id).status is JobStatus.FAILED


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_disk_full_on_a_real_tiny_filesystem(tmp_path, queue, dispatcher):
    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (small / "in.normalized.csv").write_text("previous output\n")
        source = write_contacts(tmp_path / "in.csv", 5000)  # ~300 kB of output
        job = queue.submit(source, small / "in.normalized.csv", plan=PLAN)
        run_next(dispatcher)
        failed = run_next(dispatcher)
        assert failed.status is JobStatus.FAILED and failed.error_message.startswith("disk full")
        assert (small / "in.normalized.csv").read_text() == "previous output\n"
        assert part_files(small) == [] and queue.get(job.id).status is JobStatus.FAILED
    finally:
        subprocess.run(["umount", str(small)], check=True)


def test_concurrency_and_start_rate(tmp_path, queue):
    source = write_contacts(tmp_path / "in.csv", 10)
    for n in range(4):
        queue.submit(source, tmp_path / f"out{n}.csv", plan=PLAN)
    d = Dispatcher(queue, concurrency=2, start_rate=1e9, workers=0)
    d.open()
    try:
        first, second = d.claim(), d.claim()
        assert first and second and d.claim() is None and d.busy_count() == 2
        d.run(first)
        assert d.busy_count() == 1 and d.claim() is not None
    finally:
        d.shutdown()
        d.close()
    now = [0.0]
    limiter = StartLimiter(2.0, clock=lambda: now[0])
    starts = []
    while now[0] < 3.0:
        if limiter.ready():
            limiter.take()
            starts.append(now[0])
        now[0] = round(now[0] + 0.05, 2)
    assert starts == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]


def test_one_process_owns_the_folder_and_a_stale_lock_is_taken_over(tmp_path, home):
    holder = textwrap.dedent(f"""
        import sys, time
        from normdesk.jobs.lock import DataDirLock
        DataDirLock({str(home)!r}).acquire()
        print("locked", flush=True)
        time.sleep(60)
    """)
    home.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(FolderBusy) as err:
            DataDirLock(home).acquire()
        assert str(err.value) == f"normdesk is already running on this data folder (pid {proc.pid})"
        worker = subprocess.run([sys.executable, "-m", "normdesk", "worker", "--once"], capture_output=True,
                                text=True, env={**os.environ, "NORMDESK_HOME": str(home)})
        assert worker.returncode == 2
        assert worker.stderr.strip() == f"normdesk: normdesk is already running on this data folder (pid {proc.pid})"
        listing = subprocess.run([sys.executable, "-m", "normdesk", "jobs", "list"], capture_output=True,
                                 text=True, env={**os.environ, "NORMDESK_HOME": str(home)})
        assert listing.returncode == 0  # read-only commands work beside the owner
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with DataDirLock(home) as lock:  # the dead owner's lock file is stale: taken over
        assert lock.owner_pid() == os.getpid()


def test_sweep_removes_unreferenced_part_files_only(tmp_path, queue):
    source = write_contacts(tmp_path / "in.csv", 10)
    live_job = queue.submit(source, tmp_path / "a.csv", plan=PLAN)
    queue.submit(source, tmp_path / "b.csv", plan=PLAN)
    live = tmp_path / f".a.csv.0123abcd{PART_SUFFIX}"
    dead = tmp_path / f".b.csv.89abcdef{PART_SUFFIX}"
    final = tmp_path / f".b.csv.11112222.final{PART_SUFFIX}"
    foreign = tmp_path / f".other.csv.33334444{PART_SUFFIX}"  # not ours: a foreground run, maybe
    for path in (live, dead, final, foreign):
        path.write_text("x")
    queue.claim("old")
    queue.progress(live_job.id, "old", 5, 0.1, {"part_path": str(live), "rows_done": 5, "out_bytes": 1, "report": {}})
    assert sorted(sweep_part_files(queue)) == sorted([dead, final])
    assert live.exists() and foreign.exists()


def test_open_recovers_jobs_of_a_dead_process(tmp_path, queue):
    source = write_contacts(tmp_path / "in.csv", 10)
    job = queue.submit(source, plan=PLAN)
    queue.claim("a-dead-process")
    d = Dispatcher(queue, workers=0)
    d.open()
    try:
        assert queue.get(job.id).status is JobStatus.PENDING
        control = d.claim()
        assert d.run(control).status is JobStatus.COMPLETED
    finally:
        d.close()


def test_lease_is_renewed_while_running(tmp_path, home):
    q = JobQueue(policy=Policy.from_settings(Settings(lease_s=0.3)))
    source = write_contacts(tmp_path / "in.csv", 10)
    job = q.submit(source, plan=PLAN)
    d = Dispatcher(q, workers=0)
    d.open()
    try:
        control = d.claim()
        first = q.cache.get("job:" + job.id)["lease_expires"]
        renewed = threading.Event()
        while not renewed.wait(0.05):
            renewed.set() if q.cache.get("job:" + job.id)["lease_expires"] > first else None
        assert q.recover("someone-else") == []
        assert d.run(control).status is JobStatus.COMPLETED
    finally:
        d.close()
        q.close()
