"""The labelling setup dialogs, driven like a coordinator would."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QMessageBox

from curator.app.label_setup import DESCRIPTION, KEY, STATUS, VALUE, BatchDialog, SchemaDialog
from curator.core.jsontext import compact
from curator.core.labeling import assignment as asg
from curator.core.labeling import labels as lab
from curator.core.labeling import schema as sch
from curator.core.store import Store


@pytest.fixture(autouse=True)
def no_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never block on the "unsaved changes" question: answer Discard."""
    monkeypatch.setattr(SchemaDialog, "ask_unsaved",
                        lambda self, what: QMessageBox.StandardButton.Discard)


@pytest.fixture
def bare(bare_project: Path) -> Iterator[Store]:
    store = Store.open(bare_project)
    yield store
    store.close()


@pytest.fixture
def demo(demo_project: Path) -> Iterator[Store]:
    store = Store.open(demo_project)
    yield store
    store.close()


def schema_dialog(qtbot, store: Store) -> SchemaDialog:  # type: ignore[no-untyped-def]
    dialog = SchemaDialog(store, "coord")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def batch_dialog(qtbot, store: Store) -> BatchDialog:  # type: ignore[no-untyped-def]
    dialog = BatchDialog(store, "coord")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def select_kind(dialog: SchemaDialog, kind: str) -> None:
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(kind))


def type_option(qtbot, dialog: SchemaDialog, value: str, key: str = "",  # type: ignore[no-untyped-def]
                description: str = "") -> None:
    """Click "Add option" and type into the new row's cells."""
    qtbot.mouseClick(dialog.add_option_button, Qt.MouseButton.LeftButton)
    row = dialog.options.rowCount() - 1
    for column, text in ((VALUE, value), (KEY, key), (DESCRIPTION, description)):
        if column != VALUE:
            dialog.options.setCurrentCell(row, column)
            dialog.options.editItem(dialog.options.item(row, column))
        editors = [e for e in dialog.options.viewport().findChildren(QLineEdit)
                   if e.isVisible()]  # closed editors are hidden, deleted later
        assert len(editors) == 1
        editor = editors[0]
        editor.selectAll()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        qtbot.waitUntil(  # Return commits, then closes the editor (queued)
            lambda: dialog.options.state() != QAbstractItemView.State.EditingState)
        assert dialog.options.item(row, column).text() == text


def test_empty_project_shows_a_start_page(qtbot, bare: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = schema_dialog(qtbot, bare)
    assert dialog.pages.currentIndex() == 0
    assert "No label fields yet" in dialog.empty_label.text()


def test_add_a_single_choice_field_with_options_and_keys(qtbot, bare: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = schema_dialog(qtbot, bare)
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    assert dialog.save_button.text() == "Add field"
    qtbot.keyClicks(dialog.name_edit, "tone")
    select_kind(dialog, "single")
    qtbot.keyClicks(dialog.description_edit, "How the user sounds")
    type_option(qtbot, dialog, "polite", "p", "Courteous")
    type_option(qtbot, dialog, "rude", "r", "Insulting or curt")
    type_option(qtbot, dialog, "neutral")
    assert "p polite" in dialog.keys_hint.text() and "1 neutral" in dialog.keys_hint.text()
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    fld = sch.get_field(bare, "tone")
    assert fld.kind == "single"
    assert fld.description == "How the user sounds"
    assert [(o.value, o.key, o.description) for o in fld.options] == [
        ("polite", "p", "Courteous"), ("rude", "r", "Insulting or curt"), ("neutral", None, "")]
    assert fld.keys() == {"p": "polite", "r": "rude", "1": "neutral"}
    # The list shows it, selected, and the form is clean.
    assert dialog.list.count() == 1
    assert dialog.list.currentItem().text().startswith("tone")
    assert not dialog.is_dirty() and not dialog.error.isVisible()
    # Saved options keep their value (labels would lose their meaning otherwise).
    assert not dialog.options.item(0, VALUE).flags() & Qt.ItemFlag.ItemIsEditable
    # It is audited.
    assert any(e["action"] == "label_field" and e["actor"] == "coord" for e in bare.events())


def test_add_a_rating_field(qtbot, bare: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = schema_dialog(qtbot, bare)
    dialog.start_new()
    qtbot.keyClicks(dialog.name_edit, "quality")
    select_kind(dialog, "rating")
    assert dialog.scale_widget.isVisible() and not dialog.options_box.isVisible()
    dialog.scale_spin.setValue(7)
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    fld = sch.get_field(bare, "quality")
    assert (fld.kind, fld.scale, fld.options) == ("rating", 7, ())
    assert fld.choices() == [1, 2, 3, 4, 5, 6, 7]


def test_edit_a_field_and_errors_are_shown_in_words(qtbot, demo: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = schema_dialog(qtbot, demo)
    dialog.show_field("helpfulness")
    assert not dialog.kind_combo.isEnabled()  # it has labels
    dialog.description_edit.clear()
    qtbot.keyClicks(dialog.description_edit, "Is the answer useful?")
    assert dialog.is_dirty() and dialog.state.text() == "Unsaved changes"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert sch.get_field(demo, "helpfulness").description == "Is the answer useful?"

    # A duplicate name: the reason in the dialog, nothing written, no exception.
    dialog.start_new()
    qtbot.keyClicks(dialog.name_edit, "intent")
    select_kind(dialog, "text")
    before = len(sch.fields(demo, include_archived=True))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error.isVisible()
    assert 'already a label field called "intent"' in dialog.error.text()
    assert len(sch.fields(demo, include_archived=True)) == before
    # Editing the form again clears the message.
    qtbot.keyClicks(dialog.name_edit, "-2")
    assert not dialog.error.isVisible()

    # A bad key is refused by the core too.
    dialog.show_field("intent")
    dialog.options.item(0, KEY).setText("xx")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "must be one letter or digit" in dialog.error.text()
    assert sch.get_field(demo, "intent").options[0].key == "1"


def test_archive_an_option_keeps_its_labels(qtbot, demo: Store) -> None:  # type: ignore[no-untyped-def]
    used = Counter(x for (x,) in demo.db.execute(
        "SELECT l.value FROM labels l JOIN label_fields f ON f.id = l.field_id "
        "WHERE f.name = 'intent'"))
    value = sch.load_value(used.most_common(1)[0][0])
    labelled = [r for (r,) in demo.db.execute(
        "SELECT l.record_id FROM labels l JOIN label_fields f ON f.id = l.field_id "
        "WHERE f.name = 'intent' AND l.value = ?", (compact(value),))]
    total = demo.db.execute("SELECT COUNT(*) FROM labels").fetchone()[0]

    dialog = schema_dialog(qtbot, demo)
    dialog.show_field("intent")
    row = [dialog.options.item(r, VALUE).text()
           for r in range(dialog.options.rowCount())].index(value)
    dialog.options.selectRow(row)
    assert dialog.archive_option_button.isEnabled()
    assert not dialog.remove_option_button.isEnabled()  # saved options are archived
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.archive_option_button, Qt.MouseButton.LeftButton)

    fld = sch.get_field(demo, "intent")
    assert fld.option(value).archived
    assert value not in fld.choices() and value in fld.values
    assert demo.db.execute("SELECT COUNT(*) FROM labels").fetchone()[0] == total
    assert any(x.field == "intent" and x.value == value
               for x in lab.labels_for(demo, labelled[0]))
    assert dialog.options.item(row, STATUS).text() == "archived"
    assert dialog.archive_option_button.text() == "Restore option"
    assert not dialog.is_dirty()
    # And back.
    qtbot.mouseClick(dialog.archive_option_button, Qt.MouseButton.LeftButton)
    assert not sch.get_field(demo, "intent").option(value).archived


def test_archive_a_field_and_show_archived(qtbot, demo: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = schema_dialog(qtbot, demo)
    dialog.show_field("helpfulness")
    qtbot.mouseClick(dialog.archive_field_button, Qt.MouseButton.LeftButton)
    assert sch.get_field(demo, "helpfulness").archived
    assert [f.name for f in sch.fields(demo)] == ["intent"]
    assert dialog.archive_field_button.text() == "Restore field"
    dialog.show_field("intent")
    dialog.reload()
    assert dialog.list.count() == 1
    dialog.show_archived.setChecked(True)
    assert dialog.list.count() == 2


def test_edit_guidelines_with_live_preview(qtbot, bare: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = schema_dialog(qtbot, bare)
    dialog.tabs.setCurrentIndex(1)
    assert "Nothing to preview" in dialog.preview.toPlainText()
    assert not dialog.guide_save.isEnabled()
    qtbot.keyClicks(dialog.guide_edit, "# Read me")
    dialog.guide_edit.appendPlainText("\nBe **kind** to users.")
    assert "Read me" in dialog.preview.toPlainText()
    assert "Be kind to users." in dialog.preview.toPlainText()  # Markdown rendered
    assert dialog.guide_state.text() == "Unsaved changes"
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.guide_save, Qt.MouseButton.LeftButton)
    assert sch.guidelines(bare) == "# Read me\n\nBe **kind** to users."
    assert dialog.guide_state.text() == "Saved" and not dialog.guide_save.isEnabled()


def test_annotators_pilot_and_overlap_batches(qtbot, bare: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = batch_dialog(qtbot, bare)
    assert dialog.people_empty.isVisible() and dialog.batches_empty.isVisible()
    assert dialog.preview.text() == "Choose at least one annotator."
    for name in ("alice", "bob", "carol"):
        qtbot.keyClicks(dialog.person_name, name)
        with qtbot.waitSignal(dialog.changed):
            qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.person_name, "judge")
    dialog.person_role.setCurrentIndex(dialog.person_role.findData("adjudicator"))
    qtbot.keyClick(dialog.person_name, Qt.Key.Key_Return)
    assert {(a.name, a.role) for a in asg.annotators(bare)} == {
        ("alice", "annotator"), ("bob", "annotator"), ("carol", "annotator"),
        ("judge", "adjudicator")}
    assert dialog.people.topLevelItemCount() == 4
    assert dialog.checked_annotators() == ["alice", "bob", "carol"]  # not the adjudicator

    valid = [r for (r,) in bare.db.execute("SELECT id FROM records WHERE valid ORDER BY id")]
    n = len(valid)

    # A pilot on every valid record: everyone labels everything.
    qtbot.keyClicks(dialog.batch_name, "pilot")
    dialog.pilot.setChecked(True)
    assert dialog.overlap.value() == 3 and not dialog.overlap.isEnabled()
    assert dialog.preview.text() == (f"{n} records × 3 = {3 * n} assignments, "
                                     f"about {n} per annotator")
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    pilot = asg.batch_assignments(bare, "pilot")
    assert sorted(pilot) == valid
    assert all(names == ["alice", "bob", "carol"] for names in pilot.values())
    assert asg.get_batch(bare, "pilot").pilot and asg.get_batch(bare, "pilot").blind
    assert dialog.batch_name.text() == ""
    assert dialog.batch_tree.topLevelItemCount() == 1

    # Overlap 2 on a random sample of 10, not blind.
    dialog.pilot.setChecked(False)
    qtbot.keyClicks(dialog.batch_name, "round-1")
    dialog.source.setCurrentIndex(dialog.source.findData("random"))
    dialog.sample_size.setValue(10)
    dialog.seed.setValue(7)
    dialog.overlap.setValue(2)
    dialog.blind.setChecked(False)
    assert dialog.preview.text() == "10 records × 2 = 20 assignments, about 6.7 per annotator"
    chosen = dialog.record_ids()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert not dialog.batch_error.isVisible()
    round1 = asg.batch_assignments(bare, "round-1")
    assert sorted(round1) == chosen and len(chosen) == 10
    assert all(len(names) == 2 for names in round1.values())
    load = Counter(name for names in round1.values() for name in names)
    assert sum(load.values()) == 20 and max(load.values()) - min(load.values()) <= 1
    batch = asg.get_batch(bare, "round-1")
    assert (batch.overlap, batch.pilot, batch.blind) == (2, False, False)
    assert dialog.batch_tree.topLevelItemCount() == 2
    top = dialog.batch_tree.topLevelItem(1)
    assert top.text(0) == "round-1" and top.childCount() == 3

    # The same seed picks the same records.
    dialog.seed.setValue(8)
    dialog.seed.setValue(7)
    assert dialog.record_ids() == chosen

    # A repeated name is refused in words.
    qtbot.keyClicks(dialog.batch_name, "round-1")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert 'already a batch called "round-1"' in dialog.batch_error.text()
    assert dialog.batch_error.isVisible()


def test_set_a_role_and_progress(qtbot, demo: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = batch_dialog(qtbot, demo)
    rows = {dialog.people.topLevelItem(i).text(0): dialog.people.topLevelItem(i)
            for i in range(dialog.people.topLevelItemCount())}
    assert rows["alice"].text(2) == str(asg.progress(demo, "alice"))
    dialog.people.setCurrentItem(rows["chen"])
    assert dialog.person_name.text() == "chen"
    assert dialog.add_person_button.text() == "Set role"
    dialog.person_role.setCurrentIndex(dialog.person_role.findData("adjudicator"))
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    assert asg.get_annotator(demo, "chen").role == "adjudicator"
    # An empty name is refused in words.
    qtbot.mouseClick(dialog.add_person_button, Qt.MouseButton.LeftButton)
    assert dialog.person_error.text() == "An annotator needs a name."
    # The pilot batch of the demo is listed with each annotator's share.
    top = dialog.batch_tree.topLevelItem(0)
    assert top.text(0) == "pilot" and top.childCount() == 3
