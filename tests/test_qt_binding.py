"""The Qt binding itself: PySide6 6.12.0 on Python 3.11 took one reference to None away on every call of
a Qt method that returns nothing, so a busy window aborted after some thousands of calls ("none_dealloc").
pyproject.toml keeps such a version out; this shows the installed one keeps None's count."""

from __future__ import annotations

import sys

import pytest


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_calls_that_return_nothing_keep_none_alive(qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QWidget

    widget, timer = QWidget(), QTimer()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(500):
        widget.update()
        timer.setInterval(5)
    assert sys.getrefcount(None) >= before - 50  # a leak would be 1,000 references
