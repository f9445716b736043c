"""``normdesk watch ...``: watched folders; each new file matching the pattern is normalized once
into the output folder and moved aside (``DIR/done/``, or ``DIR/failed/`` with a reason file).

Files already in the folder when it is added are processed too. The worker or the window runs
the watches; these commands only edit them, which is safe while that process runs.
"""

from __future__ import annotations

import argparse
import json

from normdesk.cli.common import FORMATS


def add_parser(sub: argparse._SubParsersAction) -> None:
    watch = sub.add_parser("watch", help="watched folders: each new file is normalized once, then moved aside")
    actions = watch.add_subparsers(dest="watch_command", metavar="ACTION", required=True)

    p = actions.add_parser("add", help="watch a folder (files already in it are processed too)")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--pattern", default="*.csv", help="file name pattern (default *.csv)")
    p.add_argument("--plan", metavar="PLAN.json", help="a saved plan (default: detect each file)")
    p.add_argument("--output", metavar="DIR", help="output folder (default DIR/normalized)")
    p.add_argument("--done", metavar="DIR", help="where processed files go (default DIR/done)")
    p.add_argument("--failed", metavar="DIR", help="where failed files go, with NAME.reason.txt (default DIR/failed)")
    p.add_argument("--format", choices=FORMATS, help="output format (default: the plan's, else csv)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add)

    p = actions.add_parser("list", help="watched folders with their counts (processed, failed, waiting)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = actions.add_parser("remove", help="stop watching a folder (its files stay where they are)")
    p.add_argument("watch_id", metavar="ID")
    p.set_defaults(func=cmd_remove)


def _watches():
    from normdesk.automation.store import AutomationStore
    from normdesk.automation.watches import Watches

    return Watches(AutomationStore())


def cmd_add(args: argparse.Namespace) -> int:
    watches = _watches()
    watch = watches.add(args.folder, args.pattern, args.plan, args.output, args.done, args.failed, args.format)
    if args.json:
        print(json.dumps(watch.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(f"{watch.id}  watching {watch.folder} for {watch.pattern} -> {watch.output_dir}"
              " (files already there are processed too)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    watches = _watches()
    items = [(w, watches.counts(w)) for w in watches.list()]
    if args.json:
        print(json.dumps([w.to_dict(c) for w, c in items], indent=2, ensure_ascii=False))
        return 0
    if not items:
        print("no watched folders")
    for w, c in items:
        print(f"{w.id}  {w.folder}  {w.pattern} -> {w.output_dir}  "
              f"processed {c['processed']}, failed {c['failed']}, waiting {c['waiting']}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    watch = _watches().remove(args.watch_id)
    print(f"{watch.id}  no longer watching {watch.folder}")
    return 0
