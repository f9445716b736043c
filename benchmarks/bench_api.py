"""The local API's speed: requests/s of GET /stats and GET /jobs with 10,000 jobs in the store (GET
/health, which touches neither the keys nor the queue, is the baseline beside them), and the upload
of a 100 MB file: MB/s and the server's peak memory while it streams in.

    python benchmarks/bench_api.py [--jobs 10000] [--requests 2000] [--upload-mb 100]

A real ``normdesk serve`` on a free port of 127.0.0.1, in a temporary data folder; the 10,000 jobs
are queued and cancelled first, so the worker stays idle while the requests are timed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from api_server import SAMPLE, Serve, make_key  # noqa: E402

THREADS = 4


def fill(home: Path, jobs: int) -> None:
    from normdesk.jobs.queue import JobQueue

    queue = JobQueue(home)
    for _ in range(jobs):
        queue.cancel(queue.submit(SAMPLE).id)
    queue.close()


def rate(client_factory, path: str, requests: int) -> float:
    """Requests/s over ``THREADS`` keep-alive clients."""
    def run(n: int) -> None:
        with client_factory() as c:
            for _ in range(n):
                assert c.get(path).status_code == 200
    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(run, [requests // THREADS] * THREADS))
    return requests / (time.perf_counter() - start)


def big_csv(path: Path, megabytes: int) -> Path:
    header, *rows = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    block = "".join(rows) * 50
    with path.open("w", encoding="utf-8") as out:
        out.write(header)
        while out.tell() < megabytes << 20:
            out.write(block)
    return path


def checking_time(source: Path) -> float:
    from normdesk.api.uploads import count_rows
    from normdesk.engine import Plan

    start = time.perf_counter()
    count_rows(source, Plan())
    return time.perf_counter() - start


def peak_rss(pid: int, stop: threading.Event, out: list[int]) -> None:
    proc = psutil.Process(pid)
    while not stop.is_set():
        out[0] = max(out[0], proc.memory_info().rss)
        stop.wait(0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--upload-mb", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        key = make_key(home, "bench", "read,submit,manage")
        started = time.perf_counter()
        fill(home, args.jobs)
        print(f"store: {args.jobs:,} jobs queued and cancelled in {time.perf_counter() - started:.1f} s")
        source = big_csv(Path(tmp) / "big.csv", args.upload_mb)
        check = checking_time(source)
        serve = Serve(home)
        try:
            client = lambda: serve.client(key)  # noqa: E731
            for path in ("/health", "/stats", "/jobs?limit=50"):
                print(f"GET {path}: {rate(client, path, args.requests):,.0f} requests/s ({THREADS} clients)")
            size = source.stat().st_size
            rss = [psutil.Process(serve.proc.pid).memory_info().rss]
            idle = rss[0]
            stop = threading.Event()
            sampler = threading.Thread(target=peak_rss, args=(serve.proc.pid, stop, rss))
            sampler.start()
            with serve.client(key) as c, source.open("rb") as fh:
                start = time.perf_counter()
                reply = c.post("/jobs", files={"file": (source.name, fh, "text/csv")}, timeout=600)
                took = time.perf_counter() - start
            stop.set()
            sampler.join()
            assert reply.status_code == 201, reply.text
            rows = reply.json()["totalRows"]
            with serve.client(key) as c:
                c.post(f"/jobs/{reply.json()['jobId']}/cancel")
            print(f"upload of {size / 1e6:.0f} MB ({rows:,} rows, each read once to check it): {took:.1f} s, "
                  f"{size / 1e6 / took:.1f} MB/s; server RSS {idle / 2**20:.0f} MiB idle, "
                  f"{rss[0] / 2**20:.0f} MiB peak during the upload")
            print(f"  of which checking every row (alone, in-process, before the server started): {check:.1f} s; "
                  f"the rest, {took - check:.1f} s, is receiving and writing: ~{size / 1e6 / max(took - check, 1e-3):.0f} MB/s")
        finally:
            serve.stop()


if __name__ == "__main__":
    main()
