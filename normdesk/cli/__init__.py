"""The command line: ``normdesk`` opens the window; every sub-command is a module of this package
(``detect``, ``run``, ``jobs``, ``worker``, ``s3``...) with an ``add_parser(sub)`` function.

Exit status 0 on success; 2 with a one-line reason on bad input; 1 when the output could not be
written; 3 when the data folder (its job store) cannot be used; 130 when interrupted. Sub-commands import what they need when they run, so ``normdesk
jobs list`` starts without polars or Qt."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

import normdesk
from normdesk.cli import api_key, dedupe, detect, jobs, run, s3, schedule, serve, service, watch, webhook, worker
from normdesk.cli.common import EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, EXIT_STORE, fail

COMMANDS = (detect, run, jobs, worker, s3, dedupe, schedule, watch, service, serve, api_key, webhook)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        from normdesk.gui.app import main as gui_main

        return gui_main([])
    if argv[0] == "--self-test":
        from normdesk.selftest import main as self_test

        return self_test(argv[1:])
    args = build_parser().parse_args(argv)
    from normdesk.engine.errors import NormdeskError, OutputError
    from normdesk.jobs.store import StoreError
    from normdesk.paths import DataDirError
    from normdesk.settings import SettingsError

    try:
        return args.func(args)
    except BrokenPipeError:  # `normdesk ... | head`: the reader left, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OutputError as err:
        return fail(str(err), EXIT_OUTPUT)
    except (StoreError, DataDirError) as err:
        return fail(str(err), EXIT_STORE)
    except (NormdeskError, SettingsError) as err:
        return fail(str(err), EXIT_INPUT)


class VersionAction(argparse.Action):
    """``--version``, reading the version only when asked (importlib.metadata is slow to import)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"normdesk {normdesk.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="normdesk", description="Detect and normalize names, emails, phones and US addresses in contact files."
    )
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser
