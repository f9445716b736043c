"""The bundled resources (sample file, icons), in a source checkout and in the frozen app."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """resources/ of the frozen app (beside the bundled modules) or of the source checkout."""
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) / "resources" if root else Path(__file__).resolve().parent.parent / "resources"


def sample_file() -> Path | None:
    """The bundled sample file, resolved, or None when this installation lacks it."""
    path = (resources_dir() / "sample_contacts.csv").resolve()
    return path if path.is_file() else None


def icon_file() -> Path:
    return resources_dir() / "icons" / "normdesk.png"
