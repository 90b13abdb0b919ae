"""The labelling panel and the adjudication view, driven by the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from curator.app.adjudication_view import AdjudicationView
from curator.app.labeling_view import LabelingPanel
from curator.core.labeling import assignment as asg
from curator.core.labeling import labels as lab
from curator.core.labeling import schema as sch
from curator.core.store import Store


@pytest.fixture
def project(bare_project: Path) -> Iterator[Store]:
    store = Store.open(bare_project)
    sch.add_field(store, "tone", "single", ["polite", "rude", {"value": "neutral", "key": "n"}])
    sch.add_field(store, "quality", "rating", scale=5)
    sch.add_field(store, "topics", "multi", ["code", "math", "chat"])
    sch.add_field(store, "comment", "text")
    sch.set_guidelines(store, "# Guide\n\nBe **kind**.")
    for name in ("alice", "bob"):
        asg.add_annotator(store, name)
    asg.add_annotator(store, "judge", "adjudicator")
    yield store
    store.close()


def valid_ids(store: Store) -> list[int]:
    return [r[0] for r in store.db.execute("SELECT id FROM records WHERE valid ORDER BY id")]


def saved(path: Path, record_id: int, annotator: str) -> dict[str, object]:
    """The labels as a fresh connection reads them from disk."""
    with Store.open(path) as other:
        return {x.field: x.value for x in lab.labels_for(other, record_id, annotator)}


@pytest.fixture
def panel(qtbot, project: Store) -> LabelingPanel:  # type: ignore[no-untyped-def]
    widget = LabelingPanel(project, "alice")
    qtbot.addWidget(widget)
    widget.set_record(valid_ids(project)[0])
    widget.show()
    widget.setFocus()
    return widget


def test_keys_label_the_active_field_and_move_on(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    record = panel.record_id
    with qtbot.waitSignal(panel.labelled) as signal:
        qtbot.keyClick(panel, "2")
    assert signal.args == [record]
    assert panel.active == 1                         # on to quality
    qtbot.keyClick(panel, "4")
    assert panel.active == 2                         # on to topics (multi: stays)
    for key in "131":                                # code, chat, then code off again
        qtbot.keyClick(panel, key)
    assert saved(project.path, record, "alice") == {
        "tone": "rude", "quality": 4, "topics": ["chat"]}
    assert panel.boxes[2].buttons['"chat"'].isChecked()
    assert not panel.boxes[2].buttons['"code"'].isChecked()


def test_an_options_own_key_picks_it(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(panel, "n")
    assert saved(project.path, panel.record_id, "alice") == {"tone": "neutral"}
    assert panel.boxes[0].buttons['"neutral"'].text().startswith("n")


def test_a_key_without_an_option_changes_nothing(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    events = len(project.events())
    qtbot.keyClick(panel, "7")
    assert saved(project.path, panel.record_id, "alice") == {}
    assert len(project.events()) == events
    assert panel.active == 0


def test_up_down_and_backspace(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(panel, Qt.Key.Key_Down)
    qtbot.keyClick(panel, "5")                       # quality, then on to topics
    assert panel.active == 2
    qtbot.keyClick(panel, Qt.Key.Key_Up)
    assert panel.active == 1
    qtbot.keyClick(panel, Qt.Key.Key_Backspace)
    assert saved(project.path, panel.record_id, "alice") == {}
    assert not panel.boxes[1].buttons["5"].isChecked()


def test_enter_asks_for_the_next_record(qtbot, panel) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.next_requested, timeout=1000):
        qtbot.keyClick(panel, Qt.Key.Key_Return)


def test_label_survives_closing_the_store_right_after_the_key(qtbot, project) -> None:  # type: ignore[no-untyped-def]
    record = valid_ids(project)[3]
    own = Store.open(project.path)
    widget = LabelingPanel(own, "bob")
    qtbot.addWidget(widget)
    widget.set_record(record)
    widget.show()
    qtbot.keyClick(widget, "1")
    own.close()                                      # no commit, flush or event loop turn
    with Store.open(project.path) as reopened:
        assert [(x.annotator, x.value) for x in lab.labels_for(reopened, record)] == [
            ("bob", "polite")]
        assert [e["detail"]["after"] for e in reopened.events(record)
                if e["action"] == "label"] == ["polite"]


def test_text_field_saves_on_ctrl_enter_and_on_leaving(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    panel.set_active(3)
    editor = panel.boxes[3].editor
    assert editor is not None and editor.hasFocus()
    qtbot.keyClicks(editor, "too short")
    assert saved(project.path, panel.record_id, "alice") == {}   # not yet
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert saved(project.path, panel.record_id, "alice") == {"comment": "too short"}
    assert not editor.hasFocus()
    panel.set_active(3)
    qtbot.keyClicks(editor, "!")
    panel.set_record(valid_ids(project)[1])          # moving on saves the typing
    assert saved(project.path, valid_ids(project)[0], "alice") == {"comment": "too short!"}
    assert editor.toPlainText() == ""


def test_typing_survives_a_click_on_another_field(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    panel.set_active(3)
    qtbot.keyClicks(panel.boxes[3].editor, "kept")
    qtbot.mouseClick(panel.boxes[0].buttons['"polite"'], Qt.MouseButton.LeftButton)
    assert saved(project.path, panel.record_id, "alice") == {"tone": "polite", "comment": "kept"}
    assert panel.boxes[3].editor.toPlainText() == "kept"


def test_progress_counts_finished_records(qtbot, project) -> None:  # type: ignore[no-untyped-def]
    ids = valid_ids(project)[:3]
    asg.create_batch(project, "b", ids, ["alice"], overlap=1)
    widget = LabelingPanel(project, "alice")
    qtbot.addWidget(widget)
    widget.set_record(ids[0])
    assert widget.progress_text.text() == "0 of 3 labelled"
    for key in "11":                                 # tone, quality
        qtbot.keyClick(widget, key)
    assert widget.progress_text.text() == "0 of 3 labelled"
    qtbot.keyClick(widget, "3")                      # topics: the record is finished
    assert widget.progress_text.text() == "1 of 3 labelled"
    assert widget.progress_bar.value() == 1 and widget.progress_bar.maximum() == 3


def test_blind_batch_hides_the_other_annotators_labels(qtbot, project) -> None:  # type: ignore[no-untyped-def]
    record = valid_ids(project)[0]
    asg.create_batch(project, "b", [record], ["alice", "bob"], overlap=2, blind=True)
    lab.set_label(project, record, "tone", "bob", "rude")
    widget = LabelingPanel(project, "alice")
    qtbot.addWidget(widget)
    widget.set_record(record)
    widget.show()
    assert widget.blind_note.isVisible()
    assert not any(b.others.isVisible() for b in widget.boxes)
    assert not any(b.isChecked() for b in widget.boxes[0].buttons.values())
    widget.set_annotator("judge")                    # an adjudicator sees everyone
    assert not widget.blind_note.isVisible()
    assert widget.boxes[0].others.text() == "Others: bob: rude"


def test_open_batch_shows_the_other_annotators_labels(qtbot, project) -> None:  # type: ignore[no-untyped-def]
    record = valid_ids(project)[0]
    asg.create_batch(project, "b", [record], ["alice", "bob"], overlap=2, blind=False)
    lab.set_label(project, record, "quality", "bob", 3)
    widget = LabelingPanel(project, "alice")
    qtbot.addWidget(widget)
    widget.set_record(record)
    widget.show()
    assert not widget.blind_note.isVisible()
    assert widget.boxes[1].others.isVisible()
    assert widget.boxes[1].others.text() == "Others: bob: 3"


def test_panel_keys_win_over_window_shortcuts(qtbot, project) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    fired = []
    action = QAction("Next unreviewed", window)
    action.setShortcut(QKeySequence("N"))
    action.triggered.connect(lambda: fired.append(True))
    window.addAction(action)
    widget = LabelingPanel(project, "alice")
    window.setCentralWidget(widget)
    widget.set_record(valid_ids(project)[0])
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    widget.setFocus()
    qtbot.keyClick(widget, "n")
    assert fired == []
    assert saved(project.path, widget.record_id, "alice") == {"tone": "neutral"}
    qtbot.keyClick(widget, "n")                      # quality has no "n": the window's
    assert fired == [True]


def test_an_unreadable_record_cannot_be_labelled(qtbot, project) -> None:  # type: ignore[no-untyped-def]
    bad = project.db.execute("SELECT id FROM records WHERE NOT valid LIMIT 1").fetchone()[0]
    widget = LabelingPanel(project, "alice")
    qtbot.addWidget(widget)
    widget.set_record(bad)
    qtbot.keyClick(widget, "1")
    assert "cannot be labelled" in widget.record_text.text()
    assert not widget.boxes[0].isEnabled()
    assert lab.labels_for(project, bad) == []


# -- adjudication --------------------------------------------------------------------


@pytest.fixture
def disputed(project: Store) -> list[int]:
    ids = valid_ids(project)[:4]
    asg.add_annotator(project, "carol")
    for record, votes in zip(ids, (("polite", "rude", "rude"), ("polite", "polite", "polite"),
                                   ("neutral", "rude", "neutral"), ("rude", "polite", "rude"))):
        for person, value in zip(("alice", "bob", "carol"), votes, strict=True):
            lab.set_label(project, record, "tone", person, value)
    return [ids[0], ids[2], ids[3]]


@pytest.fixture
def adjudication(qtbot, project, disputed) -> AdjudicationView:  # type: ignore[no-untyped-def]
    view = AdjudicationView(project, "judge")
    qtbot.addWidget(view)
    view.set_field("tone")
    view.show()
    view.list.setFocus()
    return view


def test_queue_lists_only_disagreements(adjudication, disputed) -> None:  # type: ignore[no-untyped-def]
    assert [d.record_id for d in adjudication.queue] == disputed
    assert adjudication.count.text() == "3 to decide"
    assert adjudication.table.rowCount() == 3
    cells = [adjudication.table.item(r, 1).text() for r in range(3)]
    assert cells == ["polite", "rude", "rude"]
    assert adjudication.candidates == ["rude", "polite"]       # most votes first


def test_digit_decides_and_moves_to_the_next(qtbot, adjudication, project, disputed) -> None:  # type: ignore[no-untyped-def]
    adjudication.note.setText("guideline 2")
    with qtbot.waitSignal(adjudication.decided) as signal:
        qtbot.keyClick(adjudication.list, "2")               # polite, against the majority
    assert signal.args == [disputed[0], "tone"]
    assert lab.adjudication(project, disputed[0], "tone") | {"decided_at": None} == {
        "value": "polite", "adjudicator": "judge", "note": "guideline 2", "decided_at": None}
    assert [d.record_id for d in adjudication.queue] == disputed[1:]
    assert adjudication.current_record == disputed[1]
    assert lab.final_labels(project, "tone")[disputed[0]] == "polite"


def test_typed_value_decides_and_bad_value_is_explained(qtbot, adjudication, project,  # type: ignore[no-untyped-def]
                                                         disputed) -> None:
    adjudication.list.setCurrentRow(1)
    qtbot.keyClicks(adjudication.typed, "furious")
    qtbot.keyClick(adjudication.typed, Qt.Key.Key_Return)
    assert '"furious" is not an option' in adjudication.message.text()
    assert lab.final_label(project, disputed[1], "tone") is None
    adjudication.typed.setText("polite")
    qtbot.keyClick(adjudication.typed, Qt.Key.Key_Return)
    assert lab.final_label(project, disputed[1], "tone") == "polite"


def test_an_annotator_cannot_decide(qtbot, adjudication, project, disputed) -> None:  # type: ignore[no-untyped-def]
    adjudication.set_adjudicator("alice")
    assert adjudication.role_note.isVisible()
    assert not adjudication.decide_button.isEnabled()
    qtbot.keyClick(adjudication.list, "1")
    assert lab.adjudication(project, disputed[0], "tone") is None


def test_enter_opens_the_record_and_down_walks_the_queue(qtbot, adjudication,  # type: ignore[no-untyped-def]
                                                         disputed) -> None:
    qtbot.keyClick(adjudication.list, Qt.Key.Key_Down)
    with qtbot.waitSignal(adjudication.open_record) as signal:
        qtbot.keyClick(adjudication.list, Qt.Key.Key_Return)
    assert signal.args == [disputed[1]]


def test_show_decided_keeps_decisions_in_view(qtbot, adjudication, project, disputed) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(adjudication.list, "1")
    adjudication.show_decided.setChecked(True)
    assert [d.record_id for d in adjudication.queue] == disputed
    assert adjudication.count.text() == "2 to decide"
    assert adjudication.list.item(0).text().startswith("✓ rude")
