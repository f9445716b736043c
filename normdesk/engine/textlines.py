"""A CSV file's physical lines, decoded in blocks, with what is not text in its encoding marked.

``TextLines(raw, encoding)`` iterates the lines of the binary stream ``raw`` with their line
breaks, split on ``\\n``, ``\\r\\n`` and ``\\r`` only (as ``open(..., newline="")`` does), for the csv
module: each block is decoded in C, cut after its last line break, and split by ``io.StringIO``.
A byte the encoding cannot decode becomes the lone surrogate U+DC00+byte (``sniff.MARK_ERRORS``)
and a NUL stays a NUL. Both are *marks*, which no text holds. A line holding marks is handed over
on its own, and adds them to ``marks`` as it is taken: the reader looks for marks in a record only
while ``marks`` is not zero (the record that took the line), and takes off those it sets aside.

A file that sniffed as UTF-8 on an all-ASCII prefix has not shown its encoding yet (``may_switch``):
at the first block holding non-ASCII text past the sniff's prefix, if that text is not UTF-8
(``sniff.looks_utf8``, the rule the sniff applies to the prefix) the file is cp1252, decoded as
such from that block on.
"""

from __future__ import annotations

import codecs
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from normdesk.engine.sniff import MARK_ERRORS, MARKS, PREFIX_BYTES, looks_utf8, marked_count

BLOCK = 1 << 13  # bytes decoded at a time: what TextIOWrapper reads, so progress moves as before
_NON_ASCII = re.compile(rb"[\x80-\xff]")
NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32", "cp1252": "Windows-1252"}


class TextLines:
    def __init__(self, raw: BinaryIO, encoding: str, may_switch: bool = False) -> None:
        self.raw, self.encoding = raw, encoding
        self.marks = 0
        self._undecided = may_switch and encoding == "utf-8"
        self._read = 0  # bytes decoded so far
        self._decoder = codecs.getincrementaldecoder(encoding)(MARK_ERRORS)

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._pieces())

    def name(self) -> str:
        """The encoding as people call it: "UTF-8", "Windows-1252"."""
        return NAMES.get(self.encoding, self.encoding)

    def _pieces(self) -> Iterator[Iterable[str]]:
        """The lines in pieces: the text between the lines holding marks, and each such line."""
        carried: list[str] = []  # the text after the last line break, block by block (a long line is
        carried_marks = False    # joined once, when it ends: not copied at every block)
        while True:
            data = self.raw.read(BLOCK)
            text, marked = self._decode(data, final=not data)
            if data:  # cut after the last \n; else after a \r that a \n cannot follow in the next block
                cut = text.rfind("\n") + 1 or text.rfind("\r", 0, len(text) - 1) + 1
                if not cut and not (carried and carried[-1].endswith("\r") and text and text[0] != "\n"):
                    carried.append(text)
                    carried_marks = carried_marks or marked
                    continue
                ready, rest = "".join(carried) + text[:cut], text[cut:]
            else:
                ready, rest = "".join(carried) + text, ""
            ready_marked, carried_marks = marked or carried_marks, marked and MARKS.search(rest) is not None
            carried = [rest] if rest else []
            if ready_marked:
                yield from self._around_marks(ready)
            elif ready:
                yield io.StringIO(ready, newline="")
            if not data:
                return

    def _around_marks(self, text: str) -> Iterator[Iterable[str]]:
        at = 0
        for found in MARKS.finditer(text):
            if found.start() < at:
                continue  # in the line just handed over
            start = max(at, text.rfind("\n", at, found.start()) + 1, text.rfind("\r", at, found.start()) + 1)
            end = _line_end(text, found.start())
            if start > at:
                yield io.StringIO(text[at:start], newline="")
            yield self._taken(text[start:end])
            at = end
        if at < len(text):
            yield io.StringIO(text[at:], newline="")

    def _taken(self, line: str) -> Iterator[str]:
        self.marks += len(MARKS.findall(line))
        yield line

    def _decode(self, data: bytes, final: bool) -> tuple[str, bool]:
        """The text of ``data``, and whether it holds marks."""
        text, bad = self._decoded(data, final)
        start, self._read = self._read, self._read + len(data)
        if self._undecided and not text.isascii():
            self._undecided = False
            seen = start + _NON_ASCII.search(data).start() < PREFIX_BYTES  # by the sniff, which decided
            if bad and not seen and not looks_utf8(text):  # all ASCII so far, no bytes pending: cp1252
                self.encoding, self._decoder = "cp1252", codecs.getincrementaldecoder("cp1252")(MARK_ERRORS)
                text, bad = self._decoded(data, final)
        return text, bad or "\x00" in text

    def _decoded(self, data: bytes, final: bool) -> tuple[str, bool]:
        before = marked_count()
        text = self._decoder.decode(data, final)
        return text, marked_count() != before


def _line_end(text: str, at: int) -> int:
    """Where the line holding ``text[at]`` ends, after its line break (as ``io.StringIO`` splits)."""
    lf, cr = text.find("\n", at), text.find("\r", at)
    if cr >= 0 and (lf < 0 or cr < lf):
        return cr + 2 if text.startswith("\n", cr + 1) else cr + 1
    return len(text) if lf < 0 else lf + 1
