"""The engine on a real Dask cluster: a ``distributed.LocalCluster`` of 2 worker processes on 127.0.0.1.

Same bytes as a local run (CSV and parquet), the same report, progress, cancel (its futures go),
workers that keep their transforms, a worker killed mid-job with SIGKILL, and clean one-line errors
for a dead address and a cluster without workers.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from normdesk.engine import Cancelled, detect_file, plan_from_detection, run_file  # noqa: E402
from normdesk.engine import cluster as engine_cluster  # noqa: E402
from normdesk.engine.cluster import KEY_PREFIX, ClusterError, cached_plans, plan_spec, version_mismatches  # noqa: E402
from normdesk.engine.reader import open_source  # noqa: E402
from normdesk.resources import sample_file  # noqa: E402

CHUNK = 250  # 3,000 rows -> 12 chunks: enough in flight to kill a worker under them


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0", silence_logs=50) as local:
        yield local


@pytest.fixture
def client(cluster):
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as c:
        c.wait_for_workers(2, timeout=60)
        yield c


@pytest.fixture(scope="module")
def contacts(tmp_path_factory) -> Path:
    """The sample file three times over (3,000 rows)."""
    lines = sample_file().read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path_factory.mktemp("in") / "contacts.csv"
    path.write_text(lines[0] + "".join(lines[1:] * 3), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def plan(contacts):
    return plan_from_detection(detect_file(contacts))


def local_run(contacts, plan, out, **options):
    return run_file(contacts, out, plan, workers=0, chunk_rows=CHUNK, **options)


class Steps:
    """A Progress that records each update and runs ``act`` once, after the first chunk."""

    def __init__(self, act=None, cancel_after: int | None = None):
        self.updates, self.act, self.cancel_after = [], act, cancel_after

    def update(self, rows_done, fraction):
        self.updates.append((rows_done, fraction))
        if self.act is not None and len(self.updates) == 1:
            self.act()

    def cancelled(self):
        return self.cancel_after is not None and len(self.updates) >= self.cancel_after


def same_report(a, b):
    a, b = a.to_dict(), b.to_dict()
    for volatile in ("elapsed_s", "output"):
        a.pop(volatile), b.pop(volatile)
    return a == b


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cluster_output_is_byte_identical_to_a_local_run(cluster, contacts, plan, tmp_path, suffix):
    fmt = plan.with_options(output_format=suffix[1:])
    local = local_run(contacts, fmt, tmp_path / f"local{suffix}")
    progress = Steps()
    remote = run_file(contacts, tmp_path / f"cluster{suffix}", fmt, chunk_rows=CHUNK, progress=progress,
                      cluster=cluster.scheduler_address)
    assert (tmp_path / f"cluster{suffix}").read_bytes() == (tmp_path / f"local{suffix}").read_bytes()
    assert same_report(local, remote) and remote.total_rows == 3000
    rows = [r for r, _ in progress.updates]
    assert rows == sorted(rows) and rows[0] == CHUNK and rows[-1] == 3000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"local{suffix}", f"cluster{suffix}"])


def test_workers_keep_the_plans_transform_after_the_job(cluster, client, contacts, plan, tmp_path):
    run_file(contacts, tmp_path / "a.csv", plan, chunk_rows=CHUNK, cluster=cluster.scheduler_address)
    with open_source(contacts) as source:
        digest, _ = plan_spec(plan, source.columns, source.header)
    held = [client.submit(cached_plans, workers=[w], pure=False).result() for w in client.nthreads()]
    assert all(digest in plans for plans in held), held


def test_cancel_stops_the_run_and_its_futures(cluster, client, contacts, plan, tmp_path):
    out = tmp_path / "out.csv"
    with pytest.raises(Cancelled):
        run_file(contacts, out, plan, chunk_rows=CHUNK, progress=Steps(cancel_after=1),
                 cluster=cluster.scheduler_address)
    assert list(tmp_path.iterdir()) == []

    def ours(dask_scheduler):
        return [str(k) for k in dask_scheduler.tasks if str(k).startswith(KEY_PREFIX)]

    deadline = time.monotonic() + 10
    while client.run_on_scheduler(ours) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.run_on_scheduler(ours) == []


def test_a_worker_killed_mid_job_is_survived(cluster, client, contacts, plan, tmp_path):
    local_run(contacts, plan, tmp_path / "local.csv")
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]

    def kill():
        os.kill(victim, signal.SIGKILL)

    run_file(contacts, tmp_path / "cluster.csv", plan, chunk_rows=CHUNK, progress=Steps(act=kill),
             cluster=cluster.scheduler_address)
    assert (tmp_path / "cluster.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)
    client.wait_for_workers(2, timeout=60)  # the nanny started a new one


def test_a_dead_address_is_one_line_exit_2_and_no_output(contacts, tmp_path, capsys, monkeypatch):
    from normdesk.cli import main

    monkeypatch.setattr(engine_cluster, "CONNECT_TIMEOUT_S", 1.0)
    out = tmp_path / "out.csv"
    assert main(["run", str(contacts), "-o", str(out), "--cluster", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("normdesk: cannot reach the cluster scheduler at tcp://127.0.0.1:9") and "\n" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_cluster_without_workers_is_an_error_not_a_wait(contacts, plan, tmp_path, monkeypatch):
    monkeypatch.setattr(engine_cluster, "WORKERS_TIMEOUT_S", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                  silence_logs=50) as empty:
        with pytest.raises(ClusterError, match="has no worker"):
            run_file(contacts, tmp_path / "out.csv", plan, cluster=empty.scheduler_address)
    assert list(tmp_path.iterdir()) == []


def test_version_mismatches_name_the_worker_the_package_and_both_versions():
    here = {"python": "3.11", "polars": "1.3.1", "normdesk": "0.1.0"}
    workers = {"tcp://10.0.0.6:1": dict(here), "tcp://10.0.0.5:1": {"python": "3.11", "polars": "1.2.0"}}
    assert version_mismatches(here, workers) == [
        "tcp://10.0.0.5:1 has polars 1.2.0 (here 1.3.1)",
        "tcp://10.0.0.5:1 has normdesk missing (here 0.1.0)",
    ]


@pytest.fixture
def queue(home):
    from normdesk.jobs.model import Policy
    from normdesk.jobs.queue import JobQueue
    from normdesk.settings import Settings

    q = JobQueue(policy=Policy.from_settings(Settings(max_attempts=1, backoff_s=0.0)))
    yield q
    q.close()


def run_queued_job(queue, source, out, plan, address, min_mb):
    from normdesk import settings
    from normdesk.jobs.dispatch import Dispatcher

    settings.save(settings.Settings(cluster_enabled=True, cluster_address=address, cluster_min_mb=min_mb))
    job = queue.submit(source, out, plan=plan)
    d = Dispatcher(queue, concurrency=1, start_rate=1e9, workers=0, chunk_rows=CHUNK)
    d.open()
    try:
        return job, d.run(d.claim())
    finally:
        d.close()


def test_a_job_over_the_threshold_runs_on_the_cluster(cluster, client, contacts, plan, tmp_path, queue):
    local_run(contacts, plan, tmp_path / "local.csv")
    recorded = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.transition_log))
    _, done = run_queued_job(queue, contacts, tmp_path / "job.csv", plan, cluster.scheduler_address, 0.1)
    assert done.status.value == "completed"
    assert (tmp_path / "job.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    ran = client.run_on_scheduler(
        lambda dask_scheduler: [str(t[0]) for t in list(dask_scheduler.transition_log)[recorded:]])
    assert any(key.startswith(KEY_PREFIX) for key in ran)


def test_a_job_over_the_threshold_fails_when_the_cluster_is_down(contacts, plan, tmp_path, queue, monkeypatch):
    monkeypatch.setattr(engine_cluster, "CONNECT_TIMEOUT_S", 1.0)
    _, done = run_queued_job(queue, contacts, tmp_path / "job.csv", plan, "tcp://127.0.0.1:9", 0.1)
    assert done.status.value == "failed" and "cannot reach the cluster scheduler" in done.error_message
    assert not (tmp_path / "job.csv").exists()
