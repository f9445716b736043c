"""Where normdesk keeps its state: one data folder, overridable with NORMDESK_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "normdesk"


class DataDirError(Exception):
    """The data folder cannot be made or used; ``str(err)`` is a one-line message."""


def data_dir() -> Path:
    """The data folder (created on first use): NORMDESK_HOME, else the platform's user data dir."""
    home = os.environ.get("NORMDESK_HOME")
    path = Path(home) if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DataDirError(f"the data folder {path} is a file, not a folder: set NORMDESK_HOME to a folder") from None
    except OSError as err:
        raise DataDirError(f"the data folder {path} cannot be made: {err.strerror or err}") from None
    return path
