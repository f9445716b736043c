"""Settings -> API keys: create (the key shown once, to copy), list, revoke; the same store as the CLI."""

from __future__ import annotations

import pytest

from normdesk.api.keys import KeyStore

pytestmark = pytest.mark.usefixtures("home")


def test_create_copy_once_and_revoke(qtbot, home):
    from PySide6.QtGui import QGuiApplication

    from normdesk.gui.settings_dialog import SettingsDialog
    from normdesk.settings import Settings

    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    page = dialog.api_keys_page
    assert dialog.tabs.tabText(dialog.tabs.indexOf(page)) == "API keys"
    page.name.setText("crm-export")
    page.permissions["submit"].setChecked(True)
    page.expires.setCurrentIndex(1)  # 30 days
    key = page.create_key()
    assert key and page.new_key.text() == key and "not shown again" in page.shown.text()
    page.copy_button.click()
    assert QGuiApplication.clipboard().text() == key
    store = KeyStore(home)
    assert store.verify(key).permissions == ("read", "submit")
    assert [page.table.item(0, c).text() for c in range(3)] == ["crm-export", "read, submit", "active"]
    page.table.selectRow(0)
    page.revoke_selected()
    assert store.verify(key) is None and page.table.item(0, 2).text() == "revoked" and page.new_key.text() == ""


def test_a_nameless_key_is_refused(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from normdesk.gui.api_keys_page import ApiKeysPage

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    page = ApiKeysPage()
    qtbot.addWidget(page)
    assert page.create_key() is None and "needs a name" in warnings[0]
