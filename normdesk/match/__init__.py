"""Duplicate detection across rows and files (Qt-free; needs the ``match`` extra: splink, duckdb).

    from normdesk.match import dedupe
    report = dedupe(["crm.csv", "signups.csv"], "people.csv", merged="golden.csv")
"""

from normdesk.match.clusters import Decisions
from normdesk.match.dedupe import DedupeReport, dedupe
from normdesk.match.export import CLUSTER, MERGED, SCORE, SOURCE

__all__ = ["CLUSTER", "MERGED", "SCORE", "SOURCE", "Decisions", "DedupeReport", "dedupe"]
