#!/usr/bin/env python3
"""An S3 input on a Dask cluster: the workers reading their byte ranges vs the client reading and
shipping the chunks, beside a local run, in one run; plus the bytes the client ships per chunk.

    python benchmarks/bench_cluster_s3.py 1000000

A moto S3 server on 127.0.0.1 holds the gen_contacts file; a ``distributed.LocalCluster`` of 2
worker processes x 1 thread (with S3 credentials in their environment) runs the chunks. Runs:
local (2 worker processes, the file on disk), cluster with the client reading the file and shipping
its chunks (before), cluster with the workers reading ranges of the S3 object and the client writing
the results (after), and cluster S3 -> S3 (the workers also put the output parts; one object).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

from workload import contacts

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORKER_ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
              "AWS_EC2_METADATA_DISABLED": "true", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    args = parser.parse_args()
    os.environ.update(WORKER_ENV)
    os.environ["NORMDESK_HOME"] = tempfile.mkdtemp(prefix="nd-bench-s3-")
    import boto3
    from botocore.config import Config
    from distributed import LocalCluster
    from moto.server import ThreadedMotoServer

    from normdesk.engine import detect_file, open_source, plan_from_detection, run_file
    from normdesk.engine.pipeline import CHUNK_ROWS
    from normdesk.engine.transform import ChunkTransform
    from normdesk.sync.cluster_s3 import S3Input, run_on_cluster
    from normdesk.sync.settings import S3Settings, save_settings

    path = contacts(args.rows)
    plan = plan_from_detection(detect_file(path))
    out = path.with_name("out-s3")
    out.mkdir(exist_ok=True)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    raw = boto3.client("s3", endpoint_url=url, region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
    raw.create_bucket(Bucket="bench")
    raw.upload_file(str(path), "bench", "in/contacts.csv")
    save_settings(S3Settings(bucket="bench", region="us-east-1", endpoint_url=url))
    runs = {}
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0", silence_logs=50) as cluster:
            address = cluster.scheduler_address
            source = S3Input("s3://bench/in/contacts.csv")
            ranges = source.ranges(CHUNK_ROWS)
            runs["local, 2 worker processes, file on disk"] = timed(
                lambda: run_file(path, out / "local.csv", plan, workers=2))
            runs["cluster, client reads the file and ships chunks (before)"] = timed(
                lambda: run_file(path, out / "shipped.csv", plan, cluster=address))
            runs["cluster, workers read S3 ranges, client writes"] = timed(
                lambda: run_on_cluster(source, out / "ranges.csv", plan, address))
            runs["cluster, S3 ranges in, S3 parts out (one object)"] = timed(
                lambda: run_on_cluster(source, "s3://bench/out/contacts.clean.csv", plan, address))
            source.close()
    finally:
        local = (out / "local.csv").read_bytes()
        same = [(out / "shipped.csv").read_bytes() == local, (out / "ranges.csv").read_bytes() == local,
                raw.get_object(Bucket="bench", Key="out/contacts.clean.csv")["Body"].read() == local]
        server.stop()
    with open_source(path) as src:
        chunk = next(src.chunks(CHUNK_ROWS))
        result = ChunkTransform(plan, src.columns, src.header)(chunk, 1)
    shipped_in, back = len(pickle.dumps(chunk, protocol=5)), len(pickle.dumps(result, protocol=5))
    range_in, counts_back = len(pickle.dumps(ranges[0], protocol=5)), len(pickle.dumps((None, result[1], 0, 0), protocol=5))
    print("| run | rows | wall s | rows/s | vs local |\n|---|---:|---:|---:|---:|")
    base = runs["local, 2 worker processes, file on disk"]
    for name, wall in runs.items():
        print(f"| {name} | {args.rows:,} | {wall:.1f} | {args.rows / wall:,.0f} | {wall / base:.2f} |")
    print(f"\nbyte-identical to local (shipped, ranges, S3 object): {same}; {len(ranges)} ranges")
    print(f"per chunk of {CHUNK_ROWS:,} rows, client -> cluster: chunk {shipped_in / 1e6:.2f} MB before, "
          f"range {range_in} B after; cluster -> client: result {back / 1e6:.2f} MB (local output), "
          f"counts {counts_back / 1e3:.1f} kB (S3 output)")


if __name__ == "__main__":
    main()
