"""Watched folders in-process, with real folders, a real queue and a controllable clock: files
already there, growing files, locked files, failures with a reason file, restarts, counts, and
the fallback from file events to polling."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from dataclasses import replace

import pytest

from automation_helpers import drain, reference, sample_lines
from normdesk.automation.runner import Automation
from normdesk.automation.store import AutomationStore
from normdesk.jobs.model import JobStatus
from normdesk.jobs.queue import JobQueue
from normdesk.settings import Settings

SETTLE = 6.0


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "drop"
    path.mkdir()
    return path


def automation(home, clock, polling=True, **settings):
    queue = JobQueue(home)
    auto = Automation(queue, AutomationStore(home), clock=clock,
                      settings=replace(Settings(), watch_polling=polling, watch_settle_s=SETTLE, **settings))
    return auto, queue


def tick(auto, clock, seconds=0.0):
    clock.now += seconds
    auto.tick(force=True)


def test_files_already_there_and_growing_files_are_processed_once_complete(home, folder, tmp_path):
    lines = sample_lines()
    (folder / "old.csv").write_text("".join(lines), encoding="utf-8")
    clock = Clock()
    auto, queue = automation(home, clock)
    watch = auto.watches.add(folder)
    (folder / "growing.csv").write_text("".join(lines[:400]), encoding="utf-8")
    (folder / "notes.txt").write_text("not a csv", encoding="utf-8")
    (folder / ".hidden.csv").write_text("".join(lines), encoding="utf-8")
    tick(auto, clock)
    assert queue.list() == []  # seen once: not yet known to be complete
    tick(auto, clock, 3)
    with open(folder / "growing.csv", "a", encoding="utf-8") as fh:
        fh.write("".join(lines[400:]))
    tick(auto, clock, 3.5)
    assert [os.path.basename(j.input_path) for j in queue.list()] == ["old.csv"]
    tick(auto, clock, SETTLE)
    assert sorted(os.path.basename(j.input_path) for j in queue.list()) == ["growing.csv", "old.csv"]
    assert auto.watches.counts(watch) == {"processed": 0, "failed": 0, "waiting": 2}
    drain(queue)
    tick(auto, clock, 1)
    ref = reference(folder / "done" / "old.csv" if (folder / "done" / "old.csv").exists() else folder / "old.csv",
                    tmp_path / "ref.csv")
    for name in ("old", "growing"):
        assert (folder / "normalized" / f"{name}.normalized.csv").read_bytes() == ref
        assert (folder / "done" / f"{name}.csv").exists() and not (folder / f"{name}.csv").exists()
    assert sorted(os.listdir(folder)) == [".hidden.csv", "done", "failed", "normalized", "notes.txt"]
    assert auto.watches.counts(watch) == {"processed": 2, "failed": 0, "waiting": 0}
    tick(auto, clock, SETTLE * 2)
    assert len(queue.list()) == 2


def test_a_failed_file_goes_to_failed_with_its_reason(home, folder):
    clock = Clock()
    auto, queue = automation(home, clock)
    watch = auto.watches.add(folder)
    (folder / "empty.csv").write_bytes(b"")
    tick(auto, clock)
    tick(auto, clock, SETTLE)
    drain(queue)
    tick(auto, clock, 1)
    [job] = queue.list()
    assert job.status is JobStatus.FAILED
    reason = (folder / "failed" / "empty.csv.reason.txt").read_text(encoding="utf-8").strip()
    assert reason == job.error_message and "empty" in reason
    assert (folder / "failed" / "empty.csv").exists() and not (folder / "empty.csv").exists()
    assert auto.watches.counts(watch) == {"processed": 0, "failed": 1, "waiting": 0}


def test_a_locked_file_is_waited_for(home, folder):
    clock = Clock()
    auto, queue = automation(home, clock)
    auto.watches.add(folder)
    path = folder / "busy.csv"
    path.write_text("".join(sample_lines()[:50]), encoding="utf-8")
    with open(path, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        tick(auto, clock)
        tick(auto, clock, SETTLE * 2)
        assert queue.list() == []
    tick(auto, clock, 1)
    assert len(queue.list()) == 1


def test_never_processed_again_across_restarts(home, folder, tmp_path):
    clock = Clock()
    auto, queue = automation(home, clock)
    auto.watches.add(folder)
    (folder / "a.csv").write_text("".join(sample_lines()[:20]), encoding="utf-8")
    tick(auto, clock)
    tick(auto, clock, SETTLE)
    drain(queue)
    tick(auto, clock, 1)
    auto.close()
    # the same file turns up again (copied back with its mtime): remembered, not processed again
    shutil.copy2(folder / "done" / "a.csv", folder / "a.csv")
    again, queue2 = automation(home, clock)
    tick(again, clock)
    tick(again, clock, SETTLE)
    assert len(queue2.list()) == 1
    # a new export under the same name is new work
    (folder / "a.csv").write_text("".join(sample_lines()[:30]), encoding="utf-8")
    tick(again, clock, 1)
    tick(again, clock, SETTLE)
    assert len(queue2.list()) == 2
    drain(queue2)
    tick(again, clock, 1)
    assert sorted(os.listdir(folder / "done")) == ["a (2).csv", "a.csv"]


def test_output_folder_inside_the_watched_folder_is_not_watched(home, folder):
    clock = Clock()
    auto, queue = automation(home, clock)
    auto.watches.add(folder, output=str(folder))
    (folder / "a.csv").write_text("".join(sample_lines()[:20]), encoding="utf-8")
    for _ in range(4):
        tick(auto, clock, SETTLE)
        drain(queue)
    assert len(queue.list()) == 1 and (folder / "a.normalized.csv").exists()


def test_events_wake_it_and_no_events_fall_back_to_polling(home, folder):
    clock = Clock()
    auto, queue = automation(home, clock, polling=False)
    watch = auto.watches.add(folder)
    tick(auto, clock)
    assert not auto.polling(watch.id)
    auto.wake.clear()
    (folder / "a.csv").write_text("".join(sample_lines()[:20]), encoding="utf-8")
    deadline = time.monotonic() + 5
    while not auto.wake.is_set() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert auto.wake.is_set()  # a real inotify event arrived
    tick(auto, clock)
    assert not auto.polling(watch.id)
    # the events stop arriving (as on a network drive): a file turns up that none announced
    auto.folders[watch.id].events._observer.stop()
    auto.folders[watch.id].events._observer.join()
    (folder / "b.csv").write_text("".join(sample_lines()[:20]), encoding="utf-8")
    past = time.time() - 30
    os.utime(folder / "b.csv", (past, past))
    tick(auto, clock, 11)  # the safety scan
    assert auto.polling(watch.id)
    tick(auto, clock, SETTLE)
    assert sorted(os.path.basename(j.input_path) for j in queue.list()) == ["a.csv", "b.csv"]


def test_polling_can_be_forced(home, folder):
    clock = Clock()
    auto, _ = automation(home, clock, polling=True)
    watch = auto.watches.add(folder)
    tick(auto, clock)
    assert auto.polling(watch.id)


def test_watch_remove_stops_watching(home, folder):
    clock = Clock()
    auto, queue = automation(home, clock)
    watch = auto.watches.add(folder)
    tick(auto, clock)
    auto.watches.remove(watch.id)
    (folder / "a.csv").write_text("".join(sample_lines()[:20]), encoding="utf-8")
    tick(auto, clock, SETTLE)
    tick(auto, clock, SETTLE)
    assert queue.list() == [] and auto.folders == {}


def test_a_changed_settings_file_steers_a_running_automation(home, folder):
    from normdesk import settings as settings_mod

    auto = Automation(JobQueue(home), AutomationStore(home))
    watch = auto.watches.add(folder)
    auto.tick(force=True)
    assert not auto.polling(watch.id) and auto.folders[watch.id].runner.settle_s == 6.0
    settings_mod.save(replace(Settings(), watch_polling=True, watch_settle_s=1.5))
    auto.tick(force=True)
    assert auto.polling(watch.id) and auto.folders[watch.id].runner.settle_s == 1.5
    auto.close()
