#!/usr/bin/env python3
"""Micro-benchmark of the per-type normalizers on gen_contacts columns, with and without the
vectorized fast path.

    python benchmarks/bench_normalizers.py [--rows 100000] [--types phone email name address]
                                           [--chunk ROWS] [--no-library-run]

For each type whose module exists (name and address are picked up once written): rows/s of
``Normalizer.normalize`` over the column in chunks, a fresh normalizer (cold cache) per run, and
the fast-path hit rate: the share of non-empty values that never reach the per-value library
(counted at ``map_distinct``). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from normdesk.engine.normalize import _CLASSES, make_normalizer  # noqa: E402
from normdesk.engine.normalize.base import NormalizeOptions  # noqa: E402
from normdesk.engine.pipeline import CHUNK_ROWS  # noqa: E402
from normdesk.engine.types import ColumnType  # noqa: E402
from workload import contacts  # noqa: E402

COLUMNS = {ColumnType.NAME: "full_name", ColumnType.EMAIL: "email", ColumnType.PHONE: "phone",
           ColumnType.ADDRESS: "address"}




class SlowCounter:
    """Counts the non-empty rows handed to ``map_distinct`` in one normalizer module."""

    def __init__(self, module) -> None:
        self.module, self.rows = module, 0
        self.original = module.map_distinct

    def __enter__(self) -> SlowCounter:
        def counting(values, *args, **kwargs):
            self.rows += values.drop_nulls().len()
            return self.original(values, *args, **kwargs)

        self.module.map_distinct = counting
        return self

    def __exit__(self, *exc) -> None:
        self.module.map_distinct = self.original


def measure(ctype: ColumnType, column: pl.Series, chunk: int, fast: bool) -> tuple[float, float]:
    """(rows/s, fast-path hit rate) of one cold normalizer over ``column``."""
    module = importlib.import_module(_CLASSES[ctype][0])
    norm = make_normalizer(ctype, NormalizeOptions())
    norm.fast_path = fast
    non_empty = column.str.strip_chars().replace("", None).drop_nulls().len()
    with SlowCounter(module) as slow:
        started = time.perf_counter()
        for offset in range(0, len(column), chunk):
            norm.normalize(column.slice(offset, chunk))
        seconds = time.perf_counter() - started
    return len(column) / seconds, 1 - slow.rows / max(non_empty, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=CHUNK_ROWS, help="rows per chunk (default: the pipeline's)")
    parser.add_argument("--types", nargs="*", default=[t.value for t in COLUMNS])
    parser.add_argument("--no-library-run", action="store_true",
                        help="skip the runs without fast path (name and address take minutes)")
    args = parser.parse_args()
    frame = pl.read_csv(contacts(args.rows), infer_schema=False)
    print(f"{args.rows:,} gen_contacts values per type, chunks of {args.chunk:,}, in one process\n")
    print("| type | fast path rows/s | hit rate | library only rows/s | speed-up |")
    print("|---|---:|---:|---:|---:|")
    for ctype in map(ColumnType, args.types):
        try:
            importlib.import_module(_CLASSES[ctype][0])
        except ModuleNotFoundError:
            print(f"| {ctype.value} | (module not written yet) | | | |")
            continue
        column = frame[COLUMNS[ctype]]
        fast, hits = measure(ctype, column, args.chunk, fast=True)
        if args.no_library_run:
            print(f"| {ctype.value} | {fast:,.0f} | {hits:.2%} | | |")
            continue
        slow, _ = measure(ctype, column, args.chunk, fast=False)
        print(f"| {ctype.value} | {fast:,.0f} | {hits:.2%} | {slow:,.0f} | {fast / slow:.0f}x |")


if __name__ == "__main__":
    main()
