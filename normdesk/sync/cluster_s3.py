"""A cluster run whose ``s3://`` input the workers read, and whose ``s3://`` output they write.

- An S3 input: the client reads only the object's first MiB (the dialect, the header, the sample
  the plan is detected on) and plans byte ranges of about ``chunk_rows`` rows. Each worker fetches
  its range with a ranged GET and keeps the lines that start in it (``engine.ranges``): the client
  ships a few hundred bytes per chunk, not the chunk. A file whose records may hold line breaks (the
  sample shows one, a worker finds one) or that cannot be cut on ``\\n`` bytes (UTF-16, bare CR) is
  read by the client instead (downloaded into the data folder, its chunks shipped), and ``notice``
  says so.
- An S3 output (CSV): the workers put their chunks as part objects; the client commits them as one
  object or as parts plus a manifest (``s3_parts``); a failed or cancelled run leaves nothing.
- A local input or output is the client's, as in ``engine.cluster``.

Rows, order and bytes are those of a local run; invalid samples carry the same row numbers. Such a
run is not resumed from a checkpoint: it starts over.

The workers reach S3 with their own credentials (environment, instance role, their keyring) and
the endpoint and region of the client's S3 settings: no secret travels over the Dask connection.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import polars as pl

from normdesk.engine.cluster import ClusterRunner, worker_transform
from normdesk.engine.errors import Cancelled, InputError, OutputError
from normdesk.engine.files import DETECT_SAMPLE_ROWS
from normdesk.engine.plan import Plan
from normdesk.engine.progress import NoProgress, Progress
from normdesk.engine.ranges import SplitUnsafe, block_bounds, data_offset, has_quoted_line_breaks, parse_block, whole_lines
from normdesk.engine.reader import CsvSource, Source, open_source
from normdesk.engine.report import ChunkCounts, ColumnReport, Report
from normdesk.engine.sniff import PREFIX_BYTES, Dialect, decode_prefix, detect_encoding, sniff_text
from normdesk.engine.transform import data_versions, output_layout
from normdesk.engine.writer import PartWriter, finalize, header_line, new_part_path, os_error
from normdesk.sync.client import explain, make_client
from normdesk.sync.keys import parse_s3_url
from normdesk.sync.s3_parts import PartSink, S3Output
from normdesk.sync.settings import S3Settings, load_settings
from normdesk.sync.transfer import download_to_data_dir

log = logging.getLogger(__name__)

MIN_BLOCK_BYTES = 64 << 10
STOP_EVENT = "normdesk-stop-{}"
Notice = Callable[[str], None]
BlockResult = tuple[pl.DataFrame | None, ChunkCounts, int, int]  # rows (or None: put on S3), counts, short rows, part bytes

_clients: dict[S3Settings, Any] = {}
_clients_lock = threading.Lock()


def is_s3(path: str | os.PathLike[str]) -> bool:
    return str(path).startswith("s3://")


def s3_settings(bucket: str) -> S3Settings:
    """The saved S3 settings (endpoint, region) for ``bucket``."""
    return replace(load_settings().validated(), bucket=bucket)


def _s3(settings: S3Settings) -> Any:
    """This process's S3 client for ``settings`` (boto3 clients are thread-safe)."""
    with _clients_lock:
        client = _clients.get(settings)
        if client is None:
            client = _clients[settings] = make_client(settings)
        return client


@dataclass(frozen=True)
class Range:
    """One worker's share of an S3 input: the lines that start in ``[start, end)``."""

    settings: S3Settings
    key: str
    start: int
    end: int
    size: int
    data_start: int
    dialect: Dialect

    def rows(self, columns: list[str]) -> tuple[pl.DataFrame, int]:
        client = _s3(self.settings)

        def get(lo: int, hi: int) -> bytes:
            return client.get_object(Bucket=self.settings.bucket, Key=self.key, Range=f"bytes={lo}-{hi - 1}")["Body"].read()

        try:
            data = whole_lines(get, self.start, self.end, self.size, self.data_start)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a plain sentence
            raise explain(exc, self.settings, self.key) from None
        return parse_block(data, self.dialect, columns)


def run_block(digest: str, spec: dict[str, Any], piece: Range | pl.DataFrame, index: int,
              sink: PartSink | None, stop: str | None) -> BlockResult:
    """The task a worker runs: read its range (or take the shipped chunk), normalize it, and put
    it on S3 as part ``index`` or send it back. Invalid samples are numbered from 1 here."""
    frame, short = piece.rows(spec["columns"]) if isinstance(piece, Range) else (piece, 0)
    out, counts = worker_transform(digest, spec)(frame, 1)
    if sink is None:
        return out, counts, short, 0
    from distributed import Event

    halt, client = Event(stop), _s3(sink.settings)
    if halt.is_set():
        return None, counts, short, 0
    size = sink.put(client, index, out)
    if halt.is_set():  # the client gave up while this part was uploading: take it back
        sink.delete(client, index)
    return None, counts, short, size


class S3Input:
    """An S3 object opened for a cluster run: its dialect, header and sample from its first MiB."""

    def __init__(self, url: str, settings: S3Settings | None = None) -> None:
        bucket, self.key = parse_s3_url(url)
        self.url, self.settings = url, settings or s3_settings(bucket)
        client = _s3(self.settings)
        try:
            self.size = int(client.head_object(Bucket=bucket, Key=self.key)["ContentLength"])
            prefix = client.get_object(Bucket=bucket, Key=self.key, Range=f"bytes=0-{PREFIX_BYTES}")["Body"].read()
        except Exception as exc:  # noqa: BLE001
            raise explain(exc, self.settings, self.key) from None
        complete = len(prefix) <= PREFIX_BYTES
        prefix = prefix[:PREFIX_BYTES]
        if not prefix:
            raise InputError("file is empty")
        encoding = detect_encoding(prefix)
        self.dialect = sniff_text(decode_prefix(prefix, encoding, complete), encoding, complete)
        self.unsplittable: str | None = None
        try:
            self.data_start = data_offset(prefix, self.dialect)
        except SplitUnsafe as why:
            self.unsplittable, self.data_start = str(why), 0
        head = prefix if complete or self.unsplittable else prefix[:prefix.rfind(b"\n") + 1]
        fd, name = tempfile.mkstemp(prefix="normdesk-s3-head-", suffix=".csv")
        with os.fdopen(fd, "wb") as f:
            f.write(head)
        self.head_path = Path(name)  # the object's first lines: detect the plan on this file
        with CsvSource(self.head_path, self.dialect) as head_source:
            self.header, self.columns = head_source.header, head_source.columns
            if not self.unsplittable and has_quoted_line_breaks(head_source.sample(DETECT_SAMPLE_ROWS)):
                self.unsplittable = "a quoted field holds a line break"

    def ranges(self, chunk_rows: int) -> list[Range]:
        """Byte ranges of about ``chunk_rows`` rows (judged from the first MiB's rows)."""
        head_bytes = self.head_path.stat().st_size - self.data_start
        with CsvSource(self.head_path, self.dialect) as source:
            sampled = sum(chunk.height for chunk in source.chunks(50_000))
        per_row = head_bytes / sampled if sampled else float(head_bytes or 1)
        block = max(MIN_BLOCK_BYTES, int(per_row * chunk_rows))
        return [Range(self.settings, self.key, lo, hi, self.size, self.data_start, self.dialect)
                for lo, hi in block_bounds(self.data_start, self.size, block)]

    def download(self) -> Path:
        return download_to_data_dir(self.url, settings=self.settings)

    def close(self) -> None:
        self.head_path.unlink(missing_ok=True)


def run_on_cluster(source: S3Input | str | Path, output: str | Path, plan: Plan, cluster: str, *,
                   progress: Progress | None = None, chunk_rows: int = 20_000, s3_output: str = "object",
                   profile: bool = True, notice: Notice | None = None) -> Report:
    """``run_file`` on a cluster for an S3 input and/or output (see the module doc)."""
    progress, notice = progress or NoProgress(), notice or log.warning
    plan.validate()
    if is_s3(output) and plan.output_format != "csv":
        raise InputError(f"an s3:// output is written as CSV, not {plan.output_format}: use a local output for it")
    if isinstance(source, S3Input) and source.unsplittable:
        notice(f"{source.url}: {source.unsplittable}, so the client reads it and ships its chunks")
        source = source.download()
    try:
        return _run(source, output, plan, cluster, progress, chunk_rows, s3_output, profile)
    except SplitUnsafe as why:
        if not isinstance(source, S3Input):
            raise
        notice(f"{source.url}: {why}, so the client reads it and ships its chunks (starting over)")
        return _run(source.download(), output, plan, cluster, progress, chunk_rows, s3_output, profile)


def _run(source: S3Input | str | Path, output: str | Path, plan: Plan, cluster: str, progress: Progress,
         chunk_rows: int, s3_output: str, profile: bool) -> Report:
    started = time.monotonic()
    local = None if isinstance(source, S3Input) else open_source(source, plan.sheet)
    try:
        columns, header = (local.columns, local.header) if local else (source.columns, source.header)
        plan.check_columns(columns)
        dialect = local.dialect if local else source.dialect
        delimiter = dialect.delimiter if dialect and plan.output_format == "csv" else ","
        layout = output_layout(plan, columns, header)
        report = Report(format=plan.output_format, columns={
            key: ColumnReport(col.type.value, col.part) for key, col in plan.typed_columns() if key in columns
        }, safe_formulas=plan.safe_formulas, data_versions=data_versions(plan, columns))
        runner = ClusterRunner(cluster, plan, columns, header, profile=profile)
        try:
            target = _Target(output, s3_output, runner.run_id, [c.header for c in layout], delimiter)
        except BaseException:
            runner.close()
            raise
        stop = STOP_EVENT.format(runner.run_id)
        try:
            pieces = _pieces(local, source, chunk_rows)
            calls = ((index, (piece, index, target.sink, stop)) for index, (piece, _) in enumerate(pieces.items))
            for index, (frame, counts, short, size) in enumerate(runner.run_tasks(run_block, calls)):
                for sample in counts.invalid_samples:
                    sample["row"] += report.total_rows
                report.add_chunk(counts)
                report.short_rows += short
                target.add(frame, size, counts.rows)
                progress.update(report.total_rows, pieces.fraction(index))
                if progress.cancelled():
                    raise Cancelled()
            report.short_rows += local.short_rows if local else 0
            target.commit(plan.output_format)
        except BaseException:
            if target.s3 is not None:
                _halt(runner, stop)
            runner.close()
            target.discard()
            raise
        runner.close()
    finally:
        if local is not None:
            local.close()
    report.output = str(output)
    report.elapsed_s = round(time.monotonic() - started, 3)
    progress.update(report.total_rows, 1.0)
    return report


def _halt(runner: ClusterRunner, stop: str) -> None:
    """Tell the workers to keep no part of this run (before its parts are deleted)."""
    try:
        from distributed import Event

        Event(stop, client=runner.client).set()
    except Exception:  # noqa: BLE001 - a lost scheduler: the workers cannot put parts either
        pass


class _Pieces:
    """What each task reads: shipped chunks of a local file, or ranges of an S3 object."""

    def __init__(self, items: Iterator[tuple[Range | pl.DataFrame, float]]) -> None:
        self._items, self._fractions = items, []

    @property
    def items(self) -> Iterator[tuple[Range | pl.DataFrame, float]]:
        for piece, fraction in self._items:
            self._fractions.append(fraction)
            yield piece, fraction

    def fraction(self, index: int) -> float:
        return self._fractions[index]


def _pieces(local: Source | None, source: S3Input | Any, chunk_rows: int) -> _Pieces:
    if local is not None:
        return _Pieces((chunk, local.fraction_read()) for chunk in local.chunks(chunk_rows))
    span = max(1, source.size - source.data_start)
    return _Pieces((r, (r.end - source.data_start) / span) for r in source.ranges(chunk_rows))


class _Target:
    """Where the results go: a local part file (then ``finalize``), or an S3 output's parts."""

    def __init__(self, output: str | Path, mode: str, run_id: str, headers: list[str], delimiter: str) -> None:
        self.headers, self.delimiter = headers, delimiter
        self.parts: list[tuple[int, int]] = []
        self.s3: S3Output | None = None
        self.writer: PartWriter | None = None
        if is_s3(output):
            settings = s3_settings(parse_s3_url(str(output))[0])
            self.s3 = S3Output(str(output), mode, settings, _s3(settings), run_id, header_line(headers, delimiter), delimiter)
        else:
            self.output = Path(output)
            self.part = new_part_path(self.output)
            self.writer = PartWriter(self.part, headers, delimiter, None)

    @property
    def sink(self) -> PartSink | None:
        return self.s3.sink if self.s3 else None

    def add(self, frame: pl.DataFrame | None, size: int, rows: int) -> None:
        if self.writer is not None and frame is not None:
            self.writer.write(frame)
        self.parts.append((size, rows))

    def commit(self, fmt: str) -> None:
        if self.s3 is not None:
            self.s3.commit(self.parts)
            return
        assert self.writer is not None
        try:
            self.writer.sync()
            self.writer.close()
        except OutputError:
            raise
        except OSError as err:
            raise os_error(err, self.output) from None
        finalize(self.part, self.output, fmt, self.delimiter, self.headers)

    def discard(self) -> None:
        if self.s3 is not None:
            self.s3.discard()
        if self.writer is not None:
            self.writer.close()
            self.part.unlink(missing_ok=True)
