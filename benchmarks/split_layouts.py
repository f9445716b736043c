"""Contact files with split addresses and names, made from ../shared/bench/gen_contacts.py.

gen_contacts writes each address on one line (``12 N Main St Apt 4, Springfield, IL 62704``,
cased and padded at random) and keeps its parts in the truth. ``rows`` cuts each messy line at
the parts' lengths, so the split cells keep the generator's messiness (casing, full state names,
ZIP+4); names are split from the truth's first and last names, cased the same way, with titles,
middle initials and suffixes added at gen_contacts' rates; each part is blank at its rate (5%).

Layouts (``LAYOUTS``): ``split`` (street, suite, city, state, zip, first, last), ``split_line``
(the same plus the original one-line address), ``two`` (a home and a work address), ``names``
(title, first, middle, last, suffix). ``write`` returns the gold: each column's (kind, part, group).
"""

from __future__ import annotations

import csv
import importlib.util
from functools import lru_cache
from pathlib import Path

GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_contacts.py"
LAYOUTS = ("split", "split_line", "two", "names")


def _generator():
    spec = importlib.util.spec_from_file_location("gen_contacts", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _address(gen) -> dict[str, str]:
    """One messy address, cut into its parts, and the truth of each part."""
    text, (num, street, unit, city, state, zip5) = gen.address()
    line = text.strip()
    line1 = f"{num} {street}"
    street_cell, rest = line[: len(line1)], line[len(line1):]
    unit_cell = rest[1 : len(unit) + 1] if unit else ""
    rest = rest[len(unit) + 1:] if unit else rest
    rest = rest[2:]  # ", "
    city_cell, tail = rest[: len(city)], rest[len(city):].lstrip(", ")
    state_cell, _, zip_cell = tail.rpartition(" ")
    out = {"line": text, "street": street_cell, "unit": unit_cell, "city": city_cell, "state": state_cell,
           "zip": zip_cell, "t_street": line1, "t_unit": unit, "t_city": city, "t_state": state, "t_zip": zip5}
    for part in ("street", "city", "state", "zip"):  # gen_contacts' blank cells, per part
        if gen.blank():
            out[part], out[f"t_{part}"] = gen.blank_value(), ""
    return out


def _name(gen, module) -> dict[str, str]:
    _, first, last = gen.name()
    r = gen.r
    title = r.choice(module.TITLES) if r.random() < 0.10 else ""
    middle = chr(65 + r.randrange(26)) + "." if r.random() < 0.25 else ""
    suffix = r.choice(module.SUFFIXES) if r.random() < 0.06 else ""
    return {"title": gen.case(title), "first": gen.pad(gen.case(first)), "middle": middle,
            "last": gen.pad(gen.case(last)), "suffix": suffix, "t_first": first, "t_last": last}


@lru_cache(maxsize=4)
def rows(n: int, seed: int = 42) -> list[dict[str, str]]:
    module = _generator()
    gen = module.Gen(seed)
    out = []
    for _ in range(n):
        row = {f"home_{k}": v for k, v in _address(gen).items()}
        row.update({f"work_{k}": v for k, v in _address(gen).items()})
        row.update(_name(gen, module))
        out.append(row)
    return out


_ADDRESS = (("street", "street"), ("unit", "line2"), ("city", "city"), ("state", "state"), ("zip", "zip"))


def columns(layout: str) -> list[tuple[str, str, tuple[str, str, str | None] | None]]:
    """(header, source field, gold (kind, part, group) or None) of each column of a layout."""
    if layout == "names":
        return [("id", "", None), *[(h, h, ("name", h, None)) for h in ("title", "first", "middle", "last", "suffix")],
                ("email", "", None)]
    if layout == "two":
        out = [("id", "", None)]
        for who, label in (("home", "Home"), ("work", "Work")):
            headers = {"street": f"{label} Street", "unit": f"{label} Suite", "city": f"{label} City",
                       "state": f"{label} State", "zip": f"{label} ZIP"}
            out += [(headers[k], f"{who}_{k}", ("address", part, who)) for k, part in _ADDRESS]
        return out
    out = [("id", "", None), ("first_name", "first", ("name", "first", None)), ("last_name", "last", ("name", "last", None))]
    if layout == "split_line":
        out.append(("full_address", "home_line", None))
    out += [(h, f"home_{k}", ("address", part, None)) for h, (k, part) in
            zip(("address", "suite", "city", "state", "zip"), _ADDRESS)]
    return out


def write(path: Path, n: int, layout: str, seed: int = 42) -> tuple[list[dict[str, str]], list]:
    """Write ``n`` rows of a layout to ``path``; returns (the rows with their truth, the columns)."""
    data, cols = rows(n, seed), columns(layout)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([h for h, _, _ in cols])
        for i, row in enumerate(data):
            writer.writerow([str(i) if h == "id" else f"p{i}@example.com" if h == "email" else row[src]
                             for h, src, _ in cols])
    return data, cols
