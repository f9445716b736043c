"""Fixtures shared by the test files: a data folder of their own, and the main window over a queue
(each file that needs the window defines its own ``queue``: the policy and environment differ)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """NORMDESK_HOME in tmp_path: the queue, settings and downloads of this test only."""
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def window(qtbot, queue):
    from normdesk.gui.main_window import MainWindow
    from normdesk.settings import Settings

    win = MainWindow(queue, None, Settings())
    qtbot.addWidget(win)
    win.show()
    yield win
    win.feed.stop()
