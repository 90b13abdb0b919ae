"""Annotation packs through the real window: label in a pack, hand out, import, status."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from curator.core.jobs import run_job
from curator.core.labeling.assignment import add_annotator
from curator.core.labeling.labels import field_labels, set_label
from curator.core.labeling.measure import agreement_by_field
from curator.core.labeling.packs import export_pack, import_pack, pack_status
from curator.core.store import Store


@pytest.fixture
def coordinator(pack_project: Path) -> Path:
    return pack_project


def hand_out(project: Path, annotator: str, folder: Path) -> Path:
    pack = folder / f"{annotator}.curatorpack"
    with Store.open(project) as store:
        run_job(export_pack(store, pack, annotator, "round1", actor="coord"))
    return pack


def pack_ids(pack: Path) -> list[int]:
    with Store.open(pack) as store:
        return [r for (r,) in store.db.execute("SELECT id FROM records ORDER BY id")]


def labels_and_agreement(project: Path) -> tuple[dict, dict]:
    with Store.open(project) as store:
        labels = {f: {r: dict(v) for r, v in field_labels(store, f).items()}
                  for f in ("intent", "helpfulness")}
        return labels, agreement_by_field(store, "round1")


def test_a_pack_labelled_in_the_window_merges_like_any_other(
        qtbot, window, wait_idle, coordinator: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    alice, bob = hand_out(coordinator, "alice", tmp_path), hand_out(coordinator, "bob", tmp_path)
    ids = pack_ids(alice)

    # Alice, on her own machine, opens the pack in Curator and labels with the keyboard.
    assert window.open_project(alice)
    wait_idle(window)
    assert window.windowTitle() == "Pack for alice · coord — Curator"
    assert window.pack_banner.isVisible()
    assert "Annotation pack for <b>alice</b>" in window.pack_banner.text.text()
    assert window.annotator == "alice" and window.labeling.annotator == "alice"
    for action in (window.import_action, window.export_action, window.scan_action,
                   window.review_actions["accepted"], window.schema_action):
        assert not action.isEnabled()
    assert not window.tabs.isTabVisible(window.tabs.indexOf(window.agreement_tab))
    assert window.tabs.isTabVisible(0)
    window.select_row(0)
    qtbot.keyClick(window.table, Qt.Key.Key_A)      # review keys do nothing in a pack
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.labeling.hasFocus()
    for i in range(len(ids)):
        record = window.current_id
        qtbot.keyClick(window.labeling, str(1 + i % 5))          # intent
        qtbot.keyClick(window.labeling, str(1 + (2 * i) % 5))    # helpfulness
        qtbot.keyClick(window.labeling, Qt.Key.Key_Return)       # next unlabelled
        if i < len(ids) - 1:
            qtbot.waitUntil(lambda r=record: window.current_id != r, timeout=5000)
    wait_idle(window)  # the last labels are saved in the background
    intents = ["account", "billing", "product", "technical", "other"]
    with Store.open(alice) as store:
        got = field_labels(store, "intent")
        assert sorted(got) == ids and all(set(v) == {"alice"} for v in got.values())
        assert sorted(v["alice"] for v in got.values()) == sorted(
            intents[i % 5] for i in range(len(ids)))
        assert {r for (r,) in store.db.execute("SELECT review FROM records")} == {"unreviewed"}

    # Bob labels his pack elsewhere.
    with Store.open(bob) as store:
        for i, record in enumerate(ids):
            set_label(store, record, "intent", "bob", intents[(i // 2) % 5])
            set_label(store, record, "helpfulness", "bob", 1 + (i // 3) % 5)

    # The coordinator imports through the window: alice, bob, alice again ...
    one, two = tmp_path / "one.curator", tmp_path / "two.curator"
    shutil.copyfile(coordinator, one)
    shutil.copyfile(coordinator, two)
    assert window.open_project(one)
    wait_idle(window)
    assert not window.pack_banner.isVisible() and window.annotator == "tester"
    assert window.import_action.isEnabled()
    assert window.tabs.isTabVisible(window.tabs.indexOf(window.agreement_tab))
    for pack in (alice, bob, alice):
        window.packs.import_file(pack)
        wait_idle(window)
    assert window.packs.last_report.merged == 0
    assert window.packs.last_report.unchanged == 2 * len(ids)
    window.packs.show_status()
    table = window.packs.dialog.table
    rows = {table.item(r, 0).text(): table.item(r, 2).text() for r in range(table.rowCount())}
    assert rows == {"alice": "merged", "bob": "merged"}
    window.packs.dialog.close()
    # ... and the other order, twice, without the window, gives the same.
    with Store.open(two) as store:
        for pack in (bob, alice, bob, alice):
            run_job(import_pack(store, pack))
    window.open_project(coordinator)  # let go of "one"
    wait_idle(window)
    first, second = labels_and_agreement(one), labels_and_agreement(two)
    assert first == second
    assert all(set(first[0]["intent"][r]) == {"alice", "bob"} for r in ids)
    assert first[1]["intent"]["items"] == len(ids)


def test_hand_out_dialog_counts_and_writes(qtbot, window, wait_idle, coordinator: Path,
                                           tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from curator.app.packs_view import PackExportDialog

    with Store.open(coordinator) as store:
        add_annotator(store, "erin")
        assigned = store.db.execute(
            "SELECT COUNT(*) FROM assignments a JOIN annotators n ON n.id = a.annotator_id "
            "JOIN batches b ON b.id = a.batch_id WHERE n.name = 'alice' AND b.name = 'round1'"
        ).fetchone()[0]
    assert assigned > 1   # the sample's round1 (its size follows the sample data)
    assert window.open_project(coordinator)
    wait_idle(window)
    dialog = PackExportDialog(window.store, window)
    qtbot.addWidget(dialog)
    dialog.annotator.setCurrentText("alice")
    dialog.batch.setCurrentIndex(dialog.batch.findData("round1"))
    assert dialog.count.text() == f"{assigned} records assigned"
    assert dialog.path.text().endswith("coord-alice-round1.curatorpack")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.annotator.setCurrentText("erin")
    assert not ok.isEnabled() and "No records assigned" in dialog.count.text()
    dialog.annotator.setCurrentText("bob")
    annotator, batch, path = dialog.choice()
    window.packs.write(annotator, batch, path)
    wait_idle(window)
    assert path.exists()
    with Store.open(coordinator) as store:
        [status] = pack_status(store)
    assert (status.annotator, status.batch, status.status) == ("bob", "round1", "handed out")


def test_a_refused_pack_is_explained_and_changes_nothing(
        qtbot, window, wait_idle, coordinator: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other.curator"
    shutil.copyfile(coordinator, other)
    assert window.open_project(coordinator)
    wait_idle(window)
    window.packs.import_file(other)
    wait_idle(window)
    assert "not an annotation pack" in window.statusBar().currentMessage()
    with Store.open(coordinator) as store:
        assert pack_status(store) == []
