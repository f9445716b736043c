"""`normdesk run --report`: one self-contained HTML file (and JSON) with the run's figures, the job
record keeping the profile, and the HTML rendered by a real headless Chromium."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "sample_contacts.csv"
sys.path.insert(0, str(ROOT / "scripts"))
from report_screenshot import find_chromium, print_pdf, screenshot  # noqa: E402


def nd(tmp_path: Path, *args: str, code: int = 0, python: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NORMDESK_HOME": str(tmp_path / "home"), "NORMDESK_RETRY_BACKOFF": "0"}
    cmd = python or [sys.executable, "-m", "normdesk"]
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    return proc


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """One run of the bundled sample with an HTML and a JSON report (and the printed JSON)."""
    tmp = tmp_path_factory.mktemp("qr")
    printed = json.loads(nd(tmp, "run", str(SAMPLE), "-o", "out.csv", "--report", "report.html", "--json").stdout)
    return tmp, printed, (tmp / "report.html").read_text(encoding="utf-8")


def figure(section: str, name: str) -> int:
    match = re.search(rf'data-figure="{name}">~?([\d,]+)<', section)
    assert match, name
    return int(match.group(1).replace(",", ""))


def test_html_is_self_contained(sample_run):
    _, _, page = sample_run
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page and "<svg" in page
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", page, re.I)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:|//|file:)", page, re.I)
    assert not re.search(r"url\((?!#)|@import|@font-face", page, re.I)  # only in-page refs (clip paths)
    assert 'xlink:href="http' not in page and "<image" not in page


def test_html_figures_equal_the_report(sample_run):
    _, printed, page = sample_run
    header = next(iter(__import__("csv").reader(SAMPLE.open(encoding="utf-8-sig"))))
    for key in ("total_rows", "valid_rows", "invalid_rows"):
        assert figure(page, key) == printed[key]
    sections = dict(re.findall(r'data-column="([^"]+)">(.*?)</section>', page, re.S))
    assert list(map(html.unescape, sections)) == header == list(printed["profile"])
    for key, prof in printed["profile"].items():
        section = sections[html.escape(key)]
        assert f"<h2>{html.escape(prof['header'])}<" in section
        assert figure(section, "rows") == prof["rows"] == printed["total_rows"]
        assert figure(section, "empty") == prof["empty"]
        assert figure(section, "distinct") == prof["distinct"]
        if key in printed["columns"]:
            counts = printed["columns"][key]
            assert figure(section, "invalid") == counts["invalid"] == prof["reasons"]["other"] + sum(
                prof["reasons"]["items"].values())
            assert figure(section, "changed") == counts["changed"]
            assert figure(section, "valid") == counts["changed"] + counts["unchanged"] + counts["warning"]
        assert figure(section, "duplicates") == prof["duplicates"] == prof["filled"] - prof["distinct"]
    for sample in printed["invalid_samples"][:5]:
        assert html.escape(sample["value"]) in page and html.escape(sample["reason"]) in page


def test_json_report_holds_the_printed_figures(sample_run, tmp_path):
    src, printed, _ = sample_run
    nd(tmp_path, "run", str(SAMPLE), "-o", "out.csv", "--report", "report.json")
    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert written.pop("source") == str(SAMPLE)
    for run in (written, printed):
        run.pop("elapsed_s"), run.pop("output")
    assert written == printed
    assert written["profile"]["phone"]["facets"]["country"]["items"]["US"] > 900
    assert "distinct_state" not in json.dumps(written)  # the summary, not the resume state


def test_bad_report_path_fails_before_the_run(tmp_path):
    err = nd(tmp_path, "run", str(SAMPLE), "-o", "out.csv", "--report", "report.pdf", code=2).stderr
    assert err.strip() == "normdesk: --report takes a .html or .json file, not 'report.pdf'"
    assert not (tmp_path / "out.csv").exists()


def test_html_report_needs_no_plotting_library(tmp_path):
    """The charts are SVG written from Jinja2 templates: with matplotlib blocked the report is the same."""
    blocked = "import sys; sys.modules['matplotlib'] = None; from normdesk.cli import main; sys.exit(main())"
    nd(tmp_path, "run", str(SAMPLE), "-o", "out.csv", "--report", "r.html", python=[sys.executable, "-c", blocked])
    nd(tmp_path, "run", str(SAMPLE), "-o", "out2.csv", "--report", "r2.html")
    charts = [re.findall(r"<svg.*?</svg>", (tmp_path / name).read_text(encoding="utf-8"), re.S) for name in ("r.html", "r2.html")]
    assert len(charts[0]) > 20 and charts[0] == charts[1]


def test_job_record_keeps_the_profile(tmp_path):
    (tmp_path / "a.csv").write_text("Name,Tel,Notes\nada lovelace,(415) 555-0100,x\nbob,12,y\n,,z\n")
    job = json.loads(nd(tmp_path, "jobs", "submit", "a.csv", "--json").stdout)[0]
    nd(tmp_path, "worker", "--once")
    shown = json.loads(nd(tmp_path, "jobs", "show", job["id"], "--json").stdout)
    profile = shown["report"]["profile"]
    assert list(profile) == ["Name", "Tel", "Notes"]
    assert profile["Notes"]["values"]["items"] == {"x": 1, "y": 1, "z": 1} and profile["Name"]["empty"] == 1
    assert profile["Tel"]["reasons"]["items"] == {"too short to be a phone number": 1}
    assert "3 rows" in nd(tmp_path, "jobs", "show", job["id"]).stdout  # the text form still reads it


@pytest.mark.skipif(find_chromium() is None, reason="no chromium on PATH (Debian: apt-get install chromium)")
def test_chromium_renders_and_prints_the_report(sample_run, tmp_path):
    from PIL import Image

    src, _, _ = sample_run
    png = screenshot(src / "report.html", tmp_path / "report.png", 1280, 1400)
    with Image.open(png) as image:
        assert image.size == (1280, 1400)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # text, cards and charts were drawn, not a blank page
    pdf = print_pdf(src / "report.html", tmp_path / "report.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
