"""Render the S3 settings page offscreen to docs/screenshots/s3_settings.png.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_s3.py [OUT.png]

Uses a throwaway data folder and keyring, so nothing of the user's is read or written.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(out: Path) -> int:
    import keyring
    import keyring.backends.fail
    from keyrings.alt.file import PlaintextKeyring
    from PySide6.QtWidgets import QApplication

    with tempfile.TemporaryDirectory() as home:
        os.environ["NORMDESK_HOME"] = home
        backend = PlaintextKeyring()
        backend.file_path = str(Path(home) / "keyring.cfg")
        keyring.set_keyring(backend)

        from normdesk.gui.s3_page import S3SettingsPage
        from normdesk.sync.secrets import store_credentials
        from normdesk.sync.settings import S3Settings, save_settings

        save_settings(S3Settings("acme-contacts", "normdesk/exports", "eu-west-1", "", "both"))
        store_credentials("AKIAEXAMPLEEXAMPLE", "example-secret")
        app = QApplication.instance() or QApplication(sys.argv)
        page = S3SettingsPage()
        page._tested_ok("connected: s3://acme-contacts/normdesk/exports is reachable with these credentials")
        _grab(app, page, out)

        keyring.set_keyring(keyring.backends.fail.Keyring())
        _grab(app, S3SettingsPage(), out.with_name(out.stem + "_no_keyring.png"))
    return 0


def _grab(app, page, out: Path) -> None:
    page.resize(560, page.sizeHint().height() + 10)
    page.show()
    page.setFocus()
    app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(out))
    print(out)


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1] / "docs" / "screenshots" / "s3_settings.png"
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else default))
