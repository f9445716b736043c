"""Object keys: safe keys for uploads, safe local paths for downloads, s3:// URL parsing."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from normdesk.sync.errors import UnsafeKey

MAX_KEY_BYTES = 1024  # S3's own limit
MAX_PART_BYTES = 200  # below the 255-byte file-name limit of common file systems
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$", re.IGNORECASE)
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\]')
_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


def _short(key: str) -> str:
    return repr(key if len(key) <= 60 else key[:57] + "...")


def sanitize_part(name: str, *, fallback: str = "file") -> str:
    """One key part made of [A-Za-z0-9._-] only: no slash, no '..', no reserved name, bounded length."""
    clean = _KEY_CHARS.sub("_", PurePosixPath(name.replace("\\", "/")).name).strip("._") or fallback
    if _RESERVED.match(clean):
        clean = f"_{clean}"
    if len(clean) > MAX_PART_BYTES:
        stem, dot, ext = clean.rpartition(".")
        ext = dot + ext if dot and len(ext) <= 16 else ""
        clean = (stem if dot else clean)[: MAX_PART_BYTES - len(ext)] + ext
    return clean


def upload_key(prefix: str, job_id: str, file_name: str) -> str:
    """The key of a job's file: PREFIX/<job id>/<file name>, each part sanitized."""
    parts = [sanitize_part(p) for p in prefix.split("/") if p.strip("/")]
    parts += [sanitize_part(str(job_id), fallback="job"), sanitize_part(file_name)]
    return "/".join(parts)


def check_download_key(key: str) -> list[str]:
    """The key's parts; UnsafeKey (one line) when it could escape a folder or is not a portable path."""
    if not key:
        raise UnsafeKey("refusing an empty S3 key")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise UnsafeKey(f"refusing S3 key {_short(key)}: longer than {MAX_KEY_BYTES} bytes")
    if key.startswith("/") or re.match(r"^[A-Za-z]:", key):
        raise UnsafeKey(f"refusing S3 key {_short(key)}: absolute path or drive letter")
    bad = _UNSAFE_CHARS.search(key)
    if bad:
        raise UnsafeKey(f"refusing S3 key {_short(key)}: contains the character {bad.group()!r}")
    parts = key.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise UnsafeKey(f"refusing S3 key {_short(key)}: empty, '.' or '..' path part")
        if _RESERVED.match(part.split(".")[0]) or _RESERVED.match(part):
            raise UnsafeKey(f"refusing S3 key {_short(key)}: {part!r} is a reserved file name")
        if part != part.rstrip(". "):
            raise UnsafeKey(f"refusing S3 key {_short(key)}: a path part ends with a dot or a space")
        if len(part.encode("utf-8")) > MAX_PART_BYTES:
            raise UnsafeKey(f"refusing S3 key {_short(key)}: a path part is longer than {MAX_PART_BYTES} bytes")
    return parts


def local_path_for(root: Path, bucket: str, key: str) -> Path:
    """Where a downloaded object goes: root/<bucket>/<key>, guaranteed to stay inside root."""
    parts = check_download_key(key)
    check_download_key(bucket)
    root = root.resolve()
    path = root.joinpath(bucket, *parts).resolve()
    if not path.is_relative_to(root) or path == root:
        raise UnsafeKey(f"refusing S3 key {_short(key)}: it would write outside the data folder")
    return path


def parse_s3_url(url: str) -> tuple[str, str]:
    """'s3://bucket/some/key.csv' -> ('bucket', 'some/key.csv'); UnsafeKey on a malformed URL."""
    match = re.match(r"^s3://([^/]+)/(.+)$", url.strip())
    if not match:
        raise UnsafeKey(f"not an S3 object URL: {_short(url)} (expected s3://bucket/key)")
    if not BUCKET_RE.match(match.group(1)):
        raise UnsafeKey(f"not a valid bucket name in {_short(url)}")
    return match.group(1), match.group(2)
