"""run_task at the application's end: a task that finishes after its relay is gone ends quietly
(no "Signal source has been deleted" traceback in the log when the window quits)."""

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shiboken6  # noqa: E402
from PySide6.QtCore import QThreadPool  # noqa: E402

from normdesk.gui.tasks import run_task  # noqa: E402


def test_a_task_whose_relay_was_deleted_ends_without_a_traceback(qapp, capfd):
    gate = threading.Event()
    done = []
    task = run_task(gate.wait, 10, on_done=done.append)
    shiboken6.delete(task.relay)  # what the end of the application does to it
    gate.set()
    assert QThreadPool.globalInstance().waitForDone(10_000)
    err = capfd.readouterr().err
    assert "Signal source has been deleted" not in err and "Traceback" not in err
    assert done == []


def test_a_task_still_hands_its_result_over(qtbot):
    done = []
    run_task(sum, [1, 2, 3], on_done=done.append)
    qtbot.waitUntil(lambda: done == [6])
