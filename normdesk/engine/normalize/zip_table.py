"""The US ZIP code table: each ZIP's state and the city names USPS accepts for it.

From the ``zipcodes`` package, whose data (USPS-derived, rebuilt monthly upstream) is compiled
into its wheel: nothing is downloaded at run time. Loaded once per process, on first use, as a
polars frame that a chunk joins on. Building it from the package takes about 0.8 s (every worker
process of every run paid it), so the frame is kept in the data folder as
``zip_table-<package version>.parquet`` and read back in milliseconds; a missing, unreadable or
unwritable copy just means building it again.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from normdesk.engine.writer import write_atomically
from normdesk.paths import DataDirError, data_dir

ZIP5, ZIP_STATE, ZIP_CITIES, ZIP_CITY = "zip5", "zip_state", "zip_cities", "zip_city"


def city_key(city: pl.Expr) -> pl.Expr:
    """A city name as compared with the table: upper case, no periods, ``SAINT`` as ``ST``."""
    key = city.str.to_uppercase().str.replace_all(r"[.,']", "").str.replace_all(r"\s+", " ").str.strip_chars()
    return key.str.replace_all(r"\b(?:SAINT|STE)\b", "ST").str.replace_all(r"\bFORT\b", "FT").str.replace_all(r"\bMOUNT\b", "MT")


@cache
def zip_table() -> pl.DataFrame:
    """Columns ``zip5``, ``zip_state``, ``zip_city`` (the USPS city, title case) and ``zip_cities``
    (the keys of every acceptable city name)."""
    import zipcodes

    try:
        kept = data_dir() / f"zip_table-{zipcodes.__version__}.parquet"
        return pl.read_parquet(kept)
    except DataDirError:
        return _build(zipcodes)
    except Exception:  # not kept yet, or damaged: built again, and kept
        frame = _build(zipcodes)
        _keep(frame, kept)
        return frame


def _build(zipcodes) -> pl.DataFrame:
    rows = zipcodes.list_all()
    frame = pl.DataFrame(
        {
            ZIP5: [r["zip_code"] for r in rows],
            ZIP_STATE: [r["state"] for r in rows],
            ZIP_CITY: [r["city"] for r in rows],
            "names": [[r["city"], *r.get("acceptable_cities", [])] for r in rows],
        },
        schema={ZIP5: pl.Utf8, ZIP_STATE: pl.Utf8, ZIP_CITY: pl.Utf8, "names": pl.List(pl.Utf8)},
    )
    return frame.with_columns(pl.col("names").list.eval(city_key(pl.element())).alias(ZIP_CITIES)).drop("names")


def _keep(frame: pl.DataFrame, path: Path) -> None:
    """Write ``path`` atomically (two workers may build it at once); a failure costs only time."""
    try:
        write_atomically(path, frame.write_parquet)
    except Exception:  # a read-only or full data folder: the table is only kept for speed
        pass


def zip_data_version() -> str:
    import zipcodes

    return f"zipcodes {zipcodes.__version__}"
