"""Retention with a controllable clock: ages, the 1000 cap; outputs deleted only when the user chose so,
and then only files normdesk wrote; part files of removed jobs go with them."""

from __future__ import annotations

import pytest

from normdesk.jobs.model import JobStatus, Policy
from normdesk.jobs.queue import JobQueue
from normdesk.jobs.runner import file_stat
from normdesk.settings import Settings

HOUR = 3600.0


class Clock:
    now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=[False, True], ids=["outputs-kept", "outputs-deleted"])
def setup(tmp_path, monkeypatch, request):
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))
    clock = Clock()
    policy = Policy.from_settings(Settings(keep_completed_max=3, delete_outputs=request.param))
    queue = JobQueue(clock=clock, policy=policy)
    source = tmp_path / "in.csv"
    source.write_text("a\n1\n")
    yield queue, clock, source, tmp_path
    queue.close()


def finish(queue, source, out, status, write=True):
    job = queue.submit(source, out)
    queue.claim("w")
    if status is JobStatus.COMPLETED:
        if write:
            out.write_text("output\n")
        return queue.complete(job.id, "w", {"total_rows": 1}, output_stat=file_stat(str(out)))
    if status is JobStatus.FAILED:
        return queue.fail(job.id, "w", "bad", retryable=False)
    queue.cancel(job.id)
    return queue.finish_cancel(job.id, "w")


def test_ages_and_outputs(setup):
    queue, clock, source, tmp = setup
    old = finish(queue, source, tmp / "old.csv", JobStatus.COMPLETED)
    replaced = finish(queue, source, tmp / "replaced.csv", JobStatus.COMPLETED)
    failed = finish(queue, source, tmp / "failed.csv", JobStatus.FAILED)
    cancelled = finish(queue, source, tmp / "cancelled.csv", JobStatus.CANCELLED)
    (tmp / "replaced.csv").write_text("the user's own file now, longer\n")
    pending = queue.submit(source, tmp / "pending.csv")
    clock.now += 23 * HOUR
    assert queue.clean() == 0
    clock.now += 2 * HOUR
    assert queue.clean() == 2  # completed after 24 h
    assert (tmp / "old.csv").exists() != queue.policy.delete_outputs and (tmp / "replaced.csv").exists()
    assert queue.get(old.id) is None and queue.get(replaced.id) is None
    clock.now += 6 * 24 * HOUR
    assert queue.clean() == 2  # failed and cancelled after 7 days
    assert queue.get(failed.id) is None and queue.get(cancelled.id) is None
    assert queue.get(pending.id).status is JobStatus.PENDING and queue.stats().total == 1
    assert source.exists()


def test_only_the_newest_completed_are_kept(setup):
    queue, clock, source, tmp = setup
    jobs = []
    for n in range(5):
        clock.now += 1
        jobs.append(finish(queue, source, tmp / f"o{n}.csv", JobStatus.COMPLETED))
    assert queue.clean() == 2
    assert [j.id for j in queue.list()] == [j.id for j in jobs[:1:-1]]
    kept = ["o2.csv", "o3.csv", "o4.csv"] if queue.policy.delete_outputs else [f"o{n}.csv" for n in range(5)]
    assert sorted(p.name for p in tmp.glob("o*.csv")) == kept


def test_removing_or_cancelling_a_pending_job_deletes_its_part_file(setup):
    queue, clock, source, tmp = setup
    for verb in ("remove", "cancel"):
        job = queue.submit(source, tmp / f"{verb}.csv")
        queue.claim("w")
        part = tmp / f".{verb}.csv.0123abcd.normdesk-part"
        part.write_text("half\n")
        queue.progress(job.id, "w", 1, 0.5, {"part_path": str(part), "rows_done": 1, "out_bytes": 5, "report": {}})
        queue.release(job.id, "w")
        getattr(queue, verb)(job.id)
        assert not part.exists() and queue.checkpoint(job.id) is None
