"""Kill soak: a real ``normdesk worker`` process SIGKILLed at random moments and restarted.

At the end every job completed exactly once (observed from outside: once completed, a job never
changes again), every output is byte-identical to an uninterrupted run, the store passes
SQLite's integrity check, no part file is left and no engine worker process outlived its parent.

    python -m pytest tests/test_kill_soak.py              # default: >= 20 kills, ~1-2 minutes
    python -m pytest -m soak tests/test_kill_soak.py      # long soak: 500 kills
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from normdesk.engine import Plan, run_file
from normdesk.engine.writer import PART_SUFFIX
from normdesk.jobs.model import JobStatus
from normdesk.jobs.queue import JobQueue
from shared_data import BENCH

GEN = BENCH / "gen_contacts.py"
CHUNK_ROWS = 10_000
PLANS = [
    Plan.from_dict({"columns": {"full_name": "name", "email": "email", "phone": "phone", "address": "address"}}),
    Plan.from_dict({"columns": {"email": "email", "phone": "phone"}}),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Two inputs of 100k and 105k rows, made of repeated blocks of the benchmark generator."""
    folder = tmp_path_factory.mktemp("soak-data")
    block = folder / "block.csv"
    subprocess.run([sys.executable, str(GEN), "5000", "--out", str(block), "--truth", str(folder / "t.csv")],
                   check=True, capture_output=True)
    header, *rows = block.read_text(encoding="utf-8").splitlines(keepends=True)
    files = []
    for name, repeats in (("a.csv", 20), ("b.csv", 21)):
        path = folder / name
        path.write_text(header + "".join(rows) * repeats, encoding="utf-8")
        files.append(path)
    return files


def references(inputs, folder):
    refs = {}
    for i, source in enumerate(inputs):
        for j, plan in enumerate(PLANS):
            out = folder / f"ref-{i}-{j}.csv"
            run_file(source, out, plan, chunk_rows=CHUNK_ROWS, workers=0)
            refs[(i, j)] = out.read_bytes()
    return refs


def start_worker(home: Path, log, once: bool = False, *flags: str) -> subprocess.Popen:
    """A real `normdesk worker` with the default crash rule: random kills must never fail a job."""
    env = {**os.environ, "NORMDESK_HOME": str(home), "NORMDESK_CHUNK_ROWS": str(CHUNK_ROWS),
           "NORMDESK_START_RATE": "100", "WORKER_CONCURRENCY": "2", "NORMDESK_LEASE_SECONDS": "30"}
    cmd = [sys.executable, "-m", "normdesk", "worker", *(["--once"] if once else []), *flags]
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=log, start_new_session=True)


def group_gone(pgid: int, timeout: float = 3.0) -> bool:
    """Whether every process of the killed worker's group is gone (else they are killed here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    try:  # late: counted as left behind, then killed here (unless it ended this very moment)
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return False


def soak(tmp_path, inputs, kills_wanted: int, seed: int) -> dict:
    rng = random.Random(seed)
    home, out = tmp_path / "home", tmp_path / "out"
    out.mkdir()
    refs = references(inputs, tmp_path)
    queue = JobQueue(home)
    expected: dict[str, bytes] = {}
    batch = 0

    def submit_batch():
        nonlocal batch
        for (i, j), ref in refs.items():
            job = queue.submit(inputs[i], out / f"b{batch}-{i}-{j}.csv", plan=PLANS[j])
            expected[job.id] = ref
        batch += 1

    submit_batch()
    seen_completed: dict[str, float] = {}
    kills, started, orphans = 0, time.monotonic(), 0
    log = open(tmp_path / "worker.log", "ab")

    def observe():
        for job in queue.list():
            if job.id in seen_completed:  # completed once: must never change again
                assert job.status is JobStatus.COMPLETED and job.completed_at == seen_completed[job.id], job
            elif job.status is JobStatus.COMPLETED:
                seen_completed[job.id] = job.completed_at
            assert job.status in (JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.COMPLETED), job

    while kills < kills_wanted:
        proc = start_worker(home, log)
        # a third of the kills in the first second (start-up, the engine processes spawning), the rest
        # anywhere in a run: mid-chunk, at the final rename, in the events after completion
        deadline = time.monotonic() + (rng.uniform(0.0, 1.0) if rng.random() < 1 / 3 else rng.uniform(1.0, 4.0))
        while time.monotonic() < deadline:
            time.sleep(0.05)
            observe()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        orphans += not group_gone(proc.pid)
        kills += 1
        observe()
        if len(seen_completed) == len(expected):
            submit_batch()  # keep the worker busy until enough kills
    proc = start_worker(home, log, once=True)
    assert proc.wait(timeout=600) == 0, (tmp_path / "worker.log").read_text()[-3000:]
    log.close()
    observe()
    jobs = queue.list()
    assert all(j.status is JobStatus.COMPLETED for j in jobs), [(j.id, j.status, j.error_message) for j in jobs]
    assert len(seen_completed) == len(expected) == len(jobs)
    for job in jobs:
        assert Path(job.output_path).read_bytes() == expected[job.id], job.id
        assert job.attempts == 0 and not job.hooks_due
    assert list(out.glob(f"*{PART_SUFFIX}")) + list(out.glob(f".*{PART_SUFFIX}")) == []
    queue.close()
    with sqlite3.connect(home / "queue" / "cache.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    figures = {"kills": kills, "jobs": len(jobs), "rows": sum(j.total_rows for j in jobs),
               "seconds": round(time.monotonic() - started, 1), "kills_leaving_processes": orphans}
    print(f"\nkill soak: {figures}")
    return figures


def test_kill_soak(tmp_path, inputs):
    figures = soak(tmp_path, inputs, kills_wanted=22, seed=int(os.environ.get("SOAK_SEED", "1")))
    assert figures["kills"] >= 20


@pytest.mark.soak
def test_kill_soak_long(tmp_path, inputs):
    figures = soak(tmp_path, inputs, kills_wanted=500, seed=int(os.environ.get("SOAK_SEED", "2")))
    assert figures["kills"] == 500


def test_a_killed_worker_leaves_no_process_behind(tmp_path, inputs):
    home = tmp_path / "home"
    queue = JobQueue(home)
    for n in range(2):
        queue.submit(inputs[0], tmp_path / f"o{n}.csv", plan=PLANS[1])
    queue.close()
    left = 0
    with open(tmp_path / "worker.log", "ab") as log:
        for delay in (1.2, 1.5, 1.8, 2.1):
            proc = start_worker(home, log)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            left += not group_gone(proc.pid)
    assert left == 0


def wait_for(condition, timeout: float = 120.0, step: float = 0.01, describe=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out {describe()}")


def job_of(home: Path):
    queue = JobQueue(home)
    try:
        return queue.list()[0]
    finally:
        queue.close()


def finish_by_retry(home: Path, tmp_path: Path, job, reference: bytes) -> None:
    """`jobs retry` then a worker: the job resumes from its kept checkpoint and ends byte-identical."""
    env = {**os.environ, "NORMDESK_HOME": str(home)}
    subprocess.run([sys.executable, "-m", "normdesk", "jobs", "retry", job.id], env=env, check=True, capture_output=True)
    with open(tmp_path / "retry.log", "ab") as log:
        assert start_worker(home, log, True).wait(timeout=300) == 0
    done = job_of(home)
    assert done.status is JobStatus.COMPLETED and Path(done.output_path).read_bytes() == reference


def test_an_engine_process_dying_while_its_parent_lives_fails_the_job_naming_the_rows(tmp_path, inputs):
    psutil = pytest.importorskip("psutil")
    home, out = tmp_path / "home", tmp_path / "out.csv"
    finished = (JobStatus.FAILED, JobStatus.COMPLETED)
    with open(tmp_path / "worker.log", "ab") as log:
        proc = start_worker(home, log, False, "--workers", "2")
        try:
            for _ in range(3):  # the input repeats its rows, so later chunks are quick: the kill may come too late
                queue = JobQueue(home)
                job = queue.submit(inputs[1], out, plan=PLANS[0])
                queue.close()
                wait_for(lambda: job_of(home).processed_rows >= 2 * CHUNK_ROWS, describe=lambda: job_of(home))
                engine = [c for c in psutil.Process(proc.pid).children(recursive=True)
                          if "spawn_main" in " ".join(c.cmdline())]
                engine[0].send_signal(signal.SIGKILL)  # the parent lives on
                failed = wait_for(lambda: (j := job_of(home)).status in finished and j, describe=lambda: job_of(home))
                if failed.status is JobStatus.FAILED:
                    break
                queue = JobQueue(home)
                queue.remove(job.id)  # it completed before the kill landed: again
                queue.close()
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    assert failed.status is JobStatus.FAILED, "the job completed three times before the engine process was killed"
    assert "an engine process died while normalizing the rows from" in failed.error_message
    first_row = int(failed.error_message.split("rows from ")[1].split(" on")[0].replace(",", ""))
    assert first_row > 2 * CHUNK_ROWS and (first_row - 1) % CHUNK_ROWS == 0
    run_file(inputs[1], tmp_path / "ref.csv", PLANS[0], chunk_rows=CHUNK_ROWS, workers=0)
    finish_by_retry(home, tmp_path, failed, (tmp_path / "ref.csv").read_bytes())


def test_three_kills_on_the_same_chunk_fail_the_job_and_a_retry_resumes(tmp_path, inputs):
    """In-process runs (small files): the whole worker killed three times while normalizing one chunk."""
    home, out = tmp_path / "home", tmp_path / "out.csv"
    queue = JobQueue(home)
    job = queue.submit(inputs[0], out, plan=PLANS[0])
    queue.close()
    target = CHUNK_ROWS + 1  # the second chunk: the first one finishes and is checkpointed
    with open(tmp_path / "worker.log", "ab") as log:
        for _ in range(3):
            proc = start_worker(home, log, False, "--workers", "0")
            queue = JobQueue(home)

            def on_target() -> bool:  # this process holds the job and normalizes the second chunk
                now = queue.get(job.id)
                return (now.lease_owner or "").startswith(f"{proc.pid}-") and now.chunk_row == target

            wait_for(on_target, step=0.002, describe=lambda: queue.get(job.id))
            queue.close()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert group_gone(proc.pid)
        proc = start_worker(home, log, False, "--workers", "0")  # it takes the folder: the third strike
        failed = wait_for(lambda: (j := job_of(home)).status is JobStatus.FAILED and j, describe=lambda: job_of(home))
        proc.terminate()
        proc.wait(timeout=60)
    assert f"3 times in a row while normalizing the rows from {target:,} on" in failed.error_message
    run_file(inputs[0], tmp_path / "ref.csv", PLANS[0], chunk_rows=CHUNK_ROWS, workers=0)
    finish_by_retry(home, tmp_path, failed, (tmp_path / "ref.csv").read_bytes())
