"""``Automation``: the schedules and watched folders of one data folder, run by the process that
owns it (``normdesk worker``, the window). Call ``tick()`` often; it does its work about once a
second, or at once when a file event or a job's end wakes it.

Each watched folder gets watchdog's file events, unless ``watch_polling`` is set or the events
do not arrive (a file turns up that no event announced: a network drive); it is then scanned
every ``watch_poll_s``. With events it is still scanned every ``SAFETY_SCAN_S``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Callable, Mapping

from normdesk import settings as settings_mod
from normdesk.automation.folder_events import FolderEvents
from normdesk.automation.schedules import Fetcher, Scheduler
from normdesk.automation.store import AutomationStore
from normdesk.automation.watches import FolderRunner, Watch, Watches
from normdesk.jobs.events import EventKind
from normdesk.jobs.queue import JobQueue

log = logging.getLogger(__name__)

TICK_S = 1.0
SAFETY_SCAN_S = 10.0


@dataclass
class _Folder:
    runner: FolderRunner
    events: FolderEvents | None
    announced: set[str] = field(default_factory=set)
    next_scan: float = 0.0
    scanned: bool = False


class Automation:
    def __init__(self, queue: JobQueue, store: AutomationStore | None = None, *,
                 clock: Callable[[], float] = time.time, zone: tzinfo | None = None,
                 fetchers: Mapping[str, Fetcher] | None = None, settings: settings_mod.Settings | None = None) -> None:
        self.queue = queue
        self.store = store or AutomationStore(queue.home)
        self.settings = settings or settings_mod.load()
        self._settings_stamp = None if settings else _mtime(settings_mod.settings_path())  # None: fixed settings
        self.clock = clock
        self.scheduler = Scheduler(self.store, queue, clock, zone, fetchers, defaults=lambda: self.settings)
        self.watches = Watches(self.store, clock)
        self.folders: dict[str, _Folder] = {}
        self.wake = threading.Event()
        self._rev: int | None = None
        self._next_tick = 0.0
        self._unsubscribe = queue.events.subscribe(
            lambda event: self.wake.set(), {EventKind.COMPLETED, EventKind.FAILED, EventKind.CANCELLED})

    def tick(self, force: bool = False) -> None:
        """Run due schedules, look at the watched folders, move the files whose jobs ended."""
        mono = time.monotonic()
        if mono < self._next_tick and not self.wake.is_set() and not force:
            return
        self.wake.clear()
        self._next_tick = mono + TICK_S
        self._reload_settings()
        self._sync_watches()
        for schedule in self.scheduler.tick():
            log.info("schedule %s (%s): %s", schedule.name, schedule.id,
                     schedule.last.get("error") or f"{len(schedule.last['jobs'])} job(s) submitted")
        now = self.clock()
        for folder in list(self.folders.values()):
            try:
                self._tick_folder(folder, now, mono, force)
            except OSError as err:
                log.warning("watched folder %s: %s", folder.runner.watch.folder, err)

    def polling(self, watch_id: str) -> bool:
        folder = self.folders.get(watch_id)
        return folder is not None and folder.events is None

    def close(self) -> None:
        self._unsubscribe()
        for folder in self.folders.values():
            if folder.events is not None:
                folder.events.close()
        self.folders.clear()

    def _tick_folder(self, folder: _Folder, now: float, mono: float, force: bool) -> None:
        folder.runner.settle(now)
        names = folder.events.take() if folder.events is not None else set()
        folder.announced |= names
        if not (force or names or folder.runner.looks or mono >= folder.next_scan):
            return
        check_events = folder.events is not None and folder.scanned
        folder.runner.look(now, folder.announced if check_events else None)
        folder.scanned = True
        polling = folder.events is None
        folder.next_scan = mono + (self.settings.watch_poll_s if polling else SAFETY_SCAN_S)
        if not polling and folder.runner.unseen_by_events:
            log.info("no file events from %s (%s arrived unannounced): polling every %.0f s",
                     folder.runner.watch.folder, folder.runner.unseen_by_events[0], self.settings.watch_poll_s)
            self._stop_events(folder)

    def _stop_events(self, folder: _Folder) -> None:
        if folder.events is not None:
            folder.events.close()
            folder.events = None

    def _reload_settings(self) -> None:
        """A settings file changed in the window steers a running worker: settle time, polling."""
        if self._settings_stamp is None:
            return
        stamp = _mtime(settings_mod.settings_path())
        if stamp == self._settings_stamp:
            return
        self._settings_stamp, old = stamp, self.settings
        self.settings = settings_mod.load()
        for folder in self.folders.values():
            folder.runner.settle_s = self.settings.watch_settle_s
        if self.settings.watch_polling != old.watch_polling:
            for watch_id in list(self.folders):  # re-made by _sync_watches with events or without
                self._stop_events(self.folders.pop(watch_id))
            self._rev = None

    def _sync_watches(self) -> None:
        """Follow watches added or removed meanwhile (by the command line too)."""
        rev = self.store.revision()
        if rev == self._rev:
            return
        self._rev = rev
        current = {w.id: w for w in self.watches.list()}
        for gone in set(self.folders) - set(current):
            self._stop_events(self.folders.pop(gone))
        for watch_id, watch in current.items():
            if watch_id not in self.folders:
                self.folders[watch_id] = _Folder(
                    FolderRunner(watch, self.store, self.queue, self.settings.watch_settle_s), self._events(watch))

    def _events(self, watch: Watch) -> FolderEvents | None:
        if self.settings.watch_polling:
            return None
        try:
            return FolderEvents(watch.folder, self.wake)
        except Exception as err:  # inotify limits, a folder that is gone: polling still works
            log.info("no file events for %s (%s): polling", watch.folder, err)
            return None


def _mtime(path) -> int:
    """The settings file's mtime (-1 when there is none yet)."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


WINDOW_CLOSED = "window:closed_at"


def activity_since(store: AutomationStore, since: float | None) -> dict[str, int]:
    """What ran after ``since``: scheduled runs (and how many failed to start), files processed, files failed."""
    from normdesk.automation.store import FILE, SCHEDULE

    counts = {"runs": 0, "run_errors": 0, "processed": 0, "failed": 0}
    if since is None:
        return counts
    for rec in store.records(SCHEDULE):
        for run in rec.get("runs", ()):
            if run["at"] > since:
                counts["runs"] += 1
                counts["run_errors"] += bool(run.get("error"))
    for rec in store.records(FILE):
        if (rec.get("finished_at") or 0) > since:
            counts["processed" if rec["state"] == "done" else "failed"] += 1
    return counts


def describe_activity(counts: dict[str, int]) -> str:
    """``3 files processed, 1 failed; 2 scheduled runs`` ("" when nothing happened)."""
    parts = []
    if counts["processed"] or counts["failed"]:
        parts.append(f"{counts['processed']} watched file(s) processed, {counts['failed']} failed")
    if counts["runs"]:
        errors = f" ({counts['run_errors']} could not start)" if counts["run_errors"] else ""
        parts.append(f"{counts['runs']} scheduled run(s){errors}")
    return "; ".join(parts)
