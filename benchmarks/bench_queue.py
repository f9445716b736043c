"""Queue overhead at scale: a store of N jobs (default 10,000; completed ones hold a real report), then the time of what every front end
does often: claim, "anything due?", stats, `jobs list --json`, a CLI start, and the queue's own cost per
job (submit -> claim -> checkpoint -> complete -> COMPLETED event), without the engine.

    python benchmarks/bench_queue.py [--jobs 10000] [--per-job 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(fn, repeat: int = 5) -> float:
    """Median wall time of ``fn()`` in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def real_report(tmp: Path) -> dict:
    """The engine's report (column profile included) of a 2,000-row contact file: what a completed
    job holds."""
    from normdesk.engine import Plan, run_file

    lines = ["Name,Email,Phone,City"] + [f"Person {n},p{n}@example.com,(415) 555-{n % 10000:04d},Town {n % 97}"
                                         for n in range(2000)]
    source = tmp / "report-source.csv"
    source.write_text("\n".join(lines) + "\n")
    return run_file(source, tmp / "report-out.csv", Plan(), workers=0).to_dict()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=10_000)
    ap.add_argument("--per-job", type=int, default=300)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nd-bench-queue-"))
    os.environ["NORMDESK_HOME"] = str(tmp / "home")
    from normdesk.jobs.queue import JobQueue

    source = tmp / "in.csv"
    source.write_text("Name,Tel\nada lovelace,(415) 555-0100\n")
    report = real_report(tmp)
    queue = JobQueue()
    start = time.perf_counter()
    for n in range(args.jobs):
        job = queue.submit(source, tmp / f"out{n}.csv")
        queue.claim("bench")
        if n % 10:  # nine in ten completed, one failed: a store that has run for a while
            queue.run_completed(queue.complete(job.id, "bench", report))
        else:
            queue.fail(job.id, "bench", "not a text file", retryable=False)
    for n in range(5):  # and a few waiting
        queue.submit(source, tmp / f"waiting{n}.csv")
    build = time.perf_counter() - start
    print(f"store of {args.jobs:,} jobs built in {build:.1f} s")
    rows = [
        ("claim when every pending job's output is busy", timed(lambda: queue.claim(
            "x", frozenset(str(tmp / f"waiting{n}.csv") for n in range(5)))) * 1000, "ms"),
        ("anything due? (has_pending + next_wake)", timed(lambda: (queue.has_pending(), queue.next_wake())) * 1000, "ms"),
        ("stats()", timed(queue.stats) * 1000, "ms"),
        ("list() in process", timed(queue.list, 3), "s"),
    ]
    env = {**os.environ}
    cli = [sys.executable, "-m", "normdesk", "jobs"]
    rows.append(("`normdesk jobs list --json` (wall)", timed(lambda: subprocess.run(
        cli + ["list", "--json"], env=env, stdout=subprocess.DEVNULL, check=True), 3), "s"))
    rows.append(("`normdesk jobs stats` (wall, CLI start-up)", timed(lambda: subprocess.run(
        cli + ["stats"], env=env, stdout=subprocess.DEVNULL, check=True), 3), "s"))
    ckpt = {"part_path": str(tmp / "p"), "rows_done": 1, "out_bytes": 1, "report": {}}

    def one_job() -> None:
        job = queue.submit(source, tmp / "one.csv")
        claimed = queue.claim("bench")
        assert claimed is not None and claimed.id == job.id
        queue.progress(job.id, "bench", 1, 0.5, ckpt)
        queue.run_completed(queue.complete(job.id, "bench", {"total_rows": 1}))
    for job in queue.list():
        if job.status == "pending":
            queue.cancel(job.id)
    start = time.perf_counter()
    for _ in range(args.per_job):
        one_job()
    rows.append((f"queue overhead per job ({args.per_job} jobs)", (time.perf_counter() - start) / args.per_job * 1000, "ms"))
    print(f"| measure (store of {args.jobs:,} jobs) | time |\n|---|---:|")
    for name, value, unit in rows:
        print(f"| {name} | {value:,.3f} {unit} |" if unit == "s" else f"| {name} | {value:,.1f} {unit} |")
    queue.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
