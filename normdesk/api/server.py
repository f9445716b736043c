"""The API on uvicorn, with webhook delivery, over one job queue: what ``normdesk serve`` and the
window's "Allow other programs to use normdesk" run.

``ApiServer`` runs uvicorn on a thread of its own (so the caller keeps the signals: the headless
worker's graceful SIGTERM); ``deliver_webhooks`` subscribes the webhook ``Deliverer`` to the
queue's events. It
listens on 127.0.0.1 unless told otherwise, and refuses any other interface while no API key exists.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import threading
import time
from pathlib import Path

import uvicorn

from normdesk.api.app import Service, create_app
from normdesk.api.keys import KeyStore
from normdesk.api.uploads import sweep
from normdesk.api.webhooks import Deliverer, WebhookStore
from normdesk.engine.errors import InputError, OutputError
from normdesk.jobs.queue import JobQueue
from normdesk.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0


def port_in_use(host: str, port: int) -> bool:
    """Whether another program listens on ``host:port`` (bound as uvicorn binds: SO_REUSEADDR)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            return err.errno == errno.EADDRINUSE
    return False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ApiServer:
    def __init__(self, queue: JobQueue, settings: Settings, host: str = DEFAULT_HOST, port: int | None = None,
                 access_log: bool = True) -> None:
        self.queue, self.settings = queue, settings
        self.host, self.port = host, port if port is not None else settings.api_port
        self.keys = KeyStore(queue.home)
        if not is_loopback(host) and not self.keys.any_active():
            raise InputError(f"refusing to listen on {host}: no API key exists yet "
                             "(make one with `normdesk api-key create`, or keep the default 127.0.0.1)")
        self.service = Service(queue, self.keys, settings)
        self.webhooks = WebhookStore(queue.home)
        self.deliverer = Deliverer(self.webhooks, settings)
        config = uvicorn.Config(create_app(self.service), host=self.host, port=self.port, log_level="info",
                                access_log=access_log, lifespan="off", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self._unsubscribe = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def deliver_webhooks(self) -> None:
        """Subscribe webhook delivery to the queue's events and resume the stored deliveries."""
        if self._unsubscribe is None:
            self._unsubscribe = self.deliverer.subscribe(self.queue.events)
            self.deliverer.start()

    def start(self) -> None:
        """Sweep the uploads a killed server left and start the HTTP server; returns once it
        listens (``OutputError`` when it cannot). Call while this process owns the data folder."""
        if port_in_use(self.host, self.port):
            raise OutputError(f"cannot listen on {self.url}: port {self.port} is in use by another program")
        referenced = {Path(j.input_path).parent for j in self.queue.list()}
        for folder in sweep(self.service.uploads, referenced):
            log.info("removed unfinished upload %s", folder.name)
        self._thread = threading.Thread(target=self.server.run, name="normdesk-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise OutputError(f"cannot listen on {self.url} (is the port in use?)")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the HTTP server (requests in flight get a few seconds) and webhook delivery; the
        deliveries left are stored for the next start."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.deliverer.stop()
