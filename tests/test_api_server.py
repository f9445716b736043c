"""The local API end to end: a real ``normdesk serve`` on 127.0.0.1, real HTTP clients (httpx)."""

from __future__ import annotations

import json
import re
import socket
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from api_server import SAMPLE, Serve, cli, make_key, upload, wait_for_job


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("api") / "home"
    home.mkdir()
    keys = {name: make_key(home, name, perms) for name, perms in
            (("all", "read,submit,manage"), ("ro", "read"), ("submitter", "submit"))}
    serve = Serve(home, NORMDESK_API_MAX_UPLOAD_MB="1", NORMDESK_CHUNK_ROWS="2000")
    serve.keys = keys
    yield serve
    assert serve.stop() == 0, serve.output()
    for key in keys.values():  # never in a log, a record or a file of the data folder
        assert key not in serve.output()
        assert not [p for p in home.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "ref.csv"
    cli(out.parent, "run", str(SAMPLE), "-o", str(out))
    return out.read_bytes()


def big_file(path, rows: int):
    lines = ["Name,Email,Phone"] + [f"Person {i},p{i}@example.com,415555{i % 10000:04d}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_health_needs_no_key_and_the_docs_are_served(server):
    assert httpx.get(server.url + "/health").json()["status"] == "ok"
    base = server.url.removesuffix("/api/v1")
    schema = httpx.get(base + "/openapi.json").json()
    assert {"/api/v1/jobs", "/api/v1/jobs/{job_id}/events", "/api/v1/stats"} <= set(schema["paths"])
    assert "multipart/form-data" in schema["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]
    assert "swagger" in httpx.get(base + "/docs").text.lower()


class _Assets(HTMLParser):
    """Every URL a page loads or links to (src and href attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_only_assets_this_server_serves(server, page):
    base = server.url.removesuffix("/api/v1")
    reply = httpx.get(base + page)
    assert reply.status_code == 200
    parser = _Assets()
    parser.feed(reply.text)
    urls = [urljoin(str(reply.url), u) for u in parser.urls]
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts, parser.urls  # the page's script is among them
    assert not re.findall(r"https?://(?!127\.0\.0\.1[:/])[\w.-]+", reply.text), "a page names another host"
    for url in urls:
        assert urlsplit(url).hostname == "127.0.0.1", url
        asset = httpx.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, (url, asset.status_code)
    assert "/openapi.json" in reply.text


def test_upload_poll_download_identical_to_normdesk_run(server, reference):
    with server.client(server.keys["all"]) as c:
        reply = upload(c, SAMPLE, {"defaultCountry": "US", "preserveAccents": False})
        assert reply.status_code == 201, reply.text
        sent = reply.json()
        assert sent["totalRows"] == len(SAMPLE.read_text().splitlines()) - 1
        job = wait_for_job(c, sent["jobId"])
        assert job["status"] == "completed" and job["totalRows"] == sent["totalRows"]
        with c.stream("GET", f"/jobs/{sent['jobId']}/output") as download:
            assert download.status_code == 200
            assert "sample_contacts.normalized.csv" in download.headers["content-disposition"]
            assert b"".join(download.iter_bytes()) == reference
        listed = c.get("/jobs", params={"limit": 1}).json()
        assert [j["id"] for j in listed] == [sent["jobId"]]
        stats = c.get("/stats").json()
        assert stats["completed"] >= 1 and set(stats) >= {"total", "completed", "failed", "processing", "successRate"}


def test_json_submission_as_in_the_original_design(server, reference):
    with server.client(server.keys["all"]) as c:
        reply = c.post("/jobs", json={"fileContent": SAMPLE.read_text(), "fileName": "crm.csv",
                                      "config": {"defaultCountry": "US"}})
        assert reply.status_code == 201, reply.text
        job = wait_for_job(c, reply.json()["jobId"])
        assert job["status"] == "completed" and job["outputPath"].endswith("crm.normalized.csv")
        assert c.get(f"/jobs/{job['id']}/output").content == reference


def test_events_stream_status_and_progress_until_the_end(server, tmp_path):
    source = big_file(tmp_path / "big.csv", 10_000)
    with server.client(server.keys["all"]) as c:
        job_id = upload(c, source).json()["jobId"]
        events = []
        with c.stream("GET", f"/jobs/{job_id}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            kind = None
            for line in stream.iter_lines():  # the stream closes by itself when the job ends
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    events.append((kind, json.loads(line.split(":", 1)[1])))
    assert events[-1][0] == "status" and events[-1][1]["status"] == "completed"
    assert events[-1][1]["processedRows"] == 10_000
    done = [e["processedRows"] for _, e in events]
    assert done == sorted(done) and len(events) >= 3  # pending/processing, progress..., completed


def test_keys_and_permissions(server):
    with server.client() as anonymous:
        assert anonymous.get("/jobs").status_code == 401
        assert anonymous.get("/jobs", headers={"Authorization": "Bearer ndk_nope"}).status_code == 401
    with server.client(server.keys["ro"]) as ro:
        assert ro.get("/stats").status_code == 200
        refused = upload(ro, SAMPLE)
        assert refused.status_code == 403 and "submit" in refused.json()["detail"]
        job_id = ro.get("/jobs").json()[0]["id"]
        assert ro.post(f"/jobs/{job_id}/retry").status_code == 403
    with server.client(server.keys["submitter"]) as sub:
        assert sub.get("/jobs").status_code == 403
        assert upload(sub, SAMPLE).status_code == 201


def test_revocation_is_effective_at_once_on_the_running_server(server):
    key = make_key(server.home, "temporary", "read")
    with server.client(key) as c:
        assert c.get("/stats").status_code == 200
        cli(server.home, "api-key", "revoke", "temporary")
        refused = c.get("/stats")
        assert refused.status_code == 401 and key not in refused.text


def test_too_large_and_bad_files_leave_nothing_behind(server, tmp_path):
    uploads = server.home / "uploads"
    before = sorted(p.name for p in uploads.iterdir())
    big = big_file(tmp_path / "big.csv", 40_000)  # ~1.3 MB, over the 1 MB limit of this server
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 64)
    expected = cli(tmp_path, "run", str(binary), "-o", str(tmp_path / "x.csv"), code=2).stderr.strip()
    with server.client(server.keys["all"]) as c:
        assert upload(c, big).status_code == 413
        chunked = c.post("/jobs", content=iter([big.read_bytes()]),  # no Content-Length: counted as it streams
                         headers={"Content-Type": "application/json"})
        assert chunked.status_code == 413
        bad = upload(c, binary)
        assert bad.status_code == 422 and "normdesk: " + bad.json()["detail"] == expected
        assert upload(c, SAMPLE, {"defaultCountry": "Narnia"}).status_code == 422
        assert c.post("/jobs", json={"fileName": "x.csv"}).status_code == 422
    assert sorted(p.name for p in uploads.iterdir()) == before
    assert not (tmp_path / "x.csv").exists()


def test_cancel_then_retry(server, tmp_path):
    source = big_file(tmp_path / "long.csv", 10_000)
    with server.client(server.keys["all"]) as c:
        job_id = upload(c, source).json()["jobId"]
        assert c.post(f"/jobs/{job_id}/cancel").status_code == 200
        job = wait_for_job(c, job_id)
        assert job["status"] == "cancelled"
        assert c.get(f"/jobs/{job_id}/output").status_code == 409
        assert c.post(f"/jobs/{job_id}/retry").json()["status"] == "pending"
        assert wait_for_job(c, job_id)["status"] == "completed"
        conflict = c.post(f"/jobs/{job_id}/retry")
        assert conflict.status_code == 409 and "completed" in conflict.json()["detail"]
        assert c.get("/jobs/nosuchjob").status_code == 404


def test_repeated_bad_keys_are_rate_limited(tmp_path):
    home = tmp_path / "home"
    good = make_key(home, "good", "read")
    serve = Serve(home)
    try:
        with serve.client() as c:
            codes = [c.get("/stats", headers={"Authorization": f"Bearer ndk_wrong{i}"}).status_code
                     for i in range(10)]
            assert codes == [401] * 10
            blocked = c.get("/stats", headers={"Authorization": f"Bearer {good}"})
            assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
            assert c.get("/health").status_code == 200
    finally:
        assert serve.stop() == 0


def test_a_kill_during_an_upload_leaves_nothing_that_is_picked_up(tmp_path):
    home = tmp_path / "home"
    key = make_key(home, "k", "submit,read")
    serve = Serve(home)
    body = (b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"half.csv\"\r\n\r\n"
            b"Name,Email\r\n" + b"Ann Lee,ann@example.com\r\n" * 20_000)
    with socket.create_connection(("127.0.0.1", serve.port)) as sock:
        sock.sendall(f"POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                     f"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {len(body) * 2}\r\n\r\n".encode()
                     + body)
        deadline = time.monotonic() + 30
        while not any((home / "uploads").glob(".incoming-*/half.csv")):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        serve.kill()
    assert list((home / "uploads").glob(".incoming-*"))  # the half-written file is there...
    serve = Serve(home)
    try:
        with serve.client(key) as c:
            assert c.get("/jobs").json() == []  # ...no job points to it, and the restart swept it
        assert not list((home / "uploads").iterdir())
    finally:
        assert serve.stop() == 0


def test_other_interfaces_need_an_explicit_host_and_a_key(tmp_path):
    refused = cli(tmp_path / "home", "serve", "--host", "0.0.0.0", "--port", "1", code=2)
    assert "no API key exists" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
