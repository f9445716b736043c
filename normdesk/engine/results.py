"""A finished run's output beside its input, for the results view: which output columns are typed
(and where their raw values are in the input), which rows a filter keeps, and an export of them.

Nothing here loads a whole file: filters stream the output with polars (and the input with the
engine's reader when they compare before and after), and row numbers are kept as a UInt32 series.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import polars as pl

from normdesk.engine.output_rows import OutputFrame
from normdesk.engine.plan import Plan
from normdesk.engine.reader import Source, open_source
from normdesk.engine.row_index import RowIndex, indexable
from normdesk.engine.transform import ISSUES_COLUMN, output_layout
from normdesk.engine.writer import new_part_path, os_error

BATCH_ROWS = 100_000
ROW = "__row"


@dataclass(frozen=True, slots=True)
class TypedColumn:
    key: str  # the plan's column key
    output: int  # position in the output
    input: int  # position in the input (its raw values)


@dataclass(frozen=True, slots=True)
class ResultLayout:
    """The output's header, where ``normdesk_issues`` is, and the typed columns."""

    header: list[str]
    issues: int
    typed: list[TypedColumn] = field(default_factory=list)

    @classmethod
    def of(cls, plan: Plan, source: Source | None, output_header: list[str]) -> ResultLayout:
        """``source``: the opened input (None when it is gone: the output alone is shown)."""
        issues = output_header.index(ISSUES_COLUMN) if ISSUES_COLUMN in output_header else len(output_header) - 1
        if source is None:
            return cls(output_header, issues)
        typed_keys = {key for key, _ in plan.typed_columns()}
        at = _walk(source.header, [c in typed_keys for c in source.columns], output_header)
        if at is None:  # a header the walk cannot read for sure: ask the normalizers (slower: imports)
            keys = [c.key for c in output_layout(plan, source.columns, source.header)]
            at = [keys.index(c) for c in source.columns] if len(keys) == len(output_header) else None
        typed = [TypedColumn(key, at[i], i) for i, key in enumerate(source.columns) if key in typed_keys] if at else []
        return cls(output_header, issues, typed)


def _walk(header: list[str], typed: list[bool], output: list[str]) -> list[int] | None:
    """Where each input column is in the output header: in order, a typed one followed by its
    components (``C_*``); None unless that reading accounts for every output column exactly."""
    at, j = [], 0
    for i, name in enumerate(header):
        if j >= len(output) or output[j] != name:
            return None
        at.append(j)
        j += 1
        following = header[i + 1] if i + 1 < len(header) else ISSUES_COLUMN
        while typed[i] and j < len(output) and output[j] != following and output[j].startswith(f"{name}_"):
            j += 1
    return at if j == len(output) - 1 and output[j] == ISSUES_COLUMN else None


def open_input(plan: Plan, input_path: str | Path) -> Source | None:
    """The input, opened to read its header (closed again); None when it is gone or unreadable."""
    try:
        with open_source(input_path, plan.sheet) as source:
            return source
    except Exception:  # moved, deleted or changed into something else: the output is still shown
        return None


def input_index(source: Source | None, sheet: str | None = None) -> RowIndex | SheetRows | None:
    """Row access to the input, for its raw values: a ``RowIndex`` over a CSV it can index by bytes,
    else (a workbook, UTF-16) its rows as the reader gives them, held in memory; None when it is gone."""
    if source is None:
        return None
    dialect = source.dialect
    if dialect is None or not indexable(dialect.encoding):
        return SheetRows(source.path, sheet)
    return RowIndex(source.path, encoding=dialect.encoding, delimiter=dialect.delimiter,
                    quotechar=dialect.quotechar, skip_lines=dialect.skip_lines, has_header=dialect.has_header)


class SheetRows:
    """An input the row index cannot read by bytes, read with the engine's reader into memory (an
    Excel sheet is loaded whole by the reader anyway); the same ``build``/``read``/``rows``/``done``."""

    def __init__(self, path: str | Path, sheet: str | None = None) -> None:
        self.path, self.sheet = Path(path), sheet
        self.rows, self.done = 0, False
        self._chunks: list[pl.DataFrame] = []

    def build(self, on_progress: Callable[[int], None] | None = None,
              cancelled: Callable[[], bool] = lambda: False) -> None:
        with open_source(self.path, self.sheet) as source:
            for chunk in source.chunks(BATCH_ROWS):
                if cancelled():
                    return
                self._chunks.append(chunk.select(pl.all().fill_null("")))
                self.rows += chunk.height
                if on_progress is not None:
                    on_progress(self.rows)
        self.done = True

    def read(self, start: int, count: int) -> list[list[str]]:
        out: list[list[str]] = []
        for k in range(start // BATCH_ROWS, len(self._chunks)):
            if len(out) >= count:
                break
            first = start + len(out) - k * BATCH_ROWS
            out.extend(list(row) for row in self._chunks[k].slice(first, count - len(out)).iter_rows())
        return out


@dataclass(frozen=True, slots=True)
class RowFilter:
    """Which rows to show. Empty fields keep every row."""

    issues_only: bool = False
    column: str | None = None  # rows whose issues name this column (its header)
    reason: str = ""  # rows whose issues contain this text (any case)
    changed_only: bool = False  # rows where a typed value differs from its raw value
    text: str = ""  # rows with a cell containing this text (any case)
    search_in: int | None = None  # ...in this output column only

    def active(self) -> bool:
        return bool(self.issues_only or self.column or self.reason or self.changed_only or self.text)


def _output_scan(output: Path, delimiter: str, width: int) -> pl.LazyFrame:
    """The output with positional column names ``c0``, ``c1``... (headers may repeat)."""
    return pl.scan_csv(output, separator=delimiter, infer_schema=False, has_header=False, skip_rows=1,
                       new_columns=[f"c{i}" for i in range(width)])


def _contains(col: pl.Expr, text: str) -> pl.Expr:
    return col.str.contains(f"(?i){re.escape(text)}").fill_null(False)


def _predicate(flt: RowFilter, layout: ResultLayout) -> pl.Expr:
    issues = pl.col(f"c{layout.issues}").fill_null("")
    terms = [pl.lit(True)]
    if flt.issues_only:
        terms.append(issues != "")
    if flt.column:
        terms.append(issues.str.contains(f"(?:^|; ){re.escape(flt.column)}: "))
    if flt.reason:
        terms.append(_contains(issues, flt.reason))
    if flt.text:
        cols = [flt.search_in] if flt.search_in is not None else range(len(layout.header))
        terms.append(pl.any_horizontal(_contains(pl.col(f"c{i}"), flt.text) for i in cols))
    if flt.changed_only:
        terms.append(pl.any_horizontal(
            pl.col(f"c{t.output}").fill_null("") != pl.col(f"in{t.input}").fill_null("") for t in layout.typed))
    return pl.all_horizontal(terms)


def matching_rows(output: str | Path | OutputFrame, delimiter: str, flt: RowFilter, layout: ResultLayout,
                  plan: Plan | None = None, input_path: str | Path | None = None) -> pl.Series:
    """The 0-based data-row numbers of the output rows ``flt`` keeps (UInt32). ``output``: a CSV
    output's path, or the reader of another format's output. ``changed_only`` needs the input
    (``plan`` and ``input_path``); without typed columns it keeps no row."""
    width = len(layout.header)
    scan = output.scan() if isinstance(output, OutputFrame) else _output_scan(Path(output), delimiter, width)
    if flt.changed_only and not layout.typed:
        return pl.Series(ROW, [], pl.UInt32)
    if not flt.changed_only:
        batches = scan.with_row_index(ROW).filter(_predicate(flt, layout)).select(ROW).collect_batches(
            chunk_size=BATCH_ROWS)
        return pl.concat([pl.Series(ROW, [], pl.UInt32), *(b.get_column(ROW) for b in batches)])
    assert plan is not None and input_path is not None
    found, done, predicate = [pl.Series(ROW, [], pl.UInt32)], 0, _predicate(flt, layout)
    with open_source(input_path, plan.sheet) as source:
        keys = [source.columns[t.input] for t in layout.typed]
        raw = (chunk.select(pl.col(k).alias(f"in{t.input}") for k, t in zip(keys, layout.typed))
               for chunk in source.chunks(BATCH_ROWS))
        for out, before in _aligned(scan.collect_batches(chunk_size=BATCH_ROWS), raw):
            keep = pl.concat([out, before], how="horizontal").select(predicate).to_series()
            found.append(pl.int_range(done, done + out.height, eager=True, dtype=pl.UInt32).filter(keep).rename(ROW))
            done += out.height
    return pl.concat(found)


def _aligned(left: Iterator[pl.DataFrame], right: Iterator[pl.DataFrame]) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Pairs of frames of equal height from two streams of the same rows cut differently."""
    a = b = None
    while True:
        if a is None or a.height == 0:
            a = next(left, None)
        if b is None or b.height == 0:
            b = next(right, None)
        if a is None or b is None:
            return
        n = min(a.height, b.height)
        yield a.head(n), b.head(n)
        a, b = a.slice(n), b.slice(n)


def export_rows(index: RowIndex | OutputFrame, rows: pl.Series | None, target: str | Path, header: list[str],
                delimiter: str = ",") -> int:
    """Write the output rows numbered ``rows`` (None: all) to the CSV ``target``, atomically;
    returns how many. An error is a one-line OutputError/InputError and leaves ``target`` as it was."""
    target = Path(target)
    part = new_part_path(target)
    written = 0
    try:
        with open(part, "w", encoding="utf-8", newline="") as f:
            out = csv.writer(f, delimiter=delimiter)
            out.writerow(header)
            for start, count in _runs(rows, index.rows):
                for first in range(start, start + count, 4096):
                    piece = index.read(first, min(4096, start + count - first))
                    out.writerows(piece)
                    written += len(piece)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, target)
    except OSError as err:
        part.unlink(missing_ok=True)
        raise os_error(err, target) from None
    return written


def _runs(rows: pl.Series | None, total: int) -> Iterator[tuple[int, int]]:
    """Consecutive row numbers as (start, count) runs."""
    if rows is None:
        yield 0, total
        return
    if rows.is_empty():
        return
    frame = pl.DataFrame({"r": rows.cast(pl.Int64)}).with_columns(
        run=(pl.col("r").diff().fill_null(1) != 1).cum_sum())
    for start, count in frame.group_by("run", maintain_order=True).agg(
            pl.col("r").first().alias("s"), pl.len().alias("n")).select("s", "n").iter_rows():
        yield start, count
