"""How many data rows a file has, fast enough for the preview to say it while the user looks.

A CSV in a byte encoding is counted by its line ends, 8 MiB at a time (a 1 GB file in about a second):
the count is exact when no field is quoted and no line is blank, else it is "about" (a quoted field may
hold a line end) unless the file is small enough to read its rows. UTF-16/32 text and workbooks are
counted by reading their rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from normdesk.engine.reader import EXCEL_SUFFIXES, open_source
from normdesk.engine.sniff import open_input, sniff

BLOCK = 8 << 20
EXACT_BYTES = 32 << 20  # a quoted file up to this size is counted exactly, by reading its rows


@dataclass(frozen=True, slots=True)
class RowCount:
    rows: int
    exact: bool

    def words(self) -> str:
        """"1,204 rows" or "about 1,204,000 rows"."""
        n = self.rows if self.exact else round(self.rows, -3 if self.rows >= 10_000 else 0)
        return f"{'' if self.exact else 'about '}{n:,} row{'' if n == 1 else 's'}"


def _read_rows(path: Path, sheet: str | None) -> RowCount:
    with open_source(path, sheet) as source:
        return RowCount(sum(frame.height for frame in source.chunks(200_000)), True)


def count_rows(path: str | PathLike[str], sheet: str | None = None) -> RowCount:
    """The data rows of ``path`` (of ``sheet`` in a workbook); InputError when it cannot be read."""
    p = Path(path)
    if p.suffix.lower() in EXCEL_SUFFIXES:
        return _read_rows(p, sheet)
    dialect = sniff(p)
    if dialect.encoding.replace("-", "").lower().startswith(("utf16", "utf32")):
        return _read_rows(p, None)
    quote = dialect.quotechar.encode()
    ends = quoted = blank = 0
    last, tail = b"\n", b""
    with open_input(p) as fh:
        while block := fh.read(BLOCK):
            ends += block.count(b"\n")
            quoted = quoted or quote in block
            joined = tail + block  # a blank line may straddle two blocks
            blank = blank or b"\n\n" in joined or b"\n\r\n" in joined
            tail, last = joined[-2:], block[-1:]
    lines = ends + (last != b"\n")
    rows = max(lines - dialect.skip_lines - int(dialect.has_header), 0)
    if (quoted or blank) and p.stat().st_size <= EXACT_BYTES:
        return _read_rows(p, None)
    return RowCount(rows, not quoted and not blank)
