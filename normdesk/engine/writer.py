"""Output, written atomically: chunks are appended to a CSV part file beside the output, which
is converted to the asked format and renamed over the output at the end.

The part file is always CSV because CSV can be resumed: a checkpoint records its byte length
after each chunk, and a resumed run truncates it there and appends again.
"""

from __future__ import annotations

import csv
import datetime
import errno
import io
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Callable

import polars as pl

from normdesk.engine.errors import InputError, OutputError
from normdesk.engine.reader import unique_columns

PART_SUFFIX = ".normdesk-part"
TEMP_DIR_SUFFIX = ".normdesk-tmp"  # xlsxwriter's own temporary files go into such a folder
EXCEL_MAX_ROWS = 1_048_576  # including the header row
XLSX_CREATED = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)  # same bytes on every run


def new_part_path(output: Path, final: bool = False) -> Path:
    """``.<output name>.<8 hex>[.final].normdesk-part`` beside ``output``: every temporary file
    of a run is named so (the job sweep removes the ones a killed run left)."""
    return output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}{'.final' if final else ''}{PART_SUFFIX}")


def os_error(err: OSError, path: Path) -> InputError | OutputError:
    """A one-line error for a failed write (polars' errors carry the errno only in the text): an
    OutputError (retryable: disk full, permission...), or an InputError for a name too long."""
    text = str(err)
    if err.errno in (errno.ENOSPC, errno.EDQUOT) or "os error 28)" in text or "No space left" in text:
        return OutputError(f"disk full while writing {path}")
    if err.errno == errno.ENAMETOOLONG or "os error 36)" in text:
        return InputError(f"output file name too long: {path.name[:60]}...: choose a shorter output name")
    return OutputError(f"cannot write {path}: {err.strerror or text.splitlines()[0] if text else err}")


def conversion_error(err: Exception, path: Path, needed: int) -> InputError | OutputError:
    """The one-line error for a failure of polars or xlsxwriter while converting a part file of
    ``needed`` bytes into ``path``. polars' Parquet writer loses the errno ("transport error"):
    then a folder with less free space than the part file is taken to be full."""
    cause: BaseException | None = err
    while cause is not None and not isinstance(cause, OSError):  # xlsxwriter wraps OSErrors
        cause = next((a for a in getattr(cause, "args", ()) if isinstance(a, OSError)), cause.__cause__)
    if isinstance(cause, OSError):
        return os_error(cause, path)
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    try:
        full = shutil.disk_usage(path.parent).free < max(needed, 1 << 20)
    except OSError:
        full = False
    return os_error(OSError(errno.ENOSPC if full else None, text), path)


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a part file beside ``path``, then rename it over ``path``."""
    try:
        write_atomically(path, lambda part: part.write_text(text, encoding="utf-8"))
    except OSError as err:
        raise os_error(err, path) from None


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """``write`` a part file beside ``path``, then rename it over ``path``; on any failure the part
    file is removed and the error raised."""
    part = new_part_path(path)
    try:
        write(part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def header_line(header: list[str], delimiter: str) -> bytes:
    """The output's first line, as every CSV output (and part 0 of an S3 output) begins."""
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerow(header)
    return text.getvalue().encode("utf-8")


class PartWriter:
    """Appends chunks to the CSV part file; ``sync()`` makes what was written durable."""

    def __init__(self, part: Path, header: list[str], delimiter: str, resume_at: int | None) -> None:
        self.part = part
        self.delimiter = delimiter
        try:
            part.parent.mkdir(parents=True, exist_ok=True)
            if resume_at is None:
                self._file = open(part, "wb")
                self._file.write(header_line(header, delimiter))
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
    """Turn the finished CSV part file into ``output`` (in ``fmt``), atomically. Every temporary
    file is beside the output (see ``new_part_path``) and removed on failure; a failed write is a
    one-line OutputError. The part file stays for the caller to remove or resume."""
    if fmt == "csv":
        _replace(part, output)
        return
    final = new_part_path(output, final=True)
    error: OutputError | InputError | None = None
    try:
        unique = unique_columns(headers)
        if fmt == "parquet":
            _scan(part, delimiter, unique).sink_parquet(final)
        elif fmt == "json":
            _write_json(part, final, delimiter, unique, new_part_path(output, final=True))
        elif fmt == "xlsx":
            _write_xlsx(part, final, delimiter, temp_dir(output))
        else:
            raise InputError(f"unknown output format {fmt!r}")
        _replace(final, output)
    except (InputError, OutputError):
        raise
    except Exception as err:  # polars and xlsxwriter raise their own types around the OSError
        if not isinstance(err, (OSError, pl.exceptions.PolarsError)) and not _is_xlsxwriter(err):
            raise
        error = conversion_error(err, output, part.stat().st_size)
    finally:
        final.unlink(missing_ok=True)
    if error is not None:  # raised here, without the traceback whose frames hold the writers' open files
        raise error
    part.unlink(missing_ok=True)


def _is_xlsxwriter(err: Exception) -> bool:
    return type(err).__module__.startswith("xlsxwriter")


def _replace(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError as err:
        raise os_error(err, dst) from None


def _scan(part: Path, delimiter: str, names: list[str]) -> pl.LazyFrame:
    return pl.scan_csv(part, separator=delimiter, infer_schema=False, new_columns=names)


def _write_json(part: Path, final: Path, delimiter: str, names: list[str], ndjson: Path) -> None:
    """A JSON array of row objects, streamed: polars writes NDJSON (to another part file), we wrap
    the lines."""
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


def temp_dir(output: Path) -> Path:
    """A new folder ``.<output name>.<8 hex>.normdesk-tmp`` beside ``output``, for xlsxwriter's
    temporary files (which it names itself), after removing those a killed run left for ``output``."""
    pattern = re.compile(rf"\.{re.escape(output.name)}\.[0-9a-f]{{8}}{re.escape(TEMP_DIR_SUFFIX)}")
    for stale in output.parent.glob(f".*{TEMP_DIR_SUFFIX}"):
        if pattern.fullmatch(stale.name):
            shutil.rmtree(stale, ignore_errors=True)
    folder = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}{TEMP_DIR_SUFFIX}")
    folder.mkdir()
    return folder


def _write_xlsx(part: Path, final: Path, delimiter: str, tmpdir: Path) -> None:
    """One sheet, streamed by xlsxwriter (constant memory: inline strings, never formulas); its
    temporary files go into ``tmpdir`` (removed at the end), never the system temp folder."""
    import xlsxwriter

    try:
        with open(part, newline="", encoding="utf-8") as src:
            rows = csv.reader(src, delimiter=delimiter)
            book = xlsxwriter.Workbook(str(final), {
                "constant_memory": True, "tmpdir": str(tmpdir), "strings_to_numbers": False,
                "strings_to_formulas": False, "strings_to_urls": False})
            book.set_properties({"created": XLSX_CREATED})
            sheet = book.add_worksheet("normalized")
            bold = book.add_format({"bold": True})
            try:
                for index, row in enumerate(rows):
                    if index >= EXCEL_MAX_ROWS:
                        raise InputError(f"too many rows for an Excel sheet (limit {EXCEL_MAX_ROWS - 1:,}): "
                                         "choose csv or parquet")
                    sheet.write_row(index, 0, row, bold if index == 0 else None)
                book.close()
            except BaseException:
                sheet._opt_close()  # xlsxwriter's own close of the open temporary sheet (constant_memory)
                raise
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
