"""``normdesk api-key create|list|revoke``: the keys the local API accepts (only their hashes are stored)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime


def add_parser(sub: argparse._SubParsersAction) -> None:
    keys = sub.add_parser("api-key", help="create, list and revoke API keys for `normdesk serve`")
    actions = keys.add_subparsers(dest="api_key_command", metavar="ACTION", required=True)

    p = actions.add_parser("create", help="make a key and print it, once")
    p.add_argument("--name", required=True, help="what the key is for (unique among active keys)")
    p.add_argument("--permissions", default="read", help="comma-separated: read, submit, manage (default read)")
    p.add_argument("--expires", default="never", help="lifetime such as 30d, 12h, 90m, 2w (default never)")
    p.add_argument("--json", action="store_true", help='print {"id", "name", "key", "permissions", "expiresAt"}')
    p.set_defaults(func=cmd_create)

    p = actions.add_parser("list", help="every key, without the key itself")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = actions.add_parser("revoke", help="revoke a key at once, also on a running server")
    p.add_argument("key", metavar="NAME_OR_ID")
    p.set_defaults(func=cmd_revoke)


def _store():
    from normdesk.api.keys import KeyStore

    return KeyStore()


def _time(stamp: float | None) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M") if stamp else "never"


def cmd_create(args: argparse.Namespace) -> int:
    from normdesk.api.keys import parse_duration

    record, key = _store().create(args.name, args.permissions, parse_duration(args.expires))
    if args.json:
        print(json.dumps({"id": record.id, "name": record.name, "key": key,
                          "permissions": list(record.permissions), "expiresAt": record.expires_at}))
    else:
        print(key)
        print(f"API key {record.name!r} (id {record.id}, {','.join(record.permissions)}, expires "
              f"{_time(record.expires_at)}): copy it now, it is not shown again")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    keys = _store().list()
    if args.json:
        print(json.dumps([k.to_dict() for k in keys], indent=2))
        return 0
    if not keys:
        print("no API keys")
    for k in keys:
        data = k.to_dict()
        print(f"{k.id}  {k.name:<20} {','.join(k.permissions):<19} {data['state']:<8} "
              f"created {_time(k.created_at)}  expires {_time(k.expires_at)}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    record = _store().revoke(args.key)
    print(f"{record.id}  {record.name}  revoked")
    return 0
