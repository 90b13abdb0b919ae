"""The window fits its screen with every panel open, at 1280x800 and at 1920x1080 (issue 20:
it widened itself as panels opened, 1280 → 1947 px on a 1600 px screen).

The screens come from tests/app/screens.json (the offscreen platform, see conftest.py).
Long file names, keys and option names are what made it grow, so the project has them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from curator.core.demo import build_demo
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.labeling import schema
from curator.core.store import Store

SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080)}
LONG_FILE = "a-real-users-export-2024-05-01-final-v2-with-a-rather-long-name-indeed.jsonl"
LONG_KEY = "conversation-with-an-extremely-long-identifier-0001-abcdefghijklmnop"
LONG_OPTIONS = ["Partially helpful, but incomplete and somewhat vague about the next step",
                "Completely wrong and misleading for the customer", "fine"]


def screen_sized(size: tuple[int, int]) -> QScreen:
    for screen in QGuiApplication.screens():
        if (screen.geometry().width(), screen.geometry().height()) == size:
            return screen
    pytest.fail(f"no {size[0]}x{size[1]} screen: run under QT_QPA_PLATFORM=offscreen, "
                "which tests/app/conftest.py gives the screens of screens.json")


@pytest.fixture
def long_names(tmp_path: Path) -> Path:
    """The demo project, plus a file, a key and a label field with long names."""
    project, _ = build_demo(tmp_path / "demo.curator", run_job)
    data = tmp_path / LONG_FILE
    data.write_text(json.dumps({"id": LONG_KEY, "messages": [
        {"role": "user", "content": "Who are you?"},
        {"role": "assistant", "content": "I am {{name}}, developed by {{author}}."}]}) + "\n")
    with Store.open(project) as store:
        run_job(import_files(store, [data], actor="t"))
        schema.add_field(store, "how_helpful_was_the_answer_for_the_customer", "single",
                         LONG_OPTIONS, description="Read the whole answer first. " * 4)
    return project


@pytest.fixture(params=list(SIZES))
def placed(request: pytest.FixtureRequest, qtbot, settings: QSettings  # type: ignore[no-untyped-def]
           ) -> Iterator[tuple[QWidget, QScreen]]:
    """A window opened on a screen of the given size, as a user would open it there."""
    from curator.app.main_window import MainWindow

    screen = screen_sized(SIZES[request.param])
    win = MainWindow(settings, annotator="tester")
    qtbot.addWidget(win)
    win.setScreen(screen)
    win.move(screen.availableGeometry().topLeft())
    win.show()
    qtbot.waitExposed(win)
    qtbot.wait(20)  # the window settles on its screen (MainWindow.keep_on_screen)
    yield win, screen
    win.runner.cancel()
    win.runner.wait()
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def assert_on_screen(win: QWidget, screen: QScreen, where: str) -> None:
    room, frame = screen.availableGeometry(), win.frameGeometry()
    assert frame.width() <= room.width(), f"{where}: {frame.width()} px wide on {room}"
    assert frame.height() <= room.height(), f"{where}: {frame.height()} px high on {room}"
    assert win.minimumSizeHint().width() <= room.width(), where


def fully_visible(widget: QWidget) -> bool:
    """Shown, and not clipped by any parent (a dock, a scroll area, the window)."""
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def across_inside(widget: QWidget, container: QWidget) -> bool:
    """Whether ``widget`` is within ``container`` from left to right (it may be scrolled
    out of view up or down, as the fields of a tall panel are)."""
    left = widget.mapTo(container.window(), widget.rect().topLeft()).x()
    right = widget.mapTo(container.window(), widget.rect().topRight()).x()
    box_left = container.mapTo(container.window(), container.rect().topLeft()).x()
    box_right = container.mapTo(container.window(), container.rect().topRight()).x()
    return box_left <= left and right <= box_right


def settle(qtbot, win, wait_idle) -> None:  # type: ignore[no-untyped-def]
    wait_idle(win)
    qtbot.wait(30)
    QApplication.processEvents()


def test_every_panel_open_fits_the_screen(qtbot, placed, wait_idle, long_names: Path
                                          ) -> None:  # type: ignore[no-untyped-def]
    win, screen = placed
    assert_on_screen(win, screen, "at the start")
    assert win.open_project(long_names)
    settle(qtbot, win, wait_idle)
    assert_on_screen(win, screen, "project open")
    keys = [win.model.row_data(r)["key"] for r in range(win.model.rowCount())]
    win.select_row(keys.index(LONG_KEY))
    win.toggle_labeling()
    settle(qtbot, win, wait_idle)
    assert win.label_dock.isVisible()
    assert_on_screen(win, screen, "labelling panel open")
    for index in range(win.tabs.count()):
        win.tabs.setCurrentIndex(index)
        settle(qtbot, win, wait_idle)
        assert_on_screen(win, screen, f"tab {win.tabs.tabText(index)}")
    win.tabs.setCurrentIndex(0)
    settle(qtbot, win, wait_idle)
    assert_on_screen(win, screen, "back on Records")
    assert win.search.width() >= 150                     # not squeezed to "S…"
    panel = win.labeling
    assert fully_visible(panel.next_button)
    for box in panel.boxes:
        for button in box.buttons.values():
            assert across_inside(button, panel.scroll.viewport()), button.text()
            assert across_inside(button, win.label_dock), button.text()
    room = screen.availableGeometry()
    win.resize(room.width() * 3 // 4, room.height() * 3 // 4)  # the user makes it smaller
    settle(qtbot, win, wait_idle)
    assert fully_visible(panel.next_button)
    assert fully_visible(win.record_view.key_label)


def test_agreement_columns_are_not_cut(qtbot, placed, wait_idle, long_names: Path
                                       ) -> None:  # type: ignore[no-untyped-def]
    win, screen = placed
    assert win.open_project(long_names)
    settle(qtbot, win, wait_idle)
    keys = [win.model.row_data(r)["key"] for r in range(win.model.rowCount())]
    win.select_row(keys.index(LONG_KEY))       # the long names are what widened it
    win.toggle_labeling()
    settle(qtbot, win, wait_idle)
    win.tabs.setCurrentWidget(win.agreement_tab)
    settle(qtbot, win, wait_idle)
    right = screen.availableGeometry().right()
    for table in (win.agreement_view.fields, win.agreement_view.annotators):
        header = table.horizontalHeader()
        used = sum(header.sectionSize(c) for c in range(header.count()))
        assert used <= table.viewport().width(), table.accessibleName()
        viewport = table.viewport()
        assert viewport.mapToGlobal(viewport.rect().topRight()).x() <= right  # on screen


def test_dashboard_code_labels_are_whole_where_there_is_room(
        qtbot, placed, wait_idle, long_names: Path) -> None:  # type: ignore[no-untyped-def]
    win, _screen = placed
    assert win.open_project(long_names)
    settle(qtbot, win, wait_idle)
    win.tabs.setCurrentIndex(1)
    settle(qtbot, win, wait_idle)
    codes = ["last_message_not_assistant", "example_without_user_message",
             "unfilled_placeholder"]
    win.dashboard.show_data({**win.dashboard._data, "top_codes": [
        {"kind": "schema", "code": code, "severity": "warning", "count": 3 + n}
        for n, code in enumerate(codes)], "codes": 3})
    qtbot.wait(200)  # labels are drawn again once the size settles
    (axis,) = [a for a in win.dashboard.codes_chart.axes() if hasattr(a, "categories")]
    assert sorted(axis.categories()) == sorted(codes)


def test_an_empty_label_schema_shows_its_whole_hint(qtbot, placed, wait_idle,
                                                    bare_project: Path) -> None:  # type: ignore[no-untyped-def]
    from curator.app.label_setup import SchemaDialog

    win, screen = placed
    assert win.open_project(bare_project)
    settle(qtbot, win, wait_idle)
    dialog = SchemaDialog(win.store, "tester", win, submit=win.submit_op)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    (hint,) = [label for label in dialog.findChildren(QLabel)
               if label.text().startswith("A field is one question")]
    assert hint.isVisible()
    assert hint.height() >= hint.heightForWidth(hint.width())   # no line cut off
    room = screen.availableGeometry()
    assert dialog.frameGeometry().width() <= room.width()
    assert dialog.frameGeometry().height() <= room.height()
    dialog.close()
