"""Helpers for the automation tests: a reference output from `normdesk run`, running queued jobs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from normdesk.jobs.dispatch import Dispatcher
from normdesk.jobs.queue import JobQueue
from normdesk.resources import sample_file

CLI = [sys.executable, "-m", "normdesk"]


def reference(source: Path, out: Path) -> bytes:
    """What `normdesk run SOURCE -o OUT` writes."""
    subprocess.run([*CLI, "run", str(source), "-o", str(out)], check=True, capture_output=True)
    return out.read_bytes()


def sample_lines() -> list[str]:
    return sample_file().read_text(encoding="utf-8").splitlines(keepends=True)


def drain(queue: JobQueue) -> None:
    """Run every pending job to its end, here (one at a time, in-process engine)."""
    dispatcher = Dispatcher(queue, concurrency=1, start_rate=1000.0, workers=0)
    dispatcher.open()
    try:
        for _ in range(10_000):
            control = dispatcher.claim()
            if control is None and dispatcher.idle():
                return
            if control is not None:
                dispatcher.run(control)
        raise AssertionError("jobs still pending")
    finally:
        dispatcher.close()
