#!/usr/bin/env python3
"""The engine locally (2 worker processes) vs on a Dask cluster of 2 worker processes on this machine,
side by side in one run, on a gen_contacts file; plus what one chunk costs on the cluster.

    python benchmarks/bench_cluster.py 1000000

Prints a Markdown table and the per-chunk figures the scaling estimate in docs/BENCHMARKS.md uses:
compute per chunk (one process, warm caches), transfer per chunk (pickled chunk in, result out),
and the round trip of a chunk through the scheduler to a worker and back with no work done.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time
from pathlib import Path

from workload import contacts

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from normdesk.engine import detect_file, open_source, plan_from_detection, run_file  # noqa: E402
from normdesk.engine.pipeline import CHUNK_ROWS  # noqa: E402
from normdesk.engine.transform import ChunkTransform  # noqa: E402


def echo(chunk):
    return chunk


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def per_chunk(path: Path, plan, client) -> dict[str, float]:
    with open_source(path) as source:
        chunks = source.chunks(CHUNK_ROWS)
        sample = [next(chunks) for _ in range(3)]
        chunks.close()
        transform = ChunkTransform(plan, source.columns, source.header)
    transform(sample[0], 1)  # warm the caches, as a long run's worker has them
    compute = statistics.median(timed(lambda c=c: transform(c, 1)) for c in sample)
    result = pickle.dumps(transform(sample[1], 1), protocol=5)
    echo_times = [timed(lambda c=c: client.submit(echo, c, pure=False).result()) for c in sample * 3]
    return {"compute_s": compute, "in_bytes": len(pickle.dumps(sample[1], protocol=5)),
            "out_bytes": len(result), "round_trip_s": statistics.median(echo_times)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    path = contacts(args.rows)
    plan = plan_from_detection(detect_file(path))
    out = path.with_name("out")
    out.mkdir(exist_ok=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=50) as cluster, \
            Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(2)
        local = timed(lambda: run_file(path, out / "local.csv", plan, workers=2))
        remote = timed(lambda: run_file(path, out / "cluster.csv", plan, cluster=cluster.scheduler_address))
        same = (out / "local.csv").read_bytes() == (out / "cluster.csv").read_bytes()
        figures = per_chunk(path, plan, client)
    print(f"| run | rows | wall s | rows/s |\n|---|---:|---:|---:|")
    print(f"| local, 2 worker processes | {args.rows:,} | {local:.1f} | {args.rows / local:,.0f} |")
    print(f"| Dask LocalCluster, 2 worker processes | {args.rows:,} | {remote:.1f} | {args.rows / remote:,.0f} |")
    chunks = -(-args.rows // CHUNK_ROWS)
    print(f"\nbyte-identical: {same}; ratio cluster/local {remote / local:.2f}; "
          f"overhead per chunk {(remote - local) / chunks * 1000:+.0f} ms over {chunks} chunks")
    print(f"per chunk of {CHUNK_ROWS:,} rows: compute {figures['compute_s'] * 1000:.0f} ms (one warm process), "
          f"in {figures['in_bytes'] / 1e6:.2f} MB, out {figures['out_bytes'] / 1e6:.2f} MB, "
          f"round trip without work {figures['round_trip_s'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
