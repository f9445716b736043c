"""Guess how a delimited text file is written: encoding, delimiter, quote character, header.

Encoding: a BOM decides (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); without one, UTF-8 when a large
prefix is UTF-8 (``looks_utf8``: no byte that is not, or more characters that are), else cp1252.
An all-ASCII prefix has not shown its encoding yet: the reader decides at the first non-ASCII
text (see ``textlines``). For display (samples, the preview, ``open_text``), bytes the chosen codec
cannot decode are read as cp1252, then latin-1, through the ``FALLBACK_ERRORS`` handler; the
reader marks them instead (``MARK_ERRORS``) and sets their records aside.

Delimiter: an Excel ``sep=X`` first line wins; otherwise each candidate is parsed quote-aware
over the first records and the one giving the most consistent field count (two fields or more)
wins; ties go to more fields, then to the earlier candidate (``,`` ``;`` tab ``|`` ``^`` unit
separator).

Header: kept by default; the first row is taken as data only when one of its cells looks like
a value no header is (a number, an e-mail address, a date) while the rows below agree.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import BinaryIO

from normdesk.engine.errors import InputError

PREFIX_BYTES = 1 << 20  # the strict UTF-8 test and the dialect guess look at this much of the file
SNIFF_RECORDS = 200
CANDIDATES = (",", ";", "\t", "|", "^", "\x1f")
FALLBACK_ERRORS = "normdesk-cp1252"
MARK_ERRORS = "normdesk-mark"  # an undecodable byte b -> the lone surrogate U+DC00+b, which no text holds
MARKS = re.compile("[\x00\udc00-\udcff]")  # what is not text: a NUL, a marked byte
_NON_ASCII_TEXT = re.compile("[^\x00-\x7f\udc00-\udcff]")

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# cp1252 with latin-1 for the five bytes it leaves undefined (0x81 0x8D 0x8F 0x90 0x9D)
_CP1252_TABLE = "".join(
    bytes([b]).decode("cp1252", errors="strict") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b)
    for b in range(256)
)
# C0 controls other than tab, LF, VT, FF, CR, SUB, the record/unit separators: a sign of a binary file
_CONTROL = re.compile("[\x00-\x08\x0e-\x19\x1c\x1d\x7f]")
_SEP_LINE = re.compile(r"sep=(.)(\r\n|\r|\n|$)", re.IGNORECASE)
_DATA_CELL = re.compile(
    r"[+-]?\$?\d[\d,]*(\.\d+)?%?"  # number
    r"|[^@\s]+@[^@\s]+\.[a-z]{2,}"  # e-mail address
    r"|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}",  # date
    re.IGNORECASE,
)
_YEAR = re.compile(r"(19|20)\d\d")  # a year is a plausible column heading
_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


@dataclass(frozen=True, slots=True)
class Dialect:
    encoding: str  # Python codec: "utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"
    delimiter: str  # "," ";" "\t" "|" (also "^", "\x1f" or whatever a sep= line names)
    quotechar: str = '"'
    has_header: bool = True
    skip_lines: int = 0  # physical lines before the header: blank lines and a "sep=" line


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Error handler: decode the offending bytes as cp1252 (latin-1 where cp1252 has a hole)."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return "".join(_CP1252_TABLE[b] for b in err.object[err.start : err.end]), err.end


codecs.register_error(FALLBACK_ERRORS, _cp1252_fallback)
_marked = [0]  # how many times MARK_ERRORS was called (in any thread): a decode that marked nothing is clean


def _mark(err: UnicodeError) -> tuple[str, int]:
    """Error handler: each undecodable byte b becomes U+DC00+b (``shown`` reads them as cp1252)."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    _marked[0] += 1
    return "".join(chr(0xDC00 + b) for b in err.object[err.start : err.end]), err.end


codecs.register_error(MARK_ERRORS, _mark)
SHOWN = {0xDC00 + b: _CP1252_TABLE[b] for b in range(256)}  # str.translate: marked bytes read as cp1252


def marked_count() -> int:
    """A counter that moves whenever a decode with MARK_ERRORS meets a byte it cannot decode."""
    return _marked[0]


def looks_utf8(text: str) -> bool:
    """Is ``text`` (decoded as UTF-8 with MARK_ERRORS) UTF-8: no marked byte, or more non-ASCII
    characters than marked bytes? (cp1252 text is almost never valid UTF-8 by chance.)"""
    bad = sum(1 for c in MARKS.findall(text) if c != "\x00")
    return bad == 0 or len(_NON_ASCII_TEXT.findall(text)) >= bad


def open_text(path: str | PathLike[str], dialect: Dialect) -> io.TextIOWrapper:
    """The file as text in ``dialect``'s encoding, for the csv module (newline='', read-only)."""
    return open(path, encoding=dialect.encoding, errors=FALLBACK_ERRORS, newline="")


def open_input(path: str | PathLike[str]) -> BinaryIO:
    """The input opened read-only, binary; a one-line InputError (permanent) when it is missing,
    not a regular file (a folder, FIFO, socket or device: refused without blocking) or unreadable."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(f"{p}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a folder, not a file") from None
    except PermissionError:
        raise InputError(f"{p}: permission denied") from None
    except OSError as err:
        if err.errno == errno.ENAMETOOLONG:
            raise InputError(f"file name too long: {p.name[:60]}...") from None
        if err.errno == errno.ENXIO:  # a socket
            _refuse_special(p, os.stat(p).st_mode)
        raise InputError(f"{p}: cannot read ({err.strerror or err})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        _refuse_special(p, mode)
    if hasattr(os, "O_NONBLOCK"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _refuse_special(p: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(f"{p}: is a folder, not a file")
    raise InputError(f"{p}: not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'a special file')})")


def read_prefix(path: str | PathLike[str], size: int = PREFIX_BYTES) -> bytes:
    """The first ``size`` bytes, with a one-line InputError for a missing or unreadable path."""
    with open_input(path) as f:
        try:
            return f.read(size)
        except OSError as err:
            raise InputError(f"{path}: cannot read ({err.strerror or err})") from None


def detect_encoding(prefix: bytes) -> str:
    """The codec of a file starting with ``prefix``; InputError when it is not text."""
    for bom, name in _BOMS:
        if prefix.startswith(bom):
            if name != "utf-8-sig" and len(prefix) > 8 and b"\x00" not in prefix[len(bom) :]:
                # the ASCII delimiters and line breaks of real UTF-16/32 text hold NUL bytes
                raise InputError(f"not a valid {name.upper()} file (8-bit text after a {name.upper()} byte-order mark)")
            return name
    if _binary(prefix):
        raise InputError("not a text file (it contains NUL bytes)")
    return "utf-8" if looks_utf8(codecs.getincrementaldecoder("utf-8")(MARK_ERRORS).decode(prefix, final=False)) else "cp1252"


def _binary(text: str | bytes) -> bool:
    """Does a file's first bytes (or their text) hold NULs as a binary file does: one in the first
    8 KiB (git's test), or more than a stray few (lines the reader sets aside) further on?"""
    nul = "\x00" if isinstance(text, str) else b"\x00"
    return nul in text[:8192] or text.count(nul) > 2 + len(text) // 10_000


def decode_prefix(prefix: bytes, encoding: str, whole_file: bool) -> str:
    """``prefix`` as text (a character cut at the end is dropped), checked to look like text."""
    before = marked_count()
    text = codecs.getincrementaldecoder(encoding)(MARK_ERRORS).decode(prefix, final=whole_file)
    controls = len(_CONTROL.findall(text, 0, 65536))
    if _binary(text) or controls > max(2, len(text[:65536]) // 100):
        raise InputError("not a text file (it contains binary control characters)")
    # undecodable bytes (lines the reader sets aside) read as cp1252
    return text.translate(SHOWN) if marked_count() != before else text


def _records(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    """The first non-blank records of ``text`` parsed with ``delimiter`` (a cut last one dropped)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[list[str]] = []
    try:
        for row in reader:
            if row and (len(row) > 1 or row[0].strip()):
                out.append(row)
                if len(out) > SNIFF_RECORDS:
                    return out[:SNIFF_RECORDS]
    except csv.Error:  # a cut or malformed quote: the reader reports it with a line number
        return out
    return out if complete else out[:-1] or out


def guess_delimiter(text: str, complete: bool) -> str:
    """The candidate whose dominant field count (>= 2) covers most records; ties go to more
    fields, then to the earlier candidate."""
    best, best_score = None, (0.0, 0, 0)
    for delimiter in CANDIDATES:
        if delimiter not in text:
            continue
        counts = [len(r) for r in _records(text, delimiter, complete)]
        if not counts:
            continue
        width, hits = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (hits / len(counts), width, -CANDIDATES.index(delimiter))
        if score > best_score:
            best, best_score = delimiter, score
    if best is not None:
        return best
    # one column: a delimiter that never occurs, so no cell is ever split
    return next((d for d in CANDIDATES if d not in text), "\x1f")


def _looks_like_data(rows: list[list[str]]) -> bool:
    """True when the first row holds a data-looking cell whose column below looks the same."""
    if len(rows) < 2:
        return False
    head, body = rows[0], rows[1:]
    for i, cell in enumerate(head):
        cell = cell.strip()
        if _DATA_CELL.fullmatch(cell) and not _YEAR.fullmatch(cell):
            below = [r[i].strip() for r in body if i < len(r) and r[i].strip()]
            if below and sum(bool(_DATA_CELL.fullmatch(v)) for v in below) >= 0.8 * len(below):
                return True
    return False


def _skip_preamble(text: str) -> tuple[str, int, str | None]:
    """Drop leading blank lines and an Excel ``sep=X`` line: (rest, lines dropped, X or None)."""
    skipped, sep = 0, None
    while True:
        match = re.match(r"[ \t]*(\r\n|\r|\n)", text)
        if match:
            text, skipped = text[match.end() :], skipped + 1
            continue
        match = _SEP_LINE.match(text)
        if match and sep is None:
            text, skipped, sep = text[match.end() :], skipped + 1, match.group(1)
            continue
        return text, skipped, sep


def sniff_text(text: str, encoding: str, complete: bool) -> Dialect:
    """The dialect of a decoded prefix (``complete``: the prefix is the whole file)."""
    body, skipped, sep = _skip_preamble(text)
    if not body.strip():
        if sep is not None or text:
            raise InputError("file has no header row (only blank lines)")
        raise InputError("file is empty")
    delimiter = sep or guess_delimiter(body, complete)
    has_header = not _looks_like_data(_records(body, delimiter, complete))
    return Dialect(encoding, delimiter, '"', has_header, skipped)


def sniff(path: str | PathLike[str]) -> Dialect:
    """The dialect of the file at ``path``; InputError when it is missing, empty or not text."""
    prefix = read_prefix(path, PREFIX_BYTES + 1)
    complete = len(prefix) <= PREFIX_BYTES
    prefix = prefix[:PREFIX_BYTES]
    if not prefix:
        raise InputError("file is empty")
    encoding = detect_encoding(prefix)
    return sniff_text(decode_prefix(prefix, encoding, complete), encoding, complete)
