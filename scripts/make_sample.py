#!/usr/bin/env python3
"""Rebuild resources/sample_contacts.csv: 1,000 messy contacts from ../shared/bench/gen_contacts.py
(seed 7), with a few dozen values no cleanser can fix (so the sample shows how they are flagged).

    python scripts/make_sample.py
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_contacts.py"
BAD = {
    "full_name": ["N/A", "Acme Widgets LLC", "J0hn Sm1th", "test@example.com", "???"],
    "email": ["john.doe@", "mary(at)example.com", "n/a", "bob@@example.org", "alice@localhost"],
    "phone": ["555-01", "call me", "000-000-0000", "+1 (800) 55", "12345678901234567"],
    "address": ["unknown", "see notes", "PO", "Springfield", "123"],
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.csv"
        subprocess.run([sys.executable, GENERATOR, "1000", "--out", raw, "--truth", Path(tmp) / "truth.csv",
                        "--seed", "7"], check=True, capture_output=True)
        with open(raw, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    rng = random.Random(7)
    for column, values in BAD.items():
        index = header.index(column)
        for value in values * 2:
            body[rng.randrange(len(body))][index] = value
    with open(ROOT / "resources" / "sample_contacts.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *body])


if __name__ == "__main__":
    main()
