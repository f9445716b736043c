"""``normdesk jobs ...``: the queue from a terminal.

The ``jobs`` commands are short transactions on the queue's SQLite store, which is safe across
processes: they work while a worker or the window owns the data folder (a cancel of a running
job is seen by its runner within one chunk). Only running jobs needs ownership: ``worker``
takes the folder lock and refuses to start while another process holds it.

"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from normdesk.cli.common import FORMATS, add_plan_options, plan_options
from normdesk.engine.errors import InputError, NormdeskError
from normdesk.jobs.model import JOB_TYPES, Job



def add_parser(sub: argparse._SubParsersAction) -> None:
    jobs = sub.add_parser("jobs", help="submit, list, retry, cancel and report queued jobs")
    actions = jobs.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)

    p = actions.add_parser("submit", help="queue files (a worker or the window runs them)")
    p.add_argument("files", nargs="+", metavar="FILE", help="a path, or s3://bucket/key")
    p.add_argument("--type", action="append", default=[], metavar="COLUMN=TYPE",
                   help="override a column's type (name, email, phone, address, none...); repeatable")
    p.add_argument("--only", choices=JOB_TYPES[1:], help="normalize only the columns detected as this type")
    p.add_argument("--plan", metavar="PLAN.json", help="apply a saved plan instead of detecting")
    p.add_argument("--country", help="default country for phone numbers and addresses without one (default: the "
                        "file's country as its data shows it, else the country setting)")
    add_plan_options(p)
    p.add_argument("--format", choices=FORMATS, help="output format (default: from -o, else csv)")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="output file (one FILE) or existing folder; default: FILE's folder, <stem>.normalized.<ext>")
    p.add_argument("--json", action="store_true", help="print the queued jobs as JSON")
    p.set_defaults(func=cmd_submit)

    p = actions.add_parser("list", help="every job, newest first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = actions.add_parser("show", help="one job with its report")
    p.add_argument("job_id", metavar="ID", help="a job id (or its unique beginning or end)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    for name, helptext in (("retry", "queue a failed or cancelled job again"),
                           ("cancel", "cancel a pending or running job")):
        p = actions.add_parser(name, help=helptext)
        p.add_argument("job_id", metavar="ID")
        p.set_defaults(func=cmd_retry if name == "retry" else cmd_cancel)

    p = actions.add_parser("stats", help="counts by status and success rate")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = actions.add_parser("clean", help="apply retention now (completed 24 h / last 1000, failed 7 days)")
    p.set_defaults(func=cmd_clean)

    p = actions.add_parser("repair", help="recover the jobs of a damaged store that was moved aside")
    p.set_defaults(func=cmd_repair)


def _queue(warn: bool = True):
    """The queue of the data folder; a problem found opening its store is one line on stderr."""
    from normdesk.jobs.dedupe_job import remove_artifacts_with_jobs
    from normdesk.jobs.queue import JobQueue

    queue = JobQueue()
    remove_artifacts_with_jobs(queue)  # `jobs clean` removes a dedupe job's kept pairs with it
    if warn and queue.note:
        print(f"normdesk: warning: {queue.note}", file=sys.stderr)
    return queue


def _fetch(file: str) -> tuple[Path, str | None]:
    """A local path for FILE, downloading s3:// URLs into the data folder first."""
    if not file.startswith("s3://"):
        return Path(file), None
    from normdesk.sync import download_to_data_dir

    try:
        return download_to_data_dir(file), file
    except NormdeskError:
        raise
    except Exception as err:
        raise InputError(f"cannot download {file}: {str(err).splitlines()[0] if str(err) else type(err).__name__}") from None


def cmd_submit(args: argparse.Namespace) -> int:
    from normdesk.engine.plan import Plan, parse_type_overrides

    plan = Plan.load(args.plan) if args.plan else None
    out = Path(args.output) if args.output else None
    if out is not None and len(args.files) > 1 and not out.is_dir():
        raise InputError(f"with several files, -o must be an existing folder: {out}")
    fmt = args.format or (out.suffix.lower().lstrip(".") if out and not out.is_dir() and
                          out.suffix.lower().lstrip(".") in FORMATS else None)
    queue, jobs = _queue(), []
    for file in args.files:
        source, key = _fetch(file)
        target = out
        if out is not None and out.is_dir():
            ext = fmt or (plan.output_format if plan else "csv")
            target = out / f"{source.stem}.normalized.{ext}"
        jobs.append(queue.submit(source, target, plan, args.only or "intelligent", overrides=parse_type_overrides(args.type),
                                 country=args.country, output_format=fmt, input_key=key, options=plan_options(args)))
    if args.json:
        print(json.dumps([j.to_dict() for j in jobs], indent=2, ensure_ascii=False))
    else:
        for job in jobs:
            print(f"{job.id}  queued  {job.input_path} -> {job.output_path}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    if args.json:  # one line of the stored summaries: every field but each job's plan and report
        print("[" + ",".join(_queue().summaries()) + "]")
        return 0
    jobs = _queue().list()
    if not jobs:
        print("no jobs")
    for job in jobs:
        print(_line(job))
    return 0


def _line(job: Job) -> str:
    rows = f"{job.processed_rows:,}" + (f"/{job.total_rows:,}" if job.total_rows else "")
    note = job.error_message or ""
    if job.status == "pending" and job.next_retry_at:
        note = f"retry {job.attempts + 1}/{job.max_attempts} at {_time(job.next_retry_at)}: {note}"
    return f"{job.id}  {job.status.value:<10} {_time(job.created_at)}  {rows:>15} rows  {Path(job.input_path).name}  {note}".rstrip()


def _time(stamp: float | None) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S") if stamp else "-"


def cmd_show(args: argparse.Namespace) -> int:
    job = _queue().find(args.job_id)
    if args.json:
        print(json.dumps(job.to_dict(), indent=2, ensure_ascii=False))
        return 0
    for label, value in (
        ("id", job.id), ("status", job.status.value), ("type", job.type),
        ("input", job.input_path + (f"  ({job.input_key})" if job.input_key else "")),
        ("output", job.output_path + (f"  ({job.output_key})" if job.output_key else "")),
        ("created", _time(job.created_at)), ("started", _time(job.started_at)),
        ("finished", _time(job.completed_at)),
        ("rows", f"{job.processed_rows:,} processed, {job.valid_rows:,} valid, {job.invalid_rows:,} with issues"),
        ("attempts", f"{job.attempts} of {job.max_attempts}"
                     + (f", next at {_time(job.next_retry_at)}" if job.next_retry_at else "")),
        ("error", job.error_message or "-"),
    ):
        print(f"{label:>9}: {value}")
    if job.report and job.report.get("kind") == "dedupe":
        from normdesk.match import DedupeReport

        print(DedupeReport.from_dict(job.report).summary())
    elif job.report:
        from normdesk.engine.report import Report

        print(Report.from_dict(job.report).summary())
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    queue = _queue()
    job = queue.retry(queue.find(args.job_id).id)
    print(f"{job.id}  {job.status.value}")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    queue = _queue()
    job = queue.cancel(queue.find(args.job_id).id)
    state = "cancel requested (stops after the current chunk)" if job.status == "processing" else job.status.value
    print(f"{job.id}  {state}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    stats = _queue().stats()
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2))
        return 0
    print(f"{stats.total} jobs: {stats.pending} pending, {stats.processing} processing, {stats.completed} completed, "
          f"{stats.failed} failed, {stats.cancelled} cancelled; success rate {stats.success_rate:.0%}")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    print(f"{_queue().clean()} jobs removed")
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    queue = _queue(warn=False)
    found = queue.note
    recovered, lost = queue.repair()
    if found is None and not recovered and not lost:
        print("the job store is healthy: nothing to repair")
        return 0
    print(f"{recovered} job(s) recovered, {lost} record(s) could not be read; {queue.stats().total} job(s) in the store")
    return 0
