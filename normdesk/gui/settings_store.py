"""The window's settings, saved between runs as ``settings.json`` in the data folder (Qt-free)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from normdesk.engine.plan import OUTPUT_FORMATS
from normdesk.jobs.model import Policy
from normdesk.paths import data_dir
from normdesk.settings import Settings as _CoreSettings

FILE_NAME = "settings.json"
_CORE = _CoreSettings()  # the defaults are written once, in normdesk.settings


@dataclass(frozen=True, slots=True)
class Settings:
    worker_concurrency: int = 2
    max_attempts: int = 3
    backoff_s: float = 5.0  # first retry delay; doubles on each attempt
    keep_completed_hours: int = 24
    keep_completed_max: int = 1000
    keep_failed_days: int = 7
    country: str = "US"
    preserve_accents: bool = False
    output_folder: str = ""  # "" writes the output beside the input
    output_format: str = "csv"
    cluster_enabled: bool = _CORE.cluster_enabled  # "Run large jobs on a cluster" (normdesk.settings)
    cluster_address: str = _CORE.cluster_address
    cluster_min_mb: float = _CORE.cluster_min_mb

    def clamped(self) -> Settings:
        """The same settings with every value forced into its allowed range."""
        country = self.country.upper() if len(self.country) == 2 and self.country.isalpha() else "US"
        return replace(
            self,
            worker_concurrency=min(max(int(self.worker_concurrency), 1), 16),
            max_attempts=min(max(int(self.max_attempts), 1), 10),
            backoff_s=min(max(float(self.backoff_s), 0.0), 3600.0),
            keep_completed_hours=min(max(int(self.keep_completed_hours), 1), 24 * 365),
            keep_completed_max=min(max(int(self.keep_completed_max), 1), 1_000_000),
            keep_failed_days=min(max(int(self.keep_failed_days), 1), 365),
            country=country,
            preserve_accents=bool(self.preserve_accents),
            output_folder=str(self.output_folder),
            output_format=self.output_format if self.output_format in OUTPUT_FORMATS else "csv",
            cluster_enabled=bool(self.cluster_enabled),
            cluster_address=str(self.cluster_address).strip(),
            cluster_min_mb=min(max(float(self.cluster_min_mb), 0.0), 10_000_000.0),
        )


def policy_for(settings: Settings) -> Policy:
    """The queue's retry and retention policy from the settings (leases stay as configured)."""
    base = Policy.from_env()
    return replace(
        base,
        max_attempts=settings.max_attempts,
        backoff_s=settings.backoff_s,
        keep_completed_s=settings.keep_completed_hours * 3600.0,
        keep_completed_count=settings.keep_completed_max,
        keep_failed_s=settings.keep_failed_days * 86400.0,
    )


def settings_path() -> Path:
    return data_dir() / FILE_NAME


def load_settings(path: Path | None = None) -> Settings:
    """Saved settings; defaults for anything missing, unreadable or out of range."""
    path = path or settings_path()
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    if not isinstance(data, dict):
        return Settings()
    defaults = Settings()
    known = {}
    for f in fields(Settings):
        value = data.get(f.name, getattr(defaults, f.name))
        if not _fits(value, type(getattr(defaults, f.name))):
            value = getattr(defaults, f.name)
        known[f.name] = value
    return Settings(**known).clamped()


def _fits(value: Any, expected: type) -> bool:
    if isinstance(value, bool) or expected is bool:
        return isinstance(value, bool) and expected is bool
    if expected is float:
        return isinstance(value, (int, float))
    return isinstance(value, expected)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-write leaves the previous file."""
    path = path or settings_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings.clamped()), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
