"""Watched folders and schedules served by a real ``normdesk worker`` process: files appearing
while others are still written, a file written in two parts seconds apart, a restart in the
middle, kills between processing and moving (each file processed once, its output identical to
``normdesk run``), and 500 files dropped at once (soak)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from automation_helpers import CLI, reference, sample_lines
from normdesk.jobs.model import JobStatus
from normdesk.jobs.queue import JobQueue

SETTLE_S = 3.0


@pytest.fixture
def env(home):
    return {**os.environ, "NORMDESK_HOME": str(home), "NORMDESK_WATCH_SETTLE_S": str(SETTLE_S),
            "NORMDESK_START_RATE": "50"}


@pytest.fixture
def drop(tmp_path, env):
    """A watched folder (added with the command line) and its output folder."""
    folder, out = tmp_path / "drop", tmp_path / "out"
    folder.mkdir(), out.mkdir()
    subprocess.run([*CLI, "watch", "add", str(folder), "--output", str(out)], env=env, check=True, capture_output=True)
    return folder, out


class Worker:
    def __init__(self, env, log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen([*CLI, "worker", "--workers", "0"], env=self.env, stdout=fh, stderr=fh)

    def stop(self, sig=signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)


@pytest.fixture
def worker(env, tmp_path):
    w = Worker(env, tmp_path / "worker.log")
    yield w
    if w.proc is not None and w.proc.poll() is None:
        w.proc.kill()
        w.proc.wait()


def wait_for(condition, timeout=90.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def jobs(home) -> list:
    queue = JobQueue(home)
    try:
        return queue.list()
    finally:
        queue.close()


def write(path: Path, lines: list[str]) -> None:
    path.write_text("".join(lines), encoding="utf-8")


def test_files_written_while_others_arrive_each_processed_once(home, drop, worker, tmp_path):
    folder, out = drop
    lines = sample_lines()
    refs = {"full": reference(_put(tmp_path / "full.csv", lines), tmp_path / "full.ref.csv"),
            "part": reference(_put(tmp_path / "part.csv", lines[:300]), tmp_path / "part.ref.csv")}
    worker.start()
    time.sleep(1)
    # a slow writer: a block every 0.5 s for ~5 s, while other files are dropped whole
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "lines = open(sys.argv[1], encoding='utf-8').readlines()\n"
        "with open(sys.argv[2], 'w', encoding='utf-8') as fh:\n"
        "    for i in range(0, len(lines), 100):\n"
        "        fh.writelines(lines[i:i + 100]); fh.flush(); time.sleep(0.5)\n"),
        str(tmp_path / "full.csv"), str(folder / "slow.csv")])
    shutil.copy(tmp_path / "part.csv", folder / "a.csv")
    write(folder / "two.csv", lines[:500])  # the first of two writes...
    shutil.copy(tmp_path / "full.csv", folder / "b.csv")
    time.sleep(SETTLE_S - 1)
    with open(folder / "two.csv", "a", encoding="utf-8") as fh:  # ...and the second, seconds later
        fh.writelines(lines[500:])
    writer.wait(timeout=30)
    names = {"slow": "full", "a": "part", "two": "full", "b": "full"}
    wait_for(lambda: all((folder / "done" / f"{n}.csv").exists() for n in names), what="four files moved to done/")
    for name, ref in names.items():
        assert (out / f"{name}.normalized.csv").read_bytes() == refs[ref], name
    done = jobs(home)
    assert sorted(Path(j.input_path).name for j in done) == sorted(f"{n}.csv" for n in names)
    assert all(j.status is JobStatus.COMPLETED for j in done)
    listing = subprocess.run([*CLI, "watch", "list"], env=worker.env, capture_output=True, text=True, check=True)
    assert "processed 4, failed 0, waiting 0" in listing.stdout


def test_a_restart_in_the_middle(home, drop, worker, tmp_path):
    folder, out = drop
    lines = sample_lines()
    ref = reference(_put(tmp_path / "src.csv", lines), tmp_path / "ref.csv")
    for i in range(8):
        shutil.copy(tmp_path / "src.csv", folder / f"f{i}.csv")
    worker.start()
    wait_for(lambda: any((folder / "done").iterdir()), what="a first file done")
    assert worker.stop() == 0
    moved = len(list((folder / "done").iterdir()))
    assert moved < 8, "restart came too late to be in the middle"
    worker.start()
    wait_for(lambda: len(list((folder / "done").iterdir())) == 8, what="all eight files done")
    assert sorted(Path(j.input_path).name for j in jobs(home)) == [f"f{i}.csv" for i in range(8)]
    for i in range(8):
        assert (out / f"f{i}.normalized.csv").read_bytes() == ref


def test_killed_after_the_job_completed_and_before_the_move(home, drop, worker, tmp_path):
    folder, out = drop
    ref = reference(_put(tmp_path / "src.csv", sample_lines()), tmp_path / "ref.csv")
    (folder / "done").rmdir()
    (folder / "done").write_text("not a folder: the move fails")
    shutil.copy(tmp_path / "src.csv", folder / "k.csv")
    worker.start()
    wait_for(lambda: [j.status for j in jobs(home)] == [JobStatus.COMPLETED], what="the job completed")
    [first] = jobs(home)
    time.sleep(2.5)  # the worker tries to move it and cannot
    assert (folder / "k.csv").exists()
    worker.stop(signal.SIGKILL)
    (folder / "done").unlink()
    (folder / "done").mkdir()
    worker.start()
    wait_for(lambda: (folder / "done" / "k.csv").exists(), what="k.csv moved to done/")
    [job] = jobs(home)
    assert job.id == first.id and job.completed_at == first.completed_at  # not run again
    assert (out / "k.normalized.csv").read_bytes() == ref and not (folder / "k.csv").exists()


@pytest.mark.soak  # the queue's own kill soak covers kills mid-job; this adds the watched folder
def test_killed_while_the_job_runs(home, drop, worker, tmp_path):
    folder, out = drop
    lines = sample_lines()
    big = tmp_path / "big.csv"
    big.write_text(lines[0] + "".join(lines[1:]) * 30, encoding="utf-8")
    ref = reference(big, tmp_path / "ref.csv")
    shutil.copy(big, folder / "big.csv")
    worker.start()
    wait_for(lambda: [j.status for j in jobs(home)] == [JobStatus.PROCESSING], timeout=60, what="the job running")
    worker.stop(signal.SIGKILL)
    assert (folder / "big.csv").exists()
    worker.start()
    wait_for(lambda: (folder / "done" / "big.csv").exists(), what="big.csv moved to done/")
    [job] = jobs(home)
    assert job.status is JobStatus.COMPLETED
    assert (out / "big.normalized.csv").read_bytes() == ref


def test_a_schedule_runs_in_the_worker(home, worker, tmp_path, env):
    source, out = _put(tmp_path / "s.csv", sample_lines()[:50]), tmp_path / "sout"
    out.mkdir()
    subprocess.run([*CLI, "schedule", "add", "--name", "now", "--cron", "0 0 1 1 *", "--input", str(source),
                    "-o", str(out)], env=env, check=True, capture_output=True)
    listed = subprocess.run([*CLI, "schedule", "list"], env=env, check=True, capture_output=True, text=True).stdout
    [sid] = [line.split()[0] for line in listed.splitlines() if "now" in line]
    subprocess.run([*CLI, "schedule", "run-now", sid], env=env, check=True, capture_output=True)
    worker.start()
    wait_for(lambda: [j.status for j in jobs(home)] == [JobStatus.COMPLETED], what="the run-now job")
    assert (out / "s.normalized.csv").exists()
    listed = subprocess.run([*CLI, "schedule", "list"], env=env, check=True, capture_output=True, text=True).stdout
    assert "completed: 1 file(s), 49 rows" in listed


@pytest.mark.soak
def test_500_files_dropped_at_once(home, drop, worker, tmp_path):
    folder, out = drop
    lines = sample_lines()[:21]
    ref = reference(_put(tmp_path / "src.csv", lines), tmp_path / "ref.csv")
    worker.start()
    time.sleep(1)
    staging = tmp_path / "staging"
    staging.mkdir()
    for i in range(500):
        write(staging / f"c{i:03}.csv", lines)
    started = time.monotonic()
    for path in staging.iterdir():
        os.replace(path, folder / path.name)
    wait_for(lambda: len(os.listdir(folder / "done")) == 500, timeout=900, what="500 files done")
    elapsed = time.monotonic() - started
    assert len(jobs(home)) == 500 and all(j.status is JobStatus.COMPLETED for j in jobs(home))
    assert all((out / f"c{i:03}.normalized.csv").read_bytes() == ref for i in range(500))
    print(f"500 files in {elapsed:.0f} s")


def _put(path: Path, lines: list[str]) -> Path:
    write(path, lines)
    return path
