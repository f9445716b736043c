"""Where the project's shared third-party data lives: ``NORMDESK_SHARED``, else ``../shared`` beside
the checkout (as in CI). Tests that need it skip when it is not there."""

import os
from pathlib import Path

SHARED = Path(os.environ.get("NORMDESK_SHARED") or Path(__file__).resolve().parents[2] / "shared")
BENCH = SHARED / "bench"
BENCH_DATA = SHARED / "bench-data"
