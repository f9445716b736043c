"""Pairwise precision, recall and F1 of ``normdesk dedupe`` against the truth, beside the naive
rule (exact email, or exact first+last+date of birth), on FEBRL 1-4 and on generated contacts with
injected duplicates.

    python benchmarks/dedupe_accuracy.py [--contacts N] [--seed 42]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from itertools import combinations
from pathlib import Path

import polars as pl

from normdesk.match import CLUSTER, dedupe

SHARED = Path(__file__).resolve().parents[2] / "shared"
FEBRL = SHARED / "bench-data" / "febrl"
NICK = {"robert": "Bob", "william": "Bill", "elizabeth": "Liz", "james": "Jim", "michael": "Mike",
        "richard": "Dick", "joseph": "Joe", "thomas": "Tom", "christopher": "Chris", "daniel": "Dan",
        "jennifer": "Jen", "katherine": "Kate", "margaret": "Peggy", "anthony": "Tony", "steven": "Steve"}


def pairs(entity: list) -> set[tuple[int, int]]:
    groups: dict = {}
    for i, e in enumerate(entity):
        if e is not None:
            groups.setdefault(e, []).append(i)
    return {p for rows in groups.values() if len(rows) > 1 for p in combinations(rows, 2)}


def score(found: set, truth: set) -> tuple[float, float, float]:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def naive(frame: pl.DataFrame, email: str | None, first: str, last: str, dob: str | None) -> set:
    """Rows linked when the email is equal, or first+last+date of birth are (after trim+lower)."""
    norm = lambda c: pl.col(c).cast(pl.String).str.strip_chars().str.to_lowercase()  # noqa: E731
    keys = []
    if email:
        keys.append(norm(email))
    person = [norm(first), norm(last)] + ([norm(dob)] if dob else [])
    keys.append(pl.when(pl.all_horizontal([k.is_not_null() & (k != "") for k in person]))
                .then(pl.concat_str(person, separator="|")))
    found: set = set()
    for key in keys:
        vals = frame.select(pl.when(key != "").then(key)).to_series().to_list()
        found |= pairs(vals)
    return found


def clusters_of(out: Path, expected_rows: int) -> list:
    clusters = pl.read_csv(out, infer_schema=False).get_column(CLUSTER).cast(pl.Int64).to_list()
    assert len(clusters) == expected_rows
    return clusters


def febrl(name: str, files: list[Path], work: Path) -> dict:
    frames = [pl.read_csv(f, infer_schema=False) for f in files]
    frames = [f.rename({c: c.strip() for c in f.columns}) for f in frames]
    both = pl.concat(frames)
    entity = both.get_column("rec_id").str.extract(r"rec-(\d+)-").to_list()
    truth = pairs(entity)
    out = work / f"{name}.csv"
    if len(files) == 1:
        report = dedupe(files, out)
        found = pairs(clusters_of(out, both.height))
    else:  # link task: 4b against 4a, only cross links count
        report = dedupe(files[1:], out, against=files[0])
        n0 = frames[0].height
        found = {(b, n0 + i) for i, b in enumerate(clusters_of(out, frames[1].height)) if b <= n0}
        found = {(b - 1, j) for b, j in found}
        truth = {(a, b) for a, b in truth if a < n0 <= b}
    base = naive(both, None, "given_name", "surname", "date_of_birth")
    if len(files) > 1:
        n0 = frames[0].height
        base = {(a, b) for a, b in base if a < n0 <= b}
    return {"data": name, "rows": both.height, "pairs": report.pairs_compared,
            "normdesk": score(found, truth), "naive": score(base, truth), "s": report.elapsed_s}


def inject(src: Path, dst: Path, seed: int) -> list[int]:
    """Copies of ~20% of the rows with typos, nicknames, swapped names, reformatted phones, moved
    address parts and missing fields; returns the entity (source row) of every row."""
    r = random.Random(seed)
    rows = pl.read_csv(src, infer_schema=False).to_dicts()
    out, entity = list(rows), list(range(len(rows)))

    def typo(s: str) -> str:
        s = s.strip()
        if len(s) < 4:
            return s
        i = r.randrange(1, len(s) - 1)
        return r.choice((s[:i] + s[i + 1:], s[:i] + s[i + 1] + s[i] + s[i + 2:], s[:i] + r.choice("aeiou") + s[i + 1:]))

    for i in r.sample(range(len(rows)), len(rows) // 5):
        row = dict(rows[i])
        name = (row["full_name"] or "").strip()
        parts = name.replace(",", "").split()
        for _ in range(r.randint(1, 3)):
            k = r.randrange(7)
            if k == 0 and parts:
                row["full_name"] = typo(name)
            elif k == 1 and len(parts) >= 2 and parts[0].lower() in NICK:
                row["full_name"] = " ".join([NICK[parts[0].lower()]] + parts[1:])
            elif k == 2 and len(parts) == 2 and "," not in name:
                row["full_name"] = f"{parts[1]} {parts[0]}"
            elif k == 3 and row["phone"]:
                digits = "".join(c for c in row["phone"] if c.isdigit())[-10:]
                row["phone"] = f"{digits[:3]}.{digits[3:6]}.{digits[6:]}" if len(digits) == 10 else row["phone"]
            elif k == 4 and row["address"] and "," in row["address"]:
                street, _, rest = row["address"].strip().partition(",")
                row["address"] = f"{street.upper()} {rest.strip()}"
            elif k == 5:
                row[r.choice(("email", "phone", "address"))] = ""
            elif k == 6 and row["email"] and "@" in row["email"]:
                local, _, domain = row["email"].strip().partition("@")
                row["email"] = f"{typo(local)}@{domain}"
        out.append(row)
        entity.append(i)
    order = list(range(len(out)))
    r.shuffle(order)
    pl.DataFrame([out[j] for j in order]).write_csv(dst)
    return [entity[j] for j in order]


def contacts(n: int, seed: int, work: Path) -> dict:
    raw = work / f"contacts_{n}.csv"
    subprocess.run([sys.executable, str(SHARED / "bench" / "gen_contacts.py"), str(n), "--out", str(raw),
                    "--truth", str(work / "t.parquet"), "--seed", str(seed)], check=True, capture_output=True)
    dup = work / f"contacts_{n}_dups.csv"
    entity = inject(raw, dup, seed)
    out = work / "contacts.out.csv"
    report = dedupe([dup], out)
    truth = pairs(entity)
    found = pairs(clusters_of(out, len(entity)))
    frame = pl.read_csv(dup, infer_schema=False)
    first_last = frame.select(pl.col("full_name").str.strip_chars().str.to_lowercase().str.split(" ")).to_series()
    frame = frame.with_columns(first=first_last.list.first(), last=first_last.list.last())
    base = naive(frame, "email", "first", "last", None)
    return {"data": f"contacts {n} (+dups, seed {seed})", "rows": len(entity), "pairs": report.pairs_compared,
            "normdesk": score(found, truth), "naive": score(base, truth), "s": report.elapsed_s}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("NORMDESK_HOME", tmp)
        work = Path(tmp)
        print("| data | rows | pairs compared | normdesk P / R / F1 | naive P / R / F1 | time |")
        print("|---|---:|---:|---|---|---:|")
        runs = [lambda k=k: febrl(f"FEBRL {k}", [FEBRL / f"dataset{k}.csv"], work) for k in (1, 2, 3)]
        runs.append(lambda: febrl("FEBRL 4a-4b (link)", [FEBRL / "dataset4a.csv", FEBRL / "dataset4b.csv"], work))
        runs.append(lambda: contacts(args.contacts, args.seed, work))
        for run in runs:
            show(run())


def show(res: dict) -> None:
    fmt = lambda t: " / ".join(f"{v:.3f}" for v in t)  # noqa: E731
    print(f"| {res['data']} | {res['rows']:,} | {res['pairs']:,} | {fmt(res['normdesk'])} | "
          f"{fmt(res['naive'])} | {res['s']:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
