"""One file, one streaming pass: read chunks -> normalize (worker processes) -> append to the
part file -> checkpoint -> ... -> convert and rename over the output -> report."""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import polars as pl

from concurrent.futures.process import BrokenProcessPool

from normdesk.engine.errors import Cancelled, ChunkCrashed, InputError, OutputError
from normdesk.engine.identity import Fingerprinter
from normdesk.engine.parallel import ChunkRunner, default_workers
from normdesk.engine.plan import Plan
from normdesk.engine.progress import NoProgress, Progress, chunk_started
from normdesk.engine.reader import Reject, Source, open_source
from normdesk.engine.rejects import RejectsFile
from normdesk.engine.report import ColumnReport, Report
from normdesk.engine.transform import data_versions, output_layout
from normdesk.engine.writer import PartWriter, finalize, new_part_path, os_error

if TYPE_CHECKING:
    from normdesk.engine.cluster import ClusterRunner

log = logging.getLogger(__name__)

CHUNK_ROWS = 20_000
INPUT_CHANGED = "input changed since the checkpoint: starting over"
PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a run stood after its last durably written chunk, and on which input (see
    ``identity``); JSON-able, to resume from. One without an input identity is not resumed."""

    part_path: str
    rows_done: int
    out_bytes: int
    report: dict[str, Any]
    input_size: int | None = None
    input_mtime_ns: int | None = None
    input_fingerprint: str | None = None
    input_offset: int = 0
    rejects_part: str | None = None  # the rejects part file and its length (None: no reject yet)
    rejects_bytes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checkpoint:
        return cls(**data)

    def same_input(self, prints: Fingerprinter) -> bool:
        """Is the input ``prints`` looks at the one this checkpoint was taken on?"""
        if self.input_fingerprint is None:
            return False
        now = prints.identity(self.input_offset)
        return (now.size, now.mtime_ns, now.fingerprint) == (
            self.input_size, self.input_mtime_ns, self.input_fingerprint)


def run_file(
    input_path: str | Path,
    output_path: str | Path,
    plan: Plan,
    *,
    progress: Progress | None = None,
    checkpoint: Checkpoint | None = None,
    on_checkpoint: Callable[[Checkpoint], None] | None = None,
    workers: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
    profile: bool = True,
    cluster: str | None = None,
    strict: bool = False,
) -> Report:
    """Normalize ``input_path`` into ``output_path`` as ``plan`` says; returns the report.

    The input is only read. The output appears at once at the end (renamed from a part file)
    or not at all. A ``checkpoint`` taken on another input (changed since, or replaced) is not
    resumed: the run starts over from row 1, logs INPUT_CHANGED and sets ``report.input_changed``. Raises InputError, OutputError or Cancelled, after removing the part file.
    Any other exception (a kill, KeyboardInterrupt, an error raised by a callback) leaves the
    part file and the last checkpoint in place, so the run can resume from there.
    ``profile=False`` leaves out the column profiles (``report.profile``), to measure their cost.

    ``cluster`` (a scheduler address, ``tcp://HOST:PORT``) runs the chunks on a Dask cluster instead
    of local worker processes (``workers`` is then ignored); an unreachable or mismatched cluster
    raises ``ClusterError`` before anything is written.

    A malformed line is quarantined into ``<stem>.rejects.csv`` beside the output (see ``rejects``)
    and counted in ``report.rejects``; ``strict`` fails the run at the first one instead.
    """
    started = time.monotonic()
    progress = progress or NoProgress()
    source_path, output = Path(input_path), Path(output_path)
    plan.validate()
    if output.exists() and output.resolve() == source_path.resolve():
        raise InputError("the output would overwrite the input: choose another output path")
    with open_source(source_path, plan.sheet) as source, Fingerprinter(source_path) as prints:
        plan.check_columns(source.columns)
        input_changed = checkpoint is not None and not checkpoint.same_input(prints)
        if input_changed:
            log.warning("%s: %s", source_path, INPUT_CHANGED)
            Path(checkpoint.part_path).unlink(missing_ok=True)
            if checkpoint.rejects_part:
                Path(checkpoint.rejects_part).unlink(missing_ok=True)
            checkpoint = None
        layout = output_layout(plan, source.columns, source.header)
        delimiter = source.dialect.delimiter if source.dialect and plan.output_format == "csv" else ","
        if checkpoint is None:
            part, rows_done, resume_at, rejects_at = new_part_path(output), 0, None, (None, None)
            report = Report(format=plan.output_format, columns={
                key: ColumnReport(col.type.value, col.part, col.group)
                for key, col in plan.typed_columns() if key in source.columns
            }, safe_formulas=plan.safe_formulas, input_changed=input_changed,
               data_versions=data_versions(plan, source.columns))
        else:
            part, rows_done = Path(checkpoint.part_path), checkpoint.rows_done
            resume_at, report = checkpoint.out_bytes, Report.from_dict(checkpoint.report)
            rejects_at = (checkpoint.rejects_part, checkpoint.rejects_bytes)
        runner = _runner(plan, source, workers, cluster, profile)
        try:
            writer = PartWriter(part, [c.header for c in layout], delimiter, resume_at)
        except BaseException:
            runner.close()
            raise
        try:
            rejects = RejectsFile(output, *rejects_at)
        except BaseException:
            runner.close()
            writer.close()
            raise
        try:
            read_at: deque[tuple[float, int, list[Reject]]] = deque()  # the input read and its rejects, per chunk
            numbered = _numbered(source.chunks(chunk_rows, rows_done, quarantine=not strict), rows_done, source,
                                 read_at, progress if isinstance(runner, ChunkRunner) and runner.workers == 0 else None)
            for frame, counts in _crash_evidence(runner.map(numbered), lambda: rows_done + 1):
                writer.write(frame)
                report.add_chunk(counts)
                rows_done += counts.rows
                fraction, offset, chunk_rejects = read_at.popleft()
                rejects.write(chunk_rejects)
                report.rejects += len(chunk_rejects)
                out_bytes, rejects_bytes = writer.sync(), rejects.sync()
                if on_checkpoint is not None:
                    ident = prints.identity(offset)
                    on_checkpoint(Checkpoint(str(part), rows_done, out_bytes, report.to_dict(state=True), ident.size,
                                             ident.mtime_ns, ident.fingerprint, ident.offset,
                                             str(rejects.part) if rejects.part else None, rejects_bytes))
                progress.update(rows_done, fraction)
                if progress.cancelled():
                    raise Cancelled()
            writer.close()
            tail = source.take_rejects()  # after the last row
            rejects.write(tail)
            report.rejects += len(tail)
            report.short_rows = source.short_rows
            finalize(part, output, plan.output_format, delimiter, [c.header for c in layout])
            report.rejects_file = str(rejects.finish(source_path) or "")
        except (InputError, OutputError, Cancelled):
            _discard(runner, writer, part)
            rejects.discard()
            raise
        except OSError as err:
            _discard(runner, writer, part)
            rejects.discard()
            raise os_error(err, output) from None
        except BaseException:
            runner.close()
            writer.close()
            rejects.close()
            raise
        runner.close()
    report.output = str(output)
    report.elapsed_s = round(time.monotonic() - started, 3)
    progress.update(rows_done, 1.0)
    return report


def _runner(plan: Plan, source: Source, workers: int | None, cluster: str | None,
            profile: bool) -> ChunkRunner | ClusterRunner:
    """Where the chunks run: on the cluster, in worker processes, or (small files) in this process."""
    if cluster:
        from normdesk.engine.cluster import ClusterRunner

        return ClusterRunner(cluster, plan, source.columns, source.header, profile=profile)
    if workers is None:
        workers = default_workers() if source.path.stat().st_size >= PARALLEL_MIN_BYTES else 0
    return ChunkRunner(plan, source.columns, source.header, workers, profile)


def _numbered(
    chunks: Iterator[pl.DataFrame], rows_before: int, source: Source, read_at: deque[tuple[float, int, list[Reject]]],
    in_process: Progress | None,
) -> Iterator[tuple[pl.DataFrame, int]]:
    """Pair each chunk with the 1-based data-row number of its first row, and note how far the
    input had been read and its rejects (progress, checkpoints and rejects follow the chunks written,
    not the reader ahead).
    ``in_process``: chunks are normalized in this process as they are drawn; tell it each start."""
    first = rows_before + 1
    for chunk in chunks:
        read_at.append((source.fraction_read(), source.bytes_read(), source.take_rejects()))
        if in_process is not None:
            chunk_started(in_process, first)
        yield chunk, first
        first += chunk.height


def _crash_evidence(results: Iterator[Any], first_unwritten: Callable[[], int]) -> Iterator[Any]:
    """The results; an engine process that died (the pool is broken) becomes ``ChunkCrashed``."""
    try:
        yield from results
    except BrokenProcessPool:
        raise ChunkCrashed(first_unwritten()) from None


def _discard(runner: ChunkRunner | ClusterRunner, writer: PartWriter, part: Path) -> None:
    runner.close()
    writer.close()
    part.unlink(missing_ok=True)
