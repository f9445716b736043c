"""Output, written atomically: chunks are appended to a CSV part file beside the output, which
is converted to the asked format and renamed over the output at the end.

The part file is always CSV because CSV can be resumed: a checkpoint records its byte length
after each chunk, and a resumed run truncates it there and appends again.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import uuid
from pathlib import Path

import polars as pl

from normdesk.engine.errors import InputError, OutputError
from normdesk.engine.reader import unique_columns

PART_SUFFIX = ".normdesk-part"
EXCEL_MAX_ROWS = 1_048_576  # including the header row


def new_part_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}")


def os_error(err: OSError, path: Path) -> OutputError:
    """A one-line OutputError for a failed write (polars' errors carry the errno only in the text)."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT) or "os error 28)" in str(err) or "No space left" in str(err):
        return OutputError(f"disk full while writing {path}")
    return OutputError(f"cannot write {path}: {err.strerror or err}")


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a part file beside ``path``, then rename it over ``path``."""
    part = new_part_path(path)
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    except OSError as err:
        part.unlink(missing_ok=True)
        raise os_error(err, path) from None


class PartWriter:
    """Appends chunks to the CSV part file; ``sync()`` makes what was written durable."""

    def __init__(self, part: Path, header: list[str], delimiter: str, resume_at: int | None) -> None:
        self.part = part
        self.delimiter = delimiter
        try:
            part.parent.mkdir(parents=True, exist_ok=True)
            if resume_at is None:
                self._file = open(part, "wb")
                text = io.StringIO()
                csv.writer(text, delimiter=delimiter, lineterminator="\n").writerow(header)
                self._file.write(text.getvalue().encode("utf-8"))
            else:
                self._file = open(part, "r+b")
                self._file.truncate(resume_at)
                self._file.seek(resume_at)
        except FileNotFoundError:
            raise OutputError(f"cannot resume: part file {part} is gone") from None
        except OSError as err:
            raise os_error(err, part) from None

    def write(self, frame: pl.DataFrame) -> None:
        try:
            frame.write_csv(self._file, include_header=False, separator=self.delimiter)
        except OSError as err:
            raise os_error(err, self.part) from None

    def sync(self) -> int:
        """Flush to disk; returns the part file's length (the resume point)."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as err:
            raise os_error(err, self.part) from None
        return self._file.tell()

    def close(self) -> None:
        self._file.close()


def finalize(part: Path, output: Path, fmt: str, delimiter: str, headers: list[str]) -> None:
    """Turn the finished CSV part file into ``output`` (in ``fmt``), atomically."""
    if fmt == "csv":
        _replace(part, output)
        return
    final = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.final{PART_SUFFIX}")
    try:
        unique = unique_columns(headers)
        if fmt == "parquet":
            _scan(part, delimiter, unique).sink_parquet(final)
        elif fmt == "json":
            _write_json(part, final, delimiter, unique)
        elif fmt == "xlsx":
            _write_xlsx(part, final, delimiter)
        else:
            raise InputError(f"unknown output format {fmt!r}")
        _replace(final, output)
    except OSError as err:
        raise os_error(err, output) from None
    finally:
        final.unlink(missing_ok=True)
    part.unlink(missing_ok=True)


def _replace(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError as err:
        raise os_error(err, dst) from None


def _scan(part: Path, delimiter: str, names: list[str]) -> pl.LazyFrame:
    return pl.scan_csv(part, separator=delimiter, infer_schema=False, new_columns=names)


def _write_json(part: Path, final: Path, delimiter: str, names: list[str]) -> None:
    """A JSON array of row objects, streamed: polars writes NDJSON, we wrap the lines."""
    ndjson = final.with_name(final.name + ".ndjson")
    try:
        _scan(part, delimiter, names).sink_ndjson(ndjson)
        with open(ndjson, "rb") as src, open(final, "wb") as dst:
            dst.write(b"[")
            first = True
            for line in src:
                line = line.rstrip(b"\n")
                if line:
                    dst.write(b"\n" if first else b",\n")
                    dst.write(line)
                    first = False
            dst.write(b"\n]\n")
            dst.flush()
            os.fsync(dst.fileno())
    finally:
        ndjson.unlink(missing_ok=True)


def _write_xlsx(part: Path, final: Path, delimiter: str) -> None:
    import xlsxwriter

    with open(part, newline="", encoding="utf-8") as src:
        rows = csv.reader(src, delimiter=delimiter)
        book = xlsxwriter.Workbook(str(final), {"constant_memory": True, "strings_to_numbers": False,
                                                "strings_to_formulas": False, "strings_to_urls": False})
        sheet = book.add_worksheet("normalized")
        bold = book.add_format({"bold": True})
        for index, row in enumerate(rows):
            if index >= EXCEL_MAX_ROWS:
                book.close()
                raise OutputError(
                    f"too many rows for an Excel sheet (limit {EXCEL_MAX_ROWS - 1:,}): choose csv or parquet"
                )
            sheet.write_row(index, 0, row, bold if index == 0 else None)
        book.close()
