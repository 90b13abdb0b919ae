"""Start the GUI: `curator gui`, `curator-gui`, `curator demo`, and `--screenshot`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from curator import __version__
from curator.app.errors import install_error_hooks
from curator.app.main_window import MainWindow
from curator.app.user import ask_user_name
from curator.core.identity import chosen_actor
from curator.core.resources import resources_dir


def has_display() -> bool:
    """Whether a window can be shown (always on Windows and macOS)."""
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("Curator")
        app.setOrganizationName("Curator")
        app.setApplicationVersion(__version__)
        icon = resources_dir() / "icons" / "curator.svg"
        if icon.exists():
            app.setWindowIcon(QIcon(str(icon)))
        style = resources_dir() / "style.qss"
        if style.exists():
            app.setStyleSheet(style.read_text())
    assert isinstance(app, QApplication)
    return app


def ask_annotator(window: MainWindow, settings: QSettings) -> None:
    """At the first start, ask once for the name that goes into the audit trail."""
    if chosen_actor(None, str(settings.value("annotator", "") or "")) is not None:
        return  # CURATOR_USER or a name saved before: nothing to ask
    name = ask_user_name(window)
    if name:
        window.set_user(name)


def wait_until_idle(window: MainWindow, timeout_ms: int = 120_000) -> None:
    """Process events until the window's background jobs are done."""
    loop = QEventLoop()
    timer = QTimer(interval=50)
    timer.timeout.connect(lambda: None if window.runner.busy else loop.quit())
    timer.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    timer.stop()


def run_gui(project: Path | None = None, screenshot: Path | None = None,
            annotator: str | None = None, find_pii: bool = False) -> int:
    """Open the main window (on ``project``); with ``screenshot``, save it and exit.

    ``find_pii``: start a scan for personal data once the window is up (the demo).
    """
    app = application()
    # No terminal in the bundled app: unexpected errors go to a dialog and the log.
    window: MainWindow | None = None
    install_error_hooks(lambda: window)
    settings = QSettings("Curator", "Curator")
    window = MainWindow(settings, annotator or "")
    window.show()
    if screenshot is not None:
        if project is not None and not window.open_project(project):
            return 1
        if project is not None and find_pii:
            window.run_pii_scan()
        wait_until_idle(window)
        app.processEvents()
        window.grab().save(str(screenshot))
        window.close()
        return 0
    if not annotator:
        ask_annotator(window, settings)  # first: a project created next is theirs
    if project is not None and window.projects.open_or_create(project) and find_pii:
        window.run_pii_scan()
    return app.exec()


def main() -> None:
    """The ``curator-gui`` launcher."""
    project = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    sys.exit(run_gui(project))
