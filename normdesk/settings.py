"""The one settings object every front end reads: the window, the CLI, the worker, the API, the scheduler.

Each default is written once, here. Values come from three places, later ones winning:

    the defaults below  <  ``settings.json`` in the data folder  <  ``NORMDESK_<FIELD>`` environment variables

``load()`` gives the effective settings (file + environment: what a process should do);
``load_saved()`` gives what the file says (what the settings dialog edits) and ``save()`` writes it.
A setting changed in the window is therefore what a headless ``normdesk worker`` started afterwards
uses. The original design's ``WORKER_CONCURRENCY`` is accepted as an alias, and so are the
environment names earlier versions read (``NORMDESK_RETRY_BACKOFF``, ``NORMDESK_LEASE_SECONDS``).

Qt-free and dependency-free: every layer may import it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable

from normdesk.paths import data_dir

FILE_NAME = "settings.json"
OUTPUT_FORMATS = ("csv", "xlsx", "json", "parquet")
ENV_PREFIX = "NORMDESK_"


class SettingsError(ValueError):
    """An environment override that cannot be read; ``str(err)`` is a one-line message."""


def _clamp(low: float, high: float) -> Callable[[Any], Any]:
    return lambda value: min(max(value, low), high)


def _country(value: str) -> str | None:
    value = str(value).strip().upper()
    return value if len(value) == 2 and value.isalpha() else None


def _output_format(value: str) -> str | None:
    return value if value in OUTPUT_FORMATS else None


def _setting(default: Any, check: Callable[[Any], Any] | None = None, *aliases: str) -> Any:
    """A settings field with its check (the value in range, or None for the default) and the extra
    environment names it answers to."""
    return field(default=default, metadata={"check": check, "aliases": aliases})


@dataclass(frozen=True, slots=True)
class Settings:
    # -- jobs: concurrency, retries, leases -------------------------------------------------
    worker_concurrency: int = _setting(2, _clamp(1, 16), "WORKER_CONCURRENCY")
    start_rate: float = _setting(2.0, _clamp(0.01, 1e9))  # job starts per second
    max_attempts: int = _setting(3, _clamp(1, 10))
    backoff_s: float = _setting(5.0, _clamp(0.0, 3600.0), "NORMDESK_RETRY_BACKOFF")  # first retry delay, doubled each time
    lease_s: float = _setting(30.0, _clamp(0.5, 3600.0), "NORMDESK_LEASE_SECONDS")  # renewed every third of it
    max_crashes: int = _setting(3, _clamp(1, 100))  # crashes in a row on the same chunk before a job is failed
    chunk_rows: int = _setting(0, _clamp(0, 10_000_000))  # 0: the engine's default
    # -- retention ----------------------------------------------------------------------------
    keep_completed_hours: float = _setting(24.0, _clamp(0.0, 24.0 * 3650))
    keep_completed_max: int = _setting(1000, _clamp(1, 1_000_000))
    keep_failed_days: float = _setting(7.0, _clamp(0.0, 3650.0))
    delete_outputs: bool = _setting(False)  # retention also deletes a job's (unchanged) output file
    retention_interval_s: float = _setting(60.0, _clamp(1.0, 86400.0))
    # -- what a run does ----------------------------------------------------------------------
    country: str = _setting("US", _country)
    preserve_accents: bool = _setting(False)
    output_folder: str = _setting("")  # "" writes the output beside the input
    output_format: str = _setting("csv", _output_format)
    strict_lines: bool = _setting(False)  # fail a file at its first malformed line instead of setting it aside
    # -- what the window's preview remembers from the last files queued ("": the defaults above) --
    last_output_folder: str = _setting("")
    last_output_format: str = _setting("", _output_format)
    # -- online email check (off unless asked: normdesk works offline) ----------------------
    check_mx: bool = _setting(False)  # look up each email domain's MX (or A) records
    dns_server: str = _setting("")  # "HOST" or "HOST:PORT"; "" uses the system's resolvers
    mx_timeout_s: float = _setting(2.0, _clamp(0.1, 30.0))  # per lookup
    mx_budget_s: float = _setting(30.0, _clamp(1.0, 3600.0))  # all lookups of a run (per process)
    # -- the local API (normdesk serve) and its webhooks -----------------------------------------
    api_port: int = _setting(8765, _clamp(1, 65535))
    api_enabled: bool = _setting(False)  # the window runs the API on 127.0.0.1:api_port while it is open
    api_max_upload_mb: float = _setting(1024.0, _clamp(0.001, 1_000_000.0))  # larger uploads get 413
    webhook_backoff_s: float = _setting(2.0, _clamp(0.0, 3600.0))  # first retry delay, doubled each time
    webhook_max_attempts: int = _setting(8, _clamp(1, 100))
    webhook_timeout_s: float = _setting(5.0, _clamp(0.1, 300.0))
    # -- watched folders ------------------------------------------------------------------------
    watch_polling: bool = _setting(False)  # look every watch_poll_s instead of file events (forced)
    watch_poll_s: float = _setting(2.0, _clamp(0.2, 600.0))
    watch_settle_s: float = _setting(6.0, _clamp(0.5, 3600.0))  # unchanged this long: the file is complete
    # -- run large jobs on a Dask cluster -------------------------------------------------------
    cluster_enabled: bool = _setting(False)
    cluster_address: str = _setting("")  # the scheduler, tcp://HOST:PORT (or tls://)
    cluster_min_mb: float = _setting(200.0, _clamp(0.0, 10_000_000.0))  # inputs at least this large go to the cluster
    # -- dedupe -------------------------------------------------------------------------------
    match_threshold: float = _setting(0.9, _clamp(0.0, 1.0))  # link probability that joins two rows

    def cluster_for(self, size_bytes: int) -> str | None:
        """The cluster address a job of ``size_bytes`` runs on, or None to run it here."""
        wanted = self.cluster_enabled and self.cluster_address.strip()
        return self.cluster_address.strip() if wanted and size_bytes >= self.cluster_min_mb * 1e6 else None

    def checked(self) -> Settings:
        """The same settings with every value of the right type and in its allowed range."""
        values = {}
        for f in fields(self):
            value = _coerce(getattr(self, f.name), type(f.default), f.default)
            check = f.metadata.get("check")
            value = check(value) if check else value
            values[f.name] = f.default if value is None else value
        return replace(self, **values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Known keys of ``data`` over the defaults; values of the wrong type are ignored."""
        known = {f.name: f for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and _fits(v, type(known[k].default))}
        return cls(**values).checked()


def _fits(value: Any, expected: type) -> bool:
    if expected is bool or isinstance(value, bool):
        return expected is bool and isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float))
    return isinstance(value, expected)


def _coerce(value: Any, expected: type, default: Any) -> Any:
    if _fits(value, expected):
        return expected(value)
    return default


def _parse_env(name: str, text: str, expected: type) -> Any:
    text = text.strip()
    if expected is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name} must be true or false, not {text!r}")
    if expected in (int, float):
        try:
            number = float(text)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not {text!r}") from None
        return int(number) if expected is int else number
    return text


def env_overrides(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The fields set through the environment (``NORMDESK_<FIELD>`` or an alias)."""
    environ = os.environ if environ is None else environ
    found = {}
    for f in fields(Settings):
        for name in (ENV_PREFIX + f.name.upper(), *f.metadata.get("aliases", ())):
            if environ.get(name, "").strip():
                found[f.name] = _parse_env(name, environ[name], type(f.default))
                break
    return found


def settings_path() -> Path:
    return data_dir() / FILE_NAME


def load_saved(path: Path | None = None) -> Settings:
    """What the settings file says; defaults for anything missing, unreadable or out of range."""
    try:
        data = json.loads((path or settings_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    return Settings.from_dict(data) if isinstance(data, dict) else Settings()


def load(path: Path | None = None) -> Settings:
    """The effective settings: the file, then the environment's overrides."""
    return replace(load_saved(path), **env_overrides()).checked()


def save(settings: Settings, path: Path | None = None) -> Settings:
    """Write atomically (a crash mid-write leaves the previous file); returns what was saved."""
    path = path or settings_path()
    clean = settings.checked()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(clean.to_dict(), fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return clean


DEFAULTS = Settings()  # the defaults, for modules that need one of them (the engine's plan, widgets)
