"""Unexpected errors in the window: written to the log and shown, without a terminal."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton

from curator.app.errors import ErrorReporter, LogDialog, install_error_hooks


@pytest.fixture
def reporter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ErrorReporter]:
    monkeypatch.setenv("CURATOR_LOG_DIR", str(tmp_path / "logs"))
    hooks = install_error_hooks()
    yield hooks
    hooks.uninstall()
    for box in list(hooks.dialogs):
        box.close()


def log_text(tmp_path: Path) -> str:
    return (tmp_path / "logs" / "curator.log").read_text(encoding="utf-8")


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_shown(qtbot, reporter: ErrorReporter,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    button = QPushButton("Go")
    qtbot.addWidget(button)

    def broken() -> None:
        raise ValueError("the widget broke")

    button.clicked.connect(broken)
    button.click()
    qtbot.waitUntil(lambda: bool(reporter.dialogs), timeout=5_000)
    box = reporter.dialogs[0]
    assert box.accessibleName() == "Unexpected error"
    assert "ValueError: the widget broke" in box.text()
    assert str(tmp_path / "logs" / "curator.log") in box.informativeText()
    assert "Traceback" in box.detailedText()
    assert box.isVisible() and not box.isModal()     # the window stays usable
    text = log_text(tmp_path)
    assert "ValueError: the widget broke" in text and "in broken" in text
    box.close()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_thread_is_logged_and_shown_on_the_ui_thread(  # type: ignore[no-untyped-def]
        qtbot, reporter: ErrorReporter, tmp_path: Path) -> None:
    def broken() -> None:
        raise RuntimeError("the worker broke")

    thread = threading.Thread(target=broken, name="helper")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(reporter.dialogs), timeout=5_000)
    assert "RuntimeError: the worker broke" in reporter.dialogs[0].text()
    assert "in thread helper" in log_text(tmp_path)


def test_show_log_shows_the_end_of_the_log(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CURATOR_LOG_DIR", str(tmp_path))
    dialog = LogDialog()
    qtbot.addWidget(dialog)
    assert "Nothing has been logged" in dialog.text.toPlainText()
    (tmp_path / "curator.log").write_text("x" * 300_000 + "\nthe latest problem\n")
    dialog = LogDialog()
    qtbot.addWidget(dialog)
    shown = dialog.text.toPlainText()
    assert shown.endswith("the latest problem\n") and len(shown) < 210_000


def test_help_show_log_opens_the_log(qtbot, window, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CURATOR_LOG_DIR", str(tmp_path))
    (tmp_path / "curator.log").write_text("2026 ERROR Unexpected error\nTraceback ...\n")
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    action = next(a for a in help_menu.actions() if a.text() == "Show &log")
    action.trigger()
    qtbot.waitUntil(window.log_dialog.isVisible)
    assert "Unexpected error" in window.log_dialog.text.toPlainText()
    window.log_dialog.close()
