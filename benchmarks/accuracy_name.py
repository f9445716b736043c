"""Accuracy (and speed) of the person-name normalizer on labeled data; prints Markdown tables.

    python benchmarks/accuracy_name.py [--rows 20000] [--speed 100000]

Data: ../shared/bench-data/probablepeople (person rows), the nameparser test cases (only the
fields each case asserts), the truth file of gen_contacts (generated into a temporary folder),
and 2,000 Spanish "First Surname Surname" names from Faker (see ``faker_spanish``).
A field matches when it equals the label after case folding, accent folding, and dropping dots,
commas and extra spaces ("JOHN Q." == "John Q"). first/last count over every row (an empty label
must give an empty field); title/middle/suffix count over the rows where the label is not empty.

"first+last" counts the rows where both are right. A second table says how often each of the
name rules that go beyond nameparser fires on each set (rows whose parse changes when the rule is
switched off) and first+last with every rule on and off.

``--speed N`` also times the normalizer over the first N gen_contacts names, with and without
the fast path (one process, one core), and reports the share of values the fast path takes.
"""

from __future__ import annotations

import argparse
import json
from contextlib import contextmanager
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from normdesk.engine.normalize.base import NormalizeOptions
from normdesk.engine.normalize import name as name_module
from normdesk.engine.normalize.name import NameNormalizer, _clean_expr, _fast_frame, fold_accents

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench-data"
GEN = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_contacts.py"
FIELDS = ("title", "first", "middle", "last", "suffix")
RULES = {"two-word surname": "_compound_surname", "given name read as a title": "_given_name_title"}


def key(text: str | None) -> str:
    text = fold_accents(text or "").casefold().replace(".", " ").replace(",", " ")
    return " ".join(text.split())


def normalize(names: list[str], fast: bool = True) -> pl.DataFrame:
    norm = NameNormalizer(NormalizeOptions())
    norm.fast_path = fast
    return norm.normalize(pl.Series("name", names, dtype=pl.Utf8))


def score(labels: list[dict[str, str | None]], out: pl.DataFrame, always: tuple[str, ...]) -> dict:
    """Match rate per field: over all rows for ``always``, else over rows labeled non-empty."""
    result = {}
    preds = out.select(FIELDS).to_dicts()
    for field in FIELDS:
        pairs = [(lab.get(field), pred[field]) for lab, pred in zip(labels, preds) if field in lab]
        if field not in always:
            pairs = [(a, b) for a, b in pairs if key(a)]
        if pairs:
            hits = sum(key(a) == key(b) for a, b in pairs)
            result[field] = (hits / len(pairs), len(pairs))
    return result


def both_right(labels: list[dict], out: pl.DataFrame) -> float:
    """Share of the rows labeled with both first and last where both are right."""
    pairs = [(a, p) for a, p in zip(labels, out.select(FIELDS).to_dicts()) if "first" in a and "last" in a]
    return sum(key(a["first"]) == key(p["first"]) and key(a["last"]) == key(p["last"]) for a, p in pairs) / len(pairs)


@contextmanager
def rules_off(*names: str):
    """Switch name rules off (each a function of normdesk.engine.normalize.name) for a block."""
    saved = {n: getattr(name_module, n) for n in names}
    try:
        for n in names:
            setattr(name_module, n, lambda pieces: None)
        yield
    finally:
        for n, fn in saved.items():
            setattr(name_module, n, fn)


def rule_table(sets) -> list[str]:
    lines = ["\n| data | " + " | ".join(f"{r} fires" for r in RULES) + " | first+last, rules off | on |",
             "|---|" + "---:|" * (len(RULES) + 2)]
    for label, names, labels, _ in sets:
        on = normalize(names, fast=False)
        fires = []
        for fn in RULES.values():
            with rules_off(fn):
                fires.append((normalize(names, fast=False) != on).select(pl.any_horizontal(pl.all())).to_series().sum())
        with rules_off(*RULES.values()):
            off = both_right(labels, normalize(names, fast=False))
        lines.append(f"| {label} | " + " | ".join(f"{n:,}" for n in fires)
                     + f" | {off:.2%} | {both_right(labels, on):.2%} |")
    return lines


def probablepeople() -> tuple[list[str], list[dict]]:
    frame = pl.read_csv(DATA / "probablepeople/probablepeople_labeled_flat.csv", infer_schema=False)
    frame = frame.filter(pl.col("kind_derived") == "person")
    return frame["name"].to_list(), frame.select(FIELDS).to_dicts()


def nameparser_cases() -> tuple[list[str], list[dict]]:
    cases = json.loads((DATA / "nameparser/nameparser_cases.json").read_text())["cases"]
    return [c["input"] for c in cases], [{k: v for k, v in c["expected"].items() if k in FIELDS} for c in cases]


def faker_spanish(rows: int = 2000) -> tuple[list[str], list[dict]]:
    """"First Surname Surname" from Faker es_ES and es_MX, labeled with both surnames as the last
    name. The surname list of the rule comes from the same providers: this measures how often the
    rule applies to Spanish names (coverage), not its precision (that is the other sets)."""
    from faker import Faker

    names, labels = [], []
    for locale in ("es_ES", "es_MX"):
        fake = Faker(locale)
        fake.seed_instance(16)
        for _ in range(rows // 2):
            first, last = fake.first_name(), f"{fake.last_name()} {fake.last_name()}"
            names.append(f"{first} {last}")
            labels.append({"first": first, "last": last})
    return names, labels


def gen_contacts(rows: int, folder: Path) -> tuple[list[str], list[dict]]:
    out, truth = folder / "contacts.csv", folder / "truth.csv"
    if not out.exists():
        subprocess.run([sys.executable, str(GEN), str(rows), "--out", str(out), "--truth", str(truth)], check=True)
    names = pl.read_csv(out, infer_schema=False)["full_name"]
    labels = pl.read_csv(truth, infer_schema=False).select(first="first_name", last="last_name")
    keep = labels["first"].is_not_null()
    return names.filter(keep).to_list(), labels.filter(keep).to_dicts()


def speed(names: list[str]) -> list[str]:
    ok = _fast_frame(_clean_expr(pl.Series(names, dtype=pl.Utf8).str.strip_chars(), False), None)["ok"]
    lines = [f"\nSpeed on {len(names):,} gen_contacts names (one process), fast path takes "
             f"{ok.mean():.1%} of values ({ok.filter(~ok).len():,} rows left, "
             f"{pl.Series(names).filter(~ok).n_unique():,} distinct)\n",
             "| path | seconds | rows/s |", "|---|---:|---:|"]
    for fast in (True, False):
        start = time.perf_counter()
        normalize(names, fast)
        took = time.perf_counter() - start
        lines.append(f"| {'fast + slow' if fast else 'slow only'} | {took:.2f} | {len(names) / took:,.0f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=20000, help="gen_contacts rows for accuracy")
    ap.add_argument("--speed", type=int, default=0, help="also time N gen_contacts names")
    ap.add_argument("--workdir", type=Path, default=None, help="keep generated files here")
    args = ap.parse_args(argv)
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="accuracy_name_"))
    folder.mkdir(parents=True, exist_ok=True)
    import nameparser

    print(f"nameparser {'.'.join(map(str, nameparser.VERSION))}\n")
    print("| data | rows | " + " | ".join(FIELDS) + " | first+last |")
    print("|---|---:|" + "---:|" * (len(FIELDS) + 1))
    sets = [("probablepeople persons", *probablepeople(), ("first", "last")),
            ("nameparser cases (asserted fields)", *nameparser_cases(), FIELDS),
            (f"gen_contacts {args.rows:,} (non-blank)", *gen_contacts(args.rows, folder), ("first", "last")),
            ("Faker es_ES + es_MX, two surnames", *faker_spanish(), ("first", "last"))]
    for label, names, labels, always in sets:
        res = score(labels, normalize(names), always)
        cells = [f"{res[f][0]:.1%} (n={res[f][1]})" if f in res else "-" for f in FIELDS]
        joint = f"{both_right(labels, normalize(names)):.2%}"
        print(f"| {label} | {len(names):,} | " + " | ".join(cells) + f" | {joint} |")
    print("\n".join(rule_table(sets)))
    if args.speed:
        big = folder / f"speed_{args.speed}"
        big.mkdir(exist_ok=True)
        gen_contacts(args.speed, big)
        print("\n".join(speed(pl.read_csv(big / "contacts.csv", infer_schema=False)["full_name"].to_list())))


if __name__ == "__main__":
    main()
