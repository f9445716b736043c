"""The window's share of the local API, while the window runs the jobs: webhook deliveries, and,
with "Allow other programs to use normdesk" (the ``api_enabled`` setting), the HTTP server of
``normdesk serve`` on 127.0.0.1:``api_port``, started, moved or stopped when the setting changes.

The server starts and stops off the GUI thread (importing FastAPI and binding take a moment);
``state_changed`` tells the window what to show: the address, or why the API is not running.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from normdesk.engine.errors import InputError
from normdesk.gui.tasks import run_task
from normdesk.settings import Settings

log = logging.getLogger(__name__)


def restart(old: Any, queue: Any, settings: Settings, dispatcher: Any) -> Any:
    """Stop ``old`` (an ApiServer or None), then start a server as ``settings`` say; returns it (or None)."""
    if old is not None:
        old.stop()
    if not settings.api_enabled:
        return None
    try:
        from normdesk.api.server import ApiServer
    except ImportError as err:
        raise InputError(f"needs the api extra ({err.name} is missing): pip install 'normdesk[api]'") from None
    server = ApiServer(queue, settings, access_log=False)
    server.service.dispatcher = dispatcher
    server.start()  # OutputError when the port is taken
    return server


class WindowApi(QObject):
    state_changed = Signal(str)  # "" while the API is off

    def __init__(self, queue: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.server: Any = None
        self.deliverer: Any = None
        self.state = ""
        self._settings: Settings | None = None
        self._dispatcher: Any = None
        self._owner = False  # this window runs the jobs of the data folder
        self._elsewhere = False  # another normdesk runs them: the API is off here
        self._busy = False

    @property
    def url(self) -> str | None:
        return self.server.url if self.server is not None else None

    def start_deliveries(self, settings: Settings) -> None:
        """Deliver the webhooks of the queue's job events from now on (call before the worker pool
        opens the data folder: it replays unfinished completions to the subscribers)."""
        from normdesk.api.webhooks import Deliverer, WebhookStore

        self._owner = True
        self.deliverer = Deliverer(WebhookStore(self.queue.home), settings)
        self._unsubscribe = self.deliverer.subscribe(self.queue.events)
        self.deliverer.start()

    def run_elsewhere(self, settings: Settings) -> None:
        """Another normdesk took the data folder: no server here, and say so while the setting is on."""
        self.close()
        self._elsewhere = True
        self.apply(settings)

    def wake_deliveries(self) -> None:
        if self.deliverer is not None:
            self.deliverer.wake()

    def apply(self, settings: Settings, dispatcher: Any = None) -> None:
        """Run the server as ``settings`` say, once this window runs the jobs (``dispatcher``: the
        worker pool's, so that a cancel over HTTP stops a running job at once)."""
        self._settings, self._dispatcher = settings, dispatcher or self._dispatcher
        if self._elsewhere:
            self._set_state("API off: another normdesk runs this folder's jobs" if settings.api_enabled else "")
            return
        if not self._owner or self._busy:
            return  # a start or stop in flight applies the newest settings when it is done
        listening = self.server is not None
        if listening == settings.api_enabled and (not listening or self.server.port == settings.api_port):
            return
        self._busy = True
        wanted = settings
        if settings.api_enabled:
            self._set_state(f"API: starting on 127.0.0.1:{settings.api_port}…")
        run_task(restart, self.server, self.queue, settings, self._dispatcher,
                 on_done=lambda server: self._started(server, wanted),
                 on_error=lambda message: self._failed(message, wanted), context=self)
        self.server = None

    def _started(self, server: Any, settings: Settings) -> None:
        self._busy = False
        self.server = server
        self._set_state(f"API: {server.url}" if server is not None else "")
        if server is not None:
            log.info("listening on %s/api/v1 (docs at %s/docs)", server.url, server.url)
        if self._settings is not settings:
            self.apply(self._settings)

    def _failed(self, message: str, settings: Settings) -> None:
        self._busy = False
        log.warning("API not started: %s", message)
        self._set_state(f"API off: {message}")
        if self._settings is not settings:
            self.apply(self._settings)

    def _set_state(self, text: str) -> None:
        self.state = text
        self.state_changed.emit(text)

    def close(self) -> None:
        """Stop the server and the deliveries (what is left is delivered at the next start)."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.deliverer is not None:
            self._unsubscribe()
            self.deliverer.stop()
            self.deliverer = None
        self._owner = self._elsewhere = False
