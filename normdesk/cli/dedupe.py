"""``normdesk dedupe FILE... -o OUT``: find the same person across rows and files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from normdesk.cli.common import EXIT_OK, FORMAT_BY_SUFFIX, FORMATS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dedupe", help="find the same person across rows and files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT")
    p.add_argument("--plan", metavar="PLAN.json", help="apply a saved plan to every file instead of detecting")
    p.add_argument("--threshold", type=float, metavar="P",
                   help="link probability that puts two rows in one cluster (default: the match_threshold setting)")
    p.add_argument("--merged", metavar="MERGED", help="also write one golden row per cluster")
    p.add_argument("--match", nargs="+", metavar="COL", help="compare only these input columns")
    p.add_argument("--against", metavar="BASE", help="link the files' rows to this base file only")
    p.add_argument("--format", choices=FORMATS, help="output format (default: from the output's extension)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--queue", action="store_true",
                   help="queue it as a job (a worker or the window runs it; see normdesk jobs) instead of running now")
    p.set_defaults(func=cmd_dedupe)


def cmd_dedupe(args: argparse.Namespace) -> int:
    from normdesk import settings
    from normdesk.engine import Plan

    try:
        from normdesk.match import dedupe
    except ImportError as err:  # the optional extra is missing
        from normdesk.engine import InputError

        raise InputError(f"dedupe needs the match extra (pip install 'normdesk[match]'): {err}") from None
    output = Path(args.output)
    fmt = args.format or FORMAT_BY_SUFFIX.get(output.suffix.lower(), "csv")
    plan = Plan.load(args.plan) if args.plan else None
    if args.queue:
        return _queue_it(args, plan, fmt)
    threshold = args.threshold if args.threshold is not None else settings.load().match_threshold
    report = dedupe(args.files, output, plan=plan, threshold=threshold, merged=args.merged, match=args.match,
                    against=args.against, output_format=fmt)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
    return EXIT_OK


def _queue_it(args: argparse.Namespace, plan, fmt: str) -> int:
    from normdesk.jobs.dedupe_job import submit_dedupe
    from normdesk.jobs.queue import JobQueue

    queue = JobQueue()
    try:
        job = submit_dedupe(queue, args.files, args.output, threshold=args.threshold, merged=args.merged,
                            match=args.match, against=args.against, plan=plan, output_format=fmt)
    finally:
        queue.close()
    print(json.dumps(job.to_dict(), indent=2) if args.json else f"{job.id}  queued  dedupe -> {job.output_path}")
    return EXIT_OK
