"""`normdesk s3 ...`: configure, login/logout, status, test, ls, sync-retry.

"""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import replace

from normdesk.engine.errors import NormdeskError
from normdesk.sync.settings import UPLOAD_CHOICES, load_settings, save_settings


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the `s3` subcommand (and its own subcommands) on the main parser's subparsers."""
    s3 = subparsers.add_parser("s3", help="optional S3 sync of inputs and outputs",
                               description="Optional S3 sync. Credentials are kept only in the OS keyring.")
    _add_commands(s3)
    return s3


def _add_commands(parser: argparse.ArgumentParser) -> None:
    def show_help(args) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(func=show_help)
    sub = parser.add_subparsers(dest="s3_command", metavar="COMMAND")

    p = sub.add_parser("configure", help="set the bucket, prefix, region, endpoint and what to upload")
    p.add_argument("--bucket", required=True)
    p.add_argument("--prefix", default=None)
    p.add_argument("--region", default=None)
    p.add_argument("--endpoint-url", default=None, help="S3-compatible endpoint (MinIO, Ceph...)")
    p.add_argument("--upload", choices=UPLOAD_CHOICES, default=None, help="what to upload after a job (default outputs)")
    p.set_defaults(func=_safe(_configure))

    p = sub.add_parser("login", help="store an access key pair in the OS keyring")
    p.add_argument("--key-id", default=None, help="access key id; the secret is then read from stdin")
    p.set_defaults(func=_safe(_login))

    sub.add_parser("logout", help="remove the stored access key pair").set_defaults(func=_safe(_logout))
    sub.add_parser("status", help="show the settings and where the credentials come from").set_defaults(func=_safe(_status))
    sub.add_parser("test", help="test the connection to the bucket").set_defaults(func=_safe(_test))

    p = sub.add_parser("ls", help="list the objects under the configured prefix")
    p.add_argument("prefix", nargs="?", default="", metavar="PREFIX")
    p.set_defaults(func=_safe(_ls))

    p = sub.add_parser("sync-retry", help="upload a completed job's files again, now")
    p.add_argument("job_id", metavar="JOB_ID")
    p.set_defaults(func=_safe(_sync_retry))


def _safe(handler):
    """The handler, with a NormdeskError turned into a one-line message and exit status 1."""

    def run(args) -> int:
        try:
            return handler(args)
        except NormdeskError as err:
            print(f"normdesk: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("normdesk: interrupted", file=sys.stderr)
            return 130

    return run


def _configure(args) -> int:
    current = load_settings()
    changes = {k: v for k, v in {"bucket": args.bucket, "prefix": args.prefix, "region": args.region,
                                  "endpoint_url": args.endpoint_url, "upload": args.upload}.items() if v is not None}
    saved = save_settings(replace(current, **changes))
    print(f"S3 configured: s3://{saved.bucket}/{saved.prefix}  upload: {saved.upload}")
    return 0


def _login(args) -> int:
    from normdesk.sync.secrets import NO_KEYRING_MESSAGE, keyring_available, store_credentials

    if not keyring_available():
        print(f"normdesk: {NO_KEYRING_MESSAGE}", file=sys.stderr)
        return 1
    if args.key_id is not None:
        key_id, secret = args.key_id, sys.stdin.readline().strip()
    else:
        key_id = getpass.getpass("Access key id: ")
        secret = getpass.getpass("Secret access key: ")
    store_credentials(key_id, secret)
    print("credentials stored in the OS keyring")
    return 0


def _logout(args) -> int:
    from normdesk.sync.secrets import delete_credentials

    print("credentials removed from the OS keyring" if delete_credentials() else "no credentials were stored")
    return 0


def credentials_source() -> str:
    """Where the credentials come from, in words (never the credentials themselves)."""
    from normdesk.sync.secrets import NO_KEYRING_MESSAGE, keyring_available, load_credentials

    if not keyring_available():
        return NO_KEYRING_MESSAGE
    if load_credentials():
        return "stored in keyring"
    return "not stored: boto3's default chain (environment variables, ~/.aws profiles)"


def _status(args) -> int:
    s = load_settings()
    if not s.configured:
        print("S3: not configured (normdesk s3 configure --bucket NAME)")
    else:
        print(f"bucket:      {s.bucket}\nprefix:      {s.prefix or '(none)'}\nregion:      {s.region or '(default)'}\n"
              f"endpoint:    {s.endpoint_url or '(AWS)'}\nupload:      {s.upload}")
    print(f"credentials: {credentials_source()}")
    return 0


def _test(args) -> int:
    from normdesk.sync.client import active_settings, check_connection

    print(check_connection(active_settings()))
    return 0


def _ls(args) -> int:
    from normdesk.sync.client import list_objects

    objects = list_objects(args.prefix)
    for obj in objects:
        print(f"{obj.last_modified:%Y-%m-%d %H:%M}  {obj.size:>12}  {obj.key}")
    print(f"{len(objects)} object(s)", file=sys.stderr)
    return 0


def _sync_retry(args) -> int:
    from normdesk.jobs import JobQueue
    from normdesk.sync.uploader import retry_upload

    def show(fraction: float) -> None:
        print(f"\ruploading {fraction:6.1%}", end="\n" if fraction >= 1 else "", file=sys.stderr, flush=True)

    state = retry_upload(args.job_id, JobQueue(), progress=show if sys.stderr.isatty() else None)
    if state["state"] != "done":
        print(f"normdesk: upload failed: {state['error']}", file=sys.stderr)
        return 1
    print(f"job {args.job_id}: uploaded")
    return 0
