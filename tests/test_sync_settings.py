"""S3 settings (a JSON file without secrets) and credentials (only in a real keyring backend)."""

from __future__ import annotations

import keyring
import pytest
from s3_server import *  # noqa: F403 - fixtures

from normdesk.sync.errors import KeyringUnavailable, NotConfigured, SyncError
from normdesk.sync.secrets import (
    SERVICE,
    Credentials,
    delete_credentials,
    keyring_available,
    load_credentials,
    store_credentials,
)
from normdesk.sync.settings import S3Settings, load_settings, save_settings, settings_path

MARKER = "MARKER-SECRET-5b1e0c7f"


def test_settings_round_trip_in_the_data_folder(aws_env):
    assert load_settings() == S3Settings() and not load_settings().configured
    saved = save_settings(S3Settings(" my-bucket ", "/team/out/", "eu-west-1", "http://127.0.0.1:9000/", "BOTH"))
    assert saved == S3Settings("my-bucket", "team/out", "eu-west-1", "http://127.0.0.1:9000", "both")
    assert settings_path().parent == aws_env
    assert load_settings() == saved
    assert saved.uploads_inputs() and saved.uploads_outputs()
    assert [p.name for p in aws_env.iterdir()] == ["s3_settings.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("bucket", "Bad_Bucket", "invalid bucket name"), ("upload", "everything", "invalid upload choice"),
     ("endpoint_url", "ftp://x", "invalid endpoint URL"), ("prefix", "a/../b", "invalid prefix")],
)
def test_invalid_settings_are_refused(aws_env, field, value, words):
    with pytest.raises(SyncError, match=words):
        save_settings(S3Settings(**{"bucket": "ok-bucket", field: value}))
    assert not settings_path().exists()


def test_unreadable_settings_file_is_a_one_line_error(aws_env):
    settings_path().write_text("{not json", encoding="utf-8")
    with pytest.raises(SyncError) as info:
        load_settings()
    assert "\n" not in str(info.value) and "S3 settings file" in str(info.value)


def test_credentials_live_in_the_keyring_only(aws_env, file_keyring):
    assert keyring_available()
    assert load_credentials() is None
    store_credentials("AKIDEXAMPLE", MARKER)
    assert load_credentials() == Credentials("AKIDEXAMPLE", MARKER)
    assert keyring.get_password(SERVICE, "s3_secret_access_key") == MARKER  # the real backend holds it
    assert MARKER not in repr(load_credentials()) and "AKIDEXAMPLE" not in repr(load_credentials())
    save_settings(S3Settings("my-bucket"))
    for path in aws_env.rglob("*"):
        assert not path.is_file() or MARKER.encode() not in path.read_bytes()
    assert delete_credentials() is True
    assert load_credentials() is None and delete_credentials() is False


def test_empty_credentials_are_refused(aws_env, file_keyring):
    with pytest.raises(SyncError, match="both"):
        store_credentials("AKID", "  ")
    assert load_credentials() is None


def test_without_a_keyring_backend_nothing_is_stored_and_s3_stays_off(aws_env, no_keyring, moto_url):
    from normdesk.sync.client import active_settings

    assert not keyring_available()
    with pytest.raises(KeyringUnavailable, match="no keyring backend") as info:
        store_credentials("AKID", MARKER)
    assert MARKER not in str(info.value)
    with pytest.raises(KeyringUnavailable):
        load_credentials()
    save_settings(S3Settings("my-bucket", endpoint_url=moto_url))
    with pytest.raises(NotConfigured, match="keyring"):
        active_settings()
    assert all(MARKER.encode() not in p.read_bytes() for p in aws_env.rglob("*") if p.is_file())


def test_uploads_subscribe_only_when_s3_is_on(aws_env, file_keyring):
    from normdesk.jobs.queue import JobQueue
    from normdesk.sync import subscribe_uploads
    from normdesk.sync.uploader import UploadOnCompleted

    queue = JobQueue()
    assert subscribe_uploads(queue) is False and not queue.events.subscribed(UploadOnCompleted(queue))
    save_settings(S3Settings("my-bucket"))
    assert subscribe_uploads(queue) is True and subscribe_uploads(queue) is True
    assert len(queue.events._subscribers) == 1  # once, however often it is asked
    assert queue.events.subscribed(UploadOnCompleted(queue))
    queue.close()


def test_a_plain_text_file_backend_picked_by_default_is_refused(tmp_path, monkeypatch):
    """keyring falls back to keyrings.alt's plain-text file on a machine without an OS keyring:
    normdesk does not store secrets there unless the user chose that backend."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    from normdesk.sync.secrets import keyring_available

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        assert not keyring_available()
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        assert keyring_available()
    finally:
        keyring.set_keyring(previous)
