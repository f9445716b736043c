"""``normdesk worker [--once]``: run queued jobs without a window, until drained or stopped, with
what runs beside them (``services``, which ``normdesk serve`` shares): S3 uploads, webhook
deliveries, and the schedules and watched folders of the data folder (``--no-automation``: no
schedules or watched folders)."""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import contextmanager
from typing import Callable, Iterator


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
    with services(queue, automation=not args.no_automation, webhooks=True) as periodic:
        return serve(queue, once=args.once, concurrency=args.concurrency, workers=args.workers, periodic=periodic)


@contextmanager
def services(queue, automation: bool, webhooks: bool) -> Iterator[list[Callable[[], None]]]:
    """Subscribe what runs beside the jobs (S3 uploads; webhook deliveries; schedules and watched
    folders), before the worker opens the data folder so that it replays unfinished completions to
    them; yields the ticks for the worker loop. On leaving: stops them, and waits for the uploads."""
    s3 = start_sync(queue)
    deliverer = _webhooks(queue) if webhooks else None
    ticker = _automation(queue, s3) if automation else None
    try:
        yield [ticker.tick] if ticker else []
    finally:
        if ticker:
            ticker.close()
        if deliverer:
            deliverer.stop()
        if s3:
            from normdesk.sync import wait_for_uploads

            wait_for_uploads()


def _webhooks(queue):
    """Deliver the queue's events to the webhooks (``normdesk webhook add``), on a thread of its own."""
    from normdesk import settings
    from normdesk.api.webhooks import Deliverer, WebhookStore

    deliverer = Deliverer(WebhookStore(queue.home), settings.load())
    deliverer.subscribe(queue.events)
    deliverer.start()
    return deliverer


def start_sync(queue) -> bool:
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
