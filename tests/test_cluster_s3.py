"""Cluster runs with S3 on the workers: a real moto S3 server over HTTP on 127.0.0.1 and a real
``distributed.LocalCluster`` of 2 worker processes, whose own environment holds the S3 credentials.

The workers read their byte ranges of an S3 input (same bytes and report as a local run, quoted
fields included); line breaks in quoted fields send the file back to client-side reading, said so;
an S3 output is one object or parts plus a manifest, and a cancelled run or a failed one leaves no
object and no multipart upload; a worker killed mid-run is survived; the CLI runs S3 -> S3.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from s3_server import *  # noqa: E402,F401,F403
from s3_server import raw_client  # noqa: E402

from normdesk.engine import Cancelled, detect_file, plan_from_detection, run_file  # noqa: E402
from normdesk.engine import ranges as engine_ranges  # noqa: E402
from normdesk.resources import sample_file  # noqa: E402
from normdesk.sync import cluster_s3, s3_parts  # noqa: E402
from normdesk.sync.cluster_s3 import Range, S3Input, run_on_cluster  # noqa: E402

CHUNK = 250
WORKER_ENV = {"AWS_ACCESS_KEY_ID": "worker-key", "AWS_SECRET_ACCESS_KEY": "worker-secret",
              "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """2 worker processes started with S3 credentials in their environment (as an instance role would)."""
    saved = {k: os.environ.get(k) for k in WORKER_ENV}
    os.environ.update(WORKER_ENV)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address="127.0.0.1:0", silence_logs=50) as local:
            yield local
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


@pytest.fixture
def small_ranges(monkeypatch):
    """Ranges of CHUNK rows (~32 KiB here), not the 64 KiB floor: a 3,000-row file is cut in 13 places."""
    monkeypatch.setattr(cluster_s3, "MIN_BLOCK_BYTES", 8 << 10)


def contacts_text(times: int = 3) -> str:
    lines = sample_file().read_text(encoding="utf-8").splitlines(keepends=True)
    return lines[0] + "".join(lines[1:] * times)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sample three times over (3,000 rows), its plan, and its local run's bytes and report."""
    folder = tmp_path_factory.mktemp("reference")
    path = folder / "contacts.csv"
    path.write_text(contacts_text(), encoding="utf-8")
    plan, report = local_run(path, folder / "local.csv")
    return path, plan, (folder / "local.csv").read_bytes(), report


@pytest.fixture
def contacts(reference) -> Path:
    return reference[0]


def put(bucket_name: str, moto_url: str, key: str, path: Path) -> str:
    raw_client(moto_url).put_object(Bucket=bucket_name, Key=key, Body=path.read_bytes())
    return f"s3://{bucket_name}/{key}"


def keys(bucket_name: str, moto_url: str) -> list[str]:
    listed = raw_client(moto_url).list_objects_v2(Bucket=bucket_name).get("Contents", [])
    return sorted(obj["Key"] for obj in listed)


def uploads(bucket_name: str, moto_url: str) -> list:
    return raw_client(moto_url).list_multipart_uploads(Bucket=bucket_name).get("Uploads", [])


def body(bucket_name: str, moto_url: str, key: str) -> bytes:
    return raw_client(moto_url).get_object(Bucket=bucket_name, Key=key)["Body"].read()


def settled(read, quiet_s: float = 1.5, limit_s: float = 20.0):
    """``read()`` once it has returned the same answer for ``quiet_s`` (tasks still running on the
    workers after a cancel finish on their own time)."""
    deadline, last, since = time.monotonic() + limit_s, object(), time.monotonic()
    while time.monotonic() < deadline:
        now = read()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            break
        time.sleep(0.2)
    return last


def local_run(path: Path, out: Path, plan=None):
    plan = plan or plan_from_detection(detect_file(path))
    return plan, run_file(path, out, plan, workers=0, chunk_rows=CHUNK)


def same_counts(a, b) -> bool:
    """The report but for timing, the output's name and the column profiles (sketches and facet
    samples depend on where chunks are cut; the counts do not)."""
    a, b = a.to_dict(), b.to_dict()
    for volatile in ("elapsed_s", "output", "profile"):
        a.pop(volatile), b.pop(volatile)
    return a == b


class Steps:
    def __init__(self, act=None, cancel_after=None):
        self.updates, self.act, self.cancel_after = [], act, cancel_after

    def update(self, rows_done, fraction):
        self.updates.append((rows_done, fraction))
        if self.act is not None and len(self.updates) == 1:
            self.act()

    def cancelled(self):
        return self.cancel_after is not None and len(self.updates) >= self.cancel_after


def cluster_run(url_or_path, out, plan, cluster, **options):
    source = S3Input(url_or_path) if str(url_or_path).startswith("s3://") else url_or_path
    try:
        return run_on_cluster(source, out, plan, cluster.scheduler_address, chunk_rows=CHUNK, **options)
    finally:
        if isinstance(source, S3Input):
            source.close()


def test_workers_read_their_ranges_and_the_output_is_the_local_runs(cluster, bucket, moto_url, contacts, reference,
                                                                     tmp_path, small_ranges):
    _, plan, expected, local = reference
    url = put(bucket, moto_url, "in/contacts.csv", contacts)
    source = S3Input(url)
    try:
        ranges = source.ranges(CHUNK)
        assert source.unsplittable is None and len(ranges) >= 12
        notices, progress = [], Steps()
        remote = run_on_cluster(source, tmp_path / "cluster.csv", plan, cluster.scheduler_address, chunk_rows=CHUNK,
                                progress=progress, notice=notices.append)
    finally:
        source.close()
    assert (tmp_path / "cluster.csv").read_bytes() == expected
    assert same_counts(local, remote) and remote.total_rows == 3000 and notices == []
    assert remote.invalid_samples == local.invalid_samples  # row numbers follow the whole file
    fractions = [f for _, f in progress.updates]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cluster.csv", "home"]


def test_quoted_fields_with_delimiters_and_quotes_split_cleanly(cluster, bucket, moto_url, tmp_path, small_ranges):
    rows = ["name,email,note"] + [
        f'"Doe, Jane {i}","jane{i}@example.com","she said ""hi, {i}"" then left"' if i % 3 else
        f'Bob {i},bob{i}@example.com,"a ""quoted"" word; and, commas"' for i in range(4000)]
    path = tmp_path / "quoted.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    plan, local = local_run(path, tmp_path / "local.csv")
    notices = []
    remote = cluster_run(put(bucket, moto_url, "in/quoted.csv", path), tmp_path / "cluster.csv", plan, cluster,
                         notice=notices.append)
    assert notices == []
    assert (tmp_path / "cluster.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert same_counts(local, remote)


@pytest.mark.parametrize("at_row", [pytest.param(10, marks=pytest.mark.soak), 2500],
                         ids=["in-the-sample", "past-the-sample"])
def test_line_breaks_in_quoted_fields_fall_back_to_client_reading_and_say_so(
        cluster, bucket, moto_url, tmp_path, small_ranges, at_row):
    lines = contacts_text().splitlines(keepends=True)
    head, cells = lines[at_row].rsplit(",", 1)
    lines[at_row] = f'{head},"first line\nsecond, line"\n'
    path = tmp_path / "breaks.csv"
    path.write_text("".join(lines), encoding="utf-8")
    plan, local = local_run(path, tmp_path / "local.csv")
    notices = []
    remote = cluster_run(put(bucket, moto_url, "in/breaks.csv", path), tmp_path / "cluster.csv", plan, cluster,
                         notice=notices.append)
    assert (tmp_path / "cluster.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert same_counts(local, remote) and remote.total_rows == 3000
    assert len(notices) == 1 and "a quoted field holds a line break" in notices[0]
    assert ("starting over" in notices[0]) == (at_row == 2500)


def test_ranges_cover_every_line_once_for_any_cut(tmp_path):
    data = contacts_text(1).encode("utf-8")
    start = data.index(b"\n") + 1
    for block in (13, 100, 4096, len(data)):
        got = b"".join(engine_ranges.whole_lines(lambda lo, hi: data[lo:hi], lo, hi, len(data), start)
                       for lo, hi in engine_ranges.block_bounds(start, len(data), block))
        assert got == data[start:], block


@pytest.mark.parametrize("min_part", [pytest.param(5 << 20, marks=pytest.mark.soak), 100_000],
                         ids=["one-part", "copied-and-joined-parts"])
def test_an_s3_output_is_one_object_with_the_local_bytes(cluster, bucket, moto_url, contacts, reference, small_ranges,
                                                         monkeypatch, min_part):
    import moto.s3.models

    monkeypatch.setattr(s3_parts, "MIN_PART_BYTES", min_part)
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", min_part)  # the server enforces the same
    _, plan, expected, local = reference
    url = put(bucket, moto_url, "in/contacts.csv", contacts)
    remote = cluster_run(url, f"s3://{bucket}/out/clean.csv", plan, cluster)
    assert body(bucket, moto_url, "out/clean.csv") == expected
    assert same_counts(local, remote)
    assert keys(bucket, moto_url) == ["in/contacts.csv", "out/clean.csv"] and uploads(bucket, moto_url) == []


def test_parts_and_a_manifest_replace_the_previous_run_whole(cluster, bucket, moto_url, contacts, reference):
    _, plan, expected, _ = reference
    for _ in range(2):  # the second run's manifest replaces the first, whose parts then go
        cluster_run(contacts, f"s3://{bucket}/out/clean", plan, cluster, s3_output="parts")
    manifest = json.loads(body(bucket, moto_url, "out/clean/manifest.json"))
    parts = [part["key"] for part in manifest["parts"]]
    assert b"".join(body(bucket, moto_url, k) for k in parts) == expected
    assert manifest["rows"] == 3000 and sum(p["rows"] for p in manifest["parts"]) == 3000
    assert len(parts) == 12 and all(k.rsplit("/", 1)[1] == f"part-{i:05d}.csv" for i, k in enumerate(parts))
    assert keys(bucket, moto_url) == sorted(["out/clean/manifest.json", *parts])


@pytest.mark.parametrize("mode", ["object", pytest.param("parts", marks=pytest.mark.soak)])
def test_a_cancelled_run_leaves_no_object_and_no_upload(cluster, bucket, moto_url, contacts, reference, small_ranges,
                                                        mode):
    plan = reference[1]
    url = put(bucket, moto_url, "in/contacts.csv", contacts)
    with pytest.raises(Cancelled):
        cluster_run(url, f"s3://{bucket}/out/clean.csv", plan, cluster, s3_output=mode,
                    progress=Steps(cancel_after=2))
    assert settled(lambda: keys(bucket, moto_url)) == ["in/contacts.csv"]  # a part still being put is taken back
    assert uploads(bucket, moto_url) == []


def test_a_failed_commit_leaves_nothing(cluster, bucket, moto_url, contacts, reference, monkeypatch):
    """S3 refuses the multipart upload (a non-last part under its minimum): no object, no upload, no part."""
    import moto.s3.models

    monkeypatch.setattr(s3_parts, "MIN_PART_BYTES", 1)  # normdesk believes any part size will do
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 5 << 20)
    plan = reference[1]
    with pytest.raises(Exception, match="S3 refused the request"):
        cluster_run(contacts, f"s3://{bucket}/out/clean.csv", plan, cluster)
    assert keys(bucket, moto_url) == [] and uploads(bucket, moto_url) == []


def test_a_worker_killed_mid_run_is_survived(cluster, bucket, moto_url, contacts, reference, small_ranges):
    _, plan, expected, _ = reference
    url = put(bucket, moto_url, "in/contacts.csv", contacts)
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
        victim = sorted(client.run(os.getpid).values())[0]
        cluster_run(url, f"s3://{bucket}/out/clean.csv", plan, cluster,
                    progress=Steps(act=lambda: os.kill(victim, signal.SIGKILL)))
        assert body(bucket, moto_url, "out/clean.csv") == expected
        with pytest.raises(ProcessLookupError):
            os.kill(victim, 0)
        client.wait_for_workers(2, timeout=60)
    assert keys(bucket, moto_url) == ["in/contacts.csv", "out/clean.csv"]


def test_a_range_task_ships_a_few_hundred_bytes_not_the_chunk(bucket, moto_url, contacts):
    import cloudpickle

    source = S3Input(put(bucket, moto_url, "in/contacts.csv", contacts))
    try:
        first = source.ranges(CHUNK)[0]
    finally:
        source.close()
    assert isinstance(first, Range) and len(cloudpickle.dumps(first)) < 1000


def test_an_s3_input_without_cluster_is_one_line_exit_2(tmp_path, capsys):
    from normdesk.cli import main

    assert main(["run", "s3://bucket/in.csv", "-o", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("normdesk: an s3:// input or output runs on a cluster") and "\n" not in err


def test_the_cli_runs_an_s3_input_to_an_s3_output_on_the_cluster(cluster, bucket, moto_url, contacts, tmp_path, capsys):
    from normdesk.cli import main

    assert main(["run", str(contacts), "-o", str(tmp_path / "local.csv")]) == 0
    url = put(bucket, moto_url, "in/contacts.csv", contacts)
    capsys.readouterr()
    assert main(["run", url, "-o", f"s3://{bucket}/out/clean.csv", "--cluster", cluster.scheduler_address,
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_rows"] == 3000
    assert body(bucket, moto_url, "out/clean.csv") == (tmp_path / "local.csv").read_bytes()
    assert keys(bucket, moto_url) == ["in/contacts.csv", "out/clean.csv"]
    assert not list(Path(tempfile.gettempdir()).glob("normdesk-s3-head-*"))  # the first lines' file is gone
