"""WorkerPool (QThreadPool + QRunnable) on real jobs, driven by signals, never by sleeps."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from normdesk.engine import Plan, run_file  # noqa: E402
from normdesk.jobs.lock import FolderBusy  # noqa: E402
from normdesk.jobs.model import JobStatus  # noqa: E402
from normdesk.jobs.queue import JobQueue  # noqa: E402
from normdesk.settings import Settings  # noqa: E402
from normdesk.workers import WorkerPool  # noqa: E402

PLAN = Plan.from_dict({"columns": {"name": "name", "phone": "phone", "notes": "none"}})


@pytest.fixture
def queue(tmp_path, monkeypatch):
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NORMDESK_CHUNK_ROWS", "200")
    monkeypatch.setenv("NORMDESK_START_RATE", "1000000")
    q = JobQueue()
    yield q
    q.close()


@pytest.fixture
def pool(queue, qtbot):
    p = WorkerPool(queue)  # two jobs at once: the settings' default
    p.dispatcher.workers = 0
    yield p
    p.stop(wait=True)


def contacts(path, rows):
    lines = ["name,phone,notes", *(f"person {i} jones,415 555 {i % 10000:04d},n{i}" for i in range(rows))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jobs_run_with_signals_and_match_run_file(tmp_path, queue, pool, qtbot):
    source = contacts(tmp_path / "in.csv", 1000)
    jobs = [queue.submit(source, tmp_path / f"out{n}.csv", plan=PLAN) for n in range(3)]
    finished, progress = {}, []
    pool.job_finished.connect(lambda job_id, status: finished.__setitem__(job_id, status))
    pool.job_progress.connect(lambda job_id, rows, fraction: progress.append((job_id, rows, fraction)))
    with qtbot.waitSignals([pool.job_started] * 3, timeout=30_000):
        pool.start()
        assert pool.busy_count() <= 2
    qtbot.waitUntil(lambda: len(finished) == 3, timeout=60_000)
    assert finished == {j.id: "completed" for j in jobs}
    assert progress and all(0 < rows <= 1000 for _, rows, _ in progress)
    assert pool.busy_count() == 0
    run_file(source, tmp_path / "ref.csv", PLAN, workers=0)
    for n in range(3):
        assert (tmp_path / f"out{n}.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()


def test_progress_is_throttled(tmp_path, queue, pool, qtbot, monkeypatch):
    monkeypatch.setattr(pool.dispatcher, "chunk_rows", 10)  # 100 chunks
    queue.submit(contacts(tmp_path / "in.csv", 1000), plan=PLAN)
    stamps = []
    pool.job_progress.connect(lambda *args: stamps.append(args[1]))
    with qtbot.waitSignal(pool.job_finished, timeout=60_000) as blocker:
        pool.start()
    assert blocker.args[1] == "completed"
    assert 1 <= len(stamps) < 100 and stamps[-1] == 1000


def test_cancel_a_running_job_from_the_pool(tmp_path, queue, pool, qtbot):
    job = queue.submit(contacts(tmp_path / "in.csv", 3000), plan=PLAN)
    pool.job_progress.connect(lambda job_id, rows, fraction: pool.request_cancel(job_id))
    with qtbot.waitSignal(pool.job_finished, timeout=30_000) as blocker:
        pool.start()
    assert blocker.args == [job.id, "cancelled"]
    assert queue.get(job.id).status is JobStatus.CANCELLED
    assert not (tmp_path / "in.normalized.csv").exists()


def test_failed_signal_and_concurrency_setting(tmp_path, queue, pool, qtbot):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\xff" * 500)
    job = queue.submit(bad, plan=PLAN)
    failures = []
    pool.job_failed.connect(lambda job_id, message: failures.append((job_id, message)))
    with qtbot.waitSignal(pool.job_finished, timeout=30_000) as blocker:
        pool.start()
    assert blocker.args == [job.id, "failed"]
    assert failures == [(job.id, queue.get(job.id).error_message)] and failures[0][1]
    pool.apply_settings(Settings(worker_concurrency=1, max_attempts=5))
    assert pool.concurrency == 1 and pool._pool.maxThreadCount() == 1 and queue.policy.max_attempts == 5


def test_stop_sends_running_jobs_back_to_pending(tmp_path, queue, pool, qtbot):
    job = queue.submit(contacts(tmp_path / "in.csv", 3000), plan=PLAN)
    with qtbot.waitSignal(pool.job_progress, timeout=30_000):
        pool.start()
    with qtbot.waitSignal(pool.job_finished, timeout=30_000) as blocker:
        pool.stop(wait=False)
    assert blocker.args == [job.id, "pending"]
    pool.stop(wait=True)
    assert queue.get(job.id).status is JobStatus.PENDING and queue.checkpoint(job.id)["rows_done"] >= 200


def test_a_second_pool_on_the_same_folder_is_refused(queue, pool):
    pool.start()
    other = WorkerPool(JobQueue(queue.home))
    with pytest.raises(FolderBusy, match=r"already running on this data folder \(pid \d+\)"):
        other.start()
