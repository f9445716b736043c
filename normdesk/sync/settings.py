"""S3 settings: a small JSON file in the data folder. It never holds credentials."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from normdesk.paths import data_dir
from normdesk.sync.errors import SyncError
from normdesk.sync.keys import BUCKET_RE

SETTINGS_FILE = "s3_settings.json"
UPLOAD_CHOICES = ("outputs", "inputs", "both", "none")


@dataclass(frozen=True)
class S3Settings:
    """Where and what to sync. An empty bucket means S3 is not configured."""

    bucket: str = ""
    prefix: str = ""
    region: str = ""
    endpoint_url: str = ""
    upload: str = "outputs"

    @property
    def configured(self) -> bool:
        return bool(self.bucket)

    def uploads_outputs(self) -> bool:
        return self.upload in ("outputs", "both")

    def uploads_inputs(self) -> bool:
        return self.upload in ("inputs", "both")

    def validated(self) -> S3Settings:
        """A cleaned copy (trimmed, prefix without outer slashes); SyncError on an invalid field."""
        clean = replace(
            self,
            bucket=self.bucket.strip(),
            prefix=self.prefix.strip().strip("/"),
            region=self.region.strip(),
            endpoint_url=self.endpoint_url.strip().rstrip("/"),
            upload=self.upload.strip().lower() or "outputs",
        )
        if clean.bucket and not BUCKET_RE.match(clean.bucket):
            raise SyncError(f"invalid bucket name {clean.bucket!r}: use 3-63 lower-case letters, digits, dots or dashes")
        if clean.upload not in UPLOAD_CHOICES:
            raise SyncError(f"invalid upload choice {clean.upload!r}: use one of {', '.join(UPLOAD_CHOICES)}")
        if clean.endpoint_url and not re.match(r"^https?://[^\s/]+", clean.endpoint_url):
            raise SyncError(f"invalid endpoint URL {clean.endpoint_url!r}: it must start with http:// or https://")
        if any(part in ("", ".", "..") for part in clean.prefix.split("/")) and clean.prefix:
            raise SyncError(f"invalid prefix {clean.prefix!r}: no empty, '.' or '..' parts")
        return clean


def settings_path() -> Path:
    return data_dir() / SETTINGS_FILE


def load_settings() -> S3Settings:
    """The saved settings, or defaults (not configured) when there is no readable file."""
    path = settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return S3Settings()
    except (OSError, ValueError) as exc:
        raise SyncError(f"cannot read the S3 settings file {path}: {exc.__class__.__name__}") from None
    known = {f.name for f in fields(S3Settings)}
    values = {k: str(v) for k, v in raw.items() if k in known and v is not None} if isinstance(raw, dict) else {}
    return S3Settings(**values)


def save_settings(settings: S3Settings) -> S3Settings:
    """Validate and write the settings atomically (temporary file, then rename); returns what was saved."""
    clean = settings.validated()
    path = settings_path()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".s3_settings.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(clean), fh, indent=2)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SyncError(f"cannot write the S3 settings file {path}: {exc.strerror or exc}") from None
    return clean
