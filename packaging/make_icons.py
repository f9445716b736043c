"""Draw the app icon with QPainter and write resources/icons/: normdesk.png (512 px),
normdesk.ico (Windows, 16-256 px) and normdesk.icns (macOS, 16-1024 px).

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py

ICO and ICNS both hold PNG images behind a small index, written here with ``struct`` (no
Pillow, no iconutil needed). The icon: a blue rounded square, a white card of table rows, the
last one checked, in plain shapes (no font, so it draws the same everywhere).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath, QPen  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import branding  # noqa: E402

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS types holding PNG data: (type, pixel size)
ICNS_TYPES = (("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128), ("ic08", 256), ("ic09", 512),
              ("ic10", 1024), ("ic11", 32), ("ic12", 64), ("ic13", 256), ("ic14", 512))


def draw(size: int) -> QImage:
    """The icon at ``size`` x ``size`` pixels, drawn in a 100-unit square."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 100, size / 100)
    gradient = QLinearGradient(0, 0, 0, 100)
    gradient.setColorAt(0, QColor("#2f80ed"))
    gradient.setColorAt(1, QColor("#1b4f9c"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(gradient)
    p.drawRoundedRect(QRectF(4, 4, 92, 92), 20, 20)
    p.setBrush(QColor("#ffffff"))
    p.drawRoundedRect(QRectF(18, 20, 64, 60), 8, 8)
    for i, width in enumerate((44, 36, 40)):
        p.setBrush(QColor("#9db9e6" if i < 2 else "#1b4f9c"))
        p.drawRoundedRect(QRectF(26, 30 + i * 14, width, 7), 3.5, 3.5)
    p.setBrush(QColor("#27ae60"))
    p.drawEllipse(QPointF(74, 72), 17, 17)
    tick = QPainterPath(QPointF(66, 72))
    tick.lineTo(72, 78)
    tick.lineTo(83, 65)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor("#ffffff"), 4.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    p.drawPath(tick)
    p.end()
    return image


def png_bytes(size: int) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    draw(size).save(buffer, "PNG")
    return bytes(data.data())


def ico_bytes(sizes: tuple[int, ...] = ICO_SIZES) -> bytes:
    """An ICO file of PNG images (Windows Vista and later read PNG entries)."""
    images = [png_bytes(s) for s in sizes]
    offset = 6 + 16 * len(images)
    header = struct.pack("<HHH", 0, 1, len(images))
    entries = b""
    for size, data in zip(sizes, images):
        side = size % 256  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return header + entries + b"".join(images)


def icns_bytes(types: tuple[tuple[str, int], ...] = ICNS_TYPES) -> bytes:
    """An ICNS file of PNG entries (what ``iconutil`` writes from an .iconset)."""
    body = b"".join(
        kind.encode("ascii") + struct.pack(">I", 8 + len(data)) + data
        for kind, data in ((kind, png_bytes(size)) for kind, size in types)
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (QImage text/paint needs it)
    icons = branding.load()["icons"]
    Path(icons["png"]).parent.mkdir(parents=True, exist_ok=True)
    Path(icons["png"]).write_bytes(png_bytes(512))
    Path(icons["ico"]).write_bytes(ico_bytes())
    Path(icons["icns"]).write_bytes(icns_bytes())
    for path in icons.values():
        print(f"wrote {path} ({Path(path).stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
