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
def pii_window(qtbot, make_window, wait_idle, demo_project: Path, pii_analyzer):  # type: ignore[no-untyped-def]
    """The window on the demo project after a scan for personal data."""
    window = make_window(models=ModelCache(pii_analyzer=pii_analyzer,
                                           pii_settings=PiiSettings()))
    assert window.open_project(demo_project)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.pii_queue
    wait_idle(window)
    return window


def groups(window: Any) -> list[dict[str, Any]]:
    return list(window.pii_queue.model.items)


def occurrences(window: Any) -> list[dict[str, Any]]:
    return list(window.pii_queue.occurrences.items)


def status_of(project: Path, finding_id: int) -> tuple[str, Any]:
    with Store.open(project) as store:
        row = store.db.execute(
            "SELECT status, json_extract(detail, '$.confirmed') FROM findings WHERE id = ?",
            (finding_id,)).fetchone()
    return row[0], row[1]


def select(window: Any, predicate: Any) -> dict[str, Any]:
    """Choose the first group matching ``predicate`` (keyboard focus on the groups)."""
    items = groups(window)
    row = next(i for i, item in enumerate(items) if predicate(item))
    window.pii_queue.select(row)
    window.pii_queue.table.setFocus()
    return items[row]


def ctrl_click(qtbot, table: Any, row: int) -> None:  # type: ignore[no-untyped-def]
    index = table.model().index(row, 2)
    table.scrollTo(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, table.visualRect(index).center())


def test_the_queue_shows_one_group_per_text_and_type_riskiest_first(
        qtbot, pii_window, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    items = groups(pii_window)
    with Store.open(demo_project) as store:
        spans = store.findings(kind="pii")
    assert len(items) == len({(f["text"], f["code"]) for f in spans}) < len(spans)
    system = next(g for g in items if g["text"] == "Acme Cloud's")  # in every system prompt
    assert system["spans"] == system["records"] > 10
    tiers = ["identifier", "contextual", "public"]
    ranks = [tiers.index(g["tier"]) for g in items]
    assert ranks == sorted(ranks) and ranks[0] == 0
    model = pii_window.pii_queue.model
    row = items.index(system)
    assert [model.data(model.index(row, c)) for c in range(5)] == [
        "public", "PERSON", "Acme Cloud's", f"{system['spans']:,}", f"{system['records']:,}"]
    assert QColor(model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole)) != QColor(
        model.data(model.index(row, 0), Qt.ItemDataRole.DecorationRole))
    legend = pii_window.pii_queue.legend
    assert legend.isVisible() and "public</b>: kept unless you confirm" in legend.text()
    assert "groups shown" in pii_window.pii_queue.summary.text()


def test_a_group_lists_its_occurrences_and_enter_opens_the_span(
        qtbot, pii_window) -> None:  # type: ignore[no-untyped-def]
    group = select(pii_window, lambda g: g["code"] == "EMAIL_ADDRESS")
    found = occurrences(pii_window)
    assert sorted(o["id"] for o in found) == group["ids"]
    assert all(group["text"] in o["snippet"] and o["record"] for o in found)
    assert group["text"] in pii_window.pii_queue.occurrence_title.text()
    email = found[0]
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


def test_dismissing_several_groups_is_one_undo_step(
        qtbot, pii_window, wait_idle, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    queue = pii_window.pii_queue
    first = select(pii_window, lambda g: g["text"] == "Acme Cloud's")
    other = next(g for g in groups(pii_window) if g["code"] == "LOCATION")
    ctrl_click(qtbot, queue.table, groups(pii_window).index(other))
    assert {g["text"] for g in queue.selected()} == {first["text"], other["text"]}
    steps = pii_window.undo_stack.count()
    queue.table.setFocus()
    qtbot.keyClick(queue.table, Qt.Key.Key_D)
    wait_idle(pii_window)
    ids = first["ids"] + other["ids"]
    assert all(status_of(demo_project, i)[0] == "dismissed" for i in ids)
    assert {(first["text"], first["code"]), (other["text"], other["code"])}.isdisjoint(
        (g["text"], g["code"]) for g in groups(pii_window))
    assert pii_window.undo_stack.count() == steps + 1
    pii_window.undo_stack.undo()
    wait_idle(pii_window)
    assert all(status_of(demo_project, i)[0] == "open" for i in ids)
    back = {(g["text"], g["code"]): g["spans"] for g in groups(pii_window)}
    assert back[(first["text"], first["code"])] == first["spans"]
    assert (other["text"], other["code"]) in back


def test_showing_all_a_decided_group_stays_and_its_occurrences_say_so(
        qtbot, pii_window, wait_idle) -> None:  # type: ignore[no-untyped-def]
    queue = pii_window.pii_queue
    queue.show_filter.setCurrentIndex(queue.show_filter.findData("all"))
    queue.show_filter.activated.emit(queue.show_filter.currentIndex())
    wait_idle(pii_window)
    group = select(pii_window, lambda g: g["code"] == "PHONE_NUMBER")
    assert all(o["status"] == "open" for o in occurrences(pii_window))
    qtbot.keyClick(queue.table, Qt.Key.Key_D)
    wait_idle(pii_window)
    assert queue.current_group() == (group["text"], group["code"])  # still chosen
    assert [o["status"] for o in occurrences(pii_window)] == ["dismissed"] * group["spans"]
    where = queue.occurrences.data(queue.occurrences.index(0, 1))
    assert where.endswith("(dismissed)")


def test_confirm_takes_the_group_off_the_queue_but_keeps_it_open(
        qtbot, pii_window, wait_idle, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    group = select(pii_window, lambda g: g["code"] == "CREDIT_CARD")
    qtbot.keyClick(pii_window.pii_queue.table, Qt.Key.Key_C)
    wait_idle(pii_window)
    assert all(status_of(demo_project, i) == ("open", 1) for i in group["ids"])
    assert "CREDIT_CARD" not in {g["code"] for g in groups(pii_window)}
    assert f"{len(group['ids'])} confirmed" in pii_window.pii_queue.summary.text()


def test_allow_list_suppresses_the_text_everywhere_with_undo(
        qtbot, pii_window, wait_idle, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    text = "Acme Cloud's"
    group = select(pii_window, lambda g: g["text"] == text)
    assert len(group["ids"]) > 10  # the system prompt of every record: one row
    qtbot.keyClick(pii_window.pii_queue.table, Qt.Key.Key_W)
    wait_idle(pii_window)
    assert all(status_of(demo_project, i)[0] == "dismissed" for i in group["ids"])
    assert text not in {g["text"] for g in groups(pii_window)}
    with Store.open(demo_project) as store:
        assert store.setting("pii")["allow_list"] == [text]
    pii_window.undo_stack.undo()
    wait_idle(pii_window)
    assert all(status_of(demo_project, i)[0] == "open" for i in group["ids"])
    with Store.open(demo_project) as store:
        assert store.setting("pii")["allow_list"] == []


def test_redact_one_occurrence_with_undo(qtbot, pii_window, wait_idle,
                                         demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    select(pii_window, lambda g: g["code"] == "EMAIL_ADDRESS")
    item = occurrences(pii_window)[0]
    pii_window.pii_queue.occurrence_table.setFocus()
    qtbot.keyClick(pii_window.pii_queue.occurrence_table, Qt.Key.Key_X)
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
    select(pii_window, lambda g: g["code"] == "PHONE_NUMBER")
    item = occurrences(pii_window)[0]
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


def test_a_group_from_text_that_is_not_english_shows_its_note(qtbot) -> None:  # type: ignore[no-untyped-def]
    from curator.app.pii_view import PiiQueue

    queue = PiiQueue()
    qtbot.addWidget(queue)
    note = "names not checked: this text is not English"
    group = {"text": "ali.veli@example.com", "code": "EMAIL_ADDRESS", "tier": "identifier",
             "tiers": {"identifier": 1}, "spans": 1, "records": 1, "score": 1.0,
             "note": note, "status": {"to_review": 1}, "ids": [7]}
    asked: list[list[int]] = []
    queue.occurrences_requested.connect(asked.append)
    queue.set_items([group], {"to_review": 1, "confirmed": 0, "dismissed": 0, "resolved": 0})
    assert asked == [[7]]
    assert queue.note.isHidden()
    queue.set_occurrences([7], [])
    assert not queue.note.isHidden() and note in queue.note.text()
    assert note in queue.model.data(queue.model.index(0, 2), Qt.ItemDataRole.ToolTipRole)


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


def test_the_queue_models_pass_the_model_tester(qtmodeltester, pii_window) -> None:  # type: ignore[no-untyped-def]
    select(pii_window, lambda g: g["text"] == "Acme Cloud's")
    assert occurrences(pii_window)
    qtmodeltester.check(pii_window.pii_queue.model)
    qtmodeltester.check(pii_window.pii_queue.occurrences)
