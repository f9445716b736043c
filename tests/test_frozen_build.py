"""The installers: the branding file and icons (fast), and, marked ``frozen``, the real Linux
build from this checkout (``python packaging/build.py``: PyInstaller, the frozen self-test, the
sample normalized, the tarball), then the frozen app checked against the source install.

    python -m pytest tests/test_frozen_build.py -m frozen     # the build: ~3-5 min on 2 cores
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "sample_contacts.csv"
sys.path.insert(0, str(ROOT / "packaging"))
import branding  # noqa: E402

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


# -- branding and icons (no build) -------------------------------------------------------------
def test_branding_takes_the_version_from_the_package():
    brand = branding.load()
    assert brand["version"] == VERSION
    assert all(Path(path).is_file() for path in brand["icons"].values())
    shell = subprocess.run([sys.executable, str(ROOT / "packaging" / "branding.py"), "sh"], capture_output=True,
                           text=True, check=True).stdout
    assert f"BRAND_VERSION={VERSION}\n" in shell
    values = subprocess.run(["bash", "-c", 'eval "$VARS"; echo "$BRAND_SUMMARY|$BRAND_WINDOWS_APP_ID"'],
                            env=dict(os.environ, VARS=shell), capture_output=True, text=True, check=True).stdout.strip()
    assert values == f"{brand['summary']}|{brand['windows_app_id']}"


def test_inno_setup_defines_escape_the_app_id():
    iss = branding.as_iss(branding.load())
    assert f'#define Brand_version "{VERSION}"\n' in iss
    app_id = branding.load()["windows_app_id"]
    assert f'#define Brand_windows_app_id "{{{app_id}"\n' in iss  # "{{" is a literal "{" for Inno Setup


def test_branding_cli_rejects_an_unknown_format():
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "branding.py"), "xml"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "usage" in proc.stderr


def _png_sizes(blobs: list[bytes]) -> list[int]:
    sizes = []
    for blob in blobs:
        assert blob[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", blob[16:24])
        assert width == height
        sizes.append(width)
    return sizes


def test_windows_icon_holds_every_size():
    data = Path(branding.load()["icons"]["ico"]).read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    blobs = []
    for i in range(count):
        side, _, _, _, _, _, size, offset = struct.unpack("<BBBBHHII", data[6 + 16 * i: 22 + 16 * i])
        blobs.append(data[offset:offset + size])
        assert _png_sizes([blobs[-1]]) == [side or 256]
    assert sorted(_png_sizes(blobs)) == [16, 24, 32, 48, 64, 128, 256]


def test_macos_icon_is_a_valid_icns():
    data = Path(branding.load()["icons"]["icns"]).read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    blobs, pos = {}, 8
    while pos < len(data):
        kind, length = data[pos:pos + 4].decode(), struct.unpack(">I", data[pos + 4:pos + 8])[0]
        blobs[kind] = data[pos + 8:pos + length]
        pos += length
    assert pos == len(data)
    assert _png_sizes([blobs["ic10"], blobs["ic07"], blobs["icp4"]]) == [1024, 128, 16]


# -- the frozen Linux app ----------------------------------------------------------------------
frozen = pytest.mark.frozen
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux build")


def headless_env(tmp: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", NORMDESK_HOME=str(tmp / "home"),
                PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring", XDG_DATA_HOME=str(tmp / "xdg"))


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """dist/ of `python packaging/build.py` (which already runs the self-test and the sample)."""
    out = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(out), "--work",
         str(tmp_path_factory.mktemp("work")), "--file-keyring"],
        capture_output=True, text=True, timeout=1800, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    print(f"\nbuild.py took {time.monotonic() - started:.0f} s", file=sys.stderr)
    return out


@pytest.fixture(scope="module")
def binary(dist) -> Path:
    return dist / "normdesk" / "normdesk"


@frozen
@linux_only
def test_build_made_the_app_and_the_tarball(dist, binary):
    assert os.access(binary, os.X_OK)
    assert (dist / "normdesk" / "_internal" / "resources" / "sample_contacts.csv").read_bytes() == SAMPLE.read_bytes()
    appdir = dist / "normdesk.AppDir"
    assert os.access(appdir / "AppRun", os.X_OK) and (appdir / ".DirIcon").resolve().is_file()
    assert (appdir / "org.normdesk.normdesk.desktop").resolve().read_text().count("Exec=normdesk %F") == 1
    assert (dist / f"normdesk-{VERSION}-linux-{os.uname().machine}.tar.gz").is_file()
    # only the Qt modules the app uses
    bundled = {p.name.split(".")[0] for p in (dist / "normdesk" / "_internal" / "PySide6").glob("Qt*.so")}
    assert bundled == {"QtCore", "QtGui", "QtWidgets"}
    assert not (dist / "normdesk" / "_internal" / "matplotlib").exists()  # the report's charts need no plotting library
    assert [p for p in (dist / "normdesk").rglob("*") if p.is_symlink() and not p.exists()] == []  # no dangling link
    size = sum(p.stat().st_size for p in (dist / "normdesk").rglob("*") if p.is_file())
    print(f"\nfrozen app folder: {size / 2**20:.0f} MiB", file=sys.stderr)


@frozen
@linux_only
def test_frozen_self_test_passes(binary, tmp_path):
    started = time.monotonic()
    proc = subprocess.run([str(binary), "--self-test"], env=headless_env(tmp_path), capture_output=True, text=True,
                          timeout=300)
    print(f"\nfrozen --self-test: {time.monotonic() - started:.1f} s", file=sys.stderr)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("\nok   ") + proc.stdout.startswith("ok   ") == 8
    assert "_internal/resources" in proc.stdout and "FAIL" not in proc.stdout


@frozen
@linux_only
def test_frozen_output_is_byte_identical_to_the_source_install(binary, tmp_path):
    env = headless_env(tmp_path)
    source_out, frozen_out, workers_out = (tmp_path / f"{name}.csv" for name in ("source", "frozen", "workers"))
    for cmd, out in (([sys.executable, "-m", "normdesk"], source_out), ([str(binary)], frozen_out),
                     ([str(binary)], workers_out)):
        extra = ["--workers", "2"] if out is workers_out else []
        proc = subprocess.run([*cmd, "run", str(SAMPLE), "-o", str(out), *extra], env=env, capture_output=True,
                              text=True, timeout=300, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
    assert source_out.stat().st_size > SAMPLE.stat().st_size
    assert frozen_out.read_bytes() == source_out.read_bytes()
    assert workers_out.read_bytes() == source_out.read_bytes()  # two spawned worker processes


@frozen
@linux_only
def test_frozen_app_writes_the_html_report_as_the_source_install_does(binary, tmp_path):
    """The HTML quality report (Jinja2 templates, SVG charts) works in the frozen app: the same charts
    and sections as from the source install."""
    env = headless_env(tmp_path)
    pages = {}
    for name, cmd in (("source", [sys.executable, "-m", "normdesk"]), ("frozen", [str(binary)])):
        report = tmp_path / f"{name}.html"
        proc = subprocess.run([*cmd, "run", str(SAMPLE), "-o", str(tmp_path / f"{name}.csv"), "--report", str(report)],
                              env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        pages[name] = report.read_text(encoding="utf-8")
    svgs = {name: re.findall(r"<svg.*?</svg>", page, re.S) for name, page in pages.items()}
    assert len(svgs["frozen"]) > 20 and svgs["frozen"] == svgs["source"]
    sections = {name: re.findall(r'<section class="column".*?</section>', page, re.S) for name, page in pages.items()}
    assert sections["frozen"] == sections["source"]


@frozen
@linux_only
def test_the_frozen_app_runs_a_file_on_a_dask_cluster(binary, tmp_path):
    """The frozen client connects to a LocalCluster whose workers are this source install (the
    version check passes: the bundle carries the packages' metadata) and writes the local bytes."""
    distributed = pytest.importorskip("distributed")
    env = headless_env(tmp_path)
    source_out, cluster_out = tmp_path / "source.csv", tmp_path / "cluster.csv"
    proc = subprocess.run([sys.executable, "-m", "normdesk", "run", str(SAMPLE), "-o", str(source_out)], env=env,
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0", silence_logs=50) as cluster:
        proc = subprocess.run([str(binary), "run", str(SAMPLE), "-o", str(cluster_out), "--cluster",
                               cluster.scheduler_address], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert cluster_out.read_bytes() == source_out.read_bytes()


@frozen
@linux_only
def test_frozen_dedupe_writes_what_the_source_install_writes(binary, tmp_path):
    """`normdesk dedupe --merged` from the frozen binary (the match extra bundled: Splink and its
    resources, DuckDB, sqlglot's dialects, scipy's connected components, the nickname table) on the
    sample plus 200 injected duplicates: the source install's clustered and merged bytes, and every
    injected duplicate found."""
    pytest.importorskip("splink")
    import polars as pl

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from dedupe_accuracy import inject, pairs

    env = headless_env(tmp_path)
    people = tmp_path / "people.csv"
    entity = inject(SAMPLE, people, seed=14)
    reports, written = {}, {}
    for name, cmd in (("source", [sys.executable, "-m", "normdesk"]), ("frozen", [str(binary)])):
        out, merged = tmp_path / f"{name}.csv", tmp_path / f"{name}.merged.csv"
        started = time.monotonic()
        proc = subprocess.run([*cmd, "dedupe", str(people), "-o", str(out), "--merged", str(merged), "--json"],
                              env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
        print(f"\n{name} dedupe of {len(entity)} rows: {time.monotonic() - started:.1f} s", file=sys.stderr)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr[-3000:]
        reports[name], written[name] = json.loads(proc.stdout), (out.read_bytes(), merged.read_bytes())
    assert written["frozen"] == written["source"]
    same = ("rows", "clusters", "rows_in_clusters", "pairs_compared", "links", "blocking_rules", "match_columns")
    assert {k: reports["frozen"][k] for k in same} == {k: reports["source"][k] for k in same}
    report = reports["frozen"]
    assert (report["rows"], report["clusters"], report["rows_in_clusters"]) == (1200, 1000, 400)
    assert report["pairs_compared"] >= report["links"] >= 200
    clusters = pl.read_csv(tmp_path / "frozen.csv", infer_schema=False).get_column("normdesk_cluster").to_list()
    assert pairs(clusters) == pairs(entity)  # the 200 injected duplicates, and no other link
    assert pl.read_csv(tmp_path / "frozen.merged.csv", infer_schema=False).height == 1000
    # pyarrow's Arrow Flight and S3 libraries were left out, and dedupe did not need them
    trimmed = [p.name for p in (binary.parent / "_internal").rglob("libarrow_*") if "flight" in p.name or "s3" in p.name]
    assert trimmed == []


@frozen
@linux_only
def test_frozen_window_starts_and_stays_up(binary, tmp_path):
    env = headless_env(tmp_path)
    started = time.monotonic()
    proc = subprocess.Popen([str(binary)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        queue = tmp_path / "home" / "queue"
        while not queue.exists() and proc.poll() is None and time.monotonic() - started < 60:
            time.sleep(0.05)
        print(f"\nfrozen window: data folder opened after {time.monotonic() - started:.1f} s", file=sys.stderr)
        time.sleep(4)
        exited = proc.poll()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert exited is None, f"the window exited by itself ({exited}): {err}"
    assert queue.is_dir()
    assert "Traceback" not in err, err


@frozen
@linux_only
def test_frozen_serve_runs_the_api(binary, tmp_path):
    """`normdesk serve` from the frozen binary (the api extra and uvicorn's modules loaded by name):
    health, the offline docs' assets, a submitted job's output as `normdesk run` writes it, SIGTERM."""
    import httpx
    from api_server import free_port, upload

    env = headless_env(tmp_path)
    reference = tmp_path / "ref.csv"
    subprocess.run([sys.executable, "-m", "normdesk", "run", str(SAMPLE), "-o", str(reference)], env=env,
                   check=True, capture_output=True, timeout=300, cwd=ROOT)
    made = subprocess.run([str(binary), "api-key", "create", "--name", "frozen", "--permissions", "read,submit",
                           "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)["key"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(binary), "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert httpx.get(base + "/docs-assets/swagger-ui-bundle.js").status_code == 200
        with httpx.Client(base_url=base + "/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            sent = upload(c, SAMPLE)
            assert sent.status_code == 201, sent.text
            job_id = sent.json()["jobId"]
            while (status := c.get(f"/jobs/{job_id}").json()["status"]) not in ("completed", "failed"):
                assert time.monotonic() < deadline + 120, status
                time.sleep(0.2)
            assert status == "completed"
            assert c.get(f"/jobs/{job_id}/output").content == reference.read_bytes()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, log.read_text()
    assert "Traceback" not in log.read_text()


@frozen
@linux_only
def test_tarball_installs_into_the_users_home_and_uninstalls(dist, tmp_path):
    with tarfile.open(dist / f"normdesk-{VERSION}-linux-{os.uname().machine}.tar.gz") as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    (folder,) = (tmp_path / "unpacked").iterdir()
    home = tmp_path / "user"
    env = dict(os.environ, HOME=str(home))
    env.pop("PREFIX", None)
    proc = subprocess.run([str(folder / "install.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    local = home / ".local"
    desktop = (local / "share" / "applications" / "org.normdesk.normdesk.desktop").read_text()
    assert f'Exec="{local}/lib/normdesk/normdesk" %F' in desktop and "Icon=org.normdesk.normdesk" in desktop
    assert (local / "share" / "icons" / "hicolor" / "512x512" / "apps" / "org.normdesk.normdesk.png").is_file()
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(local / "share" / "applications" / "org.normdesk.normdesk.desktop")],
                       check=True)
    version = subprocess.run([str(local / "bin" / "normdesk"), "--version"], capture_output=True, text=True,
                             timeout=60, env=env)
    assert version.stdout.strip() == f"normdesk {VERSION}"
    proc = subprocess.run([str(folder / "install.sh"), "--uninstall"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert not (local / "lib" / "normdesk").exists() and not (local / "bin" / "normdesk").exists()
