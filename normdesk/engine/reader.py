"""Read a CSV/TSV or Excel file as text, in chunks of Utf8 DataFrames.

``open_source(path)`` sniffs the file (see ``sniff``), reads the header and returns a ``Source``.
Every cell is text (no type inference: leading zeros stay). An empty field is ""; a field
missing from a short row is null.

Rows that do not fit the header, in a CSV:

- blank lines are skipped, as pandas and polars do: a line holding nothing, or only spaces and
  tabs when the file has more than one column. A line of delimiters only (",,") is a row.
- a row with fewer fields than the header is padded with null and counted in ``short_rows``.
- a row with more fields than the header is accepted when the extra fields are blank (the
  trailing delimiters spreadsheets write), which are dropped; otherwise
  ``InputError("line N has 7 fields, the header has 5")``.
- quoting is lenient where the intent is clear, as in Excel and pandas: text after a closing
  quote is kept (``"12"x`` reads ``12x``), a quote inside an unquoted field is literal. A quote
  still open at the end of the file is an error naming the line where its record starts.

Errors found while chunking name the physical line (1-based) and are raised from ``chunks``.

In an .xlsx sheet the first row is the header; cells read as they display (``12``, not
``12.0``), dates as ISO (``2021-03-04``, ``2021-03-04 05:06:07``, a time alone ``05:06:00``),
empty cells as "", and rows with no value at all are skipped.

The input file is opened read-only and never modified.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import os
from collections.abc import Iterator
from dataclasses import replace
from operator import itemgetter
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from normdesk.engine.errors import InputError
from normdesk.engine.sniff import FALLBACK_ERRORS, Dialect, open_input, read_prefix, sniff

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
FIELD_LIMIT = 64 << 20  # characters in one field; past it, "field over 64 MiB at line L"
csv.field_size_limit(FIELD_LIMIT)  # the csv module's limit is process-wide; its default is 128 Ki
_EOF = "\ue000normdesk-end-of-file\ue000"  # appended last line: swallowed by a quote left open


def unique_columns(header: list[str]) -> list[str]:
    """Unique keys for header cells: a blank one -> "Column 3", a repeated "Name" -> "Name (2)"."""
    names = [cell if cell.strip() else f"Column {i}" for i, cell in enumerate(header, 1)]
    taken = set(names)
    seen: set[str] = set()
    out = []
    for name in names:
        key, n = name, 1
        while key in seen or (key != name and key in taken):
            n += 1
            key = f"{name} ({n})"
        seen.add(key)
        out.append(key)
    return out


class Source:
    """An opened input: header, column keys, a sample, and all data rows in chunks."""

    path: Path
    kind: str  # "csv" or "xlsx"
    dialect: Dialect | None  # None for xlsx
    header: list[str]  # the original header cells, exactly
    columns: list[str]  # unique keys (see unique_columns)
    short_rows: int  # rows with fewer fields than the header seen by the latest chunks()

    def __init__(self, path: Path, kind: str, dialect: Dialect | None, header: list[str]) -> None:
        self.path, self.kind, self.dialect, self.header = path, kind, dialect, header
        self.columns = unique_columns(header)
        self.short_rows = 0
        self._fraction = 0.0
        self._bytes_read = 0

    def sample(self, n: int = 1000) -> pl.DataFrame:
        """The first ``n`` data rows (fewer when the file is shorter)."""
        it = self._frames(max(n, 1), 0, count=False)
        try:
            frame = next(it, None)
        finally:
            it.close()
        return (frame if frame is not None else self._empty()).head(n)

    def chunks(self, size: int = 50_000, skip_rows: int = 0) -> Iterator[pl.DataFrame]:
        """All data rows in order, ``size`` per frame (the last may be shorter), after skipping
        ``skip_rows`` data rows. Streaming for CSV; raises InputError at a malformed row."""
        if size < 1 or skip_rows < 0:
            raise ValueError("size must be >= 1 and skip_rows >= 0")
        return self._frames(size, skip_rows, count=True)

    def fraction_read(self) -> float:
        """Progress of the latest chunks() through the input, 0..1."""
        return self._fraction

    def bytes_read(self) -> int:
        """How many bytes of the input the latest chunks() has read (the reader reads ahead)."""
        return self._bytes_read

    def close(self) -> None:
        """Release the file; a running chunks() iteration stops."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _frames(self, size: int, skip_rows: int, count: bool) -> Iterator[pl.DataFrame]:
        raise NotImplementedError

    def _empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema={c: pl.Utf8 for c in self.columns})


class _CsvStream:
    """The file decoded for the csv module, past the preamble; knows the physical line number."""

    def __init__(self, path: Path | None, dialect: Dialect, raw: BinaryIO | None = None) -> None:
        self.raw = open_input(path) if raw is None else raw
        self.size = max(1, os.fstat(self.raw.fileno()).st_size if raw is None else len(raw.getbuffer()))
        self.text = io.TextIOWrapper(
            self.raw, encoding=dialect.encoding, errors=FALLBACK_ERRORS, newline=""
        )
        for _ in range(dialect.skip_lines):
            self.text.readline()
        self.offset = dialect.skip_lines  # physical lines before the csv reader's first
        self.reader = csv.reader(
            itertools.chain(self.text, (_EOF,)),
            delimiter=dialect.delimiter,
            quotechar=dialect.quotechar,
            strict=False,
        )
        self.short_rows = 0

    def fraction(self) -> float:
        return 0.0 if self.raw.closed else min(1.0, self.raw.tell() / self.size)

    def bytes_read(self) -> int:
        return 0 if self.raw.closed else self.raw.tell()

    def close(self) -> None:
        self.text.close()

    def header(self) -> list[str] | None:
        """The first non-blank record, or None at the end of the file."""
        for row in self.reader:
            if row and (len(row) > 1 or row[0].strip()):
                if row[-1].endswith(_EOF):
                    if row == [_EOF]:
                        return None
                    raise InputError(f"unterminated quoted field starting on line {self.offset + 1}")
                return row
        return None

    def rows(self, size: int, width: int) -> list[list[Any]]:
        """Up to ``size`` data rows made exactly ``width`` wide (see the module doc)."""
        reader = self.reader
        rows: list[list[Any]] = []
        append = rows.append
        end = reader.line_num  # last physical line of the previous record
        gc_was_on = gc.isenabled()
        gc.disable()  # the cyclic GC rescans the young row lists over and over: 30% of the time
        try:
            for row in reader:
                n = len(row)
                if n != width or row[-1].endswith(_EOF):
                    if n == 0 or (n == 1 and width > 1 and not row[0].strip()):
                        end = reader.line_num
                        continue  # blank line
                    if row[-1].endswith(_EOF):
                        if row == [_EOF]:
                            break
                        raise InputError(
                            f"unterminated quoted field starting on line {self.offset + end + 1}"
                        )
                    if n > width:
                        if any(f.strip() for f in row[width:]):
                            raise InputError(
                                f"line {self.offset + end + 1} has {n} fields, the header has {width}"
                            )
                        row = row[:width]
                    else:
                        self.short_rows += 1
                        row = row + [None] * (width - n)
                append(row)
                end = reader.line_num
                if len(rows) >= size:
                    break
        except csv.Error as err:
            raise _csv_error(err, self.offset + end + 1) from None
        finally:
            if gc_was_on:
                gc.enable()
        return rows


def _csv_error(err: csv.Error, line: int) -> InputError:
    text = str(err)
    if "field larger than field limit" in text:
        return InputError(f"field over {FIELD_LIMIT >> 20} MiB at line {line}")
    if "NUL" in text:
        return InputError(f"not a text file (NUL byte in the record starting on line {line})")
    return InputError(f"malformed CSV in the record starting on line {line} ({text})")


class CsvSource(Source):
    """A delimited text file, streamed through the csv module (C) over a decoded text stream."""

    def __init__(self, path: Path, dialect: Dialect) -> None:
        stream = _CsvStream(path, dialect)
        try:
            first = stream.header()
        finally:
            stream.close()
        if first is None:
            raise InputError("file has no header row")
        if dialect.has_header:
            header = first
        else:
            header = [f"Column {i}" for i in range(1, len(first) + 1)]
        super().__init__(path, "csv", dialect, header)
        self._streams: list[_CsvStream] = []

    def _frames(self, size: int, skip_rows: int, count: bool) -> Iterator[pl.DataFrame]:
        assert self.dialect is not None
        stream = _CsvStream(self.path, self.dialect)
        self._streams.append(stream)
        width = len(self.columns)
        try:
            if self.dialect.has_header:
                stream.header()
            if count:
                self.short_rows, self._fraction = 0, 0.0
            while skip_rows > 0:
                skipped = len(stream.rows(min(skip_rows, size), width))
                if not skipped:
                    break
                skip_rows -= skipped
            while True:
                rows = stream.rows(size, width)
                if count:
                    self.short_rows, self._fraction = stream.short_rows, stream.fraction()
                    self._bytes_read = stream.bytes_read()
                if rows:
                    yield _frame(rows, self.columns)
                if len(rows) < size:
                    break
            if count:
                self._fraction = 1.0
        finally:
            stream.close()
            self._streams.remove(stream)

    def close(self) -> None:
        for stream in self._streams:
            stream.close()


def _frame(rows: list[list[Any]], columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame([pl.Series(c, list(map(itemgetter(i), rows)), pl.Utf8) for i, c in enumerate(columns)])


def parse_rows(data: bytes, dialect: Dialect, columns: list[str]) -> tuple[pl.DataFrame, int]:
    """The data rows of ``data``, whole records of a CSV without its header (a byte range read by a
    cluster worker), as ``chunks`` reads them: a frame and its count of short rows. InputError
    names lines counted from the start of ``data``."""
    stream = _CsvStream(None, replace(dialect, skip_lines=0), io.BytesIO(data))
    try:
        rows = stream.rows(len(data) + 1, len(columns))
    finally:
        stream.close()
    return (_frame(rows, columns) if rows else pl.DataFrame(schema={c: pl.Utf8 for c in columns})), stream.short_rows


def header_lines(prefix: bytes, dialect: Dialect) -> int | None:
    """How many physical lines the preamble and the header take in a file's first bytes ``prefix``
    (None when no header record ends in them)."""
    if not dialect.has_header:
        return dialect.skip_lines
    stream = _CsvStream(None, dialect, io.BytesIO(prefix))
    try:
        found = stream.header()
        return None if found is None or found[-1].endswith(_EOF) else dialect.skip_lines + stream.reader.line_num
    finally:
        stream.close()


class ExcelSource(Source):
    """The first sheet (or ``sheet``) of an .xlsx workbook, loaded whole by fastexcel."""

    def __init__(self, path: Path, sheet: str | None) -> None:
        import fastexcel

        try:
            book = fastexcel.read_excel(path)
        except Exception as err:  # fastexcel raises its own error types for every bad file
            raise InputError(f"{path.name}: not a readable Excel .xlsx file ({_first_line(err)})") from None
        names = book.sheet_names
        if sheet is None and not names:
            raise InputError(f"{path.name}: the workbook has no sheet")
        if sheet is not None and sheet not in names:
            raise InputError(f"{path.name}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
        name = sheet if sheet is not None else names[0]
        try:
            raw = book.load_sheet(name, header_row=None, dtypes="string").to_polars()
        except Exception as err:
            raise InputError(f"{path.name}: cannot read sheet {name!r} ({_first_line(err)})") from None
        raw = raw.select(_as_displayed(pl.col(c)) for c in raw.columns)
        raw = raw.filter(pl.any_horizontal(pl.all().is_not_null()))
        if raw.height == 0:
            raise InputError(f"{path.name}: sheet {name!r} is empty")
        header = ["" if v is None else v for v in raw.row(0)]
        super().__init__(path, "xlsx", None, header)
        self.sheet = name
        self._bytes_read = path.stat().st_size  # the workbook is read whole
        self._data = raw.slice(1).fill_null("").rename(dict(zip(raw.columns, self.columns)))

    def _frames(self, size: int, skip_rows: int, count: bool) -> Iterator[pl.DataFrame]:
        data, total = self._data, self._data.height
        if count:
            self._fraction = 0.0
        for start in range(skip_rows, total, size):
            if count:
                self._fraction = min(1.0, (start + size) / total)
            yield data.slice(start, size)
        if count:
            self._fraction = 1.0


def _as_displayed(col: pl.Expr) -> pl.Expr:
    """fastexcel's text for a cell, with dates as ISO: no midnight time, no 1899 date on a time."""
    return col.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1").str.replace(
        r"^1899-12-3[01] (\d{2}:\d{2}:\d{2})$", "$1"
    )


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def open_source(path: str | PathLike[str], sheet: str | None = None) -> Source:
    """Open ``path`` (CSV/TSV/TXT, or .xlsx) and read its header; InputError when it cannot be read."""
    p = Path(path)
    read_prefix(p, 1)  # missing, a folder, unreadable: one-line InputError
    if p.suffix.lower() in EXCEL_SUFFIXES:
        return ExcelSource(p, sheet)
    if sheet is not None:
        raise InputError(f"{p.name}: only Excel files have sheets")
    return CsvSource(p, sniff(p))
