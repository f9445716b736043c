"""Test helpers for the S3 sync tests: a real moto S3 server over HTTP, a fault-injecting HTTP proxy
in front of it, a real file keyring in a temporary folder, and an isolated AWS environment.

Import the fixtures into a test module with ``from s3_server import *``.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import keyring
import keyring.backends.fail
import pytest
from botocore.config import Config
from keyrings.alt.file import PlaintextKeyring
from moto.server import ThreadedMotoServer

__all__ = ["FaultProxy", "aws_env", "bucket", "closed_port_url", "fault_proxy", "file_keyring", "moto_url",
           "no_keyring", "raw_client", "set_moto_auth"]


@pytest.fixture(scope="session")
def moto_url():
    """A real moto S3 server in server mode on a free port of 127.0.0.1; its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def set_moto_auth(url: str, enabled: bool) -> None:
    """Switch moto's request authentication on (unknown keys are refused) or off, over HTTP."""
    body = b"0" if enabled else b"inf"
    request = urllib.request.Request(f"{url}/moto-api/reset-auth", data=body, method="POST",
                                     headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request).read()


@pytest.fixture
def aws_env(tmp_path, monkeypatch):
    """A data folder in tmp_path and an AWS environment that cannot reach real credentials or IMDS."""
    home = tmp_path / "home"
    monkeypatch.setenv("NORMDESK_HOME", str(home))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_S3", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-env-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-env-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return home


@pytest.fixture
def file_keyring(tmp_path, monkeypatch):
    """A real keyring backend that needs no desktop session (keyrings.alt plain-text file in tmp_path),
    chosen explicitly, as a user would with PYTHON_KEYRING_BACKEND."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    """keyring's "fail" backend: no OS keyring available."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def raw_client(url: str):
    """A plain boto3 client straight to moto, to set up and inspect the bucket behind normdesk's back."""
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="setup",
                        aws_secret_access_key="setup", config=Config(s3={"addressing_style": "path"}))


@pytest.fixture
def bucket(moto_url, aws_env, file_keyring):
    """A fresh bucket on moto, and normdesk configured for it (prefix "team/in") through its settings file."""
    from normdesk.sync.settings import S3Settings, save_settings

    name = f"nd-{uuid.uuid4().hex[:12]}"
    raw_client(moto_url).create_bucket(Bucket=name)
    save_settings(S3Settings(bucket=name, prefix="team/in", region="us-east-1", endpoint_url=moto_url, upload="both"))
    return name


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class FaultProxy:
    """An HTTP/1.1 proxy on 127.0.0.1 in front of moto that fails chosen requests.

    ``fail(n, mode, match)``: the next n requests whose "METHOD path?query" matches the regex get
    mode "503" (a SlowDown error response), "drop" (the connection is closed without a response),
    "stall" (held for `stall_s` seconds, then forwarded) or "slow" (the response body trickles out).
    """

    stall_s = 10.0

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.lock = threading.Lock()
        self.rules: list[list] = []
        self.seen: list[str] = []
        self.faults = 0
        self.closing = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = proxy._decide(f"{self.command} {self.path}")
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "503":
                    payload = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if action == "stall" and proxy.closing.wait(proxy.stall_s) or proxy.closing.is_set():
                    self.close_connection = True
                    return
                conn = http.client.HTTPConnection(proxy.upstream, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"}
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                except OSError:
                    self.close_connection = True
                    return
                finally:
                    conn.close()
                self.send_response(resp.status)
                for key, value in resp.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command == "HEAD":
                    return
                step = 64 * 1024 if action == "slow" else len(data) or 1
                for start in range(0, len(data), step):
                    self.wfile.write(data[start:start + step])
                    if action == "slow":
                        self.wfile.flush()
                        time.sleep(0.05)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fail(self, n: int, mode: str = "503", match: str = ".") -> None:
        with self.lock:
            self.rules.append([n, mode, re.compile(match)])

    def _decide(self, request_line: str) -> str | None:
        with self.lock:
            self.seen.append(request_line)
            for rule in self.rules:
                if rule[0] > 0 and rule[2].search(request_line):
                    rule[0] -= 1
                    self.faults += 1
                    return rule[1]
        return None

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fault_proxy(moto_url) -> Callable[[], FaultProxy]:
    proxy = FaultProxy(moto_url)
    yield proxy
    proxy.close()
