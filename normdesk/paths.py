"""Where normdesk keeps its state: one data folder, overridable with NORMDESK_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "normdesk"


def data_dir() -> Path:
    """The data folder (created on first use): NORMDESK_HOME, else the platform's user data dir."""
    home = os.environ.get("NORMDESK_HOME")
    path = Path(home) if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
