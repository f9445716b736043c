#!/usr/bin/env python3
"""Accuracy of address and name groups: detection of the groups, and city / state / ZIP per part.

    python benchmarks/accuracy_groups.py [--rows 2000]

Detection, scored on column assignments (kind:part, e.g. ``address:city``) and on group
membership (pairs of columns put in the same group), as precision and recall, on
- split layouts made from gen_contacts (benchmarks/split_layouts.py: split, with a one-line
  address beside it, two address groups, name parts), gold from how the files were made;
- the real Socrata files in ../shared/bench-data/semantic-types/ with a split address (a city,
  state or ZIP column beside another address part), gold from their SemanticType labels;
  gold groups: a run of adjacent labelled parts of one kind with no part repeated (the labels
  name parts, not groups).

Normalization, per part: exact match of the normalized city, state and ZIP5 against the
gen_contacts truth (the raw cell, trimmed, as the baseline: what a file gets when those columns
are left as they are); on the Socrata files, where no truth exists, agreement of the normalized
state and city with the ZIP's state and cities in the ZIP table.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import split_layouts  # noqa: E402

from normdesk.engine import plan_from_detection, run_file  # noqa: E402
from normdesk.engine.files import detect_file  # noqa: E402
from normdesk.engine.normalize.zip_table import zip_table  # noqa: E402

SEMANTIC = Path(__file__).resolve().parents[2] / "shared" / "bench-data" / "semantic-types"
GOLD_PARTS = {
    "STREET_ADDRESS_EN": "address:street", "STREET_ADDRESS2_EN": "address:line2", "CITY": "address:city",
    "STATE_PROVINCE.STATE_US": "address:state", "STATE_PROVINCE.STATE_NAME_US": "address:state",
    "STATE_PROVINCE.STATE_PROVINCE_NA": "address:state", "STATE_PROVINCE.PROVINCE_CA": "address:state",
    "STATE_PROVINCE.PROVINCE_NAME_CA": "address:state", "STATE_PROVINCE.STATE_PROVINCE_NAME_NA": "address:state",
    "POSTAL_CODE.ZIP5_US": "address:zip", "POSTAL_CODE.ZIP5_PLUS4_US": "address:zip",
    "POSTAL_CODE.POSTAL_CODE_CA": "address:zip", "COUNTRY.TEXT_EN": "address:country",
    "COUNTRY.ISO-3166-2": "address:country", "NAME.FIRST": "name:first", "NAME.LAST": "name:last",
    "NAME.MIDDLE": "name:middle", "NAME.MIDDLE_INITIAL": "name:middle", "NAME.SUFFIX": "name:suffix",
}
PLACE = {"address:city", "address:state", "address:zip"}


class Score:
    """Precision and recall counts of column assignments and of same-group pairs."""

    def __init__(self) -> None:
        self.tp = self.fp = self.fn = self.pair_tp = self.pair_fp = self.pair_fn = 0

    def add(self, gold: dict[str, tuple[str, object]], pred: dict[str, tuple[str, object]]) -> None:
        """``{column: (kind:part, group key)}`` of the gold and of the detection."""
        for col in gold.keys() | pred.keys():
            g, p = gold.get(col), pred.get(col)
            if g and p and g[0] == p[0]:
                self.tp += 1
            else:
                self.fp += p is not None
                self.fn += g is not None

        def pairs(found):
            return {(a, b) for a, b in combinations(sorted(found), 2)
                    if found[a][0].split(":")[0] == found[b][0].split(":")[0] and found[a][1] == found[b][1]}

        gp, pp = pairs(gold), pairs(pred)
        self.pair_tp += len(gp & pp)
        self.pair_fp += len(pp - gp)
        self.pair_fn += len(gp - pp)

    def row(self, label: str) -> str:
        def ratio(a, b):
            return f"{a / b:.3f}" if b else "-"

        return (f"| {label} | {ratio(self.tp, self.tp + self.fp)} | {ratio(self.tp, self.tp + self.fn)} "
                f"| {ratio(self.pair_tp, self.pair_tp + self.pair_fp)} | {ratio(self.pair_tp, self.pair_tp + self.pair_fn)} "
                f"| {self.tp + self.fn} |")


def predicted(path: Path) -> dict[str, tuple[str, object]]:
    detection = detect_file(path)
    return {c.name: (f"{c.type.value}:{c.part}", (c.type.value, c.group)) for c in detection.columns
            if c.group is not None or (c.part not in (None, "full") and c.type.value in ("address", "name")
                                       and _grouped(detection, c))}


def _grouped(detection, col) -> bool:
    """A part with no group name is in a group when another part of its kind is there too."""
    return sum(c.type is col.type and c.part not in (None, "full") and c.group is None for c in detection.columns) > 1


def generated(rows: int, tmp: Path) -> tuple[Score, list[str]]:
    score, lines = Score(), []
    for layout in split_layouts.LAYOUTS:
        path = tmp / f"{layout}.csv"
        data, cols = split_layouts.write(path, rows, layout)
        gold = {h: (f"{g[0]}:{g[1]}", (g[0], g[2])) for h, _, g in cols if g}
        one = Score()
        pred = predicted(path)
        one.add(gold, pred)
        score.add(gold, pred)
        lines.append(one.row(f"gen_contacts `{layout}`"))
        if layout == "two":
            lines += normalization(path, data, tmp)
    return score, lines


def normalization(path: Path, data: list[dict[str, str]], tmp: Path) -> list[str]:
    """Per-part exact match of city, state and ZIP5 (home and work) against the truth."""
    out = tmp / "out.csv"
    run_file(path, out, plan_from_detection(detect_file(path)), workers=0)
    result = pl.read_csv(out, infer_schema=False)
    lines = []
    for part, label in (("city", "City"), ("state", "State"), ("zip", "ZIP")):
        hits = base = n = 0
        for who, head in (("home", "Home"), ("work", "Work")):
            column = result.get_column(f"{head} {label}").fill_null("").to_list()
            for row, value in zip(data, column):
                truth = row[f"{who}_t_{part}"]
                if not truth:
                    continue
                n += 1
                hits += (value[:5] if part == "zip" else value) == truth
                raw = row[f"{who}_{part}"].strip()
                base += (raw[:5] if part == "zip" else raw) == truth
        lines.append(f"| {label} | {n} | {hits / n:.3f} | {base / n:.3f} |")
    return lines


def socrata_files() -> dict[str, list[dict[str, str]]]:
    files = defaultdict(list)
    with open(SEMANTIC / "reference_subset.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            files[row["File"]].append(row)
    out = {}
    for name, fields in files.items():
        parts = [GOLD_PARTS.get(r["SemanticType"]) for r in fields]
        addr = [p for p in parts if p and p.startswith("address")]
        if len(addr) >= 2 and PLACE & set(addr) and (SEMANTIC / name).exists():
            out[name] = sorted(fields, key=lambda r: int(r["FieldOffset"]))
    return out


def socrata_gold(fields: list[dict[str, str]]) -> dict[str, tuple[str, object]]:
    gold, group, seen, last_kind = {}, 0, set(), None
    for r in fields:
        part = GOLD_PARTS.get(r["SemanticType"])
        if not part:
            continue
        kind = part.split(":")[0]
        if part in seen or kind != last_kind:
            group, seen = group + 1, set()
        seen.add(part)
        last_kind = kind
        gold[r["FieldName"]] = (part, group)
    counts = defaultdict(int)
    for _, g in gold.values():
        counts[g] += 1
    return {col: v for col, v in gold.items() if counts[v[1]] > 1}  # a lone part is no group


def socrata(tmp: Path) -> tuple[Score, list[str], int]:
    score, agree = Score(), defaultdict(lambda: [0, 0])
    files = socrata_files()
    table = zip_table()
    for name, fields in files.items():
        path = SEMANTIC / name
        pred = predicted(path)
        gold = socrata_gold(fields)
        score.add(gold, pred)
        _agreement(path, pred, table, tmp, agree)
    lines = [f"| {label} | {n} | {hit / n:.3f} |" for label, (hit, n) in sorted(agree.items()) if n]
    return score, lines, len(files)


def _agreement(path, pred, table, tmp, agree) -> None:
    """Rows whose normalized ZIP is in the table: does the state (city) agree with the ZIP's?"""
    groups = defaultdict(dict)
    for col, (part, key) in pred.items():
        if part.startswith("address:"):
            groups[key][part.split(":")[1]] = col
    if not any("zip" in g and ("state" in g or "city" in g) for g in groups.values()):
        return
    out = tmp / "soc.csv"
    run_file(path, out, plan_from_detection(detect_file(path)), workers=0)
    result = pl.read_csv(out, infer_schema=False)
    for parts in groups.values():
        if "zip" not in parts:
            continue
        frame = result.select(pl.col(parts["zip"]).str.slice(0, 5).alias("zip5"),
                              *[pl.col(parts[p]).alias(p) for p in ("state", "city") if p in parts])
        joined = frame.join(table, on="zip5", how="inner")
        if "state" in parts:
            ok = joined.filter(pl.col("state").is_not_null())
            agree["state = ZIP's state"][0] += int((ok["state"] == ok["zip_state"]).sum())
            agree["state = ZIP's state"][1] += ok.height
        if "city" in parts:
            ok = joined.filter(pl.col("city").is_not_null())
            hit = ok.select(pl.col("zip_cities").list.contains(pl.col("city").str.to_uppercase().str.replace_all(r"[.,']", ""))).to_series()
            agree["city among the ZIP's cities"][0] += int(hit.sum())
            agree["city among the ZIP's cities"][1] += ok.height


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        gen_score, gen_lines = generated(args.rows, tmp)
        soc_score, soc_lines, n_files = socrata(tmp)
    head = "| files | assignment precision | assignment recall | same-group precision | same-group recall | gold columns |"
    print(head, "|---|---:|---:|---:|---:|---:|", sep="\n")
    print("\n".join(line for line in gen_lines if line.startswith("| gen_contacts")))
    print(gen_score.row("gen_contacts, all layouts"))
    print(soc_score.row(f"Socrata, {n_files} files with a split address"))
    print("\n| part (gen_contacts `two`, home and work) | values | normalized = truth | left as is = truth |",
          "|---|---:|---:|---:|", sep="\n")
    print("\n".join(line for line in gen_lines if not line.startswith("| gen_contacts")))
    print("\n| Socrata: agreement with the ZIP table | rows | share |", "|---|---:|---:|", sep="\n")
    print("\n".join(soc_lines))


if __name__ == "__main__":
    main()
