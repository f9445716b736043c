"""A delimited text file cut into byte ranges on line boundaries, for workers that read their own range.

As dask's ``read_bytes(..., delimiter=b"\\n")`` does: the data (after the header) is cut at nominal
offsets ``b0 < b1 < ...``, and the range ``[b_i, b_i+1)`` owns the whole lines that *start* in it, so
a worker reads a little before and after its range and keeps exactly those lines; every line is
owned by one range. Only line breaks inside quoted fields can break this, so a range whose records
hold a line break (or end inside an open quote) raises ``SplitUnsafe``, and the caller reads the file
on the client instead. Files in UTF-16/32, or with bare ``\\r`` line ends, are never split.
"""

from __future__ import annotations

import re
from typing import Callable

import polars as pl

from normdesk.engine.errors import InputError
from normdesk.engine.reader import header_lines, parse_rows
from normdesk.engine.sniff import Dialect

READ_AHEAD = 64 << 10  # read past a range's end in steps of this much, until its last line ends
SPLITTABLE_ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "ascii", "latin-1")
_BARE_CR = re.compile(rb"\r(?!\n)")

Read = Callable[[int, int], bytes]  # read(lo, hi): the bytes [lo, hi) of the file


class SplitUnsafe(InputError):
    """This file cannot be cut on line boundaries (say why); read it on the client."""


def block_bounds(data_start: int, size: int, block_bytes: int) -> list[tuple[int, int]]:
    """The nominal ranges ``[start, end)`` covering ``[data_start, size)``, ``block_bytes`` each."""
    step = max(1, block_bytes)
    return [(lo, min(lo + step, size)) for lo in range(data_start, size, step)]


def whole_lines(read: Read, start: int, end: int, size: int, data_start: int) -> bytes:
    """The lines that start in ``[start, end)`` (``start == data_start`` is a line start)."""
    lo = start if start <= data_start else start - 1
    buf = bytearray(read(lo, min(size, end + READ_AHEAD)))

    def newline_after(at: int) -> int:
        """The index in ``buf`` just past the first newline at or after file offset ``at``; len at EOF."""
        while True:
            found = buf.find(b"\n", at - lo)
            if found >= 0:
                return found + 1
            if lo + len(buf) >= size:
                return len(buf)
            buf.extend(read(lo + len(buf), min(size, lo + len(buf) + READ_AHEAD)))

    begin = 0 if start <= data_start else newline_after(start - 1)
    stop = len(buf) if end >= size else newline_after(end - 1)  # end >= size: buf reaches the end
    return bytes(buf[begin:stop]) if begin < stop else b""


def data_offset(prefix: bytes, dialect: Dialect) -> int:
    """The byte offset where the data rows start (after any preamble and the header), found in the
    file's first bytes ``prefix``; SplitUnsafe when the file cannot be cut on ``\\n``."""
    if dialect.encoding.lower() not in SPLITTABLE_ENCODINGS:
        raise SplitUnsafe(f"{dialect.encoding} text cannot be cut into byte ranges")
    if _BARE_CR.search(prefix):
        raise SplitUnsafe("lines end in a bare carriage return")
    lines = header_lines(prefix, dialect)
    if lines is None:
        raise SplitUnsafe("no header in the file's first bytes")
    at = 0
    for _ in range(lines):
        found = prefix.find(b"\n", at)
        if found < 0:
            raise SplitUnsafe("the header is longer than the bytes read to find it")
        at = found + 1
    return at


def parse_block(data: bytes, dialect: Dialect, columns: list[str]) -> tuple[pl.DataFrame, int]:
    """The rows of one range (see ``parse_rows``); SplitUnsafe when a quoted field holds a line
    break or the range ends inside a quote, or when a row is malformed (the client then reads the
    file and names the line)."""
    try:
        frame, short = parse_rows(data, dialect, columns)
    except InputError as err:
        raise SplitUnsafe(f"a range could not be read on its own ({err})") from None
    if has_quoted_line_breaks(frame):
        raise SplitUnsafe("a quoted field holds a line break")
    return frame, short


def has_quoted_line_breaks(sample: pl.DataFrame) -> bool:
    """Does a sample of the file already show a field holding a line break?"""
    return bool(sample.height) and bool(sample.select(pl.any_horizontal(pl.all().str.contains(r"[\r\n]")).any()).item())
