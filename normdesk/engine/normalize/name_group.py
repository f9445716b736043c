"""Name groups: title, first, middle, last and suffix columns of one person, each in its own column.

First, middle and last are cased like a name normalizer's part (``NameNormalizer`` with that
part: its fast path, and its slow path once per distinct value); titles and suffixes take their
standard forms (``Dr.``, ``Mrs.``, ``Jr.``, ``III``, ``PhD``) once per distinct value. Checked
together, as warnings: a title written in the first-name column (``Dr. Ann`` beside a title
column), a suffix in the last-name column (``Lee Jr.`` beside a suffix column).
"""

from __future__ import annotations

from functools import partial

import polars as pl

from normdesk.engine.normalize.base import REASON, VALUE, WARNING, DistinctCache, finish, map_distinct, strip_values
from normdesk.engine.normalize.group import GroupNormalizer
from normdesk.engine.normalize.name import PARSER_CONFIG, SUFFIXES, TITLES, NameNormalizer, canonical_word

TITLE_IN_FIRST = "title in the first-name column"
SUFFIX_IN_LAST = "suffix in the last-name column"


def _affix(table: dict[str, str], acronyms, text: str) -> tuple[str | None, str | None]:
    words = text.replace(",", " ").split()
    return " ".join(canonical_word(w, table, acronyms) for w in words), None


class NameGroupNormalizer(GroupNormalizer):
    def __init__(self, options, parts, line=False) -> None:
        super().__init__(options, parts, line)
        self.names = {p: NameNormalizer(options, p) for p in parts if p in ("first", "middle", "last")}
        self._caches = {p: DistinctCache() for p in ("title", "suffix")}

    def normalize(self, columns, regions=None):
        texts = {part: strip_values(values) for part, values in columns.items()}
        results = {}
        for part, (values, stripped) in texts.items():
            if part in self.names:
                out = self.names[part].parse(stripped).with_columns(self._warning(part, texts).alias(WARNING))
            else:
                table = TITLES if part == "title" else SUFFIXES
                compute = partial(_affix, table, () if part == "title" else PARSER_CONFIG.suffix_acronyms)
                out = map_distinct(stripped, compute, (VALUE, REASON), self._caches[part])
            results[part] = finish(values, stripped, out)
        return results, None

    def _warning(self, part: str, texts: dict[str, tuple[pl.Series, pl.Series]]) -> pl.Expr:
        """A title in the first-name column, a suffix in the last-name column, when the group has
        a column for it."""
        check = {"first": ("title", TITLES, 0, TITLE_IN_FIRST), "last": ("suffix", SUFFIXES, -1, SUFFIX_IN_LAST)}
        if part not in check or check[part][0] not in texts:
            return pl.lit(None, pl.Utf8)
        _, table, at, warning = check[part]
        words = pl.lit(texts[part][1]).str.to_lowercase().str.replace_all(r"[.,]", "").str.split(" ")
        found = (words.list.len() > 1) & words.list.get(at, null_on_oob=True).is_in(list(table))
        return pl.when(found).then(pl.lit(warning))
