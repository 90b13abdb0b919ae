"""Fixtures for GUI tests: a window on a fresh demo project, settings kept in tmp."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from curator.core.demo import build_demo
from curator.core.jobs import run_job

# Qt's offscreen platform has one 800x600 screen unless told otherwise: give it the two
# screens the layout tests place the window on (a laptop's and a desktop's). Read when
# the QApplication starts, after every conftest has been loaded.
SCREENS = Path(__file__).resolve().parent / "screens.json"
if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS}"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def demo_project(tmp_path: Path) -> Path:
    path, _ = build_demo(tmp_path / "demo.curator", run_job, kinds=("schema",))
    return path


@pytest.fixture
def bare_project(tmp_path: Path) -> Path:
    """The demo project without its sample labels (no label schema)."""
    path, _ = build_demo(tmp_path / "bare.curator", run_job, kinds=("schema",), labels=False)
    return path


@pytest.fixture
def make_window(qtbot, settings: QSettings) -> Iterator:  # type: ignore[no-untyped-def]
    """Opens the main window, given its arguments (e.g. ``models=``); closes it after."""
    from curator.app.main_window import MainWindow

    made: list[MainWindow] = []

    def _make(**kwargs):  # type: ignore[no-untyped-def]
        win = MainWindow(settings, annotator="tester", **kwargs)
        made.append(win)
        qtbot.addWidget(win)
        win.show()
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=5_000)  # shortcuts need an active window
        return win

    yield _make
    for win in made:
        win.runner.cancel()
        win.runner.wait()
        # Destroy the window now: a closed but living window keeps its shortcuts, and
        # the next test's key presses would be ambiguous.
        win.close()
        win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def window(make_window):  # type: ignore[no-untyped-def]
    return make_window()


@pytest.fixture
def wait_idle(qtbot):  # type: ignore[no-untyped-def]
    """Wait until a window's background jobs have all finished."""

    def _wait(win) -> None:  # type: ignore[no-untyped-def]
        qtbot.waitUntil(lambda: not win.runner.busy, timeout=60_000)

    return _wait


class Questions:
    """Answers the window's questions (``widgets.ask``) and remembers what was asked."""

    def __init__(self) -> None:
        self.answer = "Cancel"
        self.asked: list[str] = []


@pytest.fixture
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    """Every question box is answered by clicking its button ``questions.answer``."""
    from PySide6.QtWidgets import QMessageBox

    answers = Questions()

    def fake_exec(box: QMessageBox) -> int:
        answers.asked.append(f"{box.text()}\n{box.informativeText()}")
        button = next(b for b in box.buttons() if b.text() == answers.answer)
        button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return answers
