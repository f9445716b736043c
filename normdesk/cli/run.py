"""``normdesk run FILE -o OUT``: normalize one file in the foreground, with a progress bar."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from normdesk.cli.common import EXIT_CANCELLED, EXIT_OK, FORMAT_BY_SUFFIX, add_plan_options, plan_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="normalize one file in the foreground")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT")
    p.add_argument("--type", action="append", default=[], metavar="COLUMN=TYPE",
                   help="override a column's type: name, name:first, name:last, email, phone, address, "
                        "address:street, or none to leave it as is (repeatable); the parts of a split address "
                        "(address:street, :line2, :city, :state, :zip, :country) or name (name:title, :first, "
                        ":middle, :last, :suffix) are normalized together as one record, and take a group "
                        "name when a file has several: city=address:city@home")
    add_plan_options(p)
    p.add_argument("--country", help="default country for phone numbers and addresses without one (default: the file's "
                        "country as its data shows it, else US); a country column still wins row by row")
    p.add_argument("--plan", metavar="PLAN.json", help="apply a saved plan instead of detecting")
    p.add_argument("--save-plan", metavar="PLAN.json", help="save the plan used, to re-apply to the next file")
    p.add_argument("--format", choices=["csv", "xlsx", "json", "parquet"],
                   help="output format (default: from the output's extension, else csv)")
    p.add_argument("--sheet", help="Excel: the sheet to read (default: the first)")
    p.add_argument("--check-mx", action="store_true", default=None,
                   help="emails: also check online that each domain takes mail (MX or A records; "
                        "default: the check_mx setting, off)")
    p.add_argument("--strict", action="store_true", default=None,
                   help="fail at the first malformed line instead of setting it aside in OUT's .rejects.csv "
                        "(default: the strict_lines setting, off)")
    p.add_argument("--workers", type=int, help="worker processes (default: one per core; 0 = in-process)")
    p.add_argument("--cluster", metavar="tcp://HOST:PORT",
                   help="run the chunks on a Dask cluster (its scheduler's address) instead of this computer")
    p.add_argument("--s3-output", choices=["object", "parts"], default="object",
                   help="with --cluster and an s3:// OUT: one object (multipart, the default), or "
                        "part-NNNNN objects plus OUT/manifest.json")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--report", metavar="REPORT.html",
                   help="also write a data quality report: .html (self-contained, with charts) or .json")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from normdesk.cli.common import EXIT_INPUT, fail

    if not (args.file.startswith("s3://") or args.output.startswith("s3://")):
        return _run(args, args.file, None)
    if not args.cluster:
        return fail("an s3:// input or output runs on a cluster: add --cluster tcp://HOST:PORT "
                    "(or download the file first: normdesk jobs submit s3://...)", EXIT_INPUT)
    if not args.file.startswith("s3://"):
        return _run(args, args.file, args.file)
    from normdesk.sync.cluster_s3 import S3Input

    opened = S3Input(args.file)
    try:
        return _run(args, opened.head_path, opened)
    finally:
        opened.close()


def _run(args: argparse.Namespace, detect_on: str | Path, remote: Any) -> int:
    """Plan on ``detect_on`` (the file, or an S3 input's first lines) and run: here (``remote`` is
    None), or on the cluster with S3 on the workers (``remote``: the local file or the S3 input)."""
    from normdesk.engine import Plan, detect_file, plan_from_detection, run_file
    from normdesk.engine.plan import parse_type_overrides
    from normdesk.engine.errors import Cancelled
    from normdesk import settings

    output = Path(args.output)
    options = {
        key: value
        for key, value in {
            "country": args.country.upper() if args.country else None,
            "output_format": args.format or (FORMAT_BY_SUFFIX.get(output.suffix.lower()) if not args.plan else None),
            "sheet": args.sheet,
            "check_mx": args.check_mx or (settings.load().check_mx if not args.plan else None),
        }.items()
        if value is not None
    } | plan_options(args)
    overrides = parse_type_overrides(args.type)
    if args.plan:
        from normdesk.engine import open_source

        plan = Plan.load(args.plan)
        with open_source(detect_on, args.sheet or plan.sheet) as source:
            columns = source.columns
        plan = plan.with_overrides(overrides, columns).with_options(**options)
    else:
        plan = plan_from_detection(detect_file(detect_on, args.sheet), overrides,
                                   default_country=settings.load().country, **options)
    if args.save_plan:
        plan.save(args.save_plan)
    if args.report:
        from normdesk.engine.quality_report import check_report_path

        check_report_path(args.report)  # before the run: a missing extra or a bad suffix fails fast
    bar = TerminalProgress(enabled=sys.stderr.isatty() and not args.json)
    try:
        with bar.catch_interrupt():
            strict = settings.load().strict_lines if args.strict is None else args.strict
            if remote is None:
                report = run_file(args.file, output, plan, progress=bar, workers=args.workers, cluster=args.cluster,
                                  strict=strict)
            else:
                from normdesk.sync.cluster_s3 import run_on_cluster

                report = run_on_cluster(remote, args.output, plan, args.cluster, progress=bar,
                                        s3_output=args.s3_output, notice=_notice)
    except Cancelled:
        bar.finish()
        print("normdesk: cancelled; no output was written", file=sys.stderr)
        return EXIT_CANCELLED
    bar.finish()
    if args.report:
        from normdesk.engine.quality_report import write_report

        write_report(report, args.report, args.file)
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.json else report.summary())
    return EXIT_OK


def _notice(message: str) -> None:
    print(f"normdesk: {message}", file=sys.stderr)


class TerminalProgress:
    """A one-line progress bar on stderr; Ctrl+C asks the engine to stop at the next chunk."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.monotonic()
        self._stop = False
        self._drawn = False

    def update(self, rows_done: int, fraction: float) -> None:
        if not self.enabled:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        filled = int(30 * min(max(fraction, 0.0), 1.0))
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%}  {rows_done:,} rows  "
            f"{rows_done / elapsed:,.0f} rows/s "
        )
        sys.stderr.flush()
        self._drawn = True

    def cancelled(self) -> bool:
        return self._stop

    def finish(self) -> None:
        if self._drawn:
            sys.stderr.write("\n")
            self._drawn = False

    @contextmanager
    def catch_interrupt(self) -> Iterator[None]:
        """The first Ctrl+C requests a clean stop at the next chunk, a second one is immediate."""
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum, frame):
            self._stop = True
            signal.signal(signal.SIGINT, previous)

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
