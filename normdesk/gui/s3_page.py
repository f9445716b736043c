"""The S3 settings page: bucket, prefix, region, endpoint, what to upload, and the key pair.

The secret goes only to the OS keyring (never to a file); afterwards the page only says "stored in
keyring". "Test connection" runs on the Qt thread pool and answers in plain words.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from normdesk.engine.errors import NormdeskError
from normdesk.gui.tasks import run_task
from normdesk.sync.secrets import (
    NO_KEYRING_MESSAGE,
    Credentials,
    delete_credentials,
    keyring_available,
    load_credentials,
    store_credentials,
)
from normdesk.sync.settings import S3Settings, load_settings, save_settings

UPLOAD_LABELS = {
    "outputs": "Outputs only",
    "both": "Inputs and outputs",
    "inputs": "Inputs only",
    "none": "Nothing (download only)",
}
_OK, _BAD, _NOTE = "color: #1b6e20;", "color: #a31515;", "color: #8a5a00; background: #fff4d6; padding: 6px;"


class S3SettingsPage(QWidget):
    """Settings tab for the optional S3 sync. ``tested(ok, message)`` fires when a test finishes."""

    tested = Signal(bool, str)
    saved = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bucket = QLineEdit(placeholderText="my-team-bucket")
        self.prefix = QLineEdit(placeholderText="optional, e.g. contacts/normalized")
        self.region = QLineEdit(placeholderText="e.g. eu-west-1 (empty: AWS default)")
        self.endpoint = QLineEdit(placeholderText="empty for AWS; http://host:9000 for MinIO and others")
        self.upload = QComboBox()
        for value, label in UPLOAD_LABELS.items():
            self.upload.addItem(label, value)
        self.key_id = QLineEdit(placeholderText="access key id")
        self.secret = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.credentials_state = QLabel(wordWrap=True)
        self.keyring_note = QLabel(NO_KEYRING_MESSAGE[0].upper() + NO_KEYRING_MESSAGE[1:] + ".", wordWrap=True,
                                   styleSheet=_NOTE)
        self.result = QLabel(wordWrap=True)
        self.save_button = QPushButton("Save")
        self.forget_button = QPushButton("Forget credentials")
        self.test_button = QPushButton("Test connection")

        where = QGroupBox("Bucket")
        form = QFormLayout(where)
        form.addRow("Bucket", self.bucket)
        form.addRow("Prefix", self.prefix)
        form.addRow("Region", self.region)
        form.addRow("Endpoint URL", self.endpoint)
        form.addRow("Upload after a job", self.upload)

        creds = QGroupBox("Credentials (kept only in the OS keyring)")
        cform = QFormLayout(creds)
        cform.addRow("Access key id", self.key_id)
        cform.addRow("Secret access key", self.secret)
        cform.addRow("", self.credentials_state)

        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.forget_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.keyring_note)
        layout.addWidget(where)
        layout.addWidget(creds)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)

        self.save_button.clicked.connect(self.save)
        self.forget_button.clicked.connect(self.forget)
        self.test_button.clicked.connect(self.test_connection)
        self.load()

    def load(self) -> None:
        """Fill the fields from the saved settings and the keyring state."""
        try:
            s = load_settings()
        except NormdeskError as err:
            s = S3Settings()
            self._show(False, str(err))
        self.bucket.setText(s.bucket)
        self.prefix.setText(s.prefix)
        self.region.setText(s.region)
        self.endpoint.setText(s.endpoint_url)
        self.upload.setCurrentIndex(max(self.upload.findData(s.upload), 0))
        self._refresh_credentials()

    def _refresh_credentials(self) -> None:
        has_keyring = keyring_available()
        self.keyring_note.setVisible(not has_keyring)
        for widget in (self.key_id, self.secret, self.forget_button, self.test_button):
            widget.setEnabled(has_keyring)
        stored = False
        if has_keyring:
            try:
                stored = load_credentials() is not None
            except NormdeskError as err:
                self._show(False, str(err))
        self.secret.clear()
        self.key_id.clear()
        self.secret.setPlaceholderText("stored in keyring" if stored else "secret access key")
        self.key_id.setPlaceholderText("stored in keyring" if stored else "access key id")
        self.forget_button.setEnabled(stored)
        self.credentials_state.setText(
            "Stored in keyring." if stored else
            "Not stored: the AWS environment variables or ~/.aws profile are used." if has_keyring else
            "S3 is off until a keyring is available.")

    def form_settings(self) -> S3Settings:
        return S3Settings(self.bucket.text(), self.prefix.text(), self.region.text(), self.endpoint.text(),
                          self.upload.currentData()).validated()

    def _entered_credentials(self) -> Credentials | None:
        key_id, secret = self.key_id.text().strip(), self.secret.text().strip()
        if not key_id and not secret:
            return None
        if not key_id or not secret:
            raise NormdeskError("enter both the access key id and the secret access key")
        return Credentials(key_id, secret)

    def save(self) -> bool:
        """Save the settings file, and the key pair to the keyring if one was entered."""
        try:
            save_settings(self.form_settings())
            entered = self._entered_credentials()
            if entered:
                store_credentials(entered.access_key_id, entered.secret_access_key)
        except NormdeskError as err:
            self._show(False, str(err))
            return False
        self._refresh_credentials()
        self._show(True, "Saved." + (" Credentials stored in keyring." if entered else ""))
        self.saved.emit()
        return True

    def forget(self) -> None:
        try:
            delete_credentials()
        except NormdeskError as err:
            self._show(False, str(err))
            return
        self._refresh_credentials()
        self._show(True, "Credentials removed from the keyring.")

    def test_connection(self) -> None:
        """Test the bucket with the values in the form (not yet saved), off the GUI thread."""
        try:
            settings, creds = self.form_settings(), self._entered_credentials()
        except NormdeskError as err:
            self._show(False, str(err))
            self.tested.emit(False, str(err))
            return
        from normdesk.sync.client import check_connection  # boto3 is imported on first use only

        self.test_button.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText("Testing the connection...")
        run_task(check_connection, settings, creds, on_done=self._tested_ok, on_error=self._tested_bad)

    def _tested_ok(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self._show(True, message[:1].upper() + message[1:] + ".")
        self.tested.emit(True, message)

    def _tested_bad(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self._show(False, "Connection failed: " + message + ".")
        self.tested.emit(False, message)

    def _show(self, ok: bool, message: str) -> None:
        self.result.setStyleSheet(_OK if ok else _BAD)
        self.result.setText(message)
