"""File events of one folder (watchdog): the names created, changed or moved in, and a wake-up.

Events only say "look now"; the folder is still scanned, so a lost event loses nothing. Network
drives (SMB/NFS) deliver none: the runner notices and falls back to polling.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

log = logging.getLogger(__name__)


class FolderEvents:
    def __init__(self, folder: str, wake: threading.Event) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        self._names: set[str] = set()
        self._lock = threading.Lock()
        root = Path(folder)
        outer = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                path = getattr(event, "dest_path", "") or event.src_path
                path = Path(path.decode() if isinstance(path, bytes) else path)
                if event.is_directory or path.parent != root:
                    return
                with outer._lock:
                    outer._names.add(path.name)
                wake.set()

        self._observer = Observer()
        self._observer.schedule(Handler(), folder, recursive=False)
        self._observer.daemon = True
        self._observer.start()

    def take(self) -> set[str]:
        """The names announced since the last call."""
        with self._lock:
            names, self._names = self._names, set()
        return names

    def close(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)
