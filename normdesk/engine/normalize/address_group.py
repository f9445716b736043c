"""Address groups: street, line 2, city, state, ZIP and country columns as one US or Canadian address.

Each part is standardized as the one-line address normalizer would write it (Publication 28
street and unit forms, the state as its two-letter code, ZIP as 12345 or 12345-6789, city in
title case) and written back in its own column. Then the parts are checked together against the
ZIP table (zip_table.py), as warnings (the row stays valid):

- ``unknown ZIP``: a well-formed US ZIP that is not in the table;
- ``state does not match ZIP``: the ZIP is in another state;
- ``city does not match ZIP``: no city name USPS accepts for the ZIP is the city written;
- ``city in the street column``: the street cell also holds a city, state or ZIP.

A unit written in the street cell moves to the line-2 column when that row's line 2 is empty. The
street is parsed by ``AddressNormalizer`` (its fast path, then usaddress once per distinct value);
line 2 once per distinct value; the rest are polars expressions over the chunk and one join.
"""

from __future__ import annotations

import re

import polars as pl

from normdesk.engine.country import row_regions
from normdesk.engine.normalize.address import AddressNormalizer, mc_case, render, standard_zip, title_case
from normdesk.engine.normalize.address_intl import provinces
from normdesk.engine.normalize.address_units import units_at
from normdesk.engine.normalize.base import REASON, VALUE, WARNING, WARNING_SEP, DistinctCache, by_region, finish
from normdesk.engine.normalize.base import map_distinct
from normdesk.engine.normalize.base import strip_values
from normdesk.engine.normalize.group import GroupNormalizer
from normdesk.engine.normalize.usps import PO_BOX, STATES
from normdesk.engine.normalize.zip_table import ZIP5, ZIP_CITIES, ZIP_CITY, ZIP_STATE, city_key, zip_data_version
from normdesk.engine.normalize.zip_table import zip_table

NOT_A_STATE = "not a US state or Canadian province"
NOT_A_COUNTRY = "not a known country"
UNKNOWN_ZIP = "unknown ZIP: not in the USPS ZIP list"
CITY_IN_STREET = "city in the street column"
_PO_BOX = re.compile(r"^(?:P\.? ?O\.? ?BOX|POST OFFICE BOX|BOX) ?#? ?(\w+)$")
_STREET_PARTS = ("line1", "line2", "city", "state", "zip")


def _line2(text: str) -> tuple[str | None, str | None]:
    """(Pub 28 form, reason) of one line-2 value (upper case): ``STE 210``, ``FL 3``, ``PO BOX 12``;
    anything else (a building, ``c/o``) is kept as written."""
    units, end = units_at(text)
    if units and end == len(text):
        return " ".join(unit for unit, _ in units), None
    box = _PO_BOX.match(text)
    return (f"{PO_BOX} {box[1]}" if box else text), None


def _warn(*checks: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """The warnings whose condition holds, joined (null when none)."""
    return pl.concat_str([pl.when(cond).then(text) for cond, text in checks], separator=WARNING_SEP,
                         ignore_nulls=True).replace("", None)


def _place_in_street() -> pl.Expr:
    return pl.any_horizontal(pl.col(f"s_{p}").is_not_null() for p in ("city", "state", "zip"))


def _moved_unit() -> pl.Expr:
    """The unit of a street cell whose row has no line 2 (and no city in the street cell)."""
    return pl.when(pl.col("line2").is_null() & ~_place_in_street()).then(pl.col("s_line2"))


class AddressGroupNormalizer(GroupNormalizer):
    def __init__(self, options, parts, line=False) -> None:
        super().__init__(options, parts, line)
        self.street = AddressNormalizer(options, "street")
        self._units = DistinctCache()

    def data_versions(self) -> dict[str, str]:
        return {"ZIP table": zip_data_version()}

    def _regions(self, codes: pl.Series | None, regions: pl.Series | None, height: int) -> pl.Series:
        """Each row's country: the group's country column, else the file's, else the default."""
        found = [s for s in (codes, regions) if s is not None]
        default = pl.repeat(self.options.country.upper(), height, eager=True, dtype=pl.Utf8)
        return pl.select(pl.coalesce(*found, default)).to_series().rename("region")

    def _street(self, stripped: pl.Series, region: pl.Series) -> pl.DataFrame:
        frame = by_region(stripped, region, self.options.country.upper(),
                          lambda values, code: render(self.street.parts(values, code).drop("hit"), False))
        return frame.rename({VALUE: "s_value", REASON: "s_reason", **{p: f"s_{p}" for p in _STREET_PARTS}})

    def normalize(self, columns, regions=None):
        texts = {part: strip_values(values) for part, values in columns.items()}
        stripped = {part: s for part, (_, s) in texts.items()}
        height = len(next(iter(stripped.values())))
        null = pl.repeat(None, height, eager=True, dtype=pl.Utf8)
        codes = row_regions(stripped["country"]) if "country" in stripped else None
        region = self._regions(codes, regions, height)
        frame = pl.DataFrame({"region": region, "country_code": null if codes is None else codes.rename("c"),
                              **{p: stripped.get(p, null).rename(p) for p in
                                 ("street", "line2", "city", "state", "zip", "country")}})
        if "street" in stripped:
            frame = pl.concat([frame, self._street(stripped["street"], region)], how="horizontal")
        else:
            frame = frame.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in
                                       ("s_value", "s_reason", *(f"s_{p}" for p in _STREET_PARTS)))
        if "line2" in stripped:
            upper = stripped["line2"].str.to_uppercase().str.replace_all(r"\s+", " ")
            units = map_distinct(upper, _line2, (VALUE, REASON), self._units)
            frame = frame.with_columns(units.get_column(VALUE).alias("line2_std"))
        else:
            frame = frame.with_columns(pl.lit(None, pl.Utf8).alias("line2_std"))
        frame = self._place(frame).with_columns(_moved_unit().alias("moved"))
        if "line2" in texts:  # a unit moved out of the street fills the row's empty line 2
            texts["line2"] = (texts["line2"][0], frame.select(pl.coalesce("line2", "moved")).to_series())
        results = {part: finish(*texts[part], frame.select(self._part(part))) for part in columns}
        line = frame.select(self._line(results)).to_series() if self.line else None
        return results, line

    def _place(self, frame: pl.DataFrame) -> pl.DataFrame:
        """State code, ZIP and their checks against the ZIP table (US and Canadian rows)."""
        region = pl.col("region")
        north = region.is_in(["US", "CA"])
        key = pl.col("state").str.to_uppercase().str.replace_all(r"[.,]", "").str.replace_all(r"\s+", " ")
        us = key.replace_strict(STATES, default=None, return_dtype=pl.Utf8)
        ca = key.replace_strict(provinces(), default=None, return_dtype=pl.Utf8)
        code = pl.when(region == "CA").then(pl.coalesce(ca, us)).otherwise(pl.coalesce(us, ca))
        raw_zip = pl.col("zip").str.to_uppercase().str.replace_all(r"\s+", "").str.replace(
            r"^([A-Z]\d[A-Z])(\d[A-Z]\d)$", "$1 $2")
        frame = frame.with_columns(pl.when(north).then(code).alias("state_code"), raw_zip.alias("zip_raw"))
        zip_code, zip_reason = standard_zip(pl.col("zip_raw"), pl.coalesce("state_code", "s_state"))
        frame = frame.with_columns(pl.when(north).then(zip_code).alias("zip_std"),
                                   pl.when(north).then(zip_reason).alias("zip_reason"))
        check_zip = pl.coalesce("zip_std", "s_zip").str.slice(0, 5)
        frame = frame.with_columns(
            pl.when((region == "US") & check_zip.str.contains(r"^\d{5}$")).then(check_zip).alias(ZIP5)
        ).join(zip_table(), on=ZIP5, how="left", maintain_order="left")
        city = mc_case(pl.col("city").str.replace_all(r"\s+", " ").str.strip_chars(" ,").str.to_titlecase())
        return frame.with_columns(city.alias("city_std"))

    def _part(self, part: str) -> list[pl.Expr]:
        """``value``, ``reason``, ``warning`` of one part from the frame ``_place`` built."""
        zip5, zip_state = pl.col(ZIP5), pl.col(ZIP_STATE)
        state = pl.coalesce("state_code", "s_state")
        state_mismatch = (state.is_not_null() & zip_state.is_not_null() & (state != zip_state),
                          pl.concat_str([pl.lit("state does not match ZIP: "), zip5, pl.lit(" is in "), zip_state]))
        city = pl.coalesce("city_std", "s_city")
        city_mismatch = (city.is_not_null() & pl.col(ZIP_CITIES).is_not_null()
                         & ~pl.col(ZIP_CITIES).list.contains(city_key(city)).fill_null(False),
                         pl.concat_str([pl.lit("city does not match ZIP: "), zip5, pl.lit(" is "), pl.col(ZIP_CITY)]))
        unknown_zip = (zip5.is_not_null() & zip_state.is_null(), pl.lit(UNKNOWN_ZIP))
        north = pl.col("region").is_in(["US", "CA"])
        if part == "street":
            in_street = _place_in_street()
            move = pl.lit("line2" in self.parts) & pl.col("moved").is_not_null()
            street = title_case(pl.col("s_line1"))
            value = pl.when(in_street).then(pl.col("s_value")).when(move).then(street).otherwise(
                pl.concat_str([street, title_case(pl.col("s_line2"))], separator=" ", ignore_nulls=True))
            warning = _warn((in_street & pl.lit(bool({"city", "state", "zip"} & set(self.parts))), pl.lit(CITY_IN_STREET)))
            return [value.alias(VALUE), pl.col("s_reason").alias(REASON), warning.alias(WARNING)]
        if part == "line2":
            return [title_case(pl.coalesce("line2_std", "moved")).alias(VALUE), pl.lit(None, pl.Utf8).alias(REASON)]
        if part == "city":
            return [pl.col("city_std").alias(VALUE), pl.lit(None, pl.Utf8).alias(REASON),
                    _warn(city_mismatch).alias(WARNING)]
        if part == "state":
            reason = pl.when(north & pl.col("state_code").is_null()).then(pl.lit(NOT_A_STATE))
            return [pl.coalesce("state_code", pl.col("state")).alias(VALUE), reason.alias(REASON),
                    _warn(state_mismatch).alias(WARNING)]
        if part == "zip":
            checks = [unknown_zip] if "state" in self.parts else [unknown_zip, state_mismatch]
            return [pl.coalesce("zip_std", pl.col("zip")).alias(VALUE), pl.col("zip_reason").alias(REASON),
                    _warn(*checks).alias(WARNING)]
        reason = pl.when(pl.col("country_code").is_null()).then(pl.lit(NOT_A_COUNTRY))
        return [pl.col("country_code").alias(VALUE), reason.alias(REASON)]

    def _line(self, results: dict[str, pl.DataFrame]) -> pl.Expr:
        """The record as one line: ``12 Main St Apt 4, Springfield, IL 62704``."""
        def value(part: str) -> pl.Expr:
            return pl.lit(results[part].get_column(VALUE)).replace("", None) if part in results else pl.lit(None, pl.Utf8)

        street = pl.concat_str([value("street"), value("line2")], separator=" ", ignore_nulls=True)
        tail = pl.concat_str([value("state"), value("zip")], separator=" ", ignore_nulls=True)
        parts = [pl.when(e != "").then(e) for e in (street, value("city"), tail)]
        return pl.concat_str(parts, separator=", ", ignore_nulls=True).replace("", None).alias("line")
