"""The settings dialog: processing, retention, defaults, the cluster, the S3 page when it is installed,
API keys (and the window's API), webhooks and their deliveries.

It edits ``normdesk.settings`` (the file every front end reads): a headless worker started afterwards,
or one already running, uses what is saved here."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from normdesk.gui.run_options import RunOptionWidgets
from normdesk.settings import Settings


def _spin(low: float, high: float, value: float, suffix: str = "", decimals: int | None = None) -> QSpinBox | QDoubleSpinBox:
    """A spin box for whole numbers, or with ``decimals`` one for decimal numbers."""
    spin = QSpinBox() if decimals is None else QDoubleSpinBox()
    if decimals is not None:
        spin.setDecimals(decimals)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #5f6368;")
    return label


class SettingsDialog(QDialog):
    """Edit a copy of the settings; ``settings()`` gives the result after ``accept``."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self._base = settings
        self.tabs = QTabWidget()

        self.concurrency = _spin(1, 16, settings.worker_concurrency, " jobs at once")
        self.attempts = _spin(1, 10, settings.max_attempts, " attempts")
        self.backoff = _spin(0.0, 3600.0, settings.backoff_s, " s", decimals=1)
        processing = QFormLayout()
        processing.addRow("Worker concurrency:", self.concurrency)
        processing.addRow("Retries:", self.attempts)
        processing.addRow("First retry after:", self.backoff)
        processing.addRow(_note("A failed job is tried again after the delay, doubled on each further "
                                "attempt. A bad input file is not retried."))
        self.tabs.addTab(self._page(processing), "Processing")

        self.keep_hours = _spin(1, 24 * 3650, round(settings.keep_completed_hours), " hours")
        self.keep_count = _spin(1, 1_000_000, settings.keep_completed_max, " jobs")
        self.keep_failed = _spin(1, 3650, round(settings.keep_failed_days), " days")
        self.delete_outputs = QCheckBox("Delete output files with their job")
        self.delete_outputs.setChecked(settings.delete_outputs)
        retention = QFormLayout()
        retention.addRow("Keep completed jobs for:", self.keep_hours)
        retention.addRow("Keep at most:", self.keep_count)
        retention.addRow("Keep failed jobs for:", self.keep_failed)
        retention.addRow("", self.delete_outputs)
        retention.addRow(_note("Expired jobs leave the job list by themselves. Your output files stay where "
                               "they are unless you tick the box: then an expired completed job also deletes "
                               "its output, if the file was not changed since."))
        self.tabs.addTab(self._page(retention), "Retention")

        self.options = RunOptionWidgets(settings, self, "Default output folder")
        self.country, self.accents = self.options.country, self.options.accents
        self.format, self.folder = self.options.format, self.options.folder
        folder_row = self.options.folder_row()
        defaults = QFormLayout()
        defaults.addRow("Default country:", self.country)
        defaults.addRow("", self.accents)
        defaults.addRow("Output format:", self.format)
        defaults.addRow("Output folder:", folder_row)
        defaults.addRow(_note("Phone numbers without a country code are read as numbers of the default country."))
        self.tabs.addTab(self._page(defaults), "Defaults")

        self.cluster = QCheckBox("Run large jobs on a cluster")
        self.cluster.setChecked(settings.cluster_enabled)
        self.cluster_address = QLineEdit(settings.cluster_address)
        self.cluster_address.setPlaceholderText("tcp://scheduler-host:8786")
        self.cluster_min_mb = _spin(0.0, 10_000_000.0, settings.cluster_min_mb, " MB", decimals=0)
        for widget in (self.cluster_address, self.cluster_min_mb):
            widget.setEnabled(self.cluster.isChecked())
            self.cluster.toggled.connect(widget.setEnabled)
        cluster = QFormLayout()
        cluster.addRow("", self.cluster)
        cluster.addRow("Scheduler address:", self.cluster_address)
        cluster.addRow("For input files from:", self.cluster_min_mb)
        cluster.addRow(_note("Larger files run on a Dask cluster instead of this computer, with the same output. "
                             "The workers need normdesk[cluster] at this version (docs/CLUSTER.md). A cluster "
                             "that cannot be reached fails the job; it never runs here silently."))
        self.tabs.addTab(self._page(cluster), "Cluster")

        self.s3_page = self._s3_page()
        if self.s3_page is not None:
            self.tabs.addTab(self.s3_page, "S3")
        from normdesk.gui.api_keys_page import ApiKeysPage

        from normdesk.gui.webhooks_page import WebhooksPage

        self.api_keys_page = ApiKeysPage(parent=self, settings=settings)
        self.tabs.addTab(self.api_keys_page, "API keys")
        self.webhooks_page = WebhooksPage(parent=self)
        self.tabs.addTab(self.webhooks_page, "Webhooks")

        tab_bar = self.tabs.tabBar()  # wide enough for every tab: none hides behind scroll arrows
        self.setMinimumWidth(max(520, sum(tab_bar.tabSizeHint(i).width() for i in range(self.tabs.count())) + 40))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs)
        lay.addWidget(buttons)

    @staticmethod
    def _page(form: QFormLayout) -> QWidget:
        page = QWidget()
        page.setLayout(form)
        return page

    @staticmethod
    def _s3_page() -> QWidget | None:
        """The S3 engineer's page, imported only when that module exists."""
        if importlib.util.find_spec("normdesk.gui.s3_page") is None:
            return None
        from normdesk.gui.s3_page import S3SettingsPage

        return S3SettingsPage()

    def accept(self) -> None:
        address = self.cluster_address.text().strip()
        if self.cluster.isChecked() and not address.startswith(("tcp://", "tls://")):
            QMessageBox.warning(self, "normdesk", "The cluster address must look like tcp://HOST:PORT or tls://HOST:PORT.")
            return
        folder = self.folder.text().strip()
        if folder and not Path(folder).is_dir():
            QMessageBox.warning(self, "normdesk", f"The output folder does not exist: {folder}")
            return
        super().accept()

    def settings(self) -> Settings:
        return replace(
            self._base,
            worker_concurrency=self.concurrency.value(),
            max_attempts=self.attempts.value(),
            backoff_s=self.backoff.value(),
            keep_completed_hours=self.keep_hours.value(),
            keep_completed_max=self.keep_count.value(),
            keep_failed_days=self.keep_failed.value(),
            delete_outputs=self.delete_outputs.isChecked(),
            country=self.country.country(),
            preserve_accents=self.accents.isChecked(),
            output_folder=self.folder.text().strip(),
            output_format=self.format.currentText(),
            cluster_enabled=self.cluster.isChecked(),
            cluster_address=self.cluster_address.text().strip(),
            cluster_min_mb=self.cluster_min_mb.value(),
            api_enabled=self.api_keys_page.enabled.isChecked(),
            api_port=self.api_keys_page.port.value(),
        ).checked()
