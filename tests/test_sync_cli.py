"""`normdesk s3 ...` against a real moto server: in-process through main(argv), and as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from s3_server import *  # noqa: F403 - fixtures
from s3_server import raw_client

from normdesk.cli import main as normdesk_main
from normdesk.sync.secrets import load_credentials
from normdesk.sync.settings import load_settings, settings_path


def main(argv: list[str]) -> int:
    """``normdesk s3 ARGV`` in this process."""
    return normdesk_main(["s3", *argv])

MARKER = "MARKER-SECRET-cli-7e21"


def test_configure_status_test_ls(aws_env, file_keyring, moto_url, capsys):
    raw_client(moto_url).create_bucket(Bucket="cli-bucket")
    raw_client(moto_url).put_object(Bucket="cli-bucket", Key="in/2026/a.csv", Body=b"a\n")
    raw_client(moto_url).put_object(Bucket="cli-bucket", Key="elsewhere.csv", Body=b"b\n")
    assert main(["configure", "--bucket", "cli-bucket", "--prefix", "in", "--endpoint-url", moto_url,
                 "--region", "us-east-1", "--upload", "both"]) == 0
    assert "S3 configured: s3://cli-bucket/in" in capsys.readouterr().out
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "bucket:      cli-bucket" in out and "default chain" in out
    assert main(["test"]) == 0
    assert capsys.readouterr().out.startswith("connected: s3://cli-bucket/in")
    assert main(["ls"]) == 0
    captured = capsys.readouterr()
    assert "in/2026/a.csv" in captured.out and "elsewhere" not in captured.out and "1 object(s)" in captured.err
    assert main(["configure", "--bucket", "cli-bucket", "--upload", "none"]) == 0  # keeps the other fields
    assert load_settings().prefix == "in" and load_settings().upload == "none"


def test_errors_are_one_line_with_status_1(aws_env, file_keyring, moto_url, capsys):
    assert main(["test"]) == 1
    assert capsys.readouterr().err == "normdesk: S3 is not configured: run `normdesk s3 configure --bucket NAME` first\n"
    assert main(["configure", "--bucket", "Not_A_Bucket"]) == 1
    assert "invalid bucket name" in capsys.readouterr().err and not settings_path().exists()
    main(["configure", "--bucket", "missing-bucket", "--endpoint-url", moto_url])
    capsys.readouterr()
    assert main(["test"]) == 1
    assert capsys.readouterr().err == "normdesk: no such bucket: 'missing-bucket'\n"
    assert main(["sync-retry", "no-such-job"]) == 1
    assert capsys.readouterr().err == "normdesk: no such job: no-such-job\n"
    with pytest.raises(SystemExit) as info:
        main(["configure", "--bucket", "b-b-b", "--upload", "everything"])
    assert info.value.code == 2


def test_login_from_stdin_logout(aws_env, file_keyring, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(MARKER + "\n"))
    assert main(["login", "--key-id", "AKIDCLI"]) == 0
    assert "stored in the OS keyring" in capsys.readouterr().out
    assert load_credentials().secret_access_key == MARKER
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "credentials: stored in keyring" in out and MARKER not in out and "AKIDCLI" not in out
    assert main(["logout"]) == 0 and load_credentials() is None
    assert "removed" in capsys.readouterr().out


def test_login_prompts_with_getpass(aws_env, file_keyring, monkeypatch, capsys):
    answers = iter(["AKIDPROMPT", MARKER])
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or next(answers))
    assert main(["login"]) == 0
    assert prompts == ["Access key id: ", "Secret access key: "]
    assert load_credentials().access_key_id == "AKIDPROMPT"


def test_login_without_a_keyring_refuses(aws_env, no_keyring, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(MARKER + "\n"))
    assert main(["login", "--key-id", "AKID"]) == 1
    err = capsys.readouterr().err
    assert "no keyring backend" in err and MARKER not in err
    assert main(["status"]) == 0
    assert "S3 stays off" in capsys.readouterr().out


def test_real_processes_through_the_normdesk_command(aws_env, moto_url, tmp_path):
    """`python -m normdesk s3 ...` in real processes, with keyrings.alt's file backend chosen by env."""
    raw_client(moto_url).create_bucket(Bucket="proc-bucket")
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
           "XDG_DATA_HOME": str(tmp_path / "xdg")}

    def run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "normdesk", "s3", *args], input=stdin, env=env,
                              capture_output=True, text=True, timeout=120)

    assert run("configure", "--bucket", "proc-bucket", "--endpoint-url", moto_url).returncode == 0
    login = run("login", "--key-id", "AKIDPROC", stdin=MARKER + "\n")
    assert login.returncode == 0, login.stderr
    status = run("status")
    assert "credentials: stored in keyring" in status.stdout and MARKER not in status.stdout + status.stderr
    test = run("test")
    assert test.returncode == 0 and "connected" in test.stdout, test.stderr
    keyring_files = list((tmp_path / "xdg").rglob("*.cfg"))
    assert keyring_files and any(b"normdesk" in p.read_bytes() for p in keyring_files)
    assert MARKER.encode() not in settings_path().read_bytes()
    assert json.loads(settings_path().read_text())["bucket"] == "proc-bucket"
