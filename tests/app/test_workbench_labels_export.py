"""The labelling, agreement, adjudication and export parts of the window, end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from curator.core.jobs import run_job
from curator.core.labeling.labels import labels_for
from curator.core.labeling.transfer import import_labels
from curator.core.store import Store


def labels_file(tmp_path: Path) -> Path:
    path = tmp_path / "labels.csv"
    rows = [("acme-001", "ann", "topic", "billing"), ("acme-001", "bob", "topic", "billing"),
            ("acme-002", "ann", "topic", "account"), ("acme-002", "bob", "topic", "billing"),
            ("acme-003", "ann", "topic", "account"), ("acme-003", "bob", "topic", "account"),
            ("acme-004", "ann", "topic", "technical"), ("acme-004", "bob", "topic", "technical")]
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["record", "annotator", "field", "value"])
        writer.writerows(rows)
    return path


def test_labelling_panel_key_saves_for_the_window_user(
        qtbot, window, wait_idle, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    assert window.open_project(demo_project)
    wait_idle(window)
    assert window.label_dock.isVisible()  # the demo has a label schema
    keys = [window.model.row_data(r)["key"] for r in range(window.model.rowCount())]
    window.select_row(keys.index("acme-010"))
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.labeling.hasFocus()
    qtbot.keyClick(window.labeling, Qt.Key.Key_2)  # intent: billing
    record_id = window.current_id
    wait_idle(window)  # saved by the window's writer, in the background
    with Store.open(demo_project) as store:
        mine = [(lab.field, lab.value) for lab in labels_for(store, record_id, "tester")]
    assert ("intent", "billing") in mine


def test_agreement_tab_shows_the_fields(qtbot, window, wait_idle, demo_project: Path,
                                        tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Store.open(demo_project) as store:
        run_job(import_labels(store, labels_file(tmp_path), actor="t"))
    assert window.open_project(demo_project)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.agreement_view
    wait_idle(window)
    report = window.agreement_view.report("topic")
    assert report is not None and report.items == 4
    assert abs(report.percent_agreement - 0.75) < 1e-9
    intent = window.agreement_view.report("intent")  # the demo's pilot: 20 items, 3 people
    assert intent is not None and intent.items == 20 and intent.annotators == 3


def test_adjudication_tab_lists_the_disagreement(qtbot, window, wait_idle,
                                                 demo_project: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from curator.core.labeling.assignment import add_annotator

    with Store.open(demo_project) as store:
        run_job(import_labels(store, labels_file(tmp_path), actor="t"))
        add_annotator(store, "tester", role="adjudicator")
    assert window.open_project(demo_project)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.adjudication
    window.adjudication.set_field("topic")
    assert [d.record_id for d in window.adjudication.queue] == [
        window.store.record("acme-002")["id"]]


def test_export_dialog_exports_from_the_window(qtbot, window, wait_idle, demo_project: Path,
                                               tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert window.open_project(demo_project)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.export_dialog
    qtbot.waitUntil(dialog.isVisible)
    outdir = tmp_path / "out"
    dialog.outdir_edit.setText(str(outdir))
    dialog.start_export()
    wait_idle(window)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60_000)
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert manifest["dataset_hash"] == dialog.report.dataset_hash
    assert (outdir / "train.jsonl").exists()
    dialog.close()
    QApplication.processEvents()


def test_fields_dialog_from_the_menu_adds_a_field_the_panel_shows(
        qtbot, window, wait_idle, bare_project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from curator.app import label_setup
    from curator.core.labeling.schema import add_field

    assert window.open_project(bare_project)
    wait_idle(window)
    assert not window.label_dock.isVisible()  # no label schema yet

    def fake_exec(dialog) -> int:  # type: ignore[no-untyped-def]
        add_field(dialog.store, "tone", "single", ["polite", "rude"], actor="tester")
        dialog.changed.emit()
        return 0

    monkeypatch.setattr(label_setup.SchemaDialog, "exec", fake_exec)
    window.open_schema_dialog()
    assert window.label_dock.isVisible()
    assert [box.field.name for box in window.labeling.boxes] == ["tone"]


def test_labels_column_is_blind_for_annotators_not_for_adjudicators(
        qtbot, window, wait_idle, demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    from curator.app.records_model import COLUMNS
    from curator.core.labeling.assignment import add_annotator

    column = [name for name, _ in COLUMNS].index("labels")
    assert window.open_project(demo_project)
    wait_idle(window)

    def shown(key: str) -> str:
        keys = [window.model.row_data(r)["key"] for r in range(window.model.rowCount())]
        return str(window.model.index(keys.index(key), column).data() or "")

    assert shown("acme-001") == ""  # the pilot is blind: alice, bob and chen's are hidden
    with Store.open(demo_project) as store:
        add_annotator(store, "tester", role="adjudicator")
    window.model.refresh_rows()
    assert shown("acme-001") == "intent: account · helpfulness: 5"
    assert "intent: ?" in shown("acme-003")  # bob said technical: not agreed
