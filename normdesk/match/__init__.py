"""Duplicate detection across rows and files (Qt-free; needs the ``match`` extra: splink, duckdb).

    from normdesk.match import dedupe
    report = dedupe(["crm.csv", "signups.csv"], "people.csv", merged="golden.csv")
"""

from normdesk.match.dedupe import CLUSTER, MERGED, SCORE, SOURCE, DedupeReport, dedupe

__all__ = ["CLUSTER", "MERGED", "SCORE", "SOURCE", "DedupeReport", "dedupe"]
