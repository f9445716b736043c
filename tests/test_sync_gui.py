"""The S3 settings page (pytest-qt, offscreen): fields, keyring-only secret, test connection off the GUI thread."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from s3_server import *  # noqa: E402,F403 - fixtures
from s3_server import closed_port_url, raw_client  # noqa: E402

from normdesk.gui.s3_page import S3SettingsPage  # noqa: E402
from normdesk.sync.secrets import load_credentials  # noqa: E402
from normdesk.sync.settings import load_settings, settings_path  # noqa: E402

MARKER = "MARKER-SECRET-gui-0c55"


@pytest.fixture
def page(qtbot, aws_env):
    widget = S3SettingsPage()
    qtbot.addWidget(widget)
    return widget


def test_save_settings_and_secret_to_keyring_only(file_keyring, page, moto_url, monkeypatch):
    assert not page.keyring_note.isVisibleTo(page)
    page.bucket.setText("gui-bucket")
    page.prefix.setText("/exports/")
    page.endpoint.setText(moto_url)
    page.upload.setCurrentIndex(page.upload.findData("both"))
    page.key_id.setText("AKIDGUI")
    page.secret.setText(MARKER)
    assert page.secret.echoMode() == page.secret.EchoMode.Password
    assert page.save()
    assert load_settings().bucket == "gui-bucket" and load_settings().prefix == "exports"
    assert load_settings().upload == "both"
    assert load_credentials().secret_access_key == MARKER
    assert MARKER.encode() not in settings_path().read_bytes()
    assert page.secret.text() == "" and page.secret.placeholderText() == "stored in keyring"
    assert page.credentials_state.text() == "Stored in keyring."

    again = S3SettingsPage()  # a new page shows what is saved, never the secret
    assert again.bucket.text() == "gui-bucket" and again.secret.text() == ""
    assert again.secret.placeholderText() == "stored in keyring"
    again.forget()
    assert load_credentials() is None and "removed" in again.result.text()
    again.deleteLater()


def test_invalid_input_is_shown_in_plain_words(file_keyring, page):
    page.bucket.setText("Bad Bucket")
    assert not page.save()
    assert "invalid bucket name" in page.result.text()
    page.bucket.setText("good-bucket")
    page.key_id.setText("AKID-only")
    assert not page.save()
    assert "both the access key id and the secret" in page.result.text()


def test_connection_runs_off_the_gui_thread_and_answers_plainly(file_keyring, page, qtbot, moto_url):
    raw_client(moto_url).create_bucket(Bucket="gui-test-bucket")
    page.bucket.setText("gui-test-bucket")
    page.endpoint.setText(moto_url)
    with qtbot.waitSignal(page.tested, timeout=30_000) as blocker:
        page.test_button.click()
        assert page.result.text() == "Testing the connection..."  # the GUI thread is not blocked
    assert blocker.args[0] is True and page.result.text().startswith("Connected: s3://gui-test-bucket")

    page.bucket.setText("no-such-gui-bucket")
    with qtbot.waitSignal(page.tested, timeout=30_000) as blocker:
        page.test_button.click()
    assert blocker.args == [False, "no such bucket: 'no-such-gui-bucket'"]
    assert page.result.text() == "Connection failed: no such bucket: 'no-such-gui-bucket'."

    page.endpoint.setText(closed_port_url())
    with qtbot.waitSignal(page.tested, timeout=30_000) as blocker:
        page.test_button.click()
    assert blocker.args[0] is False and "endpoint is unreachable" in blocker.args[1]


def test_no_keyring_backend_is_said_clearly_and_credentials_are_disabled(no_keyring, page):
    assert page.keyring_note.isVisibleTo(page)
    assert page.keyring_note.text().startswith("No OS keyring backend is available")
    assert not page.secret.isEnabled() and not page.key_id.isEnabled() and not page.test_button.isEnabled()
    assert "S3 is off" in page.credentials_state.text()
