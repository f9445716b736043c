"""The one settings object: defaults, the file in the data folder, NORMDESK_* environment overrides."""

import json

import pytest

from normdesk import settings
from normdesk.jobs.model import Policy
from normdesk.settings import Settings

pytestmark = pytest.mark.usefixtures("home")


def test_defaults_when_nothing_saved():
    assert settings.load() == settings.load_saved() == Settings()
    assert (Settings().worker_concurrency, Settings().max_attempts, Settings().backoff_s) == (2, 3, 5.0)
    assert (Settings().keep_completed_hours, Settings().keep_failed_days, Settings().delete_outputs) == (24.0, 7.0, False)


def test_round_trip_through_the_data_folder(home):
    saved = Settings(worker_concurrency=4, max_attempts=5, backoff_s=2.5, keep_completed_hours=48,
                     keep_completed_max=10, keep_failed_days=3, delete_outputs=True, country="DE",
                     preserve_accents=True, output_folder=str(home), output_format="parquet")
    assert settings.save(saved) == saved.checked()
    assert settings.settings_path().parent == home
    assert settings.load() == saved.checked()
    assert not list(home.glob(".settings.*.tmp"))


@pytest.mark.parametrize("content", ["not json{", "[1, 2]", ""])
def test_unreadable_file_gives_defaults(content):
    settings.settings_path().write_text(content, encoding="utf-8")
    assert settings.load() == Settings()


def test_wrong_types_and_out_of_range_values_are_repaired():
    settings.settings_path().write_text(json.dumps({
        "worker_concurrency": 999, "max_attempts": "three", "backoff_s": 1, "country": "germany",
        "preserve_accents": 1, "output_format": "docx", "unknown_key": True,
    }), encoding="utf-8")
    loaded = settings.load()
    assert loaded.worker_concurrency == 16
    assert loaded.max_attempts == Settings().max_attempts
    assert loaded.backoff_s == 1.0
    assert loaded.country == "US"
    assert loaded.preserve_accents is False  # 1 is not a boolean
    assert loaded.output_format == "csv"


def test_environment_overrides_the_file_and_the_dialog_edits_the_file(monkeypatch):
    settings.save(Settings(worker_concurrency=3, country="DE"))
    monkeypatch.setenv("NORMDESK_WORKER_CONCURRENCY", "5")
    monkeypatch.setenv("NORMDESK_DELETE_OUTPUTS", "yes")
    monkeypatch.setenv("NORMDESK_COUNTRY", "fr")
    loaded = settings.load()
    assert (loaded.worker_concurrency, loaded.delete_outputs, loaded.country) == (5, True, "FR")
    assert settings.load_saved().worker_concurrency == 3  # what the settings dialog shows and saves


@pytest.mark.parametrize("name, field, text, value", [
    ("WORKER_CONCURRENCY", "worker_concurrency", "4", 4),  # the original design's name
    ("NORMDESK_RETRY_BACKOFF", "backoff_s", "0", 0.0),  # names of earlier versions
    ("NORMDESK_LEASE_SECONDS", "lease_s", "2.5", 2.5),
    ("NORMDESK_START_RATE", "start_rate", "100", 100.0),
])
def test_aliases(monkeypatch, name, field, text, value):
    monkeypatch.setenv(name, text)
    assert getattr(settings.load(), field) == value


def test_an_unreadable_environment_value_is_a_one_line_error(monkeypatch):
    monkeypatch.setenv("NORMDESK_MAX_ATTEMPTS", "three")
    with pytest.raises(settings.SettingsError, match="^NORMDESK_MAX_ATTEMPTS must be a number, not 'three'$"):
        settings.load()


def test_policy_follows_settings():
    policy = Policy.from_settings(Settings(max_attempts=7, backoff_s=1.5, keep_completed_hours=2,
                                           keep_completed_max=5, keep_failed_days=1, delete_outputs=True))
    assert (policy.max_attempts, policy.backoff_s, policy.delete_outputs) == (7, 1.5, True)
    assert (policy.keep_completed_s, policy.keep_completed_count, policy.keep_failed_s) == (7200.0, 5, 86400.0)
