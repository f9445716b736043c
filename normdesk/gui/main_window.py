"""The main window: drop zone, job table, details of the selected job, statistics."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from normdesk.engine import InputError, Plan
from normdesk.gui.details_pane import JobDetails
from normdesk.gui.about import show_about
from normdesk.gui.clipboard import selection_text
from normdesk.gui.drop_zone import DropZone, choose_files, dropped_files
from normdesk.gui.job_feed import JobFeed
from normdesk.gui.job_model import JobColumn, JobSortProxy, JobTableModel, status_of, status_text, sync_of
from normdesk.gui.job_removal import RemovedJobs
from normdesk.gui.notifier import Banner, Notifier
from normdesk.gui.open_output import open_output, reveal
from normdesk.gui.preview_dialog import PreviewDialog
from normdesk.gui.questions import ask
from normdesk.gui.progress_delegate import ProgressDelegate, progress_width
from normdesk.gui.results_actions import ResultsActions
from normdesk.gui.s3_open_dialog import S3OpenDialog, s3_configured
from normdesk.gui.settings_dialog import SettingsDialog
from normdesk.gui.window_api import WindowApi
from normdesk.gui.stats_strip import StatsStrip
from normdesk.gui.tasks import run_task
from normdesk.jobs.events import EventKind, JobEvent
from normdesk.jobs.model import Policy
from normdesk.settings import Settings, load_saved, save

log = logging.getLogger(__name__)

FINISHED = ("completed", "failed", "cancelled")
AUTOMATION_TICK_MS = 500  # Automation.tick() does its work about once a second


class JobEventRelay(QObject):
    """Re-emits the queue's events (published on worker threads) as a Qt signal on the GUI thread."""

    event = Signal(object)


def subscribe_s3_uploads(queue: Any) -> bool:
    """``normdesk.sync.subscribe_uploads`` (reads the settings and probes the keyring: off the GUI thread)."""
    from normdesk.sync import subscribe_uploads

    return subscribe_uploads(queue)


class MainWindow(QMainWindow):
    """``queue`` is a JobQueue; ``pool`` a WorkerPool, or None when another process runs the jobs."""

    def __init__(self, queue: Any, pool: Any | None = None, settings: Settings | None = None) -> None:
        super().__init__()
        self.queue, self.pool = queue, pool
        self.settings = settings or load_saved()
        self.setWindowTitle("normdesk")
        self.setAcceptDrops(True)
        self.resize(1320, 780)
        self._stats: Any = None
        self._s3_urls: dict[Path, str] = {}  # downloaded file -> the s3:// URL it came from
        self._automation_store: Any = None
        self.output_problem: QMessageBox | None = None  # the box of the last output that would not open

        self.model = JobTableModel(self)
        self.proxy = JobSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(JobColumn.CREATED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setItemDelegateForColumn(JobColumn.PROGRESS, ProgressDelegate(self.table))
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col, width in ((JobColumn.FILE, 160), (JobColumn.TYPE, 70), (JobColumn.STATUS, 86),
                           (JobColumn.PROGRESS, 140), (JobColumn.VALID, 58), (JobColumn.INVALID, 58),
                           (JobColumn.CREATED, 72), (JobColumn.DURATION, 66), (JobColumn.SYNC, 92)):
            self.table.setColumnWidth(col, width)
        self.table.setColumnWidth(JobColumn.PROGRESS, progress_width(self.table.fontMetrics()))  # "1,000,000 / 1,000,000" whole
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setColumnHidden(JobColumn.SYNC, True)  # shown once a job has an S3 sync state
        self.table.doubleClicked.connect(lambda _i: self.results.open_selected())

        self.details = JobDetails()
        self.details.set_retention(self.settings)
        self.details.open_output.connect(self.open_output)
        self.details.show_folder.connect(lambda path: reveal(path, self.say))
        self.details.retry_upload.connect(self.retry_upload)

        self.removed = RemovedJobs(queue, self)
        self._build_actions()
        central = QWidget()
        self.banner = Banner(central)  # floats over the top: the job table never moves under the pointer
        self.notifier = Notifier(self.banner, self.windowIcon() if not self.windowIcon().isNull()
                                 else self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView))

        self.empty_zone = DropZone()
        self.empty_zone.files_chosen.connect(self.open_files)
        self.strip_zone = DropZone(compact=True)
        self.strip_zone.files_chosen.connect(self.open_files)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([920, 400])
        jobs_page = QWidget()
        jobs_lay = QVBoxLayout(jobs_page)
        jobs_lay.setContentsMargins(0, 0, 0, 0)
        jobs_lay.addWidget(self.strip_zone)
        jobs_lay.addWidget(split, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_zone)
        self.pages.addWidget(jobs_page)
        lay = QVBoxLayout(central)
        lay.setContentsMargins(8, 8, 8, 4)
        lay.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.stats_strip = StatsStrip()
        self.statusBar().addPermanentWidget(self.stats_strip)
        self.api = WindowApi(queue, self)
        self.api_label = QLabel()
        self.api_label.hide()
        self.api.state_changed.connect(self._show_api_state)
        self.statusBar().addPermanentWidget(self.api_label)

        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.feed = JobFeed(queue, self)
        self.feed.snapshot.connect(self._apply_snapshot)
        self.feed.error.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self._clock = QTimer(self, interval=1000, timeout=self.model.tick)
        if pool is not None:
            pool.job_progress.connect(self.model.set_progress)
            pool.job_started.connect(lambda _id: self.feed.poll())
            pool.job_finished.connect(lambda _id, _status: self.feed.poll())
        self.relay = JobEventRelay(self)
        self.relay.event.connect(self._notify_finished)
        self._unsubscribe = queue.events.subscribe(
            self.relay.event.emit, {EventKind.COMPLETED, EventKind.FAILED, EventKind.CANCELLED})
        self._update_actions()
        self.feed.start()
        self._clock.start()
        self.automation: Any = None
        self._automation_timer = QTimer(self, interval=AUTOMATION_TICK_MS, timeout=self._tick_automation)
        self.activity = self._activity_while_closed()
        if self.activity:
            self.statusBar().showMessage(f"While the window was closed: {self.activity}", 30000)

    # -- actions ------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        def action(text: str, keys: QKeySequence | str, slot, icon: QStyle.StandardPixmap | None = None) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.setToolTip(f"{text} ({QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)})")
            if icon is not None:
                act.setIcon(self.style().standardIcon(icon))
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        sp = QStyle.StandardPixmap
        self.open_action = action("Open files…", QKeySequence.StandardKey.Open, self.choose_files, sp.SP_DialogOpenButton)
        self.retry_action = action("Retry", "Ctrl+R", self.retry_selected, sp.SP_BrowserReload)
        self.cancel_action = action("Cancel", "Ctrl+.", self.cancel_selected, sp.SP_BrowserStop)
        self.open_output_action = action("Open output", "Ctrl+Return", self.open_selected_output, sp.SP_FileIcon)
        self.folder_action = action("Show in folder", "Ctrl+Shift+O", self.show_selected_folder, sp.SP_DirOpenIcon)
        self.remove_action = action("Remove", QKeySequence.StandardKey.Delete, self.remove_selected, sp.SP_TrashIcon)
        self.duplicates_action = action("Find duplicates…", "Ctrl+D", self.find_duplicates, sp.SP_FileDialogListView)
        self.s3_action = action("Open from S3…", "Ctrl+Shift+S", self.open_from_s3, sp.SP_DriveNetIcon)
        self.settings_action = action("Settings…", "Ctrl+,", self.edit_settings, sp.SP_FileDialogDetailedView)
        self.automation_action = action("Schedules and folders…", "Ctrl+Shift+A", self.edit_automation,
                                        sp.SP_FileDialogContentsView)
        quit_action = action("Quit", QKeySequence.StandardKey.Quit, self.close)
        self.results = ResultsActions(self)
        self.undo_action = action("Undo", QKeySequence.StandardKey.Undo, self.undo_remove)
        self.copy_action = action("Copy", QKeySequence.StandardKey.Copy, self.copy_selected)
        self.select_all_action = action("Select all", QKeySequence.StandardKey.SelectAll, self.table.selectAll)
        self.find_action = action("Find…", QKeySequence.StandardKey.Find, self.find)
        self.about_action = action("About normdesk", "F1", lambda: show_about(self, self.queue.home))
        self.removed.changed.connect(self._update_undo)
        self._update_undo()
        self.find_field = QLineEdit()
        self.find_field.setPlaceholderText("Find jobs by file name")
        self.find_field.setClearButtonEnabled(True)
        self.find_field.setMaximumWidth(240)
        self.find_field.textChanged.connect(self.proxy.setFilterFixedString)
        self.proxy.setFilterKeyColumn(JobColumn.FILE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.job_actions = (self.retry_action, self.cancel_action, self.open_output_action,
                            self.folder_action, self.remove_action, self.duplicates_action)
        self.results_actions = self.results.actions
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addActions([self.open_action, self.s3_action, self.automation_action, self.settings_action])
        file_menu.aboutToShow.connect(self._update_s3_action)
        self._update_s3_action()
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addSeparator()
        edit_menu.addActions([self.copy_action, self.select_all_action, self.find_action])
        jobs_menu = self.menuBar().addMenu("&Jobs")
        jobs_menu.addActions(list(self.job_actions))
        jobs_menu.addSeparator()
        jobs_menu.addActions(list(self.results_actions))
        self.menuBar().addMenu("&Help").addAction(self.about_action)
        bar = QToolBar("Jobs")
        bar.setObjectName("jobs-toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addAction(self.open_action)
        bar.addSeparator()
        for act in self.job_actions:
            bar.addAction(act)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addWidget(self.find_field)
        bar.addAction(self.automation_action)
        bar.addAction(self.settings_action)
        self.addToolBar(bar)

    def _update_s3_action(self) -> None:
        self.s3_action.setEnabled(s3_configured())
        self.s3_action.setToolTip("Download contact files from the S3 bucket and open them" if self.s3_action.isEnabled()
                                  else "Set up S3 in Settings first")

    def _context_menu(self, pos) -> None:
        if not self.table.indexAt(pos).isValid():
            return
        menu = QMenu(self)
        menu.addActions(list(self.job_actions))
        menu.addSeparator()
        menu.addActions(list(self.results_actions))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def selected_jobs(self) -> list[Any]:
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.job(r) for r in sorted(rows)]

    def select_job(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        if row is not None:
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())

    def _for_selected(self, statuses: Sequence[str], fn) -> None:
        for job in self.selected_jobs():
            if status_of(job) in statuses:
                try:
                    fn(job)
                except InputError as err:
                    self.statusBar().showMessage(str(err), 8000)
        self.feed.poll()

    def retry_selected(self) -> None:
        self._for_selected(("failed", "cancelled"), lambda job: self.queue.retry(job.id))

    def cancel_selected(self) -> None:
        cancel = self.pool.request_cancel if self.pool is not None else self.queue.cancel
        self._for_selected(("pending", "processing"), lambda job: cancel(job.id))

    def remove_selected(self) -> None:
        """Remove the selected jobs that are not running (asking first when one has an output); Undo puts them back."""
        jobs = [j for j in self.selected_jobs() if status_of(j) in FINISHED + ("pending",)]
        for error in self.removed.remove(jobs, self):
            self.say(error)
        self.feed.poll()

    def undo_remove(self) -> None:
        restored = self.removed.undo()
        self.feed.poll(force=True)
        if restored:
            self.say(f"Put back {len(restored)} job{'s' if len(restored) > 1 else ''}")

    def _update_undo(self) -> None:
        self.undo_action.setEnabled(self.removed.can_undo())
        self.undo_action.setText(self.removed.undo_text())

    def copy_selected(self) -> None:
        """The selected jobs as tab-separated lines (file, status, rows, valid, invalid, output) on the
        clipboard; in another table of the window (the details pane's), its selected cells."""
        focus = QApplication.focusWidget()
        if isinstance(focus, QAbstractItemView) and focus is not self.table:
            if text := selection_text(focus):
                QGuiApplication.clipboard().setText(text)
            return
        columns = (JobColumn.FILE, JobColumn.STATUS, JobColumn.PROGRESS, JobColumn.VALID, JobColumn.INVALID)
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        lines = ["\t".join([*(self.proxy.headerData(c, Qt.Orientation.Horizontal) for c in columns), "Output"])]
        for row in rows:
            job = self.model.job(self.proxy.mapToSource(self.proxy.index(row, 0)).row())
            lines.append("\t".join([*(self.proxy.index(row, c).data() or "" for c in columns), job.output_path or ""]))
        if rows:
            QGuiApplication.clipboard().setText("\n".join(lines) + "\n")

    def find(self) -> None:
        self.find_field.setFocus()
        self.find_field.selectAll()

    def say(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def open_output(self, path: str) -> None:
        """Open an output; when it cannot be, a box says why and offers "Show in folder" and "Copy path"."""
        self.output_problem = open_output(self, path, self.say)

    def open_selected_output(self) -> None:
        jobs = [j for j in self.selected_jobs() if status_of(j) == "completed"]
        if jobs:
            self.open_output(jobs[0].output_path)

    def show_selected_folder(self) -> None:
        jobs = [j for j in self.selected_jobs() if j.output_path]
        if jobs:
            reveal(jobs[0].output_path, self.say)

    def find_duplicates(self) -> Any:
        """A finished dedupe job opens its clusters; other selected jobs (or files chosen now) are
        queued as one dedupe job. Returns the view or the job (None when nothing was done)."""
        jobs = [self.queue.get(j.id) or j for j in self.selected_jobs()]  # with their reports
        files = [] if jobs else choose_files(self)
        if not jobs and not files:
            return None
        try:
            from normdesk.gui.duplicates_view import find_duplicates
        except ImportError as err:
            QMessageBox.warning(self, "normdesk", f"Finding duplicates needs the match extra: {err}")
            return None
        try:
            result = find_duplicates(self.queue, jobs, self, files)
        except InputError as err:
            QMessageBox.warning(self, "normdesk", str(err))
            return None
        self.feed.poll()
        if not isinstance(result, QWidget):
            self.statusBar().showMessage(f"Queued a search for duplicates -> {Path(result.output_path).name}", 5000)
        return result

    def retry_upload(self, job_id: str) -> None:
        """Upload the job's files again now, off the GUI thread."""
        from normdesk.sync.uploader import retry_upload

        self.details.retry_upload_button.setEnabled(False)
        self.statusBar().showMessage("Uploading again…", 5000)
        run_task(retry_upload, job_id, self.queue, on_done=lambda _state: self.feed.poll(force=True),
                 on_error=self._upload_retry_failed, context=self)

    def _upload_retry_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"Upload failed: {message}", 8000)
        self.feed.poll(force=True)

    def _update_actions(self) -> None:
        statuses = {status_of(j) for j in self.selected_jobs()}
        self.retry_action.setEnabled(bool(statuses & {"failed", "cancelled"}))
        self.cancel_action.setEnabled(bool(statuses & {"pending", "processing"}))
        self.open_output_action.setEnabled("completed" in statuses)
        self.folder_action.setEnabled(bool(statuses))
        self.remove_action.setEnabled(bool(statuses - {"processing"}))
        self.results.update(statuses)

    def _selection_changed(self) -> None:
        jobs = self.selected_jobs()
        self.feed.detail_id = jobs[0].id if len(jobs) == 1 else None  # later snapshots bring it whole
        self.details.show_job(self.queue.get(jobs[0].id) if len(jobs) == 1 else None)
        self._update_actions()

    # -- queue snapshots ----------------------------------------------------------------------
    def _apply_snapshot(self, jobs: list[Any], stats: Any, detail: Any = None) -> None:
        self.model.set_jobs(jobs)
        self.table.setColumnHidden(JobColumn.SYNC, not any(sync_of(j) for j in jobs))
        self._stats = stats
        self._show_stats()
        self.pages.setCurrentIndex(1 if jobs else 0)
        selected = self.details.job_id()
        if selected is not None and self.model.job_by_id(selected) is None:
            self.details.show_job(None)  # removed meanwhile
        elif selected is not None and detail is not None and detail.id == selected:
            self.details.show_job(detail)  # read whole by the feed's thread, not here
        self._update_actions()

    def _show_stats(self) -> None:
        busy = self.pool.busy_count() if self.pool is not None else 0
        self.stats_strip.set_stats(self._stats, busy, self.settings.worker_concurrency)

    def _notify_finished(self, event: JobEvent) -> None:
        """A job finished (the queue's event): tell the user if they are elsewhere."""
        if self.isActiveWindow() or event.replayed:
            return
        job = event.job
        text = f"{Path(job.input_path).name}: {status_text(job)}"
        if status_of(job) == "completed":
            text += f", {job.valid_rows:,} valid rows, {job.invalid_rows:,} with issues"
        elif job.error_message:
            text += f" — {job.error_message}"
        self.notifier.notify("normdesk: job finished", text)

    # -- files in -----------------------------------------------------------------------------
    def choose_files(self) -> None:
        paths = choose_files(self)
        if paths:
            self.open_files(paths)

    def open_files(self, paths: Sequence[str]) -> PreviewDialog:
        """Show the preview of dropped or chosen files; queue them when the user accepts."""
        dialog = PreviewDialog(list(paths), self.settings, self)
        dialog.accepted.connect(lambda: self._queue_preview(dialog))
        dialog.open()
        return dialog

    def _queue_preview(self, dialog: PreviewDialog) -> None:
        self.settings = save(replace(self.settings, **dialog.remembered()))
        self.submit(dialog.jobs(), dialog.overrides(), dialog.not_queued())

    def open_from_s3(self) -> S3OpenDialog | None:
        """List the S3 bucket, download the chosen files, then preview them as dropped files."""
        if not s3_configured():
            self._update_s3_action()
            return None
        dialog = S3OpenDialog(self)
        dialog.downloaded.connect(self._open_downloaded)
        dialog.open()
        return dialog

    def _open_downloaded(self, files: list[tuple[Path, str]]) -> None:
        self._s3_urls.update({Path(path).resolve(): url for path, url in files})
        self.open_files([path for path, _ in files])

    def submit(self, jobs: Sequence[tuple[Path, Path, Plan]], overrides: dict[Path, dict[str, str]] | None = None,
               not_queued: dict[Path, str] | None = None) -> list[Any]:
        """Queue (input, output, plan)s; ``overrides`` (by input) are the preview's changed columns, kept in
        the job; the status bar names the files ``not_queued`` (unreadable) and why."""
        submitted = []
        for input_path, output_path, plan in jobs:
            try:
                submitted.append(self.queue.submit(input_path, output_path, plan,
                                                   overrides=(overrides or {}).get(input_path),
                                                   input_key=self._s3_urls.get(Path(input_path).resolve())))
            except InputError as err:
                QMessageBox.warning(self, "normdesk", str(err))
        self.feed.poll()
        if submitted or not_queued:
            text = f"Queued {len(submitted)} file{'s' if len(submitted) != 1 else ''}"
            if not_queued:
                text += "; not queued: " + "; ".join(f"{p.name} ({m})" for p, m in not_queued.items())
            self.statusBar().showMessage(text, 15000 if not_queued else 5000)
        return submitted

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_files(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.open_files(paths)

    # -- settings and closing -----------------------------------------------------------------
    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        dialog.api_keys_page.show_state(self.api.state)
        dialog.webhooks_page.retried.connect(self.api.wake_deliveries)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.settings())
        self._update_s3_action()  # the S3 page saves by itself
        if self.pool is not None and s3_configured():  # S3 may have just been set up: upload from now on
            run_task(subscribe_s3_uploads, self.queue, context=self)

    def apply_settings(self, settings: Settings) -> None:
        self.settings = save(settings)
        self.api.apply(self.settings)
        self.details.set_retention(self.settings)
        if self.pool is not None:
            self.pool.apply_settings(self.settings)
        else:
            self.queue.policy = Policy.from_settings(self.settings)
        self._show_stats()

    def _show_api_state(self, text: str) -> None:
        self.api_label.setText(text)
        self.api_label.setVisible(bool(text))

    def set_pool(self, pool: Any | None) -> None:
        """Forget the worker pool (None: another process runs the jobs; the window only shows them)."""
        self.pool = pool
        self._show_stats()

    def running_count(self) -> int:
        if self.pool is not None:
            return self.pool.busy_count()
        return getattr(self._stats, "processing", 0) or 0

    def confirm_quit(self, running: int) -> bool:
        return ask(self, "Quit normdesk?", f"{running} job{'s are' if running > 1 else ' is'} still running.",
                   "They stop now and resume from where they were the next time normdesk starts.", "Quit", "Keep running")

    def closeEvent(self, event: QCloseEvent) -> None:
        running = self.running_count()
        if running and not self.confirm_quit(running):
            event.ignore()
            return
        self.feed.stop()
        self._clock.stop()
        self._unsubscribe()
        self.stop_automation()
        self.api.close()
        if self.pool is not None:
            self.pool.stop()
        event.accept()

    # -- schedules and watched folders --------------------------------------------------------
    def start_automation(self, fetchers: dict | None = None) -> None:
        """Run the schedules and watched folders here (call once this process owns the data folder)."""
        from normdesk.automation.runner import Automation

        self.automation = Automation(self.queue, self.automation_store, fetchers=fetchers)
        self._automation_timer.start()
        self._tick_automation()

    def stop_automation(self) -> None:
        """Stop running them; the time is kept, to say next time what the service did meanwhile."""
        from normdesk.automation.runner import WINDOW_CLOSED

        self._automation_timer.stop()
        if self.automation is not None:
            self.automation.close()
            self.automation = None
            self.automation_store.put(WINDOW_CLOSED, {"at": time.time()})

    def _tick_automation(self) -> None:
        try:
            self.automation.tick()
        except Exception as err:  # a folder gone, a store error: say it, keep the window
            log.exception("automation tick failed")
            self.statusBar().showMessage(f"Schedules and watched folders: {err}", 8000)

    @property
    def automation_store(self) -> Any:
        if self._automation_store is None:
            from normdesk.automation.store import AutomationStore

            self._automation_store = AutomationStore(self.queue.home)
        return self._automation_store

    def _activity_while_closed(self) -> str:
        from normdesk.automation.runner import WINDOW_CLOSED, activity_since, describe_activity

        closed = self.automation_store.get(WINDOW_CLOSED)
        return describe_activity(activity_since(self.automation_store, closed["at"] if closed else None))

    def edit_automation(self) -> Any:
        from normdesk.automation.schedules import Scheduler
        from normdesk.automation.watches import Watches
        from normdesk.gui.automation_dialog import AutomationDialog
        from normdesk.settings import load

        if self.automation is not None:
            scheduler, watches, polling = self.automation.scheduler, self.automation.watches, self.automation.polling
        else:
            scheduler = Scheduler(self.automation_store, self.queue, defaults=load)
            watches, polling = Watches(self.automation_store), None
        dialog = AutomationDialog(scheduler, watches, polling, self.activity, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
