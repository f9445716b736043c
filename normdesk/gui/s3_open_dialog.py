""""Open from S3...": list a prefix of the configured bucket, pick contact files, download them.

Listing and downloading run on the Qt thread pool; the download's progress (reported from
boto3's threads) reaches the dialog through a signal. ``downloaded`` gives the local paths and
their ``s3://`` URLs; the main window then opens its usual preview on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from normdesk.gui.tasks import run_task

OPENABLE = (".csv", ".tsv", ".xlsx")
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


def s3_configured() -> bool:
    """True when a bucket is saved in the S3 settings (a broken settings file counts as off)."""
    from normdesk.sync.errors import SyncError
    from normdesk.sync.settings import load_settings

    try:
        return load_settings().configured
    except SyncError:
        return False


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return ""


def _list(prefix: str) -> tuple[str, list[Any]]:
    from normdesk.sync import list_objects

    return prefix, list_objects(prefix)


def download_all(keys: list[str], bucket: str, report: Signal) -> list[tuple[Path, str]]:
    """Download ``keys`` one after the other; (local path, s3 URL) for each. ``report`` gets
    (files done, fraction of the current file)."""
    from normdesk.sync import download_key

    out = []
    for i, key in enumerate(keys):
        out.append((download_key(key, lambda f, i=i: report.emit(i, f)), f"s3://{bucket}/{key}"))
    return out


class _Progress(QObject):
    changed = Signal(int, float)  # files done, fraction of the current one


class S3OpenDialog(QDialog):
    """Pick one or more .csv/.tsv/.xlsx objects; ``downloaded([(path, url), ...])`` then ``accept``."""

    downloaded = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open from S3")
        self.resize(760, 520)
        from normdesk.sync.settings import load_settings

        settings = load_settings()
        self.bucket = settings.bucket
        self.root = f"{settings.prefix}/" if settings.prefix else ""  # keys are shown relative to it
        where = f"s3://{settings.bucket}/{self.root}"
        self.prefix = QLineEdit()
        self.prefix.setPlaceholderText("folder/ inside the configured prefix (empty: all)")
        self.prefix.returnPressed.connect(self.refresh)
        self.list_button = QPushButton("List")
        self.list_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        root_label = QLabel(where)
        root_label.setToolTip("The bucket and prefix of the S3 settings")
        top.addWidget(root_label)
        top.addWidget(self.prefix, 1)
        top.addWidget(self.list_button)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name…")
        self.filter.setClearButtonEnabled(True)
        self.model = QStandardItemModel(0, 3, self)
        self.model.setHorizontalHeaderLabels(["Object", "Size", "Modified"])
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)  # sizes and times sort as numbers
        self.filter.textChanged.connect(self._filter_changed)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.view.doubleClicked.connect(lambda _i: self.download())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.addButton("Download and open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setDefault(True)
        self.buttons.accepted.connect(self.download)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.filter)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.status)
        lay.addWidget(self.progress)
        lay.addWidget(self.buttons)

        self._relay = _Progress(self)
        self._relay.changed.connect(self._progressed)
        self._count = 0
        self._busy = False
        self._listing_text = ""
        self.refresh()

    # -- listing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """List the prefix in the background."""
        self._set_busy(True, "Listing…")
        run_task(_list, self.prefix.text().strip(), on_done=self._listed, on_error=self._failed, context=self)

    def _listed(self, result: tuple[str, list[Any]]) -> None:
        prefix, objects = result
        shown = [o for o in objects if Path(o.key).suffix.lower() in OPENABLE]
        self.model.removeRows(0, self.model.rowCount())
        for obj in shown:
            name = QStandardItem(obj.key.removeprefix(self.root))
            name.setData(obj.key, KEY_ROLE)
            name.setData(obj.key.lower(), Qt.ItemDataRole.UserRole)
            name.setToolTip(f"s3://{self.bucket}/{obj.key}")
            size = QStandardItem(human_size(obj.size))
            size.setData(obj.size, Qt.ItemDataRole.UserRole)
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            modified = QStandardItem(obj.last_modified.astimezone().strftime("%Y-%m-%d %H:%M"))
            modified.setData(obj.last_modified.timestamp(), Qt.ItemDataRole.UserRole)
            self.model.appendRow([name, size, modified])
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        other = len(objects) - len(shown)
        text = f"{len(shown)} contact file{'s' if len(shown) != 1 else ''}"
        if other:
            text += f" ({other} other object{'s' if other != 1 else ''} not shown: only .csv, .tsv and .xlsx open here)"
        if not objects:
            text = f"Nothing under “{prefix}”." if prefix else "The bucket has no objects under the configured prefix."
        self._listing_text = text
        self._set_busy(False, text)
        self._filter_changed(self.filter.text())

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if not self._busy and self.model.rowCount():
            self.status.setText(self._listing_text + (f" — {self.proxy.rowCount()} match “{text}”" if text else ""))

    def _failed(self, message: str) -> None:
        self._set_busy(False, f"Cannot reach S3: {message}", error=True)

    # -- downloading --------------------------------------------------------------------------
    def selected_keys(self) -> list[str]:
        rows = sorted(self.view.selectionModel().selectedRows(0), key=lambda i: i.row())
        return [i.data(KEY_ROLE) for i in rows]

    def select_keys(self, keys: list[str]) -> None:
        self.view.clearSelection()
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(KEY_ROLE) in keys:
                self.view.selectionModel().select(
                    index, self.view.selectionModel().SelectionFlag.Select | self.view.selectionModel().SelectionFlag.Rows)

    def download(self) -> None:
        keys = self.selected_keys()
        if not keys or self._busy:
            return
        self._count = len(keys)
        self._set_busy(True, f"Downloading {len(keys)} file{'s' if len(keys) > 1 else ''}…")
        self.progress.setValue(0)
        self.progress.setVisible(True)
        run_task(download_all, keys, self.bucket, self._relay.changed,
                 on_done=self._downloaded, on_error=self._download_failed, context=self)

    def _progressed(self, done: int, fraction: float) -> None:
        self.progress.setValue(int(1000 * (done + fraction) / max(self._count, 1)))

    def _downloaded(self, files: list[tuple[Path, str]]) -> None:
        self.progress.setValue(1000)
        self._set_busy(False, "Downloaded.")
        self.downloaded.emit(files)
        self.accept()

    def _download_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self._set_busy(False, f"Download failed: {message}", error=True)

    def _set_busy(self, busy: bool, text: str, error: bool = False) -> None:
        self._busy = busy
        self.status.setText(text)
        self.status.setStyleSheet("color: #b91c1c;" if error else "color: #5f6368;")
        self.list_button.setEnabled(not busy)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(not self._busy and bool(self.view.selectionModel().selectedRows()))
