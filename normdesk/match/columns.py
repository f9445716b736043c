"""Comparison columns from normalized files: which output column plays which role (first name,
email, phone, ZIP...), and the lower-cased, trimmed values Splink compares."""

from __future__ import annotations

import re
from dataclasses import dataclass

import jellyfish
import polars as pl
from nicknames import NickNamer

from normdesk.engine.plan import Plan
from normdesk.engine.transform import output_layout
from normdesk.engine.types import ColumnType

ROLES = ("first", "last", "email", "phone", "house", "street", "street2", "city", "state", "zip", "dob", "ident")
# Columns no contact type fits, recognized by their header (lower-cased, runs of non-letters -> "_").
_HEADER_ROLES = {
    "house": r"^(street_?(number|no)|house_?(number|no))$",
    "street2": r"^(address_?2|address_line_?2|line_?2)$",
    "city": r"^(city|suburb|town|locality)$",
    "state": r"^(state|province|region)$",
    "zip": r"^(zip|zip_?code|postcode|postal_?code|post_?code)$",
    "dob": r"^(dob|birth_?date|date_?of_?birth|birthday)$",
    "ident": r"^(ssn|soc_sec(_id)?|social_security(_number)?|national_id|passport(_number)?|tax_id)$",
}
_COMPONENT_ROLES = {"_first": "first", "_last": "last", "_line1": "street", "_line2": "street2",
                    "_city": "city", "_state": "state", "_zip": "zip"}


@dataclass(frozen=True, slots=True)
class Roles:
    """Role -> output column name (of the normalized file) for one file."""

    columns: dict[str, str]


def roles_for(plan: Plan, columns: list[str], header: list[str], output_names: list[str],
              chosen: list[str] | None = None) -> Roles:
    """Which normalized output column holds each role; ``chosen`` (``--match``) limits the input
    columns that take part."""
    layout = output_layout(plan, columns, header)
    found: dict[str, str] = {}
    by_input: dict[str, str] = {}
    for col, out_name in zip(layout, output_names):
        base, _, suffix = col.key.partition("\x1f")
        by_input.setdefault(base, out_name)
        if chosen is not None and plan_header(base, columns, header) not in chosen:
            continue
        cplan = plan.columns.get(base)
        role = None
        if suffix:  # a street-only column's components repeat it (or are empty): its value is the street
            street_only = cplan is not None and cplan.type is ColumnType.ADDRESS and cplan.part == "street"
            role = None if street_only else _COMPONENT_ROLES.get(f"_{suffix}")
        elif cplan is not None and cplan.type is ColumnType.NAME and cplan.part in ("first", "last"):
            role = cplan.part
        elif cplan is not None and cplan.type in (ColumnType.EMAIL, ColumnType.PHONE):
            role = cplan.type.value
        elif cplan is not None and cplan.type is ColumnType.ADDRESS and cplan.part == "street":
            role = "street"
        elif cplan is None or not cplan.type.typed:
            key = re.sub(r"[^a-z0-9]+", "_", col.header.strip().lower()).strip("_")
            role = next((r for r, pattern in _HEADER_ROLES.items() if re.match(pattern, key)), None)
        if role and role not in found:
            found[role] = out_name
    return Roles(found)


def plan_header(key: str, columns: list[str], header: list[str]) -> str:
    return dict(zip(columns, header)).get(key, key).strip()


def comparison_frame(frame: pl.LazyFrame, roles: Roles, first_id: int, source: int) -> pl.LazyFrame:
    """``unique_id`` (global 1-based row number), ``source_dataset`` and one column per role."""
    exprs = [
        (pl.int_range(0, pl.len(), dtype=pl.Int64) + first_id).alias("unique_id"),
        pl.lit(f"f{source}").alias("source_dataset"),
    ]
    for role in ROLES:
        name = roles.columns.get(role)
        value = pl.col(name).cast(pl.String).str.strip_chars().str.to_lowercase() if name else pl.lit(None, pl.String)
        exprs.append(_clean(role, value).alias(role))
    out = frame.select(exprs)
    if "house" not in roles.columns and "street" in roles.columns:  # "12 elm st" -> 12 | elm st
        out = out.with_columns(
            pl.col("street").str.extract(r"^(\d+[a-z]?)\s").alias("house"),
            pl.col("street").str.replace(r"^\d+[a-z]?\s+", ""),
        )
    return out


def _clean(role: str, value: pl.Expr) -> pl.Expr:
    if role == "phone":
        value = value.str.replace_all(r"[^\d+]", "")
    elif role == "zip":
        value = value.str.replace(r"^(\d{5})-\d{4}$", "$1").str.replace_all(r"\s", "")
    elif role in ("dob", "ident", "house"):
        value = value.str.replace_all(r"[^0-9a-z]", "")
    elif role in ("first", "last"):
        value = value.str.replace_all(r"[^a-z' -]", "").str.strip_chars()
    return pl.when(value != "").then(value)


def add_name_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Sound keys of names (Double Metaphone's first code, via jellyfish's metaphone) and the
    nicknames of first names, computed once per distinct value."""
    nick = NickNamer()
    out = frame
    for role in ("first", "last"):
        distinct = frame.get_column(role).drop_nulls().unique()
        sounds = pl.DataFrame({role: distinct, f"{role}_sound": [jellyfish.metaphone(v) or None for v in distinct]},
                              schema={role: pl.String, f"{role}_sound": pl.String})
        out = out.join(sounds, on=role, how="left", maintain_order="left")
    distinct = frame.get_column("first").drop_nulls().unique()
    alts = pl.DataFrame(
        {"first": distinct,
         "first_alts": [sorted(nick.nicknames_of(v) | nick.canonicals_of(v)) for v in distinct]},
        schema={"first": pl.String, "first_alts": pl.List(pl.String)},
    )
    return out.join(alts, on="first", how="left", maintain_order="left")
