"""An S3 output written by cluster workers as part objects, made visible by the client in one step.

Each worker puts its chunk's CSV rows (part 0 also holds the header) at
``BASE/<run>/part-NNNNN.csv``. When every part is in, the client commits, by the mode asked:

- ``object``: one object at the output key, assembled server-side by a multipart upload whose parts
  are copies of the part objects (``UploadPartCopy``; consecutive parts under S3's 5 MiB minimum are
  joined by the client first). It appears whole when the upload completes, never in pieces. The
  part objects live under ``KEY.normdesk-parts/`` and are deleted after.
- ``parts``: the part objects stay under ``PREFIX/<run>/`` and ``PREFIX/manifest.json`` (one PUT,
  the commit point) lists them in order with their sizes and rows. A reader that follows the
  manifest sees the previous run's output or this one, whole; the previous run's parts are deleted
  after the new manifest is in.

A failed or cancelled run deletes its part objects and aborts its multipart upload: nothing of it stays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from normdesk.sync.client import explain
from normdesk.sync.keys import parse_s3_url
from normdesk.sync.settings import S3Settings

MODES = ("object", "parts")
MIN_PART_BYTES = 5 << 20  # S3's minimum for every part of a multipart upload but the last
MANIFEST = "manifest.json"
STAGING_SUFFIX = ".normdesk-parts"


@dataclass(frozen=True)
class PartSink:
    """Where a run's workers put their parts (sent to the workers with each task)."""

    settings: S3Settings  # its bucket is the output's
    prefix: str  # BASE/<run>
    header: bytes  # the output's header line, at the start of part 0
    delimiter: str

    def key(self, index: int) -> str:
        return f"{self.prefix}/part-{index:05d}.csv"

    def put(self, client: Any, index: int, frame: pl.DataFrame) -> int:
        """Write the chunk's rows as part ``index``; its size in bytes."""
        body = frame.write_csv(include_header=False, separator=self.delimiter).encode("utf-8")
        return self.put_bytes(client, index, self.header + body if index == 0 else body)

    def put_bytes(self, client: Any, index: int, body: bytes) -> int:
        try:
            client.put_object(Bucket=self.settings.bucket, Key=self.key(index), Body=body)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a plain sentence
            raise explain(exc, self.settings, self.key(index)) from None
        return len(body)

    def delete(self, client: Any, index: int) -> None:
        client.delete_object(Bucket=self.settings.bucket, Key=self.key(index))


class S3Output:
    """The client's side of an S3 output: the sink for the workers, then ``commit`` or ``discard``."""

    def __init__(self, url: str, mode: str, settings: S3Settings, client: Any, run: str,
                 header: bytes, delimiter: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown S3 output mode {mode!r}")
        bucket, key = parse_s3_url(url)
        self.url, self.mode, self.client, self.key = url, mode, client, key.rstrip("/")
        self.settings = replace(settings, bucket=bucket)
        self.base = self.key if mode == "parts" else self.key + STAGING_SUFFIX
        self.sink = PartSink(self.settings, f"{self.base}/{run}", header, delimiter)
        self._upload_id: str | None = None

    def commit(self, parts: list[tuple[int, int]]) -> None:
        """Make the output visible; ``parts`` are (bytes, rows) of parts 0, 1, ... in order."""
        try:
            if not parts:  # no data row: part 0 is the header alone
                parts = [(self.sink.put_bytes(self.client, 0, self.sink.header), 0)]
            if self.mode == "object":
                self._complete_object([size for size, _ in parts])
                self._delete_staged()
            else:
                self._write_manifest(parts)
        except Exception as exc:  # noqa: BLE001
            self.discard()
            raise explain(exc, self.settings, self.key) from None

    def discard(self) -> None:
        """Delete this run's parts and abort its multipart upload (best effort, never raises)."""
        try:
            if self._upload_id is not None:
                self.client.abort_multipart_upload(Bucket=self.settings.bucket, Key=self.key, UploadId=self._upload_id)
                self._upload_id = None
        except Exception:  # noqa: BLE001 - cleanup; the S3 startup sweep aborts stale uploads too
            pass
        try:
            self._delete_staged()
        except Exception:  # noqa: BLE001
            pass

    def _complete_object(self, sizes: list[int]) -> None:
        bucket = self.settings.bucket
        self._upload_id = self.client.create_multipart_upload(Bucket=bucket, Key=self.key)["UploadId"]
        done, group = [], []
        for index, size in enumerate(sizes):
            group.append(index)
            last = index == len(sizes) - 1
            if len(group) == 1 and (size >= MIN_PART_BYTES or last):
                answer = self.client.upload_part_copy(
                    Bucket=bucket, Key=self.key, UploadId=self._upload_id, PartNumber=len(done) + 1,
                    CopySource={"Bucket": bucket, "Key": self.sink.key(index)})
                done.append(answer["CopyPartResult"]["ETag"])
                group = []
            elif sum(sizes[i] for i in group) >= MIN_PART_BYTES or last:
                body = b"".join(self._read(i) for i in group)
                answer = self.client.upload_part(Bucket=bucket, Key=self.key, UploadId=self._upload_id,
                                                 PartNumber=len(done) + 1, Body=body)
                done.append(answer["ETag"])
                group = []
        self.client.complete_multipart_upload(
            Bucket=bucket, Key=self.key, UploadId=self._upload_id,
            MultipartUpload={"Parts": [{"ETag": tag, "PartNumber": n} for n, tag in enumerate(done, 1)]})
        self._upload_id = None

    def _read(self, index: int) -> bytes:
        return self.client.get_object(Bucket=self.settings.bucket, Key=self.sink.key(index))["Body"].read()

    def _write_manifest(self, parts: list[tuple[int, int]]) -> None:
        bucket, key = self.settings.bucket, f"{self.base}/{MANIFEST}"
        previous = self._manifest(key)
        manifest = {
            "format": "csv", "header_in": self.sink.key(0), "rows": sum(rows for _, rows in parts),
            "parts": [{"key": self.sink.key(i), "bytes": size, "rows": rows} for i, (size, rows) in enumerate(parts)],
        }
        self.client.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest, indent=2).encode("utf-8"),
                               ContentType="application/json")
        old = {part["key"] for part in (previous or {}).get("parts", [])} - {p["key"] for p in manifest["parts"]}
        stale = sorted(old)
        for start in range(0, len(stale), 1000):
            batch = stale[start:start + 1000]
            self.client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})

    def _manifest(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.client.get_object(Bucket=self.settings.bucket, Key=key)["Body"].read())
        except self.client.exceptions.NoSuchKey:
            return None

    def _delete_staged(self) -> None:
        bucket = self.settings.bucket
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=self.sink.prefix + "/"):
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
