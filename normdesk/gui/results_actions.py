"""The main window's "Open results" and "Re-run with changes…" actions, and the re-runs the
results view asks for (the job's input and output, with the plan the fixes made)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from normdesk.engine import InputError, Plan
from normdesk.gui.job_model import status_of
from normdesk.gui.preview_dialog import PreviewDialog
from normdesk.gui.results_view import ResultsView
from normdesk.gui.tasks import run_task
from normdesk.jobs.runner import resolve_plan

FINISHED = ("completed", "failed", "cancelled")


class ResultsActions(QObject):
    """``window`` is the MainWindow (its queue, settings, selection, status bar and submit)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.views: list[ResultsView] = []
        self.open_action = self._action("Open results", "Ctrl+Shift+Return", self.open_selected)
        self.changes_action = self._action("Re-run with changes…", "Ctrl+Shift+R", self.rerun_selected_with_changes)
        self.actions = (self.open_action, self.changes_action)

    def _action(self, text: str, keys: str, slot) -> QAction:
        act = QAction(text, self.window)
        act.setShortcut(QKeySequence(keys))
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(slot)
        self.window.addAction(act)
        return act

    def update(self, statuses: set[str]) -> None:
        self.open_action.setEnabled("completed" in statuses)
        self.changes_action.setEnabled(bool(statuses & set(FINISHED)))

    def _first(self, statuses: tuple[str, ...]) -> Any | None:
        return next((j for j in self.window.selected_jobs() if status_of(j) in statuses), None)

    def open_selected(self) -> ResultsView | None:
        job = self._first(("completed",))
        return self.open(job) if job is not None else None

    def open(self, job: Any) -> ResultsView:
        job = self.window.queue.get(job.id) or job  # with its report (the job table's jobs have none)
        view = ResultsView(job, self.window)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.rerun.connect(self.rerun)
        view.rerun_with_changes.connect(self.rerun_with_changes)
        view.destroyed.connect(lambda _o=None, v=view: self.views.remove(v) if v in self.views else None)
        self.views.append(view)
        view.show()
        return view

    def rerun(self, job: Any, plan: Plan) -> None:
        """Queue the job again, same input and output, with its plan and ``plan``'s value overrides
        (the job's plan is read off the GUI thread: a job queued without one detects it again)."""
        run_task(lambda: resolve_plan(job).with_options(values=plan.values), on_done=lambda full: self._resubmit(job, full),
                 on_error=lambda msg: self.window.statusBar().showMessage(f"Cannot read the job's plan: {msg}", 8000),
                 context=self)

    def _resubmit(self, job: Any, plan: Plan) -> Any | None:
        try:
            again = self.window.queue.submit(job.input_path, job.output_path, plan, job.type)
        except InputError as err:
            self.window.statusBar().showMessage(str(err), 8000)
            return None
        self.window.feed.poll()
        self.window.statusBar().showMessage(f"Re-running {Path(job.input_path).name} with {len(plan.values)} fixed values", 8000)
        return again

    def rerun_selected_with_changes(self) -> None:
        job = self._first(FINISHED)
        if job is not None:
            run_task(resolve_plan, job, on_done=lambda plan: self.rerun_with_changes(job, plan),
                     on_error=lambda msg: self.window.statusBar().showMessage(f"Cannot read the job's plan: {msg}", 8000),
                     context=self)

    def rerun_with_changes(self, job: Any, plan: Plan | None) -> PreviewDialog:
        """The preview of the job's input with ``plan`` applied; accepting it queues the file."""
        dialog = PreviewDialog([job.input_path], self.window.settings, self.window, plan=plan)
        dialog.accepted.connect(lambda: self.window.submit(dialog.jobs()))
        dialog.open()
        return dialog
