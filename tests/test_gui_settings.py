"""Settings: the Qt-free store, the dialog, and their round trip through the data folder."""

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from normdesk.gui.settings_store import Settings, load_settings, policy_for, save_settings, settings_path


pytestmark = pytest.mark.usefixtures("home")


def test_defaults_when_nothing_saved():
    assert load_settings() == Settings()


def test_round_trip_through_the_data_folder(home):
    settings = Settings(worker_concurrency=4, max_attempts=5, backoff_s=2.5, keep_completed_hours=48,
                        keep_completed_max=10, keep_failed_days=3, country="DE", preserve_accents=True,
                        output_folder=str(home), output_format="parquet")
    save_settings(settings)
    assert settings_path().parent == home
    assert load_settings() == settings


@pytest.mark.parametrize("content", ["not json{", "[1, 2]", ""])
def test_unreadable_file_gives_defaults(content):
    settings_path().write_text(content, encoding="utf-8")
    assert load_settings() == Settings()


def test_wrong_types_and_out_of_range_values_are_repaired():
    settings_path().write_text(json.dumps({
        "worker_concurrency": 999, "max_attempts": "three", "backoff_s": 1, "country": "germany",
        "preserve_accents": 1, "output_format": "docx", "unknown_key": True,
    }), encoding="utf-8")
    settings = load_settings()
    assert settings.worker_concurrency == 16
    assert settings.max_attempts == Settings().max_attempts
    assert settings.backoff_s == 1.0
    assert settings.country == "US"
    assert settings.preserve_accents is False  # 1 is not a boolean
    assert settings.output_format == "csv"


def test_policy_follows_settings():
    policy = policy_for(Settings(max_attempts=7, backoff_s=1.5, keep_completed_hours=2,
                                 keep_completed_max=5, keep_failed_days=1))
    assert (policy.max_attempts, policy.backoff_s) == (7, 1.5)
    assert (policy.keep_completed_s, policy.keep_completed_count, policy.keep_failed_s) == (7200.0, 5, 86400.0)


def test_dialog_edits_every_setting(qtbot, home):
    from normdesk.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.concurrency.setValue(3)
    dialog.attempts.setValue(4)
    dialog.backoff.setValue(10.0)
    dialog.keep_hours.setValue(12)
    dialog.keep_count.setValue(50)
    dialog.keep_failed.setValue(2)
    dialog.country.setEditText("Germ")
    dialog.country.set_country("DE")
    dialog.accents.setChecked(True)
    dialog.format.setCurrentText("xlsx")
    dialog.folder.setText(str(home))
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert dialog.settings() == Settings(3, 4, 10.0, 12, 50, 2, "DE", True, str(home), "xlsx")


def test_dialog_refuses_a_missing_output_folder(qtbot, home, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from normdesk.gui.settings_dialog import SettingsDialog

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(home / "nope"))
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert "does not exist" in warnings[0]


def test_dialog_has_the_s3_page_when_installed(qtbot):
    from normdesk.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles[:3] == ["Processing", "Retention", "Defaults"]
    assert ("S3" in titles) == (dialog.s3_page is not None)


def test_country_combo_finds_countries_by_name_or_code(qtbot):
    from normdesk.gui.country_combo import CountryCombo, countries

    combo = CountryCombo("US")
    qtbot.addWidget(combo)
    codes = {code for code, _ in countries()}
    assert {"US", "DE", "FR", "JP", "BR"} <= codes and len(codes) > 200
    combo.completer().setCompletionPrefix("germ")
    assert combo.completer().currentCompletion() == "Germany (DE)"
    with qtbot.waitSignal(combo.country_changed) as blocker:
        combo.setEditText("fr")
        combo.lineEdit().editingFinished.emit()
    assert blocker.args == ["FR"] and combo.country() == "FR"
    combo.setEditText("no such place")
    combo.lineEdit().editingFinished.emit()
    assert combo.country() == "FR" and combo.currentText() == "France (FR)"


def test_dialog_sets_the_cluster_that_jobs_read(qtbot, home, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from normdesk import settings as core
    from normdesk.gui.settings_dialog import SettingsDialog
    from normdesk.gui.settings_store import save_settings

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert not dialog.cluster_address.isEnabled()
    dialog.cluster.setChecked(True)
    dialog.cluster_address.setText("10.0.0.4:8786")
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted and "tcp://HOST:PORT" in warnings[0]
    dialog.cluster_address.setText("tcp://10.0.0.4:8786")
    dialog.cluster_min_mb.setValue(50)
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    home.mkdir(parents=True, exist_ok=True)
    save_settings(dialog.settings())
    effective = core.load()
    assert effective.cluster_for(50_000_000) == "tcp://10.0.0.4:8786" and effective.cluster_for(49_999_999) is None
