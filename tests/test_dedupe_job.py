"""The "dedupe" job type: a real queue in a tmp diskcache store, the real runner and Splink, and a
real `normdesk worker` process for the queued job and its cancel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import polars as pl
import pytest

from normdesk.jobs.dedupe_job import DECISIONS, artifacts_dir, rerun_dedupe, submit_dedupe
from normdesk.jobs.dispatch import Dispatcher
from normdesk.jobs.events import EventKind
from normdesk.jobs.model import JobStatus, Policy
from normdesk.jobs.queue import JobQueue
from normdesk.settings import Settings
from tests.shared_data import SHARED
from tests.test_match import PEOPLE

FEBRL2 = SHARED / "bench-data" / "febrl" / "dataset2.csv"  # 5,000 rows


@pytest.fixture
def queue(home):
    q = JobQueue(policy=Policy.from_settings(Settings(max_attempts=2, backoff_s=0.0)))
    yield q
    q.close()


def run_all(queue):
    """Run every due job in this process with the real dispatcher; returns the jobs run (latest state)."""
    dispatcher = Dispatcher(queue, concurrency=1, start_rate=1e9, workers=0)
    dispatcher.open()
    try:
        return dispatcher.run_due()
    finally:
        dispatcher.close()


def clusters(path):
    return pl.read_csv(path, infer_schema=False).get_column("normdesk_cluster").to_list()


def test_report_decisions_rerun_and_removal(queue, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    job = submit_dedupe(queue, [people], tmp_path / "out.csv", threshold=0.5)
    assert job.type == "dedupe" and job.status is JobStatus.PENDING
    fractions = []
    queue.events.subscribe(lambda e: fractions.append(e.job.fraction), {EventKind.PROGRESS})
    (done,) = run_all(queue)
    # progress is throttled (at most ~10 events a second): some steps on the way, and the end
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and any(0 < f < 1 for f in fractions)
    assert list(done.report["phases_s"]) == ["normalize", "block", "train", "predict", "cluster", "write"]
    assert done.status is JobStatus.COMPLETED and done.total_rows == 6 and done.fraction == 1.0
    report = done.report
    assert report["kind"] == "dedupe" and report["threshold"] == 0.5
    assert (report["clusters"], report["rows_in_clusters"]) == (4, 4) and report["pairs_compared"] >= 2
    assert clusters(tmp_path / "out.csv") == ["1", "2", "1", "4", "2", "6"]
    kept = artifacts_dir(queue.home, job.id)
    assert pl.read_parquet(kept / "rows.parquet").height == 6 and pl.read_parquet(kept / "pairs.parquet").height >= 2

    # split Robert/Bob Allen (rows 1 and 3): the re-run keeps them apart, Mary Jones stays one cluster
    queue.annotate(job.id, **{DECISIONS: {"confirmed": [], "split": [[1, 3]]}})
    again = rerun_dedupe(queue, queue.get(job.id))
    assert again.extra[DECISIONS] == {"confirmed": [], "split": [[1, 3]]}
    (redone,) = run_all(queue)
    assert redone.status is JobStatus.COMPLETED and redone.report["clusters"] == 5
    assert clusters(tmp_path / "out.csv") == ["1", "2", "3", "4", "2", "6"]

    queue.remove(job.id)
    assert not kept.exists() and artifacts_dir(queue.home, redone.id).exists()


def test_failures_follow_the_ladder(queue, tmp_path):
    notes = tmp_path / "notes.csv"
    notes.write_text("note\nhello\nworld\n")
    bad = submit_dedupe(queue, [notes], tmp_path / "bad.csv")
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    gone = tmp_path / "gone"
    gone.mkdir()
    job = submit_dedupe(queue, [people], gone / "out.csv", threshold=0.5)
    gone.rmdir()  # the output folder vanishes: an attempt that fails, retried after its backoff
    ran = {j.id: j for j in run_all(queue)}
    assert ran[bad.id].status is JobStatus.FAILED and ran[bad.id].attempts == 1  # bad input: never retried
    assert "no column to compare" in ran[bad.id].error_message
    final = queue.get(job.id)
    assert final.status is JobStatus.FAILED and final.attempts == 2
    assert "No such file or directory" in final.error_message


def test_submit_refuses_bad_arguments(queue, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    from normdesk.engine import InputError

    with pytest.raises(InputError, match="no such file"):
        submit_dedupe(queue, [tmp_path / "missing.csv"], tmp_path / "out.csv")
    with pytest.raises(InputError, match="overwrite the input"):
        submit_dedupe(queue, [people], people)
    with pytest.raises(InputError, match="between 0 and 1"):
        submit_dedupe(queue, [people], tmp_path / "out.csv", threshold=1.5)
    assert queue.stats().total == 0


def _cli(tmp_path, env, *args):
    return subprocess.run([sys.executable, "-m", "normdesk", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, check=True)


def test_real_worker_runs_and_cancels_a_queued_dedupe(tmp_path):
    env = {**os.environ, "NORMDESK_HOME": str(tmp_path / "home")}
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    big = tmp_path / "febrl.csv"
    big.write_bytes(FEBRL2.read_bytes())
    first = json.loads(_cli(tmp_path, env, "dedupe", "people.csv", "-o", "out.csv", "--threshold", "0.5",
                            "--queue", "--json").stdout)
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen([sys.executable, "-m", "normdesk", "worker", "--workers", "0"], env=env,
                              stdout=log, stderr=log)
    try:
        queue = JobQueue(tmp_path / "home")
        deadline = time.monotonic() + 120
        while queue.get(first["id"]).status is not JobStatus.COMPLETED:
            assert time.monotonic() < deadline and worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        shown = _cli(tmp_path, env, "jobs", "show", first["id"]).stdout
        assert "6 rows -> 4 clusters" in shown and "pairs compared" in shown

        second = json.loads(_cli(tmp_path, env, "dedupe", "febrl.csv", "-o", "febrl.out.csv", "--queue",
                                 "--json").stdout)
        while (job := queue.get(second["id"])).status is JobStatus.PENDING:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        _cli(tmp_path, env, "jobs", "cancel", second["id"])  # cooperative: seen at the next chunk or phase
        while (job := queue.get(second["id"])).status is JobStatus.PROCESSING:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert job.status is JobStatus.CANCELLED and job.fraction < 1.0, job
        assert not (tmp_path / "febrl.out.csv").exists() and worker.poll() is None
        assert not list(tmp_path.glob(".febrl.out.csv*"))
        queue.close()
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()
