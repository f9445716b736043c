"""Row access to a finished run's output in any format, for the results view: a CSV output through
``RowIndex``; an xlsx, json or parquet output through an ``OutputFrame`` with the same interface
(``read_header``/``build``/``read``/``rows``/``done``) and a lazy frame for the filters.

Every value reads as text, as the CSV output's do (the writer converts the CSV part file, so the
cells are the same strings; an empty cell, a null in parquet and json, reads as ""). A parquet
output is read lazily, by blocks of rows; an xlsx or json output is read whole into memory (its
reader has no row access). Parquet and json name their columns with the engine's unique keys
(``unique_columns``): a blank or repeated header cell shows as such a key ("Column 3", "Name (2)").
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

import polars as pl

from normdesk.engine.errors import InputError
from normdesk.engine.row_index import BlockCache, RowIndex
from normdesk.engine.sniff import sniff

BLOCK_ROWS = 1024  # rows of a parquet output read (and cached) at a time
CACHED_BLOCKS = 64


def open_output(path: str | Path, fmt: str, rows: int | None = None) -> RowIndex | OutputFrame:
    """The reader of the output ``path`` written in ``fmt`` (unbuilt; ``read_header`` reads the header).
    ``rows``: how many rows the run wrote (its report), when known: see ``FrameRows``."""
    path = Path(path)
    if fmt == "csv":
        return RowIndex.of_output(path, sniff(path).delimiter)
    if fmt == "parquet":
        return ParquetRows(path)
    if fmt in ("xlsx", "json"):
        return FrameRows(path, fmt, rows)
    raise InputError(f"the results view cannot read {fmt} outputs")


def _texts(frame: pl.LazyFrame | pl.DataFrame, names: list[str]) -> pl.LazyFrame | pl.DataFrame:
    """``names`` as text columns named by position (``c0``, ``c1``...: headers may repeat)."""
    return frame.select(pl.col(n).cast(pl.String).alias(f"c{i}") for i, n in enumerate(names))


class OutputFrame:
    """An output that is not CSV. ``scan()``: its rows as a lazy frame of text columns ``c0``, ``c1``..."""

    delimiter = ","  # as a RowIndex has (the filters read ``scan()`` instead)

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: list[str] = []
        self.rows, self.done = 0, False

    def scan(self) -> pl.LazyFrame:
        raise NotImplementedError

    def _failed(self, err: Exception) -> InputError:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        return InputError(f"{self.path.name}: cannot read this output ({first})")


class ParquetRows(OutputFrame):
    """A parquet output, read lazily: its row count from the metadata, rows by blocks (cached)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._cache = BlockCache(CACHED_BLOCKS)

    def read_header(self) -> list[str]:
        try:
            self.header = list(pl.read_parquet_schema(self.path))
        except Exception as err:  # polars raises its own error types for a bad file
            raise self._failed(err) from None
        return self.header

    def build(self, on_progress: Callable[[int], None] | None = None,
              cancelled: Callable[[], bool] = lambda: False) -> None:
        if not self.header:
            self.read_header()
        self.rows = pl.scan_parquet(self.path).select(pl.len()).collect().item()
        self.done = True
        if on_progress is not None:
            on_progress(self.rows)

    def scan(self) -> pl.LazyFrame:
        return _texts(pl.scan_parquet(self.path), self.header).fill_null("")

    def read(self, start: int, count: int) -> list[list[str]]:
        stop, out = min(start + count, self.rows), []
        while start + len(out) < stop:
            row = start + len(out)
            block = self._block(row // BLOCK_ROWS)
            piece = block[row % BLOCK_ROWS : row % BLOCK_ROWS + stop - row]
            if not piece:
                break
            out.extend(piece)
        return out

    def _block(self, number: int) -> list[list[str]]:
        rows = self._cache.get(number)
        if rows is None:
            rows = [list(r) for r in self.scan().slice(number * BLOCK_ROWS, BLOCK_ROWS).collect().iter_rows()]
            self._cache.put(number, rows)
        return rows


class FrameRows(OutputFrame):
    """An xlsx or json output, read whole into memory once (by ``read_header`` or ``build``).
    An xlsx sheet has no cells for the empty rows at its end: ``written`` (the rows the run wrote)
    adds them back."""

    def __init__(self, path: Path, fmt: str, written: int | None = None) -> None:
        super().__init__(path)
        self.fmt, self.written = fmt, written
        self._frame: pl.DataFrame | None = None
        self._lock = threading.Lock()

    def read_header(self) -> list[str]:
        self._load()
        return self.header

    def build(self, on_progress: Callable[[int], None] | None = None,
              cancelled: Callable[[], bool] = lambda: False) -> None:
        self._load()
        self.rows, self.done = self._frame.height, True
        if on_progress is not None:
            on_progress(self.rows)

    def _load(self) -> None:
        with self._lock:
            if self._frame is not None:
                return
            try:
                header, frame = self._read_xlsx() if self.fmt == "xlsx" else self._read_json()
            except Exception as err:  # fastexcel and polars raise their own error types for a bad file
                raise self._failed(err) from None
            texts = _texts(frame, frame.columns).fill_null("")
            missing = (self.written or 0) - texts.height
            if missing > 0:
                texts = pl.concat([texts, pl.DataFrame({c: [""] * missing for c in texts.columns})])
            self.header, self._frame = header, texts

    def _read_xlsx(self) -> tuple[list[str], pl.DataFrame]:
        """The writer's one sheet, every cell as its text (no display conversion: it wrote strings);
        the first row is the header, kept as written (repeated names too)."""
        import fastexcel

        raw = fastexcel.read_excel(self.path).load_sheet(0, header_row=None, dtypes="string").to_polars()
        if raw.height == 0:
            raise InputError("the sheet is empty")
        return ["" if v is None else v for v in raw.row(0)], raw.slice(1)

    def _read_json(self) -> tuple[list[str], pl.DataFrame]:
        frame = pl.read_json(self.path, infer_schema_length=None)
        if not frame.columns:
            raise InputError("it has no rows (a json output without rows has no header)")
        return frame.columns, frame

    def scan(self) -> pl.LazyFrame:
        return self._frame.lazy()

    def read(self, start: int, count: int) -> list[list[str]]:
        return [list(r) for r in self._frame.slice(start, max(0, min(count, self.rows - start))).iter_rows()]
