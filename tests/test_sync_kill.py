"""Transfers killed with SIGKILL in a real process: no half-written local file, no orphaned multipart upload."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest
from s3_server import *  # noqa: F403 - fixtures
from s3_server import raw_client

from normdesk.sync.settings import load_settings, save_settings
from normdesk.sync.transfer import MB, clean_partial_downloads, download_to_data_dir, startup_cleanup

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

UPLOAD = """
import sys
from pathlib import Path
from normdesk.sync.client import active_settings, make_client
from normdesk.sync.transfer import MB, transfer_config, upload_file
s = active_settings()
upload_file(make_client(s), s, Path(sys.argv[1]), "team/in/job-k/big.csv", config=transfer_config(5 * MB, 5 * MB))
"""
DOWNLOAD = "import sys, normdesk.sync as s; s.download_to_data_dir(sys.argv[1])"


def _spawn(code, arg, tmp_path):
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
           "XDG_DATA_HOME": str(tmp_path / "xdg")}
    return subprocess.Popen([sys.executable, "-c", code, str(arg)], env=env, stderr=subprocess.PIPE)


def _wait_for(condition, proc, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the transfer never reached the point to kill it"
        time.sleep(0.02)


def test_killed_upload_leaves_an_upload_that_the_next_start_aborts(bucket, tmp_path, fault_proxy, moto_url):
    save_settings(replace(load_settings(), endpoint_url=fault_proxy.url))
    src = tmp_path / "big.csv"
    src.write_bytes(os.urandom(12 * MB))
    fault_proxy.fail(1000, "stall", r"partNumber=")
    proc = _spawn(UPLOAD, src, tmp_path)
    try:
        _wait_for(lambda: any("partNumber=" in line for line in fault_proxy.seen), proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    raw = raw_client(moto_url)
    assert [u["Key"] for u in raw.list_multipart_uploads(Bucket=bucket)["Uploads"]] == ["team/in/job-k/big.csv"]

    fault_proxy.rules.clear()
    assert startup_cleanup()[1] == 1  # the next start finds the stale upload under our prefix and aborts it
    assert raw.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert "Contents" not in raw.list_objects_v2(Bucket=bucket)


def test_killed_download_leaves_no_half_written_file(bucket, tmp_path, fault_proxy, aws_env):
    payload = os.urandom(6 * MB)
    raw_client(load_settings().endpoint_url).put_object(Bucket=bucket, Key="team/in/big.csv", Body=payload)
    save_settings(replace(load_settings(), endpoint_url=fault_proxy.url))
    fault_proxy.fail(1, "slow", r"^GET /[^?]+/team/in/big.csv")
    partial = aws_env / "downloads" / ".partial"
    final = aws_env / "downloads" / bucket / "team" / "in" / "big.csv"
    proc = _spawn(DOWNLOAD, f"s3://{bucket}/team/in/big.csv", tmp_path)
    try:
        _wait_for(lambda: any(p.stat().st_size > 0 for p in partial.glob("*.part")), proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not final.exists()  # only the temporary file under .partial was half-written
    assert clean_partial_downloads(idle_for=0) == 1 and list(partial.iterdir()) == []

    assert download_to_data_dir(f"s3://{bucket}/team/in/big.csv").read_bytes() == payload
