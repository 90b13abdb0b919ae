"""The labelling panel's pairwise field (issue 17): answers shown blind in the order drawn
for the annotator, a pick saved in the record's own terms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from curator.app.labeling_view import LabelingPanel
from curator.app.pairwise_box import PairwiseBox
from curator.core.jobs import run_job
from curator.core.labeling import assignment as asg
from curator.core.labeling import labels as lab
from curator.core.labeling import pairwise
from curator.core.labeling import schema as sch
from curator.core.store import Store
from curator.core.store.review import swap_answers

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Store]:
    from curator.core.ingest import import_files

    store = Store.open(tmp_path / "pairs.curator", create=True)
    run_job(import_files(store, [DATA / "openai_dpo_example.jsonl"], "auto"))
    sch.add_field(store, "better", "pairwise", description="Which answer helps more?")
    sch.add_field(store, "tone", "single", ["polite", "rude"])
    asg.add_annotator(store, "alice")
    yield store
    store.close()


def pairs(store: Store) -> list[tuple[int, str]]:
    return [(r[0], r[1]) for r in store.db.execute(
        "SELECT id, key FROM records WHERE format = 'preference' ORDER BY id")]


def record_shown(store: Store, annotator: str, first: str) -> int:
    """A record whose Answer 1 is ``first`` (A or B) for ``annotator``."""
    return next(rid for rid, key in pairs(store)
                if pairwise.shown_order(annotator, key)[0] == first)


def answer_text(store: Store, record_id: int, side: int) -> str:
    from curator.core import preference
    from curator.core.store.browse import record_detail

    conv = record_detail(store, record_id)["conversation"]
    return preference.side_text(preference.outputs(conv)[side])


@pytest.fixture
def panel(qtbot, project: Store) -> LabelingPanel:  # type: ignore[no-untyped-def]
    widget = LabelingPanel(project, "alice")
    qtbot.addWidget(widget)
    widget.resize(360, 760)
    widget.show()
    widget.setFocus()
    return widget


def box_of(panel: LabelingPanel) -> PairwiseBox:
    box = panel.boxes[0]
    assert isinstance(box, PairwiseBox)
    return box


def test_the_answers_show_in_the_annotators_order(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    record = record_shown(project, "alice", "B")
    panel.set_record(record)
    box = box_of(panel)
    assert box.order == ["B", "A"]
    # Answer 1 is the file's rejected answer for alice on this record.
    assert box.answers[0].toPlainText() == answer_text(project, record, 1)
    assert box.answers[1].toPlainText() == answer_text(project, record, 0)
    assert [b.text() for b in box.buttons.values()] == [
        "1 is better", "2 is better", "3  Tie"]


def test_clicking_answer_1_stores_the_judgement_in_the_records_terms(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    record = record_shown(project, "alice", "B")
    panel.set_record(record)
    box = box_of(panel)
    with qtbot.waitSignal(panel.labelled):
        box.buttons["0"].click()
    with Store.open(project.path) as other:
        [label] = lab.labels_for(other, record, "alice")
    assert label.value == {"better": "B", "shown": ["B", "A"]}
    assert box.buttons["0"].isChecked() and not box.buttons["1"].isChecked()


def test_key_1_on_the_other_order_stores_a_and_moves_on(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    record = record_shown(project, "alice", "A")
    panel.set_record(record)
    with qtbot.waitSignal(panel.labelled):
        qtbot.keyClick(panel, "1")
    assert lab.labels_for(project, record, "alice")[0].value == {
        "better": "A", "shown": ["A", "B"]}
    assert panel.active == 1                       # on to the next field
    panel.set_active(0)
    qtbot.keyClick(panel, "3")
    assert lab.labels_for(project, record, "alice")[0].value["better"] == "tie"
    assert box_of(panel).buttons["tie"].isChecked()


def test_another_annotator_sees_another_order(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    record = next(rid for rid, key in pairs(project)
                  if pairwise.shown_order("alice", key) != pairwise.shown_order("bob", key))
    panel.set_record(record)
    alice_first = box_of(panel).answers[0].toPlainText()
    panel.set_annotator("bob")
    assert box_of(panel).answers[0].toPlainText() != alice_first
    assert box_of(panel).answers[1].toPlainText() == alice_first


def test_after_a_swap_the_same_answer_keeps_its_place(qtbot, panel, project) -> None:  # type: ignore[no-untyped-def]
    record = record_shown(project, "alice", "A")
    panel.set_record(record)
    first = box_of(panel).answers[0].toPlainText()
    swap_answers(project, [record], "someone")
    panel.set_record(record)
    assert box_of(panel).answers[0].toPlainText() == first
    box_of(panel).buttons["0"].click()
    assert lab.labels_for(project, record, "alice")[0].value["better"] == "A"


def test_the_fields_editor_offers_a_pairwise_field(qtbot, project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from curator.app.label_setup import SchemaDialog

    monkeypatch.setattr(SchemaDialog, "ask_unsaved",
                        lambda self, what: QMessageBox.StandardButton.Discard)
    dialog = SchemaDialog(project, "coord")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start_new()
    qtbot.keyClicks(dialog.name_edit, "helpful")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("pairwise"))
    assert dialog.kind_combo.currentText() == "Pairwise (A or B)"
    assert not dialog.options_box.isVisible() and not dialog.scale_widget.isVisible()
    assert "Answer 1" in dialog.fields.form.kind_hint.text()
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    fld = sch.get_field(project, "helpful")
    assert (fld.kind, fld.options, fld.scale) == ("pairwise", (), None)
    assert any("which answer is better" in dialog.list.item(i).text()
               for i in range(dialog.list.count()))


def test_a_decision_for_the_rejected_answer_swaps_and_ctrl_z_undoes(  # type: ignore[no-untyped-def]
        qtbot, make_window, wait_idle, project) -> None:
    from curator.core.labeling import labels as lab_core

    record, _ = pairs(project)[0]
    asg.add_annotator(project, "bob")
    asg.add_annotator(project, "tester", "adjudicator")
    lab_core.set_label(project, record, "better", "alice", "A")
    lab_core.set_label(project, record, "better", "bob", "B")
    chosen = answer_text(project, record, 0)
    path = project.path
    window = make_window()
    assert window.open_project(path)
    view = window.labels.adjudication
    view.set_field("better")
    assert view.current_record == record
    texts = [view.choice_grid.itemAt(i).widget().text()
             for i in range(view.choice_grid.count())]
    assert any("B is better (now rejected)" in t for t in texts)
    assert not view.pair_note.isHidden() and "A is the chosen one now" in view.pair_note.text()
    view.decide("B")
    wait_idle(window)
    with Store.open(path) as other:
        assert answer_text(other, record, 1) == chosen          # swapped
        assert lab_core.final_label(other, record, "better") == "B"
    assert window.undo_stack.canUndo()
    window.undo_stack.undo()
    wait_idle(window)
    with Store.open(path) as other:
        assert answer_text(other, record, 0) == chosen          # swapped back
        assert lab_core.adjudication(other, record, "better") is None
    window.undo_stack.redo()
    wait_idle(window)
    with Store.open(path) as other:
        assert answer_text(other, record, 1) == chosen
