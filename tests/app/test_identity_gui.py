"""Who is acting, in the window: the name given at the first start, and File → Change user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtWidgets import QApplication, QInputDialog

from curator.app import launch
from curator.app.main_window import MainWindow
from curator.core.store import Store
from curator.core.store.review import last_event


@pytest.fixture(autouse=True)
def nobody_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURATOR_USER", raising=False)


def answer(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """Make the name dialog answer ``name``; returns the prompts it was shown."""
    asked: list[str] = []

    def get_text(parent, title, label, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(title)
        return name, True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    return asked


@pytest.fixture
def first_start(qtbot, settings: QSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """A window as `curator-gui` makes it the first time: no name given, none saved."""
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.runner.cancel()
    win.runner.wait()
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def actors_since(project: Path, event_id: int) -> set[tuple[str, str]]:
    with Store.open(project) as store:
        return set(store.db.execute(
            "SELECT action, actor FROM events WHERE id > ?", (event_id,)))


def newest(project: Path) -> int:
    with Store.open(project) as store:
        return last_event(store)


def review_and_label(qtbot, win: MainWindow, wait_idle) -> None:  # type: ignore[no-untyped-def]
    win.select_row(0)
    qtbot.keyClick(win.table, Qt.Key.Key_A)          # accept (and move on)
    wait_idle(win)
    win.select_row(0)
    qtbot.keyClick(win.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(win.labeling, "1")                # the first option of the first field
    wait_idle(win)


def test_the_name_typed_at_the_first_start_is_in_every_event(  # type: ignore[no-untyped-def]
        qtbot, first_start: MainWindow, settings: QSettings, wait_idle, monkeypatch,
        demo_project: Path) -> None:
    asked = answer(monkeypatch, "alice")
    launch.ask_annotator(first_start, settings)
    assert asked == ["Welcome to Curator"]
    since = newest(demo_project)
    assert first_start.open_project(demo_project)    # File → Open after the welcome
    wait_idle(first_start)
    review_and_label(qtbot, first_start, wait_idle)
    events = actors_since(demo_project, since)
    assert {"review", "label"} <= {action for action, _ in events}
    assert {actor for _, actor in events} == {"alice"}
    assert settings.value("annotator") == "alice"


def test_the_name_is_asked_only_once(qtbot, settings: QSettings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.setValue("annotator", "alice")
    asked = answer(monkeypatch, "mallory")
    win = MainWindow(settings)
    qtbot.addWidget(win)
    launch.ask_annotator(win, settings)
    assert asked == [] and win.user == "alice"


def test_curator_user_names_the_window_without_asking(qtbot, settings: QSettings,  # type: ignore[no-untyped-def]
                                                      monkeypatch) -> None:
    monkeypatch.setenv("CURATOR_USER", "carol")
    asked = answer(monkeypatch, "mallory")
    win = MainWindow(settings)
    qtbot.addWidget(win)
    launch.ask_annotator(win, settings)
    assert asked == [] and win.user == "carol"


def test_changing_the_user_names_the_events_that_follow(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, settings: QSettings, wait_idle, monkeypatch,
        demo_project: Path) -> None:
    assert window.open_project(demo_project)
    wait_idle(window)
    asked = answer(monkeypatch, "  bob ")
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    assert window.user_action in file_menu.actions()
    window.user_action.trigger()                     # File → Change user…
    assert asked == ["Change user"]
    assert window.user == window.annotator == "bob"
    assert window.labeling.annotator == "bob" and window.adjudication.adjudicator == "bob"
    assert settings.value("annotator") == "bob"      # and at the next start
    since = newest(demo_project)
    review_and_label(qtbot, window, wait_idle)
    events = actors_since(demo_project, since)
    assert {"review", "label"} <= {action for action, _ in events}
    assert {actor for _, actor in events} == {"bob"}
