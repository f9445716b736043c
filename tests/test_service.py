"""``normdesk service``: the systemd user unit it writes, started the way systemd would start it
(systemd is absent here); the launchd agent and the Windows Startup script, checked as files."""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from automation_helpers import CLI, reference, sample_lines
from normdesk.automation import os_service


@pytest.fixture
def user(tmp_path, home):
    """A login of its own: HOME and XDG_CONFIG_HOME in tmp_path, the data folder in ``home``."""
    env = {**os.environ, "HOME": str(tmp_path / "user"), "XDG_CONFIG_HOME": str(tmp_path / "user" / ".config"),
           "NORMDESK_HOME": str(home), "NORMDESK_WATCH_SETTLE_S": "2"}
    Path(env["HOME"]).mkdir()
    return env


def unit(text: str) -> dict[str, list[str]]:
    """Key -> values of a systemd unit file (the keys this unit uses; no sections needed)."""
    keys: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            keys.setdefault(key, []).append(value)
    return keys


def test_systemd_unit_written_and_its_exec_start_serves_the_folder(user, home, tmp_path):
    no_systemd = {**user, "PATH": str(tmp_path)}  # no systemctl on PATH: the unit is written, not enabled
    result = subprocess.run([*CLI, "service", "install"], env=no_systemd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    path = Path(user["XDG_CONFIG_HOME"]) / "systemd" / "user" / "normdesk-worker.service"
    assert f"wrote {path}" in result.stdout and "systemctl not found" in result.stdout
    keys = unit(path.read_text(encoding="utf-8"))
    assert keys["WantedBy"] == ["default.target"] and keys["KillSignal"] == ["SIGTERM"]
    assert keys["Restart"] == ["on-failure"]
    command = shlex.split(keys["ExecStart"][0])
    assert command[-1] == "worker" and Path(command[0]).is_file()
    environment = dict(shlex.split(v)[0].split("=", 1) for v in keys["Environment"])
    assert environment["NORMDESK_HOME"] == str(home)

    # started as systemd would: that command, the unit's environment over a minimal one
    folder = tmp_path / "drop"
    folder.mkdir()
    src = tmp_path / "src.csv"
    src.write_text("".join(sample_lines()[:40]), encoding="utf-8")
    ref = reference(src, tmp_path / "ref.csv")
    subprocess.run([*CLI, "watch", "add", str(folder)], env=user, check=True, capture_output=True)
    shutil.copy(src, folder / "a.csv")
    minimal = {"HOME": user["HOME"], "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **environment}
    proc = subprocess.Popen(command, env=minimal, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (folder / "done" / "a.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (folder / "normalized" / "a.normalized.csv").read_bytes() == ref
        proc.send_signal(signal.SIGTERM)  # systemctl stop
        assert proc.wait(timeout=float(keys["TimeoutStopSec"][0])) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()

    status = subprocess.run([*CLI, "service", "status"], env=no_systemd, capture_output=True, text=True)
    assert status.returncode == 0 and status.stdout.startswith(f"installed ({path})")
    removed = subprocess.run([*CLI, "service", "uninstall"], env=no_systemd, capture_output=True, text=True)
    assert f"removed {path}" in removed.stdout and not path.exists()
    status = subprocess.run([*CLI, "service", "status"], env=user, capture_output=True, text=True)
    assert status.returncode == 3 and status.stdout.startswith("not installed")


def test_unit_quotes_paths_with_spaces(tmp_path):
    spec = os_service.service_files("linux", home=tmp_path, command=["/opt/my apps/normdesk", "worker"],
                                    env={"NORMDESK_HOME": "/data/a b"})
    keys = unit(spec.text)
    assert shlex.split(keys["ExecStart"][0]) == ["/opt/my apps/normdesk", "worker"]
    assert shlex.split(keys["Environment"][0]) == ["NORMDESK_HOME=/data/a b"]


def test_launchd_agent_plist(tmp_path):
    spec = os_service.service_files("darwin", home=tmp_path, env={"NORMDESK_HOME": "/data"})
    assert spec.path == tmp_path / "Library" / "LaunchAgents" / "app.normdesk.worker.plist"
    plist = plistlib.loads(spec.text.encode())
    assert plist["Label"] == "app.normdesk.worker" and plist["RunAtLoad"] is True
    assert plist["ProgramArguments"] == os_service.worker_command()
    assert plist["EnvironmentVariables"] == {"NORMDESK_HOME": "/data"}
    assert plist["StandardErrorPath"] == "/data/logs/worker.log"
    assert spec.start[0][:2] == ("launchctl", "bootstrap")


def test_windows_startup_script(tmp_path, monkeypatch):
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    spec = os_service.service_files("win32", home=tmp_path, command=[r"C:\Program Files\normdesk\normdesk.exe", "worker"],
                                    env={"NORMDESK_HOME": r"D:\nd"})
    assert spec.path == tmp_path / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "normdesk-worker.vbs"
    assert 'shell.Run """C:\\Program Files\\normdesk\\normdesk.exe"" worker", 0, False' in spec.text
    assert 'shell.Environment("PROCESS")("NORMDESK_HOME") = "D:\\nd"' in spec.text
