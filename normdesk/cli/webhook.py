"""``normdesk webhook add|list|remove|retry|test``: signed POSTs on job events, sent by the normdesk that runs the jobs."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from normdesk.cli.common import EXIT_INPUT, EXIT_OUTPUT, fail


def add_parser(sub: argparse._SubParsersAction) -> None:
    hooks = sub.add_parser("webhook", help="add, list, remove and test webhooks on job events")
    actions = hooks.add_subparsers(dest="webhook_command", metavar="ACTION", required=True)

    p = actions.add_parser("add", help="POST to URL on the given job events")
    p.add_argument("url", metavar="URL")
    p.add_argument("--events", default="job.completed,job.failed",
                   help="comma-separated (default job.completed,job.failed); also job.submitted, job.started, "
                        "job.retrying, job.cancelled, job.released, job.removed")
    p.add_argument("--secret", help="the signing secret (default: a new one, printed once)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add)

    p = actions.add_parser("list", help="webhooks and their last delivery attempts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = actions.add_parser("remove", help="remove a webhook and its pending deliveries")
    p.add_argument("webhook", metavar="ID_OR_URL")
    p.set_defaults(func=cmd_remove)

    p = actions.add_parser("retry", help="send a delivery again now: one that waits, or one that gave up")
    p.add_argument("delivery", metavar="DELIVERY_ID", help="as `webhook list` shows it")
    p.set_defaults(func=cmd_retry)

    p = actions.add_parser("test", help="send a webhook.test delivery now and show the reply")
    p.add_argument("webhook", metavar="ID_OR_URL")
    p.set_defaults(func=cmd_test)


def _store():
    from normdesk.api.webhooks import WebhookStore

    return WebhookStore()


def _time(stamp: float) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S")


def cmd_add(args: argparse.Namespace) -> int:
    hook = _store().add(args.url, args.events, args.secret)
    if args.json:
        print(json.dumps({**hook.to_dict(), **({} if args.secret else {"secret": hook.secret})}))
        return 0
    print(f"{hook.id}  {hook.url}  {','.join(hook.events)}")
    if not args.secret:
        print(f"signing secret (shown once): {hook.secret}")
    return 0


def _attempt(entry: dict, given_up: set[str]) -> str:
    result = str(entry["status"]) if entry["status"] is not None else "no reply"
    note = f" ({entry['error']})" if entry["error"] and entry["status"] is None else ""
    retry = f", retry at {_time(entry['retryAt'])}" if entry.get("retryAt") else ""
    if entry["deliveryId"] in given_up and not entry.get("retryAt"):
        retry = f", gave up (normdesk webhook retry {entry['deliveryId']})"
    return (f"    {_time(entry['at'])}  {entry['event']:<14} job {entry['jobId'] or '-'}  "
            f"attempt {entry['attempt']}: {result}{note}{retry}")


def cmd_list(args: argparse.Namespace) -> int:
    store = _store()
    hooks, given_up = store.list(), {d["id"] for d in store.given_up()}
    if args.json:
        print(json.dumps([h.to_dict() for h in hooks], indent=2))
        return 0
    if not hooks:
        print("no webhooks")
    for hook in hooks:
        print(f"{hook.id}  {hook.url}  {','.join(hook.events)}")
        for entry in hook.log[-5:]:
            print(_attempt(entry, given_up))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    hook = _store().remove(args.webhook)
    print(f"{hook.id}  {hook.url}  removed")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    if not _store().retry_now(args.delivery):
        return fail(f"no delivery {args.delivery} waits or gave up (delivered, or its webhook removed)", EXIT_INPUT)
    print(f"{args.delivery}  due now: the normdesk that runs the jobs sends it within a few seconds")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from normdesk import settings
    from normdesk.api.webhooks import send_test

    store = _store()
    status, error = send_test(store, store.find(args.webhook), settings.load().webhook_timeout_s)
    if status is None or not 200 <= status < 300:
        return fail(f"webhook test to {store.find(args.webhook).url} failed: {error}", EXIT_OUTPUT)
    print(f"{status}: delivered")
    return 0
