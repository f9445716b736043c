"""The benchmark workload: files from ../shared/bench/gen_contacts.py, made once in benchmarks/data/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_contacts.py"
DATA = ROOT / "benchmarks" / "data"


def contacts(rows: int) -> Path:
    """gen_contacts' file with ``rows`` rows (and its truth file beside it), generated on first use."""
    path = DATA / f"contacts_{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, GENERATOR, str(rows), "--out", path,
                        "--truth", DATA / f"truth_{rows}.parquet"], check=True)
    return path
