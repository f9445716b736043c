"""`normdesk --self-test` from the source install: every check passes on a good install, a
broken part of the main job is reported as FAIL with a non-zero exit, and a missing keyring
backend (S3 is optional) is a warning."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from normdesk import selftest


def headless_env(tmp_path, backend: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NORMDESK_HOME=str(tmp_path / "home"),
               PYTHON_KEYRING_BACKEND=backend, XDG_DATA_HOME=str(tmp_path / "xdg"))
    return env


def run_self_test(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "normdesk", "--self-test", *args], env=env, capture_output=True,
                          text=True, timeout=240)


def test_every_check_passes_on_the_source_install(tmp_path):
    proc = run_self_test(headless_env(tmp_path, "keyrings.alt.file.PlaintextKeyring"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [f"ok   {name}" for name in selftest.CHECKS]
    assert "keyrings.alt.file.PlaintextKeyring" in next(line for line in lines if line.startswith("ok   keyring"))
    assert "platform offscreen" in next(line for line in lines if line.startswith("ok   qt"))
    assert lines[-1].startswith(f"self-test passed: {len(selftest.CHECKS)} of {len(selftest.CHECKS)} checks ok")
    assert "Traceback" not in proc.stderr
    # the probe secret went into the temporary file keyring and was removed again
    stored = (tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg").read_text()
    assert "probe" not in stored
    assert not (tmp_path / "home" / "queue").exists()  # the store check used its own folder


def test_no_keyring_backend_is_a_warning_not_a_failure(tmp_path):
    """S3 is optional: a machine without a keyring backend passes, with the S3 line a warning."""
    proc = run_self_test(headless_env(tmp_path, "keyring.backends.fail.Keyring"),
                         "--only", "keyring", "--only", "polars", "--only", "store")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    keyring_line, polars_line, store_line, last = proc.stdout.splitlines()
    assert keyring_line == ("warn keyring: S3 credentials cannot be stored on this machine: no keyring backend; "
                            "S3 stays off")
    assert polars_line.startswith("ok   polars") and store_line.startswith("ok   store")
    assert last.startswith("self-test passed: 2 of 3 checks ok, 1 warning in ")


def test_a_broken_optional_check_warns_and_a_needed_one_fails(monkeypatch, capsys):
    def broken(tmp):
        raise ImportError("boto3 is missing")

    monkeypatch.setitem(selftest.CHECKS, "s3 client", broken)
    monkeypatch.setitem(selftest.CHECKS, "polars", broken)
    assert selftest.main(["--only", "s3 client", "--only", "polars"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["warn s3 client: ImportError: boto3 is missing", "FAIL polars: ImportError: boto3 is missing"]
    assert out[2].startswith("self-test FAILED: 0 of 2 checks ok, 1 warning in ")


def test_a_wrong_normalization_is_a_failure(monkeypatch, capsys):
    monkeypatch.setattr(selftest, "NORMALIZER_CASES", [
        ("phone", "+44 20 7946 0958", "+442079460958", {}, "CHANGED"),
        ("email", "Jane@Example.com", "someone.else@example.com", {}, "CHANGED"),
    ])
    assert selftest.main(["--only", "normalizers", "--only", "polars"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("FAIL normalizers: AssertionError: email 'Jane@Example.com': got")
    assert "phone" not in out[0]  # the right answer is not reported
    assert out[1].startswith("ok   polars: polars ")


def test_missing_resources_are_a_failure(monkeypatch, tmp_path, capsys):
    (tmp_path / "sample_contacts.csv").write_text("Name\nJane\n")
    monkeypatch.setattr(selftest, "resources_dir", lambda: tmp_path)
    assert selftest.main(["--only", "resources"]) == 1
    assert capsys.readouterr().out.startswith(f"FAIL resources: FileNotFoundError: missing in {tmp_path}: icons/normdesk.png")


def test_the_source_resources_are_found():
    assert (selftest.resources_dir() / "sample_contacts.csv").is_file()
    assert (selftest.resources_dir() / "icons" / "normdesk.png").is_file()


def test_an_unknown_check_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        selftest.main(["--only", "nonsense"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err
