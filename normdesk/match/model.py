"""The Splink model: comparisons and blocking rules derived from the roles present, trained
without labels (random-sampling u, expectation maximisation for m, term-frequency adjustments)."""

from __future__ import annotations

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.exceptions import EMTrainingException, SplinkException

MAX_BLOCK = 200  # a blocking key shared by more rows (a placeholder email, an office phone) blocks nothing
# Blocking keys, in order: each is (name, the roles it needs, its SQL over the comparison table).
BLOCK_KEYS = (
    ("email", ("email",), "email"),
    ("phone", ("phone",), "phone"),
    ("ident", ("ident",), "ident"),
    ("name", ("first", "last"), "least(first, last) || '|' || greatest(first, last)"),
    ("last_sound_zip", ("last", "zip"), "last_sound || '|' || zip"),
    ("first_sound_zip", ("first", "zip"), "first_sound || '|' || zip"),
    ("zip_house", ("zip", "house"), "zip || '|' || house"),
    ("dob_last_sound", ("dob", "last"), "dob || '|' || last_sound"),
    ("dob_first_sound", ("dob", "first"), "dob || '|' || first_sound"),
)


def block_keys(present: set[str]) -> list[tuple[str, str]]:
    """(column name, SQL) of the blocking keys the present roles allow."""
    return [(f"bk_{name}", sql) for name, needs, sql in BLOCK_KEYS if set(needs) <= present]


def block_key_sql(table: str, keys: list[tuple[str, str]]) -> str:
    """The comparison table with its blocking keys, a key null when more than MAX_BLOCK rows share it."""
    raw = ", ".join(f"{sql} AS {name}" for name, sql in keys)
    capped = ", ".join(
        f"CASE WHEN count(*) OVER (PARTITION BY {name}) <= {MAX_BLOCK} THEN {name} END AS {name}" for name, _ in keys
    )
    return f"SELECT * EXCLUDE ({', '.join(n for n, _ in keys)}), {capped} FROM (SELECT *, {raw} FROM {table})"


def comparisons(present: set[str]) -> list:
    out = []
    if "first" in present:
        out.append(cl.CustomComparison(output_column_name="first", comparison_levels=[
            cll.NullLevel("first"),
            cll.ExactMatchLevel("first", term_frequency_adjustments=True),
            cll.CustomLevel("list_contains(first_alts_l, first_r) OR list_contains(first_alts_r, first_l)",
                            label_for_charts="nickname"),
            cll.CustomLevel("first_l = last_r", label_for_charts="swapped with last"),
            cll.JaroWinklerLevel("first", 0.92),
            cll.CustomLevel("(length(first_l) = 1 OR length(first_r) = 1) AND first_l[1] = first_r[1]",
                            label_for_charts="initial"),
            cll.JaroWinklerLevel("first", 0.8),
            cll.ElseLevel(),
        ]))
    if "last" in present:
        out.append(cl.CustomComparison(output_column_name="last", comparison_levels=[
            cll.NullLevel("last"),
            cll.ExactMatchLevel("last", term_frequency_adjustments=True),
            cll.CustomLevel("last_l = first_r", label_for_charts="swapped with first"),
            cll.JaroWinklerLevel("last", 0.92),
            cll.JaroWinklerLevel("last", 0.8),
            cll.ElseLevel(),
        ]))
    if "email" in present:
        out.append(cl.EmailComparison("email").configure(term_frequency_adjustments=True))
    if "phone" in present:
        out.append(cl.LevenshteinAtThresholds("phone", [1, 2]))
    for role in ("dob", "ident"):
        if role in present:
            out.append(cl.DamerauLevenshteinAtThresholds(role, [1, 2]))
    if "house" in present:
        out.append(cl.ExactMatch("house"))
    for role in ("street", "city"):
        if role in present:
            out.append(cl.JaroWinklerAtThresholds(role, [0.92, 0.8]).configure(term_frequency_adjustments=True))
    if "street2" in present:
        out.append(cl.JaroWinklerAtThresholds("street2", [0.9]))
    if "zip" in present:
        out.append(cl.LevenshteinAtThresholds("zip", [1]).configure(term_frequency_adjustments=True))
    if "state" in present:
        out.append(cl.ExactMatch("state"))
    return out


def train(linker: Linker, keys: list[str], present: set[str], seed: int = 42) -> None:
    """u from random pairs, the prior from the exact keys, m by EM in two sessions: one blocked on
    the name (trains everything else), one on a key that is not the name (trains the names)."""
    exact = [block_on(k) for k in ("bk_email", "bk_phone", "bk_ident") if k in keys]
    if "bk_name" in keys and ("bk_zip_house" in keys or "bk_dob_last_sound" in keys):
        exact.append(block_on("bk_name", "bk_zip_house" if "bk_zip_house" in keys else "bk_dob_last_sound"))
    if exact:
        linker.training.estimate_probability_two_random_records_match(exact, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=seed)
    sessions = [k for k in ("bk_name",) if k in keys]
    other = next((k for k in ("bk_zip_house", "bk_phone", "bk_email", "bk_ident", "bk_dob_last_sound") if k in keys), None)
    if other:
        sessions.append(other)
    for key in sessions:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(key), fix_u_probabilities=True)
        except (EMTrainingException, ValueError, SplinkException):
            # no pairs share this key, EM drove an m probability to 0.0 (Splink 5 refuses it), or every
            # pair the key blocks is a match (the session's prior reaches 1: its SQL holds "inf", which
            # DuckDB cannot bind; small links do this): the other session and the u estimates stand.
            # A failure of the database itself shows again when the pairs are scored.
            continue


def settings(present: set[str], keys: list[str], link_type: str) -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=comparisons(present),
        blocking_rules_to_generate_predictions=[block_on(k) for k in keys],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )

