"""``normdesk schedule ...``: cron schedules that queue a file, a glob or an s3:// prefix.

They run in the process that owns the data folder (``normdesk worker``, the window); these
commands only edit them, which is safe while that process runs. ``run-now`` queues the run's
jobs at once (a worker or the window runs them).
"""

from __future__ import annotations

import argparse
import json

from normdesk.cli.common import FORMATS


def add_parser(sub: argparse._SubParsersAction) -> None:
    schedule = sub.add_parser("schedule", help="cron schedules that queue files (run by the worker or the window)")
    actions = schedule.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)

    p = actions.add_parser("add", help="add a schedule")
    p.add_argument("--name", required=True)
    p.add_argument("--cron", required=True, metavar="EXPR", help='minute hour day month weekday, e.g. "0 9 * * 1"')
    p.add_argument("--input", required=True, metavar="PATH", help="a file, a glob such as 'exports/*.csv', or s3://bucket/prefix")
    p.add_argument("--plan", metavar="PLAN.json", help="a saved plan (default: detect each time)")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder (default: the settings', else beside the input)")
    p.add_argument("--format", choices=FORMATS, help="output format (default: the plan's, else the settings')")
    p.add_argument("--disabled", action="store_true", help="add it disabled")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add)

    p = actions.add_parser("list", help="every schedule with lastRun, nextRun and its last result")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    for name, helptext in (("enable", "enable a schedule (nextRun from now)"), ("disable", "disable a schedule"),
                           ("remove", "remove a schedule"), ("run-now", "queue a schedule's run at once")):
        p = actions.add_parser(name, help=helptext)
        p.add_argument("schedule_id", metavar="ID", help="a schedule id (or its unique beginning or end)")
        p.set_defaults(func=cmd_action, action=name)


def _scheduler():
    from normdesk.automation.schedules import Scheduler
    from normdesk.automation.store import AutomationStore
    from normdesk.jobs.queue import JobQueue
    from normdesk.settings import load

    queue = JobQueue()
    return Scheduler(AutomationStore(queue.home), queue, defaults=load), queue


def cmd_add(args: argparse.Namespace) -> int:
    scheduler, queue = _scheduler()
    schedule = scheduler.add(args.name, args.cron, args.input, args.plan, args.output, args.format,
                             enabled=not args.disabled)
    if args.json:
        print(json.dumps(schedule.to_dict(queue), indent=2, ensure_ascii=False))
    else:
        print(f"{schedule.id}  {schedule.name}: {_when(schedule)}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    scheduler, queue = _scheduler()
    schedules = scheduler.list()
    if args.json:
        print(json.dumps([s.to_dict(queue) for s in schedules], indent=2, ensure_ascii=False))
        return 0
    if not schedules:
        print("no schedules")
    for s in schedules:
        last = f"last {_short(s.last_run)}: {s.to_dict(queue)['lastResult']}" if s.last_run else "never run"
        print(f"{s.id}  {s.name}  [{'on' if s.enabled else 'off'}]  {_when(s)}  {last}\n    {s.input}")
    return 0


def cmd_action(args: argparse.Namespace) -> int:
    scheduler, queue = _scheduler()
    if args.action == "remove":
        schedule = scheduler.remove(args.schedule_id)
        print(f"{schedule.id}  removed")
        return 0
    if args.action == "run-now":
        schedule = scheduler.run_now(args.schedule_id)
        run = schedule.last
        if run["error"]:
            print(f"{schedule.id}  run failed: {run['error']}")
            return 2
        print(f"{schedule.id}  queued {len(run['jobs'])} job(s): {' '.join(run['jobs'])}")
        return 0
    schedule = scheduler.set_enabled(args.schedule_id, args.action == "enable")
    print(f"{schedule.id}  {args.action}d: {_when(schedule)}")
    return 0


def _when(schedule) -> str:
    from normdesk.automation.cron import summary

    return f"{schedule.cron}: {summary(schedule.cron, schedule.next_run)}"


def _short(ts: float) -> str:
    from normdesk.automation.cron import short_time

    return short_time(ts)
