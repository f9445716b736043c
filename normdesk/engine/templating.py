"""The one Jinja2 environment of the engine's templates (``normdesk/engine/templates``): autoescaped,
read from the package's folder (a source checkout, an installed wheel or the frozen app alike)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("normdesk.engine") / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["pct"] = lambda part, whole: f"{100 * part / whole:.1f}%" if whole else "–"
    return env
