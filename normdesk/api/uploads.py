"""Uploaded files, streamed to the data folder and never held whole in memory.

An upload is written into ``<data folder>/uploads/.incoming-<token>/`` as it arrives, counted
against the size limit, checked like ``normdesk run`` checks a file (every row read once: a bad
file is refused with the same one-line reason), and only then renamed, in one step, to
``uploads/<token>/`` and queued. A server killed mid-upload leaves only an ``.incoming-`` folder,
which no job points to and ``sweep`` removes at the next start.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator

from python_multipart.multipart import MultipartParser, parse_options_header

from normdesk import settings
from normdesk.engine import Plan, open_source
from normdesk.engine.errors import InputError
from normdesk.engine.pipeline import CHUNK_ROWS

INCOMING = ".incoming-"
FIELD_LIMIT = 1 << 20  # a config or plan part
_UNSAFE = re.compile(r"[^\w.\- ]+")


class TooLarge(Exception):
    """The body went over the size limit."""


@dataclass
class Upload:
    """A received file in its staging folder, with the form's other fields."""

    folder: Path
    name: str
    fields: dict[str, str] = field(default_factory=dict)
    size: int = 0

    @property
    def path(self) -> Path:
        return self.folder / self.name

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def commit(self, uploads: Path) -> Path:
        """Move the staging folder to its final place (one rename); returns the file's new path."""
        final = uploads / self.folder.name.removeprefix(INCOMING)
        self.folder.rename(final)
        self.folder = final
        return self.path


def safe_name(filename: str | None) -> str:
    """The last path component of a client's file name, without characters a file system may refuse."""
    name = _UNSAFE.sub("_", Path((filename or "").replace("\\", "/")).name).strip(" .")
    return name or "upload.csv"


def staging(uploads: Path, filename: str | None) -> Upload:
    uploads.mkdir(parents=True, exist_ok=True)
    folder = uploads / f"{INCOMING}{secrets.token_hex(8)}"
    folder.mkdir()
    return Upload(folder, safe_name(filename))


async def receive_multipart(body: AsyncIterator[bytes], content_type: str, uploads: Path, limit: int) -> Upload:
    """Stream a multipart/form-data body: the part named ``file`` to disk, the others (``config``,
    ``plan``) into ``fields``. Raises ``TooLarge``, or ``InputError`` for a malformed form."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise InputError("multipart body without a boundary")
    form = _Form(uploads)
    parser = MultipartParser(boundary, form.callbacks())
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > limit:
                raise TooLarge()
            parser.write(chunk)
        parser.finalize()
        if form.upload is None:
            raise InputError("no file: send the file as the multipart part named 'file'")
        if not form.done:
            raise InputError("the upload ended before the file did")
        form.upload.fields = form.fields
        form.upload.size = received
        return form.upload
    except BaseException:
        form.close()
        if form.upload is not None:
            form.upload.discard()
        raise


class _Form:
    """The callbacks of python-multipart's streaming parser."""

    def __init__(self, uploads: Path) -> None:
        self.uploads = uploads
        self.upload: Upload | None = None
        self.fields: dict[str, str] = {}
        self.done = False
        self._header = b""
        self._headers: dict[bytes, bytes] = {}
        self._value = b""
        self._name = ""
        self._out = None
        self._buffer: bytearray | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin, "on_header_field": self._field, "on_header_value": self._hvalue,
            "on_header_end": self._header_end, "on_headers_finished": self._headers_done,
            "on_part_data": self._data, "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._headers, self._header, self._value = {}, b"", b""

    def _field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header.lower()] = self._value
        self._header, self._value = b"", b""

    def _headers_done(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        if self._name == "file":
            if self.upload is not None:
                raise InputError("send one file per request")
            self.upload = staging(self.uploads, params.get(b"filename", b"").decode("utf-8", "replace"))
            self._out = open(self.upload.path, "wb")
        else:
            self._buffer = bytearray()

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._out is not None:
            self._out.write(data[start:end])
        elif self._buffer is not None:
            self._buffer += data[start:end]
            if len(self._buffer) > FIELD_LIMIT:
                raise InputError(f"the form field {self._name!r} is over {FIELD_LIMIT >> 20} MB")

    def _end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
            self.done = True
        elif self._buffer is not None:
            self.fields[self._name] = self._buffer.decode("utf-8", "replace")
            self._buffer = None

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


async def receive_json(body: AsyncIterator[bytes], uploads: Path, limit: int) -> Upload:
    """The original design's JSON form, ``{fileContent, fileName, config}``: the file as text."""
    data = bytearray()
    async for chunk in body:
        data += chunk
        if len(data) > limit:
            raise TooLarge()
    try:
        payload = json.loads(data)
    except ValueError as err:
        raise InputError(f"the body is not valid JSON: {err}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("fileContent"), str):
        raise InputError("a JSON submission needs fileContent (the file as text) and fileName")
    upload = staging(uploads, payload.get("fileName"))
    try:
        upload.path.write_text(payload["fileContent"], encoding="utf-8", newline="")
    except BaseException:
        upload.discard()
        raise
    upload.size = len(data)
    for name in ("config", "plan"):
        if payload.get(name) is not None:
            upload.fields[name] = json.dumps(payload[name])
    return upload


def job_plan(fields: dict[str, str]) -> Plan:
    """The plan of a submission: its ``plan`` part, then its ``config`` ({preserveAccents,
    defaultCountry, outputFormat}) on top."""
    plan = Plan.from_json(fields["plan"]) if fields.get("plan") else Plan()
    if not fields.get("config"):
        return plan
    try:
        config = json.loads(fields["config"])
    except ValueError as err:
        raise InputError(f"config is not valid JSON: {err}") from None
    if not isinstance(config, dict):
        raise InputError("config must be a JSON object such as {\"defaultCountry\": \"US\"}")
    options: dict[str, Any] = {}
    if config.get("defaultCountry") is not None:
        options["country"] = str(config["defaultCountry"]).upper()
    if config.get("preserveAccents") is not None:
        options["preserve_accents"] = bool(config["preserveAccents"])
    if config.get("outputFormat") is not None:
        options["output_format"] = str(config["outputFormat"])
    return plan.with_options(**options)


def count_rows(path: Path, plan: Plan) -> int:
    """Read every row once, as the job will (malformed lines set aside unless ``strict_lines``): an
    ``InputError`` names what is wrong with the file; the count leaves the malformed lines out."""
    with open_source(path, plan.sheet) as source:
        if plan.columns:
            plan.check_columns(source.columns)
        return sum(frame.height for frame in source.chunks(CHUNK_ROWS, quarantine=not settings.load().strict_lines))


def sweep(uploads: Path, referenced: set[Path]) -> list[Path]:
    """Remove staging folders left by a killed server and upload folders no job points to.
    Call it only while this process owns the data folder, before it takes uploads."""
    removed = []
    if not uploads.is_dir():
        return removed
    for folder in uploads.iterdir():
        if folder.is_dir() and (folder.name.startswith(INCOMING) or folder not in referenced):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
