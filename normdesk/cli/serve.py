"""``normdesk serve``: the local HTTP API and a worker over the same data folder, until SIGTERM/Ctrl+C."""

from __future__ import annotations

import argparse
import logging
import sys

from normdesk.cli.common import EXIT_INPUT, fail


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the local HTTP API (with API keys and webhooks) and a worker")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default 127.0.0.1; any other needs an API key to exist)")
    p.add_argument("--port", type=int, help="port (default: the api_port setting, 8765)")
    p.add_argument("--concurrency", type=int, help="jobs at once (default: the settings' worker concurrency)")
    p.add_argument("--workers", type=int, help="engine worker processes per job (default: one per core)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from normdesk.api.server import ApiServer
    except ImportError as err:
        return fail(f"the API needs the api extra ({err.name} is missing): pip install 'normdesk[api]'", EXIT_INPUT)
    from normdesk import settings
    from normdesk.jobs.lock import DataDirLock
    from normdesk.jobs.queue import JobQueue
    from normdesk.cli.worker import services
    from normdesk.jobs.worker import serve

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="normdesk serve: %(message)s", stream=sys.stderr)
    queue = JobQueue()
    with DataDirLock(queue.home):  # one process owns the data folder: say so before listening
        pass
    api = ApiServer(queue, settings.load(), args.host, args.port)
    api.deliver_webhooks()  # subscribed before the worker opens the folder: it replays unfinished completions

    def listen(dispatcher) -> None:
        api.service.dispatcher = dispatcher
        api.start()
        logging.getLogger(__name__).info("listening on %s/api/v1 (docs at %s/docs)", api.url, api.url)

    try:
        with services(queue, automation=True, webhooks=False) as periodic:
            return serve(queue, concurrency=args.concurrency, workers=args.workers, periodic=periodic, on_ready=listen)
    finally:
        api.stop()
