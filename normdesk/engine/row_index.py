"""Random access to the records of a large CSV file without loading it: a sparse index of byte
offsets (one per ``STRIDE`` records), built once in one pass, then any row range is read by
seeking to the nearest indexed record and parsing a few hundred records with the csv module.

Record boundaries honour quoted fields that hold newlines. The pass runs on blocks of the file
with polars (the lines of a block, their lengths and quote counts), so memory stays flat: the
index of 10,000,000 rows is 156,250 offsets (1.2 MB). Encodings where '"' and '\\n' are single bytes
(UTF-8, cp1252, latin-1) are supported; UTF-16/32 are not (``indexable``).
"""

from __future__ import annotations

import csv
import io
import threading
from array import array
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import polars as pl

from normdesk.engine.sniff import FALLBACK_ERRORS

STRIDE = 64  # records per indexed offset (and per cached block): a row costs parsing at most 64
BLOCK_BYTES = 1 << 20  # small: the polars calls on a block hold the GIL (the window waits on them)
CACHED_BLOCKS = 256
_BYTE_CODECS = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "ascii")


def indexable(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in _BYTE_CODECS


class RowIndex:
    """The data rows of one delimited text file, in the engine's reading (blank lines are skipped,
    as ``reader`` skips them). ``build()`` indexes it (on a worker thread: rows can be read while it
    runs, ``rows`` grows); ``read(start, count)`` returns parsed rows padded to the header's width."""

    def __init__(self, path: str | Path, *, encoding: str = "utf-8", delimiter: str = ",",
                 quotechar: str = '"', skip_lines: int = 0, has_header: bool = True) -> None:
        if not indexable(encoding):
            raise ValueError(f"cannot index a {encoding} file by bytes")
        self.path, self.encoding = Path(path), encoding
        self.delimiter, self.quotechar = delimiter, quotechar
        self.skip_lines, self.has_header = skip_lines, has_header
        self.header: list[str] = []
        self.width = 0
        self.rows = 0  # complete data rows indexed so far
        self.done = False
        self._offsets = array("q")  # byte offset of data row k * STRIDE
        self._records = 0  # non-blank records begun so far (the header included)
        self._end = 0  # the byte after the last complete record indexed
        self._lock = threading.Lock()
        self._cache = BlockCache(CACHED_BLOCKS)

    @classmethod
    def of_output(cls, path: str | Path, delimiter: str = ",") -> RowIndex:
        """An engine output (UTF-8, a header, nothing before it)."""
        return cls(path, delimiter=delimiter)

    # -- indexing ------------------------------------------------------------------------
    def build(self, on_progress: Callable[[int], None] | None = None,
              cancelled: Callable[[], bool] = lambda: False) -> None:
        """One pass over the file; ``on_progress(rows)`` after each block."""
        with open(self.path, "rb") as f:
            base, parity, tail = self._skip_preamble(f), 0, b""
            self._first_row(f.read(1 << 16))
            f.seek(base)
            while not cancelled():
                block = f.read(BLOCK_BYTES)
                data = tail + block
                cut = data.rfind(b"\n") + 1 if block else len(data)
                if cut:
                    base, parity = self._index_lines(data[:cut], base, parity)
                tail = data[cut:]
                if on_progress is not None:
                    on_progress(self.rows)
                if not block:
                    break
        self.done = not cancelled()

    def read_header(self) -> list[str]:
        """The header (names made up for a file without one), read before ``build``."""
        with open(self.path, "rb") as f:
            self._skip_preamble(f)
            self._first_row(f.read(1 << 16))
        return self.header

    def _skip_preamble(self, f) -> int:
        for _ in range(self.skip_lines):
            f.readline()
        return f.tell()

    def _first_row(self, prefix: bytes) -> None:
        """The header (or the first row) and so the width, from the file's first bytes."""
        for row in csv.reader(io.StringIO(prefix.decode(self.encoding, errors="replace")),
                              delimiter=self.delimiter, quotechar=self.quotechar):
            if row and (len(row) > 1 or row[0].strip()):
                self.width = len(row)
                self.header = row if self.has_header else [f"Column {i}" for i in range(1, len(row) + 1)]
                return

    def _index_lines(self, lines: bytes, base: int, parity: int) -> tuple[int, int]:
        """Index the records that begin in ``lines`` (whole lines from byte ``base``, the first
        inside a quoted field when ``parity`` is 1); returns the next line's offset and parity."""
        text = lines.decode("latin-1")  # one char per byte: lengths are byte counts
        line = pl.Series("line", [text[:-1] if text.endswith("\n") else text]).str.split("\n").explode()
        blank = line.str.strip_chars() == "" if self.width > 1 else line.str.strip_chars("\r") == ""
        frame = pl.DataFrame({
            "end": base + (line.str.len_chars() + 1).cum_sum(),
            "open": (parity + line.str.count_matches(self.quotechar, literal=True).cum_sum()) % 2,
            "blank": blank,
        }).with_columns(
            start=pl.col("end").shift(1, fill_value=base),
            opened=pl.col("open").shift(1, fill_value=parity),
        )
        starts = frame.filter((pl.col("opened") == 0) & ~pl.col("blank")).get_column("start")
        closed = frame.filter(pl.col("open") == 0).get_column("end")
        h = int(self.has_header)
        row = pl.int_range(self._records, self._records + starts.len(), eager=True) - h
        kept = starts.filter((row >= 0) & (row % STRIDE == 0)).to_list()
        last_open = int(frame.get_column("open")[-1])
        with self._lock:
            self._offsets.extend(kept)
            self._records += starts.len()
            if closed.len():
                self._end = int(closed[-1])
            self.rows = max(0, self._records - h - last_open)
        return base + len(lines), last_open

    # -- reading -------------------------------------------------------------------------
    def read(self, start: int, count: int) -> list[list[str]]:
        """Data rows ``start`` .. ``start + count - 1`` (fewer past the indexed end)."""
        stop = min(start + count, self.rows)
        out: list[list[str]] = []
        row = start
        while row < stop:
            block = self._block(row // STRIDE)
            first = row - (row // STRIDE) * STRIDE
            piece = block[first : first + stop - row]
            if not piece:
                break
            out.extend(piece)
            row += len(piece)
        return out

    def _block(self, number: int) -> list[list[str]]:
        rows = self._cache.get(number)
        if rows is not None:
            return rows
        with self._lock:
            begin = self._offsets[number]
            end = self._offsets[number + 1] if number + 1 < len(self._offsets) else self._end
            complete = number + 1 < len(self._offsets) or self.done
        with open(self.path, "rb") as f:
            f.seek(begin)
            data = f.read(max(0, end - begin))
        rows = self._parse(data)
        if complete:
            self._cache.put(number, rows)
        return rows

    def _parse(self, data: bytes) -> list[list[str]]:
        """Records as the engine's reader sees them: blank ones skipped, short ones padded."""
        width, rows = self.width, []
        text = data.decode(self.encoding, errors=FALLBACK_ERRORS)
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, quotechar=self.quotechar):
            n = len(row)
            if n == 0 or (n == 1 and width > 1 and not row[0].strip()):
                continue
            rows.append(row + [""] * (width - n) if n < width else row)
        return rows


class BlockCache:
    """The blocks of rows read most recently (at most ``size``), for the threads that read them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._blocks: OrderedDict[int, list[list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, number: int) -> list[list[str]] | None:
        with self._lock:
            rows = self._blocks.get(number)
            if rows is not None:
                self._blocks.move_to_end(number)
            return rows

    def put(self, number: int, rows: list[list[str]]) -> None:
        with self._lock:
            self._blocks[number] = rows
            while len(self._blocks) > self.size:
                self._blocks.popitem(last=False)
