#!/usr/bin/env python3
"""How often the offline email checks fire, and how right the typo suggestions are; prints Markdown.

    python benchmarks/accuracy_email.py [--rows 100000]

Sets: the EMAIL columns of the real government files in ../shared/bench-data/semantic-types, the
gen_contacts workload's email column, Faker company domains of 8 locales (no typo: every
suggestion is a false alarm), and provider addresses with one random typo in the domain (a letter
dropped, doubled, swapped or changed, or the TLD garbled): a suggestion is right when it gives the
provider back.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import polars as pl
from faker import Faker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from normdesk.engine.normalize.base import NormalizeOptions, warning_kinds  # noqa: E402
from normdesk.engine.normalize.email import EmailNormalizer  # noqa: E402
from normdesk.engine.normalize.email_checks import PROVIDERS, suggest_domain  # noqa: E402
from workload import contacts  # noqa: E402

SEMANTIC = ROOT.parent / "shared" / "bench-data" / "semantic-types"


def real_emails() -> list[str]:
    ref = pl.read_csv(SEMANTIC / "reference_subset.csv", infer_schema=False)
    values = []
    for r in ref.filter(pl.col("SemanticType") == "EMAIL", pl.col("NonEmptyInKeptRows") != "0").iter_rows(named=True):
        frame = pl.read_csv(SEMANTIC / r["File"], infer_schema=False, truncate_ragged_lines=True,
                            encoding="utf8-lossy", ignore_errors=True)
        if int(r["FieldOffset"]) < frame.width:
            values += frame.to_series(int(r["FieldOffset"])).drop_nulls().to_list()
    return values


def typo(domain: str, rnd: random.Random) -> str:
    name, _, rest = domain.partition(".")
    if rnd.random() < 0.25:  # a garbled TLD: yahoo.cmo, gmail.con
        i = rnd.randrange(len(rest))
        return f"{name}.{rest[:i] + rnd.choice('mnoc') + rest[i + 1:]}" if rnd.random() < .5 else \
            f"{name}.{rest[:i] + rest[i + 1:i + 2] + rest[i:i + 1] + rest[i + 2:]}"
    i = rnd.randrange(len(name))
    edit = rnd.randrange(4)
    if edit == 0:
        name = name[:i] + name[i + 1:]
    elif edit == 1:
        name = name[:i] + name[i] + name[i:]
    elif edit == 2 and i < len(name) - 1:
        name = name[:i] + name[i + 1] + name[i] + name[i + 2:]
    else:
        name = name[:i] + rnd.choice("abcdefghijklmnopqrstuvwxyz") + name[i + 1:]
    return f"{name}.{rest}"


def counts(label: str, values: list[str]) -> str:
    out = EmailNormalizer(NormalizeOptions()).normalize(pl.Series(values, dtype=pl.Utf8))
    kinds = warning_kinds(out["outcome"], out["reason"])
    valid = int((out["outcome"].is_in([1, 2, 4])).sum())
    cells = [f"{kinds.get(k, 0):,} ({kinds.get(k, 0) / max(valid, 1):.2%})"
             for k in ("possible typo in domain", "disposable address domain", "role address")]
    return f"| {label} | {len(values):,} | {valid:,} | " + " | ".join(cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    print("| data | values | valid | typo suggestion | disposable | role |")
    print("|---|---:|---:|---:|---:|---:|")
    if SEMANTIC.is_dir():
        print(counts("real government EMAIL columns", real_emails()))
    print(counts(f"gen_contacts {args.rows:,}", pl.read_csv(contacts(args.rows), infer_schema=False)["email"].to_list()))
    domains = set()
    for locale in ("en_US", "de_DE", "fr_FR", "es_ES", "pt_BR", "it_IT", "nl_NL", "pl_PL"):
        fake = Faker(locale)
        fake.seed_instance(2)
        domains |= {fake.domain_name() for _ in range(1000)}
    false = sorted(d for d in domains if suggest_domain(d))
    print(f"\nFaker company domains: {len(domains):,} distinct, {len(false)} given a suggestion"
          + (f" ({', '.join(false[:8])})" if false else ""))
    rnd = random.Random(16)
    cases = [(p, typo(p, rnd)) for p in PROVIDERS for _ in range(40)]
    cases = [(p, t) for p, t in cases if t != p]
    got = [(p, suggest_domain(t)) for p, t in cases]
    right = sum(s == p for p, s in got)
    wrong = sum(s is not None and s != p for p, s in got)
    print(f"One-typo provider domains: {len(cases):,}; right suggestion {right / len(cases):.1%}, "
          f"wrong {wrong / len(cases):.1%}, none {1 - (right + wrong) / len(cases):.1%}")


if __name__ == "__main__":
    main()
