#!/usr/bin/env python3
"""Malformed lines: `normdesk run` on a clean generated file and on the same file with ``--bad``
of its lines made malformed (spread evenly), side by side in one run, alternating.

    python benchmarks/bench_rejects.py 1000000 [--bad 1000] [--runs 2] [--kind fields|bytes]

A malformed line (``--kind fields``) is its row written twice on one line (a lost line break) or
with a note field added: more fields than the header, not blank. With ``--kind bytes`` it holds a
cp1252 byte (0xE1, "á", at the end of its first field) in a UTF-8 file (both files then hold a UTF-8 "é" in
every 100th row, so that the file shows its encoding). Both runs apply the same saved plan. Checked, not
only timed: the output of the file with malformed lines is the clean output without those rows, in
order, and its ``.rejects.csv`` holds each malformed line's number and its bytes exactly. Also
times the reader alone (chunks with quarantine, in this process) on both files, and strict on the
clean one (the read path as it was before quarantine: no raw lines kept). Prints a Markdown
table for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import polars as pl
from bench_pipeline import measure
from workload import DATA, contacts

from normdesk.engine import detect_file, plan_from_detection
from normdesk.engine.reader import open_source
from normdesk.engine.sniff import MARK_ERRORS, SHOWN


def with_malformed_lines(clean: Path, bad: int, kind: str) -> tuple[Path, Path, dict[int, bytes]]:
    """The clean file (``clean``, or a UTF-8 copy of it for ``bytes``) and a copy with ``bad`` rows
    (evenly spread) made malformed; {0-based row: the line's bytes}."""
    header, *lines = clean.read_bytes().split(b"\r\n")
    assert lines[-1] == b"", "one record per line, CRLF, as gen_contacts writes"
    lines.pop()
    if kind == "bytes":
        lines = [line.replace(b",", "é,".encode(), 1) if i % 100 == 0 else line for i, line in enumerate(lines)]
        clean = clean.with_name(f"{clean.stem}_utf8.csv")
        clean.write_bytes(b"\r\n".join([header, *lines, b""]))
    step = len(lines) // bad
    changed = {}
    for k, row in enumerate(range(step // 2, step * bad, step)):
        line = lines[row]
        if kind == "bytes":
            changed[row] = lines[row] = line.replace(b",", b"\xe1,", 1)
        else:
            changed[row] = lines[row] = line + b"," + line if k % 2 else line + b',"a note, added"'
    path = clean.with_name(f"{clean.stem}_{bad}_{kind}.csv")
    path.write_bytes(b"\r\n".join([header, *lines, b""]))
    return clean, path, changed


def read_all(path: Path, quarantine: bool = True) -> float:
    started = time.perf_counter()
    with open_source(path) as source:
        for _ in source.chunks(20_000, quarantine=quarantine):
            pass
    return time.perf_counter() - started


def check(clean_out: Path, out: Path, rejects: Path, changed: dict[int, bytes]) -> None:
    """The rows of ``out`` are those of ``clean_out`` but the changed ones, in order; ``rejects`` exact."""
    whole = pl.read_csv(clean_out, infer_schema=False)
    kept = whole.with_row_index().filter(~pl.col("index").is_in(list(changed))).drop("index")
    assert pl.read_csv(out, infer_schema=False).equals(kept), "rows lost, added or out of order"
    with open(rejects, newline="", encoding="utf-8") as f:
        got = [(int(line), raw) for line, _, raw in list(csv.reader(f))[1:]]
    # the line's text exactly, its undecodable bytes shown as cp1252
    want = [(row + 2, raw.decode("utf-8", MARK_ERRORS).translate(SHOWN)) for row, raw in sorted(changed.items())]
    assert got == want, "rejects not exact"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("--bad", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--kind", choices=("fields", "bytes"), default="fields")
    args = parser.parse_args()
    clean, dirty, changed = with_malformed_lines(contacts(args.rows), args.bad, args.kind)
    out = DATA / "out"
    out.mkdir(parents=True, exist_ok=True)
    plan = out / "rejects_plan.json"
    plan_from_detection(detect_file(clean), {}).save(plan)
    run = [sys.executable, "-m", "normdesk", "run", "--plan", str(plan), "-o"]
    timings: dict[str, list[tuple[float, float]]] = {
        "clean": [], "dirty": [], "read strict": [], "read clean": [], "read dirty": []}
    for _ in range(args.runs):  # alternate, so that a busy moment of the machine hits both
        timings["clean"].append(measure([*run, str(out / "clean.csv"), str(clean)]))
        timings["dirty"].append(measure([*run, str(out / "dirty.csv"), str(dirty)]))
        timings["read strict"].append((read_all(clean, quarantine=False), 0.0))
        timings["read clean"].append((read_all(clean), 0.0))
        timings["read dirty"].append((read_all(dirty), 0.0))
    check(out / "clean.csv", out / "dirty.csv", out / "dirty.rejects.csv", changed)
    best = {key: min(values) for key, values in timings.items()}
    good = args.rows - len(changed)
    print(f"checked ({args.kind}): {good:,} rows out in order, {len(changed):,} rejects exact")
    print("| rows in | malformed | what | wall s | rows/s | peak MiB | wall vs clean |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for key, what, n, rows_out in (
        ("clean", "normdesk run", 0, args.rows), ("dirty", "normdesk run", len(changed), good),
        ("read strict", "reader alone, strict (the read path before quarantine)", 0, args.rows),
        ("read clean", "reader alone (chunks, in process)", 0, args.rows),
        ("read dirty", "reader alone (chunks, in process)", len(changed), good),
    ):
        wall, peak = best[key]
        base = best["read clean" if key.startswith("read") else "clean"][0]
        print(f"| {args.rows:,} | {n:,} | {what} | {wall:.1f} | {rows_out / wall:,.0f} | "
              f"{f'{peak:,.0f}' if peak else ''} | {wall / base:.3f}x |")


if __name__ == "__main__":
    main()
