#!/usr/bin/env python3
"""Accuracy (and speed) of the US address normalizer on labeled data.

    python benchmarks/accuracy_address.py [--gen-rows 20000] [--speed-rows 100000]

Accuracy: exact match of street line (line1), unit (line2), city, state and ZIP5 against
- the usaddress labeled flat file (../shared/bench-data/usaddress), test and train splits:
  the expected value is the gold token labels put through the same Publication 28
  standardization and rendering (so it measures parsing, not style);
- the gen_contacts truth (house number + street, unit, city, state, zip5), standardized alike.
A row counts as a match for a field when both sides are equal, both empty included.

Speed: rows/s of ``normalize`` on gen_contacts addresses with and without the fast path
(one process, cold cache), and the fast path's hit rate.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from normdesk.engine.normalize.address import (
    PARTS,
    AddressNormalizer,
    _unit,
    from_tokens,
    render,
)
from normdesk.engine.normalize.base import NormalizeOptions
from normdesk.engine.normalize.usps import DIRECTIONALS, SUFFIXES, lookup_key

SHARED = Path(__file__).resolve().parents[2] / "shared"
FLAT = SHARED / "bench-data" / "usaddress" / "usaddress_labeled_flat.csv"
GEN = SHARED / "bench" / "gen_contacts.py"
FIELDS = ("line1", "line2", "city", "state", "zip5")


def expected_frame(parts: list[tuple[str | None, ...]]) -> pl.DataFrame:
    frame = pl.DataFrame([list(p) for p in parts], schema=list(PARTS), orient="row")
    return render(frame, street_only=False).with_columns(pl.col("zip").str.slice(0, 5).alias("zip5"))


def score(values: list[str], expected: pl.DataFrame) -> dict[str, float]:
    got = AddressNormalizer(NormalizeOptions()).normalize(pl.Series(values, dtype=pl.Utf8))
    got = got.with_columns(pl.col("zip").str.slice(0, 5).alias("zip5"))
    out = {f: float(got[f].eq_missing(expected[f]).mean()) for f in FIELDS}
    every = pl.select(pl.all_horizontal([got[f].eq_missing(expected[f]) for f in FIELDS])).to_series()
    out["all five"] = float(every.mean())
    out["valid"] = float(got["reason"].is_null().mean())
    return out


def flat_sets() -> dict[str, tuple[list[str], pl.DataFrame]]:
    flat = pl.read_csv(FLAT, infer_schema=False)
    sets = {}
    for split in ("test", "train"):
        rows = flat.filter(pl.col("split") == split)
        gold = [from_tokens([tuple(t) for t in json.loads(tokens)]) for tokens in rows["tokens_json"]]
        sets[f"usaddress {split} ({rows.height:,})"] = (rows["address"].to_list(), expected_frame(gold))
    return sets


def gen_truth(n: int, folder: Path) -> tuple[list[str], pl.DataFrame]:
    out, truth = folder / "contacts.csv", folder / "truth.csv"
    subprocess.run([sys.executable, str(GEN), str(n), "--out", str(out), "--truth", str(truth)],
                   check=True, capture_output=True)  # fmt: skip
    values = pl.read_csv(out, infer_schema=False)["address"]
    truth_rows = pl.read_csv(truth, infer_schema=False).iter_rows(named=True)
    parts = []
    for t in truth_rows:
        if t["street"] is None:
            parts.append((None,) * len(PARTS))
            continue
        words = t["street"].upper().split()
        if len(words) > 2 and words[0] in DIRECTIONALS:
            words[0] = DIRECTIONALS[words[0]]
        words[-1] = SUFFIXES.get(lookup_key(words[-1]), words[-1])
        kind, _, ident = (t["unit"] or "").partition(" ")
        unit = _unit(None, t["unit"]) if kind == "#" else _unit(kind or None, ident or None)
        parts.append((f"{t['house_number']} {' '.join(words)}", unit, t["city"].upper(), t["state"], t["zip5"], None))
    return values.to_list(), expected_frame(parts)


def speed(values: list[str]) -> list[tuple[str, float, float]]:
    series = pl.Series(values, dtype=pl.Utf8)
    rows = []
    for label, fast in (("with fast path", True), ("usaddress only", False)):
        norm = AddressNormalizer(NormalizeOptions(), fast_path=fast)
        start = time.perf_counter()
        norm.normalize(series)
        rows.append((label, len(values) / (time.perf_counter() - start), 0.0))
    stripped = series.str.strip_chars()
    stripped = pl.select(pl.when(stripped != "").then(stripped)).to_series()
    hit = AddressNormalizer(NormalizeOptions()).parts(stripped)["hit"].sum() / stripped.is_not_null().sum()
    return [(label, rate, hit) for label, rate, _ in rows]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gen-rows", type=int, default=20_000)
    ap.add_argument("--speed-rows", type=int, default=100_000, help="0: skip the speed run")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        sets = flat_sets()
        sets[f"gen_contacts ({args.gen_rows:,})"] = gen_truth(args.gen_rows, Path(tmp))
        print("| data | " + " | ".join(FIELDS) + " | all five | valid |")
        print("|---|" + "---:|" * (len(FIELDS) + 2))
        for name, (values, expected) in sets.items():
            res = score(values, expected)
            print(f"| {name} | " + " | ".join(f"{res[k]:.1%}" for k in (*FIELDS, "all five", "valid")) + " |")
        if args.speed_rows:
            values, _ = gen_truth(args.speed_rows, Path(tmp)) if args.speed_rows != args.gen_rows else (
                sets[f"gen_contacts ({args.gen_rows:,})"][0], None)  # fmt: skip
            print(f"\nSpeed on {len(values):,} gen_contacts addresses (one process, cold cache):\n")
            print("| path | rows/s | fast-path hit rate |\n|---|---:|---:|")
            for label, rate, hit in speed(values):
                print(f"| {label} | {rate:,.0f} | {hit:.1%} |")


if __name__ == "__main__":
    main()
