"""Uploads and downloads against a real S3 HTTP server (moto server mode), also through a faulty proxy."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import replace

import boto3
import pytest
from s3_server import *  # noqa: F403 - fixtures
from s3_server import closed_port_url, raw_client, set_moto_auth

from normdesk.sync.client import check_connection, list_objects, make_client
from normdesk.sync.errors import SyncError, UnsafeKey
from normdesk.sync.secrets import Credentials, store_credentials
from normdesk.sync.settings import load_settings
from normdesk.sync.transfer import (
    MB,
    clean_partial_downloads,
    download_to_data_dir,
    startup_cleanup,
    transfer_config,
    upload_file,
)

SMALL_PARTS = transfer_config(threshold=5 * MB, chunk=5 * MB)


def _fast_client(settings, attempts=4):
    return make_client(settings, connect_timeout=2, read_timeout=10, max_attempts=attempts)


def _payload(path, size):
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_round_trip_with_progress(bucket, tmp_path, aws_env):
    settings = load_settings()
    src = tmp_path / "contacts.csv"
    src.write_text("name,email\nAda Lovelace,ADA@example.com\n", encoding="utf-8")
    seen: list[float] = []
    upload_file(make_client(settings), settings, src, "team/in/contacts.csv", seen.append)
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen) and seen == sorted(seen)
    assert [o.key for o in list_objects()] == ["team/in/contacts.csv"]
    assert list_objects("contacts")[0].size == src.stat().st_size

    got: list[float] = []
    local = download_to_data_dir(f"s3://{bucket}/team/in/contacts.csv", got.append)
    assert local == aws_env.resolve() / "downloads" / bucket / "team" / "in" / "contacts.csv"
    assert local.read_bytes() == src.read_bytes() and got[-1] == 1.0
    assert list((aws_env / "downloads" / ".partial").iterdir()) == []


def test_multipart_round_trip(bucket, tmp_path):
    settings = load_settings()
    src = tmp_path / "big.csv"
    digest = _payload(src, 11 * MB + 123)
    fractions: list[float] = []
    upload_file(make_client(settings), settings, src, "team/in/big.csv", fractions.append, SMALL_PARTS)
    head = raw_client(settings.endpoint_url).head_object(Bucket=bucket, Key="team/in/big.csv")
    assert head["ContentLength"] == src.stat().st_size
    assert head["ETag"].strip('"').endswith("-3")  # three parts: it really was a multipart upload
    assert len(fractions) > 3 and fractions == sorted(fractions)
    from normdesk.sync.transfer import download_file

    dest = tmp_path / "back" / "big.csv"
    download_file(make_client(settings), settings, "team/in/big.csv", dest, None, SMALL_PARTS)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == digest


def test_503s_and_dropped_connections_are_retried_until_the_server_recovers(bucket, tmp_path, fault_proxy):
    settings = replace(load_settings(), endpoint_url=fault_proxy.url)
    src = tmp_path / "a.csv"
    src.write_bytes(b"x,y\n1,2\n")
    fault_proxy.fail(1, "503", r"^PUT ")
    fault_proxy.fail(1, "drop", r"^PUT ")
    upload_file(_fast_client(settings), settings, src, "team/in/a.csv")
    assert fault_proxy.faults == 2
    assert raw_client(load_settings().endpoint_url).get_object(Bucket=bucket, Key="team/in/a.csv")["Body"].read() == b"x,y\n1,2\n"

    fault_proxy.fail(2, "drop", r"^GET ")
    path = download_to_data_dir(f"s3://{bucket}/team/in/a.csv", settings=settings, client=_fast_client(settings))
    assert path.read_bytes() == b"x,y\n1,2\n" and fault_proxy.faults == 4


def test_a_server_that_keeps_failing_gives_a_plain_error_and_no_orphan(bucket, tmp_path, fault_proxy):
    settings = replace(load_settings(), endpoint_url=fault_proxy.url)
    src = tmp_path / "big.csv"
    _payload(src, 11 * MB)
    fault_proxy.fail(1000, "503", r"partNumber=2")
    with pytest.raises(SyncError, match=r"the S3 server failed \(503 SlowDown\)") as info:
        upload_file(_fast_client(settings, attempts=2), settings, src, "team/in/big.csv", config=SMALL_PARTS)
    assert "\n" not in str(info.value)
    raw = raw_client(load_settings().endpoint_url)
    assert raw.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []  # aborted, not orphaned
    assert "Contents" not in raw.list_objects_v2(Bucket=bucket)
    assert src.stat().st_size == 11 * MB  # the local file is untouched


def test_failed_download_leaves_no_file(bucket, tmp_path, fault_proxy, aws_env):
    raw_client(load_settings().endpoint_url).put_object(Bucket=bucket, Key="team/in/x.csv", Body=b"a,b\n")
    settings = replace(load_settings(), endpoint_url=fault_proxy.url)
    fault_proxy.fail(1000, "drop", r"^GET ")
    with pytest.raises(SyncError, match="cannot reach"):
        download_to_data_dir(f"s3://{bucket}/team/in/x.csv", settings=settings, client=_fast_client(settings, 2))
    downloads = aws_env / "downloads"
    assert [p for p in downloads.rglob("*") if p.is_file()] == []


def test_stale_multipart_uploads_and_partial_downloads_are_cleaned_on_start(bucket, aws_env):
    settings = load_settings()
    raw = raw_client(settings.endpoint_url)
    ours = raw.create_multipart_upload(Bucket=bucket, Key="team/in/job1/out.csv")["UploadId"]
    raw.create_multipart_upload(Bucket=bucket, Key="other-team/x.csv")
    partial = aws_env / "downloads" / ".partial"
    partial.mkdir(parents=True)
    (partial / "dead.part").write_bytes(b"half")
    fresh = partial / "live.part"
    fresh.write_bytes(b"still being written")
    old = time.time() - 3600
    os.utime(partial / "dead.part", (old, old))

    client = make_client(settings)
    # moto reports every upload as initiated in 2010, so the one-hour default age counts it as stale
    assert startup_cleanup(settings, client) == (1, 1)
    left = raw.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [u["Key"] for u in left] == ["other-team/x.csv"] and ours not in {u["UploadId"] for u in left}
    assert [p.name for p in partial.iterdir()] == ["live.part"]
    assert clean_partial_downloads(idle_for=0) == 1


@pytest.mark.parametrize("key", ["../../outside.csv", "team/../../../x.csv", "/abs.csv", "C:/x.csv", "a\\..\\b.csv",
                                 "CON", "x/aux.txt", "k" * 1100])
def test_hostile_keys_never_write_outside_the_data_folder(bucket, aws_env, tmp_path, key):
    raw = raw_client(load_settings().endpoint_url)
    if len(key) <= 1024 and not key.startswith("/"):
        raw.put_object(Bucket=bucket, Key=key, Body=b"evil")
    before = {p for p in tmp_path.rglob("*")}
    with pytest.raises(UnsafeKey) as info:
        download_to_data_dir(f"s3://{bucket}/{key}")
    assert "\n" not in str(info.value)
    assert {p for p in tmp_path.rglob("*")} - before <= {aws_env / "downloads"}


def test_connection_messages_say_what_is_wrong(bucket, aws_env, moto_url, monkeypatch):
    settings = load_settings()
    assert check_connection(settings).startswith(f"connected: s3://{bucket}/team/in")
    with pytest.raises(SyncError, match="no such bucket: 'no-such-bucket-here'"):
        check_connection(replace(settings, bucket="no-such-bucket-here"))
    with pytest.raises(SyncError, match="cannot reach http://127.0.0.1:.*no network, or the endpoint is unreachable"):
        check_connection(replace(settings, endpoint_url=closed_port_url()))

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    with pytest.raises(SyncError, match="no S3 credentials"):
        check_connection(settings)

    iam = boto3.client("iam", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="setup",
                       aws_secret_access_key="setup")
    user = f"no-rights-{bucket}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    set_moto_auth(moto_url, True)
    try:
        with pytest.raises(SyncError, match=r"S3 rejected the credentials \(InvalidAccessKeyId\)"):
            check_connection(settings, Credentials("AKIDNOTREAL0000", "MARKER-SECRET-bad"))
        with pytest.raises(SyncError, match=r"S3 rejected the credentials \(SignatureDoesNotMatch\)") as info:
            check_connection(settings, Credentials(key["AccessKeyId"], "MARKER-SECRET-wrong"))
        assert "MARKER" not in str(info.value)
        with pytest.raises(SyncError, match=rf"access denied to bucket '{bucket}': the credentials lack permission"):
            check_connection(settings, Credentials(key["AccessKeyId"], key["SecretAccessKey"]))
    finally:
        set_moto_auth(moto_url, False)


def test_stored_credentials_are_used_and_never_leak(bucket, tmp_path, fault_proxy, caplog):
    import logging

    marker = "MARKER-SECRET-9d3f"
    store_credentials("AKIDFROMKEYRING", marker)
    settings = replace(load_settings(), endpoint_url=fault_proxy.url)
    client = make_client(settings)
    assert client._request_signer._credentials.secret_key == marker  # the keyring pair, not the env pair
    src = tmp_path / "a.csv"
    src.write_bytes(b"1\n")
    fault_proxy.fail(1000, "503")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SyncError) as info:
        upload_file(make_client(settings, max_attempts=2), settings, src, "team/in/a.csv")
    assert marker not in str(info.value) and marker not in repr(info.value)
    assert caplog.records and marker not in caplog.text


def test_a_stalled_server_hits_the_read_timeout(bucket, fault_proxy):
    settings = replace(load_settings(), endpoint_url=fault_proxy.url)
    fault_proxy.stall_s = 5.0
    fault_proxy.fail(10, "stall")
    client = make_client(settings, read_timeout=0.5, max_attempts=1)
    started = time.monotonic()
    with pytest.raises(SyncError, match="stopped answering \\(read timeout\\)"):
        list_objects(settings=settings, client=client)
    assert time.monotonic() - started < 4  # bounded by the timeout, not by the server
