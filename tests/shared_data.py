"""Where the project's shared third-party data lives: ``NORMDESK_SHARED``, else ``../shared`` beside
the checkout (as in CI), else /work/shared."""

import os
from pathlib import Path

_beside = Path(__file__).resolve().parents[2] / "shared"
SHARED = Path(os.environ.get("NORMDESK_SHARED") or (_beside if _beside.is_dir() else "/work/shared"))
BENCH = SHARED / "bench"
BENCH_DATA = SHARED / "bench-data"
