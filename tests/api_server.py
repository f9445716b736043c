"""Test helpers for the API tests: a real ``normdesk serve`` process on a free port of 127.0.0.1,
the ``normdesk`` command line on the same data folder, and a real webhook receiver."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "sample_contacts.csv"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "NORMDESK_HOME": str(home), "NORMDESK_START_RATE": "100", **extra}


def cli(home: Path, *args: str, code: int = 0, **env: str) -> subprocess.CompletedProcess:
    """Run ``normdesk ARGS`` on ``home``; asserts the exit status."""
    done = subprocess.run([sys.executable, "-m", "normdesk", *args], env=environment(home, **env),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    return done


def make_key(home: Path, name: str, permissions: str) -> str:
    """A new key in ``home``'s store (in this process: the CLI is tested on its own)."""
    from normdesk.api.keys import KeyStore

    store = KeyStore(home)
    try:
        return store.create(name, permissions)[1]
    finally:
        store.close()


class Serve:
    """``normdesk serve`` on ``home``: ``url``, ``client(key)``, ``stop()`` (SIGTERM), ``kill()``."""

    def __init__(self, home: Path, port: int | None = None, **env: str) -> None:
        self.home, self.port = home, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        self.log = home.parent / f"serve-{self.port}-{time.monotonic_ns()}.log"
        home.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "normdesk", "serve", "--port", str(self.port)],
                                         env=environment(home, **env), stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.output()
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up:\n" + self.output()
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {key}"} if key else {})

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(30)


def wait_for_job(client: httpx.Client, job_id: str, statuses=("completed", "failed", "cancelled"),
                 timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/jobs/{job_id}").json()
        if job["status"] in statuses:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def upload(client: httpx.Client, path: Path, config: dict | None = None) -> httpx.Response:
    files = {"file": (path.name, path.open("rb"), "text/csv")}
    data = {"config": json.dumps(config)} if config else None
    return client.post("/jobs", files=files, data=data)


class Receiver:
    """A webhook receiver on 127.0.0.1: answers ``codes`` in turn (then 200), keeps each request;
    ``hold`` (an Event) makes it wait before answering, like a slow receiver."""

    def __init__(self, codes: tuple[int, ...] = (), port: int | None = None) -> None:
        self.codes = list(codes)
        self.requests: list[dict] = []
        self.hold: threading.Event | None = None
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.arrived:
                    receiver.requests.append({"headers": dict(self.headers), "body": body})
                    receiver.arrived.notify_all()
                if receiver.hold is not None:
                    receiver.hold.wait(60)
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, count: int, timeout: float = 60) -> list[dict]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.requests) >= count, timeout), self.requests
            return list(self.requests)

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
