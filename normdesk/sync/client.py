"""The boto3 S3 client (bounded timeouts, standard retries) and plain-words error messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError as BotoConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from normdesk.sync.errors import NotConfigured, SyncError
from normdesk.sync.secrets import NO_KEYRING_MESSAGE, Credentials, keyring_available, load_credentials
from normdesk.sync.settings import S3Settings, load_settings

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
MAX_ATTEMPTS = 4
_BAD_CREDENTIALS = {
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
    "InvalidClientTokenId", "UnrecognizedClientException", "AuthorizationHeaderMalformed",
}


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime


def active_settings() -> S3Settings:
    """The saved settings, or NotConfigured when S3 is off (no bucket, or no keyring backend)."""
    settings = load_settings()
    if not settings.configured:
        raise NotConfigured("S3 is not configured: run `normdesk s3 configure --bucket NAME` first")
    if not keyring_available():
        raise NotConfigured(NO_KEYRING_MESSAGE)
    return settings


def make_client(settings: S3Settings, credentials: Credentials | None = None, *, connect_timeout: float | None = None,
                read_timeout: float | None = None, max_attempts: int | None = None):
    """An S3 client for these settings: the given or stored key pair, else boto3's default chain.
    Timeouts and attempts default to the module's CONNECT_TIMEOUT, READ_TIMEOUT and MAX_ATTEMPTS."""
    if credentials is None and keyring_available():
        credentials = load_credentials()
    config = Config(
        connect_timeout=connect_timeout or CONNECT_TIMEOUT,
        read_timeout=read_timeout or READ_TIMEOUT,
        retries={"mode": "standard", "max_attempts": max_attempts or MAX_ATTEMPTS},
        s3={"addressing_style": "path"} if settings.endpoint_url else None,
    )
    session = boto3.session.Session(
        aws_access_key_id=credentials.access_key_id if credentials else None,
        aws_secret_access_key=credentials.secret_access_key if credentials else None,
        region_name=settings.region or None,
    )
    return session.client("s3", endpoint_url=settings.endpoint_url or None, config=config)


def explain(exc: BaseException, settings: S3Settings, what: str = "") -> SyncError:
    """A SyncError that says in plain words what went wrong, without echoing any credential."""
    where = f"s3://{settings.bucket}/{what}" if what else f"bucket {settings.bucket!r}"
    exc = _root_cause(exc)
    if isinstance(exc, SyncError):
        return exc
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return SyncError("no S3 credentials: log in with `normdesk s3 login` or set up an AWS profile or environment")
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _BAD_CREDENTIALS:
            return SyncError(f"S3 rejected the credentials ({code}): check the access key id and secret")
        if code in ("NoSuchBucket",) or (code == "404" and not what):
            return SyncError(f"no such bucket: {settings.bucket!r}")
        if code in ("NoSuchKey", "404"):
            return SyncError(f"no such object: {where}")
        if code in ("AccessDenied", "403", "AllAccessDisabled"):
            return SyncError(f"access denied to {where}: the credentials lack permission")
        if code == "PermanentRedirect" or code == "301":
            return SyncError(f"bucket {settings.bucket!r} is in another region: set the region in the S3 settings")
        if isinstance(status, int) and status >= 500:
            return SyncError(f"the S3 server failed ({status} {code}) on {where}: try again later")
        return SyncError(f"S3 refused the request on {where} ({code or status})")
    if isinstance(exc, ReadTimeoutError):
        return SyncError(f"{settings.endpoint_url or 'AWS S3'} stopped answering (read timeout): try again later")
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        endpoint = settings.endpoint_url or "AWS S3"
        return SyncError(f"cannot reach {endpoint}: no network, or the endpoint is unreachable ({exc.__class__.__name__})")
    if isinstance(exc, BotoCoreError):
        return SyncError(f"S3 error on {where}: {exc.__class__.__name__}")
    if isinstance(exc, OSError):
        return SyncError(f"local file error during the transfer of {where}: {exc.strerror or exc.__class__.__name__}")
    return SyncError(f"unexpected error during the transfer of {where}: {exc.__class__.__name__}")


def _root_cause(exc: BaseException) -> BaseException:
    """The botocore error behind boto3's wrappers (S3UploadFailedError, RetriesExceededError)."""
    seen: set[int] = set()
    while id(exc) not in seen and not isinstance(exc, (ClientError, BotoCoreError, SyncError)):
        seen.add(id(exc))
        inner = getattr(exc, "last_exception", None) or exc.__cause__ or exc.__context__
        if inner is None:
            break
        exc = inner
    return exc


def check_connection(settings: S3Settings, credentials: Credentials | None = None) -> str:
    """Try the bucket (list one key under the prefix): a plain sentence on success, SyncError otherwise."""
    settings = settings.validated()
    if not settings.configured:
        raise NotConfigured("no bucket set")
    client = make_client(settings, credentials, max_attempts=2, read_timeout=15.0)
    try:
        client.list_objects_v2(Bucket=settings.bucket, Prefix=_dir(settings.prefix), MaxKeys=1)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a plain sentence
        raise explain(exc, settings) from None
    where = f"s3://{settings.bucket}/{settings.prefix}" if settings.prefix else f"s3://{settings.bucket}"
    return f"connected: {where} is reachable with these credentials"


def _dir(prefix: str) -> str:
    return f"{prefix.strip('/')}/" if prefix.strip("/") else ""


def list_objects(prefix: str = "", *, settings: S3Settings | None = None, client=None, limit: int = 10_000) -> list[ObjectInfo]:
    """Objects whose key starts with PREFIX (under the configured prefix when PREFIX is relative to it)."""
    settings = settings or active_settings()
    client = client or make_client(settings)
    full = prefix if prefix.startswith(_dir(settings.prefix)) else _dir(settings.prefix) + prefix.lstrip("/")
    found: list[ObjectInfo] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=settings.bucket, Prefix=full):
            for obj in page.get("Contents", []):
                found.append(ObjectInfo(obj["Key"], int(obj["Size"]), obj["LastModified"]))
                if len(found) >= limit:
                    return found
    except Exception as exc:  # noqa: BLE001
        raise explain(exc, settings, full) from None
    return found
