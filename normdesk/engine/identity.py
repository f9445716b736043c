"""Which input a checkpoint belongs to: size, modification time and a fingerprint cheap enough
for a 10 GB file (a hash of its first MiB, its last MiB and the MiB before the read position).

A resume checks it before appending to the part file; any difference means the input changed
and the run starts over from row 1, so two files are never spliced into one output."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

WINDOW = 1 << 20  # bytes hashed at the start, at the end and before the read position


@dataclass(frozen=True, slots=True)
class InputIdentity:
    size: int
    mtime_ns: int
    fingerprint: str  # hex digest of the three windows and the read position
    offset: int  # bytes of the input read when the checkpoint was taken


class Fingerprinter:
    """Hashes the first and last MiB once; ``identity(offset)`` adds the MiB before ``offset``."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 (closed by close())
        st = os.fstat(self._file.fileno())
        self.size, self.mtime_ns = st.st_size, st.st_mtime_ns
        self._base = hashlib.blake2b(digest_size=16)
        self._base.update(self.size.to_bytes(8, "little"))
        self._base.update(self._read(0, WINDOW))
        self._base.update(self._read(max(0, self.size - WINDOW), WINDOW))

    def _read(self, start: int, size: int) -> bytes:
        self._file.seek(start)
        return self._file.read(size)

    def identity(self, offset: int) -> InputIdentity:
        offset = min(max(offset, 0), self.size)
        digest = self._base.copy()
        digest.update(offset.to_bytes(8, "little"))
        start = max(0, offset - WINDOW)
        digest.update(self._read(start, offset - start))
        return InputIdentity(self.size, self.mtime_ns, digest.hexdigest(), offset)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Fingerprinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
