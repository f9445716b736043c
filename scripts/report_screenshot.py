#!/usr/bin/env python3
"""Render a quality report in headless Chromium: a PNG screenshot (and optionally a PDF print).

    python scripts/report_screenshot.py REPORT.html OUT.png [--width 1280] [--height 2400] [--pdf OUT.pdf]

Uses the Debian ``chromium`` package (scripts/setup.sh installs it as root). Exits 2 with one line
when no Chromium is found.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _run(browser: str, args: list[str], page: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="nd-chromium-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--no-first-run", f"--user-data-dir={profile}", *args, page.resolve().as_uri()]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2400, browser: str | None = None) -> Path:
    browser = browser or find_chromium()
    if browser is None:
        raise FileNotFoundError("no chromium on PATH (Debian: apt-get install chromium)")
    _run(browser, [f"--window-size={width},{height}", f"--screenshot={png.resolve()}"], page)
    return png


def print_pdf(page: Path, pdf: Path, browser: str | None = None) -> Path:
    browser = browser or find_chromium()
    if browser is None:
        raise FileNotFoundError("no chromium on PATH (Debian: apt-get install chromium)")
    _run(browser, ["--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}"], page)
    return pdf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--pdf", type=Path)
    args = parser.parse_args()
    try:
        screenshot(args.report, args.png, args.width, args.height)
        if args.pdf:
            print_pdf(args.report, args.pdf)
    except FileNotFoundError as err:
        print(f"report_screenshot: {err}", file=sys.stderr)
        return 2
    print(args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
