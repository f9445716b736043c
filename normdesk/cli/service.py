"""``normdesk service install|uninstall|status``: start ``normdesk worker`` at login (a systemd user
unit on Linux, a launchd agent on macOS, a Startup script on Windows) so that queued jobs,
schedules and watched folders run while no window is open."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("service", help="start the headless worker at login (systemd, launchd, Windows Startup)")
    p.add_argument("action", choices=("install", "uninstall", "status"))
    p.add_argument("--print", action="store_true", help="print the service file instead of writing it")
    p.set_defaults(func=cmd_service)


def cmd_service(args: argparse.Namespace) -> int:
    from normdesk.automation import os_service

    spec = os_service.service_files()
    if args.print:
        print(f"# {spec.path}\n{spec.text}", end="")
        return 0
    if args.action == "status":
        installed, running, line = os_service.status(spec)
        print(line)
        return 0 if installed else 3
    for line in (os_service.install if args.action == "install" else os_service.uninstall)(spec):
        print(line)
    return 0
