"""Read a CSV/TSV or Excel file as text, in chunks of Utf8 DataFrames.

``open_source(path)`` sniffs the file (see ``sniff``), reads the header and returns a ``Source``.
Every cell is text (no type inference: leading zeros stay). An empty field is ""; a field
missing from a short row is null.

Rows that do not fit the header, in a CSV:

- blank lines are skipped, as pandas and polars do: a line holding nothing, or only spaces and
  tabs when the file has more than one column. A line of delimiters only (",,") is a row.
- a row with fewer fields than the header is padded with null and counted in ``short_rows``.
- a row with more fields than the header is accepted when the extra fields are blank (the
  trailing delimiters spreadsheets write), which are dropped; otherwise it is malformed:
  "line N has 7 fields, the header has 5".
- quoting is lenient where the intent is clear, as in Excel and pandas: text after a closing
  quote is kept (``"12"x`` reads ``12x``), a quote inside an unquoted field is literal. A quote
  still open at the end of the file is malformed: "unterminated quoted field starting on line N".
- a record holding bytes that are not text in the file's encoding, or a NUL, is malformed too
  ("line N holds bytes that are not UTF-8 text (0xE9)"); ``textlines`` marks them and decides the
  encoding of a file whose sniffed prefix was all ASCII.

A malformed record raises ``InputError`` from ``chunks`` (naming its physical line, 1-based),
unless ``quarantine`` is asked: then it becomes a ``Reject`` (line, reason, raw text exactly,
without its line break) that ``take_rejects()`` hands over, and reading goes on. A record that
spans several lines because a quote never closes, or closes in the wrong place (three lines or more,
most lines inside it whole rows without quotes), gives up only its first line: the lines after it
are read again as rows. Another malformed record over several lines is set aside whole.
More than ``MAX_REJECT_SHARE`` (10%) of the first ``REJECT_WINDOW`` (10,000) records malformed is an
``InputError`` at once, the dialect being probably wrong; in a shorter file, when it ends: over 10%
of its records and at least ``MIN_REJECTS``, or most of them (from two).
Clean records pay nothing for this: the raw lines are kept by an ``itertools.tee`` in C and
dropped after each chunk; only a malformed record runs Python code.

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
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from operator import itemgetter
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from normdesk.engine.errors import InputError
from normdesk.engine.sniff import MARKS, SHOWN, Dialect, open_input, read_prefix, sniff
from normdesk.engine.textlines import TextLines

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
FIELD_LIMIT = 64 << 20  # characters in one field; past it, "field over 64 MiB at line L"
csv.field_size_limit(FIELD_LIMIT)  # the csv module's limit is process-wide; its default is 128 Ki
_EOF = "\ue000normdesk-end-of-file\ue000"  # appended last line: swallowed by a quote left open
REJECT_WINDOW = 10_000  # records: the share of malformed ones among the first so many...
MAX_REJECT_SHARE = 0.10  # ...over which the file fails (probably read with the wrong dialect)
MIN_REJECTS = 10  # a shorter file fails on the share from so many malformed records (or on most of them)


@dataclass(frozen=True, slots=True)
class Reject:
    """A malformed record, quarantined: its first physical line (1-based), why, and its text."""

    line: int
    reason: str
    raw: str


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
        self._rejects: list[Reject] = []
        self.skipped_rejects = 0  # malformed records among the rows skipped by the latest chunks()

    def sample(self, n: int = 1000) -> pl.DataFrame:
        """The first ``n`` data rows (fewer when the file is shorter); malformed ones left out."""
        it = self._frames(max(n, 1), 0, count=False, quarantine=True)
        try:
            frame = next(it, None)
        finally:
            it.close()
        return (frame if frame is not None else self._empty()).head(n)

    def chunks(self, size: int = 50_000, skip_rows: int = 0, quarantine: bool = False) -> Iterator[pl.DataFrame]:
        """All data rows in order, ``size`` per frame (the last may be shorter), after skipping
        ``skip_rows`` data rows. Streaming for CSV; raises InputError at a malformed row, or with
        ``quarantine`` sets it aside for ``take_rejects``."""
        if size < 1 or skip_rows < 0:
            raise ValueError("size must be >= 1 and skip_rows >= 0")
        return self._frames(size, skip_rows, count=True, quarantine=quarantine)

    def take_rejects(self) -> list[Reject]:
        """The malformed records met by chunks() since the last call, in file order: those of the
        frame just yielded (and at the end, those after the last row)."""
        rejects, self._rejects = self._rejects, []
        return rejects

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

    def _frames(self, size: int, skip_rows: int, count: bool, quarantine: bool) -> Iterator[pl.DataFrame]:
        raise NotImplementedError

    def _empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema={c: pl.Utf8 for c in self.columns})


class _CsvStream:
    """The file decoded for the csv module, past the preamble; knows the physical line number.
    ``quarantine``: malformed records become ``rejects`` instead of raising (see the module doc)."""

    def __init__(self, path: Path | None, dialect: Dialect, quarantine: bool = False,
                 raw: BinaryIO | None = None) -> None:
        self.raw = open_input(path) if raw is None else raw
        self.size = max(1, os.fstat(self.raw.fileno()).st_size if raw is None else len(raw.getbuffer()))
        self.text = TextLines(self.raw, dialect.encoding, may_switch=raw is None)  # from the file's start
        self.lines = itertools.chain(self.text, (_EOF,))
        for _ in itertools.islice(self.lines, dialect.skip_lines):
            pass
        self.dialect, self.quarantine = dialect, quarantine
        self.short_rows = 0
        self.rejects: list[Reject] = []
        self.records = 0  # good rows read so far (for the share of rejects)
        self.rejected = 0  # malformed records so far, of which...
        self.window_rejected = 0  # ...among the first REJECT_WINDOW records
        self.first_reason = ""
        self.not_text = 0  # malformed records that are so for holding marks (see ``textlines``)
        self._restart((), dialect.skip_lines)

    def _restart(self, replay: Iterable[str], offset: int) -> None:
        """A new csv reader over ``replay``, then the rest of the file; ``offset``: the physical
        lines before its first line."""
        self.offset = offset
        lines = itertools.chain(replay, self.lines)
        if self.quarantine:
            lines, self.behind = itertools.tee(lines)  # ``behind`` keeps the raw lines of the chunk
            self.kept = 0  # lines ``behind`` has given up
        self.reader = _reader(lines, self.dialect)

    def fraction(self) -> float:
        return 0.0 if self.raw.closed else min(1.0, self.raw.tell() / self.size)

    def bytes_read(self) -> int:
        return 0 if self.raw.closed else self.raw.tell()

    def close(self) -> None:
        self.raw.close()

    def header(self) -> list[str] | None:
        """The first non-blank record, or None at the end of the file."""
        for row in self.reader:
            if row and (len(row) > 1 or row[0].strip()):
                if row[-1].endswith(_EOF):
                    if row == [_EOF]:
                        return None
                    raise InputError(f"unterminated quoted field starting on line {self.offset + 1}")
                if self.text.marks:  # a header cell is not set aside: its bytes are read as cp1252
                    self.text.marks -= sum(len(MARKS.findall(cell)) for cell in row)
                    row = [cell.translate(SHOWN) for cell in row]
                return row
        return None

    def rows(self, size: int, width: int) -> list[list[Any]]:
        """Up to ``size`` data rows made exactly ``width`` wide (see the module doc)."""
        rows: list[list[Any]] = []
        while self._read(rows, size, width):
            pass
        if self.quarantine:
            self._lines_to(self.reader.line_num)  # release the chunk's raw lines
        self.records += len(rows)
        return rows

    def _read(self, rows: list[list[Any]], size: int, width: int) -> bool:
        """Append rows until ``size``; True when the reader was restarted and reading goes on."""
        reader, text = self.reader, self.text
        append = rows.append
        end = reader.line_num  # last physical line of the previous record
        gc_was_on = gc.isenabled()
        gc.disable()  # the cyclic GC rescans the young row lists over and over: 30% of the time
        try:
            for row in reader:
                if text.marks and MARKS.search("".join(row)):
                    self._not_text(end, row, len(rows))
                    end = reader.line_num
                    continue
                n = len(row)
                if n != width or row[-1].endswith(_EOF):
                    if n == 0 or (n == 1 and width > 1 and not row[0].strip()):
                        end = reader.line_num
                        continue  # blank line
                    if row[-1].endswith(_EOF):
                        if row == [_EOF]:
                            self._check_share(len(rows), at_end=True)
                            break
                        self._malformed(end, f"unterminated quoted field starting on line {self.offset + end + 1}",
                                        width, len(rows))
                        return True  # its first line is quarantined, the lines after it are read again
                    if n > width:
                        if any(f.strip() for f in row[width:]):
                            if self._malformed(end, f"line {self.offset + end + 1} has {n} fields, "
                                                    f"the header has {width}", width, len(rows)):
                                return True
                            end = reader.line_num
                            continue
                        row = row[:width]
                    else:
                        self.short_rows += 1
                        row = row + [None] * (width - n)
                append(row)
                if reader.line_num - end > 2 and self.quarantine and self._swallowed(end, width, rows):
                    return True
                end = reader.line_num
                if len(rows) >= size:
                    break
        except csv.Error as err:
            error = _csv_error(err, self.offset + end + 1)
            if not self.quarantine or reader.line_num - end < 2:
                raise error from None
            # a field over the limit, over several lines: most likely a quote that never closes
            return self._set_aside(end, str(error), self._lines_to(reader.line_num, end), len(rows))
        finally:
            if gc_was_on:
                gc.enable()
        return False

    def _malformed(self, end: int, reason: str, width: int, good: int) -> bool:
        """Quarantine the record after reader line ``end`` (or raise InputError when not asked to);
        True when the reader restarted on the lines after its first."""
        if not self.quarantine:
            raise InputError(reason)
        lines = self._lines_to(self.reader.line_num, end)
        if lines[-1] == _EOF or (self._rows_inside(lines, width) and _reads_cleanly(lines[1:], self.dialect, width)):
            return self._set_aside(end, reason, lines, good)
        return self._set_aside(end, reason, ["".join(lines)], good)  # the whole record: nothing is lost

    def _not_text(self, end: int, row: list[str], good: int) -> None:
        """Quarantine the record ``row`` after reader line ``end``, which holds a NUL or bytes that
        are not text in the file's encoding (or raise InputError when not asked to)."""
        reason = _not_text_reason("".join(row), self.offset + end + 1, self.text.name())
        if not self.quarantine:
            raise InputError(reason)
        self.not_text += 1
        self._set_aside(end, reason, ["".join(self._lines_to(self.reader.line_num, end))], good)

    def _swallowed(self, end: int, width: int, rows: list[list[Any]]) -> bool:
        """Is the row just read (after reader line ``end``, over 3 lines or more) a quote that
        closed in the wrong place (see ``_rows_inside``)? Then it is quarantined (its first line)
        and the reader restarted: True."""
        lines = self._lines_to(self.reader.line_num, end)
        if not self._rows_inside(lines, width):
            return False
        if rows.pop()[-1] is None:  # it was counted as a short row
            self.short_rows -= 1
        first, last = self.offset + end + 1, self.offset + end + len(lines)
        return self._set_aside(end, f"the quote opened on line {first} closes on line {last}: the lines "
                                    "between read as rows", lines, len(rows))

    def _rows_inside(self, lines: list[str], width: int) -> bool:
        """Are most of the lines inside a record of 3 lines or more (its first and last aside) whole
        rows of ``width`` fields without quotes: rows swallowed by a quote in the wrong place?"""
        quote, delimiter = self.dialect.quotechar, self.dialect.delimiter
        inside = lines[1:-1]
        rows_inside = sum(quote not in line and line.count(delimiter) == width - 1 for line in inside)
        return width >= 2 and 2 * rows_inside > len(inside) > 0

    def _set_aside(self, end: int, reason: str, lines: list[str], good: int) -> bool:
        """Quarantine ``lines[0]``, the record after reader line ``end``; restart the reader on
        the rest of ``lines`` (True) if there are any."""
        line = self.offset + end + 1
        raw = _without_line_break(lines[0])
        if self.text.marks:  # the lines after the first are read again, and accounted for then
            self.text.marks -= len(MARKS.findall(raw))
            raw = raw.translate(SHOWN)
        self.rejects.append(Reject(line, reason, raw))
        if self.records + good + self.rejected < REJECT_WINDOW:
            self.window_rejected += 1
        self.rejected += 1
        self.first_reason = self.first_reason or reason
        self._check_share(good)
        if len(lines) == 1:
            return False
        self._restart(lines[1:], line)
        return True

    def _lines_to(self, line_num: int, start: int | None = None) -> list[str]:
        """The raw lines after reader line ``start`` up to reader line ``line_num``; ``behind`` drops
        the lines before them (in C) and the lines themselves. No ``start``: drop up to ``line_num``."""
        skip = (line_num if start is None else start) - self.kept
        deque(itertools.islice(self.behind, skip), maxlen=0)
        lines = [] if start is None else list(itertools.islice(self.behind, line_num - start))
        self.kept = line_num
        return lines

    def _check_share(self, good: int, at_end: bool = False) -> None:
        """InputError when too many of the first REJECT_WINDOW records are malformed: over
        MAX_REJECT_SHARE of them, or (``at_end`` of a shorter file) of all its records and at least
        MIN_REJECTS, or most of them and two; ``good``: rows of this chunk not in ``records`` yet."""
        records, bad = self.records + good + self.rejected, self.window_rejected
        if at_end and records < REJECT_WINDOW:
            over = bad > MAX_REJECT_SHARE * records and (bad >= MIN_REJECTS or (bad >= 2 and 2 * bad > records))
        else:
            over = bad > MAX_REJECT_SHARE * REJECT_WINDOW
        if over:
            hint = (f"probably not all in {self.text.name()}" if 2 * self.not_text > self.rejected else
                    "probably the wrong delimiter or quote character, or a title line above the header")
            raise InputError(f"{bad:,} of the first {min(records, REJECT_WINDOW):,} lines are malformed "
                             f"(the first: {self.first_reason}): {hint}")


def _reader(lines: Iterable[str], dialect: Dialect) -> Any:
    return csv.reader(lines, delimiter=dialect.delimiter, quotechar=dialect.quotechar, strict=False)


def _reads_cleanly(lines: list[str], dialect: Dialect, width: int) -> bool:
    """Do ``lines`` read as records no wider than ``width`` (blank extras aside), every quote closed?"""
    try:
        for row in _reader(itertools.chain(lines, () if lines[-1] == _EOF else (_EOF,)), dialect):
            if row and row[-1].endswith(_EOF):
                return row == [_EOF]
            if len(row) > width and any(f.strip() for f in row[width:]):
                return False
    except csv.Error:
        return False
    return True


def _not_text_reason(text: str, line: int, encoding: str) -> str:
    """"line 7 holds bytes that are not UTF-8 text (0xE9 0x80)", or "line 7 holds a NUL byte"."""
    found = [ord(c) - 0xDC00 for c in MARKS.findall(text) if c != "\x00"]
    if not found:
        return f"line {line} holds a NUL byte"
    shown = " ".join(f"0x{b:02X}" for b in found[:4]) + (" ..." if len(found) > 4 else "")
    return f"line {line} holds bytes that are not {encoding} text ({shown})"


def _without_line_break(line: str) -> str:
    return line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith(("\n", "\r")) else line


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

    def _frames(self, size: int, skip_rows: int, count: bool, quarantine: bool) -> Iterator[pl.DataFrame]:
        assert self.dialect is not None
        stream = _CsvStream(self.path, self.dialect, quarantine)
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
            if count:
                self.skipped_rejects, self._rejects = len(stream.rejects), []
            stream.rejects = []
            while True:
                rows = stream.rows(size, width)
                if count:
                    self.short_rows, self._fraction = stream.short_rows, stream.fraction()
                    self._bytes_read = stream.bytes_read()
                    self._rejects += stream.rejects
                stream.rejects = []
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
    stream = _CsvStream(None, replace(dialect, skip_lines=0), raw=io.BytesIO(data))
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
    stream = _CsvStream(None, dialect, raw=io.BytesIO(prefix))
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

    def _frames(self, size: int, skip_rows: int, count: bool, quarantine: bool) -> Iterator[pl.DataFrame]:
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
