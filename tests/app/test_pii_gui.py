"""The personal-data workflow in the window: scan, queue, highlight, decide, undo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import presidio_analyzer  # noqa: F401  (required: a missing one fails the run)
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCursor

from curator.app.pii_view import PII_COLORS
from curator.core.checks.models import ModelCache
from curator.core.checks.pii import PiiSettings
from curator.core.store import Store


@pytest.fixture
def pii_window(qtbot, window, wait_idle, demo_project: Path, pii_analyzer):  # type: ignore[no-untyped-def]
    """The window on the demo project after a scan for personal data."""
    window.models = ModelCache(pii_analyzer=pii_analyzer, pii_settings=PiiSettings())
    assert window.open_project(demo_project)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.pii_queue
    wait_idle(window)
    return window


def rows(window: Any) -> list[dict[str, Any]]:
    return list(window.pii_queue.model.items)


def status_of(project: Path, finding_id: int) -> tuple[str, Any]:
    with Store.open(project) as store:
        row = store.db.execute(
            "SELECT status, json_extract(detail, '$.confirmed') FROM findings WHERE id = ?",
            (finding_id,)).fetchone()
    return row[0], row[1]


def select(window: Any, predicate: Any) -> dict[str, Any]:
    items = rows(window)
    row = next(i for i, item in enumerate(items) if predicate(item))
    window.pii_queue.select(row)
    window.pii_queue.table.setFocus()
    return items[row]


def test_scan_fills_the_queue_and_spans_are_highlighted_by_type(
        qtbot, pii_window, wait_idle) -> None:  # type: ignore[no-untyped-def]
    items = rows(pii_window)
    codes = {item["code"] for item in items}
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "PERSON"} <= codes
    assert "to review" in pii_window.pii_queue.summary.text()
    email = select(pii_window, lambda i: i["code"] == "EMAIL_ADDRESS")
    qtbot.keyClick(pii_window.pii_queue.table, Qt.Key.Key_Return)
    assert pii_window.tabs.currentIndex() == 0
    assert pii_window.current_id == email["record_id"]
    bubble = pii_window.record_view.bubble(email["message"])
    assert bubble is not None
    cursor = QTextCursor(bubble.text_view.document())
    cursor.setPosition(email["start"] + 1)
    background = cursor.charFormat().background().color()
    expected = QColor(PII_COLORS["EMAIL_ADDRESS"])
    assert (background.red(), background.green(), background.blue()) == (
        expected.red(), expected.green(), expected.blue())
    cursor.setPosition(max(0, email["start"] - 2))
    assert cursor.charFormat().background().color().alpha() in (0, 255) and \
        cursor.charFormat().background().style() == Qt.BrushStyle.NoBrush


def test_dismiss_by_key_then_undo(qtbot, pii_window, wait_idle,
                                  demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    before = len(rows(pii_window))
    item = select(pii_window, lambda i: i["code"] == "PHONE_NUMBER")
    qtbot.keyClick(pii_window.pii_queue.table, Qt.Key.Key_D)
    wait_idle(pii_window)
    assert status_of(demo_project, item["id"])[0] == "dismissed"
    assert len(rows(pii_window)) == before - 1
    assert item["id"] not in {i["id"] for i in rows(pii_window)}
    pii_window.undo_stack.undo()
    wait_idle(pii_window)
    assert status_of(demo_project, item["id"])[0] == "open"


def test_confirm_takes_it_off_the_queue_but_keeps_it_open(
        qtbot, pii_window, wait_idle, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    item = select(pii_window, lambda i: i["code"] == "CREDIT_CARD")
    qtbot.keyClick(pii_window.pii_queue.table, Qt.Key.Key_C)
    wait_idle(pii_window)
    assert status_of(demo_project, item["id"]) == ("open", 1)
    assert item["id"] not in {i["id"] for i in rows(pii_window)}
    assert "1 confirmed" in pii_window.pii_queue.summary.text()


def test_allow_list_suppresses_the_text_everywhere_with_undo(
        qtbot, pii_window, wait_idle, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    text = "Acme Cloud's"
    same = [i["id"] for i in rows(pii_window) if i["text"] == text]
    assert len(same) > 10  # the system prompt of every record
    select(pii_window, lambda i: i["text"] == text)
    qtbot.keyClick(pii_window.pii_queue.table, Qt.Key.Key_W)
    wait_idle(pii_window)
    assert all(status_of(demo_project, i)[0] == "dismissed" for i in same)
    assert text not in {i["text"] for i in rows(pii_window)}
    with Store.open(demo_project) as store:
        assert store.setting("pii")["allow_list"] == [text]
    pii_window.undo_stack.undo()
    wait_idle(pii_window)
    assert all(status_of(demo_project, i)[0] == "open" for i in same)
    with Store.open(demo_project) as store:
        assert store.setting("pii")["allow_list"] == []


def test_redact_in_the_record_with_undo(qtbot, pii_window, wait_idle,
                                        demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    item = select(pii_window, lambda i: i["code"] == "EMAIL_ADDRESS")
    qtbot.keyClick(pii_window.pii_queue.table, Qt.Key.Key_X)
    wait_idle(pii_window)

    def message() -> str:
        with Store.open(demo_project) as store:
            row = store.db.execute("SELECT conversation, revision FROM records WHERE id = ?",
                                   (item["record_id"],)).fetchone()
        return json.loads(row[0])["messages"][item["message"]]["content"], row[1]

    text, revision = message()
    assert "<EMAIL_ADDRESS>" in text and item["text"] not in text and revision == 1
    assert status_of(demo_project, item["id"])[0] == "resolved"
    pii_window.undo_stack.undo()
    wait_idle(pii_window)
    text, revision = message()
    assert item["text"] in text and revision == 2  # the undo is itself a revision
    assert status_of(demo_project, item["id"])[0] == "open"


def test_record_view_buttons_act_on_the_chosen_finding(
        qtbot, pii_window, wait_idle, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    item = select(pii_window, lambda i: i["code"] == "PHONE_NUMBER")
    pii_window.pii_queue.open_current()
    view = pii_window.record_view
    # opened from the queue, the span's finding is the chosen one
    assert (view.chosen_finding() or {}).get("id") == item["id"]
    assert view.finding_buttons["redact"].isVisible()
    qtbot.waitUntil(lambda: view.finding_buttons["dismiss"].height() > 0)  # laid out
    qtbot.mouseClick(view.finding_buttons["dismiss"], Qt.MouseButton.LeftButton)
    wait_idle(pii_window)
    assert status_of(demo_project, item["id"])[0] == "dismissed"
    row = next(r for r in range(view.findings.count())
               if (view.findings.item(r).data(Qt.ItemDataRole.UserRole) or {}).get("id")
               == item["id"])
    view.findings.setCurrentRow(row)
    assert view.finding_buttons["reopen"].isEnabled()
    qtbot.mouseClick(view.finding_buttons["reopen"], Qt.MouseButton.LeftButton)
    wait_idle(pii_window)
    assert status_of(demo_project, item["id"])[0] == "open"


def test_without_a_model_the_window_says_patterns_only(
        qtbot, window, wait_idle, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    with Store.open(demo_project) as store:
        store.set_setting("pii", {"model": "no_such_spacy_model"})
    assert window.open_project(demo_project)
    wait_idle(window)
    window.run_pii_scan()
    wait_idle(window)
    banner = window.pii_queue.banner
    assert not banner.isHidden() and "only patterns" in banner.text()
    assert "no_such_spacy_model" in banner.text()
    codes = {f["code"] for f in window.store.findings(kind="pii")}
    assert "EMAIL_ADDRESS" in codes and "PERSON" not in codes


def test_settings_dialog_saves_the_project_setting(qtbot, window, wait_idle,
                                                   demo_project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from curator.app.pii_settings import PiiSettingsDialog

    assert window.open_project(demo_project)
    wait_idle(window)

    def fake_exec(dialog) -> int:  # type: ignore[no-untyped-def]
        dialog.model.setText("en_core_web_lg")
        dialog.threshold.setValue(0.7)
        dialog.allow.setPlainText("Acme Cloud\n\nAcme Cloud's")
        for i in range(dialog.types.count()):
            if dialog.types.item(i).data(Qt.ItemDataRole.UserRole) == "ORGANIZATION":
                dialog.types.item(i).setCheckState(Qt.CheckState.Checked)
        return PiiSettingsDialog.DialogCode.Accepted

    monkeypatch.setattr(PiiSettingsDialog, "exec", fake_exec)
    window.pii_queue.settings_button.click()
    wait_idle(window)
    with Store.open(demo_project) as store:
        saved = store.setting("pii")
    assert saved["model"] == "en_core_web_lg" and saved["threshold"] == 0.7
    assert saved["allow_list"] == ["Acme Cloud", "Acme Cloud's"]
    assert "ORGANIZATION" in saved["entities"] and "PERSON" in saved["entities"]
