"""One process runs the jobs of a data folder at a time: an OS lock on ``<data folder>/normdesk.lock``.

The operating system drops the lock when its process dies, however it dies, so a stale lock
file (left by a killed process) never blocks: the next process takes the lock and writes its
own pid. The pid in the file is only there to name the owner in the message.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from normdesk.engine.errors import NormdeskError

LOCK_NAME = "normdesk.lock"
_LOCK_OFFSET = 1 << 20  # Windows locks a byte range: lock one far from the pid we write


class FolderBusy(NormdeskError):
    """Another process owns the data folder."""


class DataDirLock:
    def __init__(self, home: Path) -> None:
        self.path = Path(home) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> DataDirLock:
        """Take the lock or raise ``FolderBusy`` naming the owner's pid."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            os.close(fd)
            pid = self.owner_pid()
            raise FolderBusy(f"normdesk is already running on this data folder (pid {pid or 'unknown'})")
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def owner_pid(self) -> int | None:
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def __enter__(self) -> DataDirLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
