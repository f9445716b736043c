"""``normdesk worker [--once]``: run queued jobs without a window, until drained or stopped, and
the schedules and watched folders of the data folder (``--no-automation``: jobs only)."""

from __future__ import annotations

import argparse
import logging
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run queued jobs without a window")
    p.add_argument("--once", action="store_true", help="exit when the queue is drained")
    p.add_argument("--concurrency", type=int, help="jobs at once (default: the settings' worker concurrency, 2)")
    p.add_argument("--workers", type=int, help="engine worker processes per job (default: one per core)")
    p.add_argument("--no-automation", action="store_true", help="run queued jobs only: no schedules, no watched folders")
    p.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    from normdesk.jobs.queue import JobQueue
    from normdesk.jobs.worker import serve

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="normdesk worker: %(message)s", stream=sys.stderr)
    queue = JobQueue()
    if queue.note:
        logging.getLogger(__name__).warning("%s", queue.note)
    s3 = _start_sync(queue)
    automation = None if args.no_automation else _automation(queue, s3)
    try:
        code = serve(queue, once=args.once, concurrency=args.concurrency, workers=args.workers,
                     periodic=[automation.tick] if automation else [])
    finally:
        if automation:
            automation.close()
    if s3:
        from normdesk.sync import wait_for_uploads

        wait_for_uploads()
    return code


def _start_sync(queue) -> bool:
    """Subscribe the S3 upload to the queue's events and resume interrupted uploads, when S3 is configured."""
    try:
        import normdesk.sync as sync

        if not sync.subscribe_uploads(queue):
            return False
        sync.resume_pending_uploads(queue)
        return True
    except Exception as err:  # S3 is optional: the worker runs without it
        logging.getLogger(__name__).warning("S3 sync is off: %s", err)
        return False


def _automation(queue, s3: bool):
    """Schedules and watched folders, ticked by the worker loop once it owns the data folder."""
    from normdesk.automation.runner import Automation

    fetchers = {}
    if s3:
        from normdesk.sync import fetch_prefix

        fetchers["s3"] = fetch_prefix
    return Automation(queue, fetchers=fetchers)
