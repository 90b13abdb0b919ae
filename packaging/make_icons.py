"""Render the icon set from resources/icons/curator.svg (the one source of the icon).

    python packaging/make_icons.py OUTDIR

writes OUTDIR/hicolor/<N>x<N>/apps/<APP_ID>.png for the freedesktop sizes,
OUTDIR/hicolor/scalable/apps/<APP_ID>.svg, and OUTDIR/curator.png (256 px),
OUTDIR/curator.ico (Windows) and OUTDIR/curator.icns (macOS) where Qt can write them
(PyInstaller turns curator.png into either with Pillow otherwise). Uses Qt's
QSvgRenderer, offscreen: no display needed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

APP_ID = "io.github.curator.Curator"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "curator.svg"


def render(renderer, size: int):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main(outdir: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImageWriter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"{SVG} is not a valid SVG file.", file=sys.stderr)
        return 1
    hicolor = outdir / "hicolor"
    for size in SIZES:
        folder = hicolor / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(folder / f"{APP_ID}.png"), "PNG"):
            print(f"Could not write the {size} px icon.", file=sys.stderr)
            return 1
    scalable = hicolor / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SVG, scalable / f"{APP_ID}.svg")
    render(renderer, 256).save(str(outdir / "curator.png"), "PNG")
    formats = {bytes(f).decode() for f in QImageWriter.supportedImageFormats()}
    if "ico" in formats:  # Windows: one file with several sizes is best; 256 px works
        render(renderer, 256).save(str(outdir / "curator.ico"), "ICO")
    if "icns" in formats:
        render(renderer, 512).save(str(outdir / "curator.icns"), "ICNS")
    print(f"Icons written to {outdir}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
