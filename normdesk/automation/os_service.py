"""Start ``normdesk worker`` at login, the way each system expects:

- Linux: a systemd user unit, ``~/.config/systemd/user/normdesk-worker.service``
  (``systemctl --user enable --now``; the worker's log goes to the journal);
- macOS: a launchd agent, ``~/Library/LaunchAgents/app.normdesk.worker.plist``
  (``launchctl bootstrap gui/UID``; log in ``<data folder>/logs/worker.log``);
- Windows: a hidden start script in the Startup folder (``normdesk-worker.vbs``) — the per-user
  way that needs no administrator (Task Scheduler's ON LOGON trigger does).

``service_files()`` computes the file for a platform without touching anything (tests check it);
``install()`` writes it atomically and asks the system to start it when the system's tool is there.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

UNIT_NAME = "normdesk-worker.service"
AGENT_LABEL = "app.normdesk.worker"
STARTUP_NAME = "normdesk-worker.vbs"


@dataclass(frozen=True, slots=True)
class ServiceFile:
    platform: str  # linux, darwin, win32
    path: Path
    text: str
    start: tuple[tuple[str, ...], ...]  # commands that make the system start it now and at login
    stop: tuple[tuple[str, ...], ...]
    query: tuple[str, ...] | None  # a command whose exit status says whether it runs


def worker_command() -> list[str]:
    """How to start the worker from here: the frozen app itself, or this Python with ``-m normdesk``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "worker"]
    return [sys.executable, "-m", "normdesk", "worker"]


def _environment() -> dict[str, str]:
    """What the service must see as this shell does: the data folder and the settings' overrides."""
    return {k: v for k, v in sorted(os.environ.items()) if k.startswith("NORMDESK_") or k == "WORKER_CONCURRENCY"}


def service_files(platform: str = sys.platform, home: Path | None = None,
                  command: list[str] | None = None, env: dict[str, str] | None = None) -> ServiceFile:
    home = home or Path.home()
    command = command or worker_command()
    env = _environment() if env is None else env
    if platform.startswith("linux"):
        return _systemd(home, command, env)
    if platform == "darwin":
        return _launchd(home, command, env)
    if platform == "win32":
        return _windows(home, command, env)
    raise OSError(f"no service support for {platform}")


def _systemd_quote(arg: str) -> str:
    if arg and all(c.isalnum() or c in "/._-=:+@," for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _systemd(home: Path, command: list[str], env: dict[str, str]) -> ServiceFile:
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    lines = [
        "[Unit]",
        "Description=normdesk worker: queued jobs, schedules and watched folders",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={' '.join(_systemd_quote(a) for a in command)}",
        *(f"Environment={_systemd_quote(f'{k}={v}')}" for k, v in env.items()),
        "Restart=on-failure",
        "RestartSec=10",
        "KillSignal=SIGTERM",  # running jobs stop after their chunk and resume at the next start
        "TimeoutStopSec=60",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    ctl = ("systemctl", "--user")
    return ServiceFile("linux", config / "systemd" / "user" / UNIT_NAME, "\n".join(lines),
                       start=((*ctl, "daemon-reload"), (*ctl, "enable", "--now", UNIT_NAME)),
                       stop=((*ctl, "disable", "--now", UNIT_NAME), (*ctl, "daemon-reload")),
                       query=(*ctl, "is-active", "--quiet", UNIT_NAME))


def _launchd(home: Path, command: list[str], env: dict[str, str]) -> ServiceFile:
    logs = Path(env.get("NORMDESK_HOME") or home / "Library" / "Application Support" / "normdesk") / "logs"
    plist = {
        "Label": AGENT_LABEL, "ProgramArguments": command, "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False}, "ProcessType": "Background",
        "EnvironmentVariables": env, "StandardOutPath": str(logs / "worker.log"),
        "StandardErrorPath": str(logs / "worker.log"), "ExitTimeOut": 60,
    }
    path = home / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"
    domain = f"gui/{os.getuid() if hasattr(os, 'getuid') else 0}"
    return ServiceFile("darwin", path, plistlib.dumps(plist).decode(),
                       start=(("launchctl", "bootstrap", domain, str(path)),),
                       stop=(("launchctl", "bootout", f"{domain}/{AGENT_LABEL}"),),
                       query=("launchctl", "print", f"{domain}/{AGENT_LABEL}"))


def _windows(home: Path, command: list[str], env: dict[str, str]) -> ServiceFile:
    appdata = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    startup = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
    line = subprocess.list2cmdline(command).replace('"', '""')
    text = "\r\n".join([
        "' normdesk worker at login: queued jobs, schedules and watched folders (no window).",
        'Set shell = CreateObject("WScript.Shell")',
        *(f'shell.Environment("PROCESS")("{k}") = "{v.replace(chr(34), chr(34) * 2)}"' for k, v in env.items()),
        f'shell.Run "{line}", 0, False',
        "",
    ])
    path = startup / STARTUP_NAME
    return ServiceFile("win32", path, text, start=(("wscript", str(path)),), stop=(), query=None)


def install(spec: ServiceFile | None = None) -> list[str]:
    """Write the service file and start it; returns what was done, in lines for the user."""
    spec = spec or service_files()
    spec.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = spec.path.with_name(f".{spec.path.name}.tmp")
    tmp.write_text(spec.text, encoding="utf-8", newline="")
    os.replace(tmp, spec.path)
    if spec.platform == "darwin":
        Path(plistlib.loads(spec.text.encode())["StandardErrorPath"]).parent.mkdir(parents=True, exist_ok=True)
    done = [f"wrote {spec.path}"]
    return done + _run_all(spec.start)


def uninstall(spec: ServiceFile | None = None) -> list[str]:
    spec = spec or service_files()
    done = _run_all(spec.stop) if spec.path.exists() else []
    if spec.path.exists():
        spec.path.unlink()
        done.append(f"removed {spec.path}")
    else:
        done.append(f"not installed ({spec.path} does not exist)")
    return done


def status(spec: ServiceFile | None = None) -> tuple[bool, bool | None, str]:
    """(installed, running — None when the system cannot be asked, one line for the user)."""
    spec = spec or service_files()
    if not spec.path.exists():
        return False, False, f"not installed ({spec.path} does not exist)"
    running = None
    if spec.query and shutil.which(spec.query[0]):
        running = subprocess.run(spec.query, capture_output=True).returncode == 0
    state = {True: "running", False: "not running", None: f"state unknown ({(spec.query or ['the system'])[0]} not available)"}
    return True, running, f"installed ({spec.path}), {state[running]}"


def _run_all(commands: tuple[tuple[str, ...], ...]) -> list[str]:
    done = []
    for cmd in commands:
        if not shutil.which(cmd[0]):
            done.append(f"{cmd[0]} not found: run `{shlex.join(cmd)}` where it is available, or log in again")
            break
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            done.append(f"`{shlex.join(cmd)}` failed: {(result.stderr or result.stdout).strip().splitlines()[-1:] or ['']}")
            break
        done.append(f"ran {shlex.join(cmd)}")
    return done
