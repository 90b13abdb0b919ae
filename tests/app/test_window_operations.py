"""The window's changes are core operations on its one writer: never on the UI thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from curator.app.label_setup import SchemaDialog
from curator.core.checks.embed import HashingEmbedder
from curator.core.checks.models import ModelCache
from curator.core.jobs import Job, Progress
from curator.core.labeling import labels as lab
from curator.core.labeling import schema as sch
from curator.core.store import Store
from curator.core.store.review import last_event


@pytest.fixture
def hold(window) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A long write on the window's runner (an import, say) that holds the write lock."""
    started, release = threading.Event(), threading.Event()

    def job(store: Store) -> Job[None]:
        with store.atomic():
            started.set()
            release.wait(60)
            yield Progress(0, None, "Holding the lock")

    def start() -> None:
        window.submit("Importing", job)
        assert started.wait(10)

    start.release = release  # type: ignore[attr-defined]
    yield start
    release.set()  # (pytest-qt closes the window before this: tests release it first)


def newest(project: Path) -> int:
    with Store.open(project) as store:
        return last_event(store)


def label_events(project: Path, since: int) -> list[tuple[str, str | None, int]]:
    with Store.open(project) as store:
        return list(store.db.execute(
            "SELECT actor, session, record_id FROM events WHERE action = 'label' AND id > ? "
            "ORDER BY id", (since,)))


def open_for_labelling(qtbot, window, wait_idle, project: Path) -> int:  # type: ignore[no-untyped-def]
    assert window.open_project(project)
    wait_idle(window)
    window.select_row(0)
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.labeling.hasFocus()
    return int(window.current_id)


def test_a_label_is_saved_by_the_windows_writer(qtbot, window, wait_idle,  # type: ignore[no-untyped-def]
                                                demo_project: Path) -> None:
    since = newest(demo_project)
    record = open_for_labelling(qtbot, window, wait_idle, demo_project)
    qtbot.keyClick(window.labeling, "2")
    wait_idle(window)
    # Written by the runner (its session), not on the UI thread's connection (no session),
    # so the window does not mistake its own label for someone else's change.
    assert label_events(demo_project, since) == [("tester", window.runner.session, record)]


def test_a_label_key_does_not_wait_for_a_long_write(qtbot, window, wait_idle, hold,  # type: ignore[no-untyped-def]
                                                    demo_project: Path) -> None:
    record = open_for_labelling(qtbot, window, wait_idle, demo_project)
    hold()
    began = time.monotonic()
    qtbot.keyClick(window.labeling, "2")             # billing
    assert time.monotonic() - began < 2              # not SQLite's 30 s busy wait
    box = window.labeling.boxes[0]
    assert box.buttons['"billing"'].isChecked()      # shown at once
    assert window.labeling.active == 1
    window.labeling.refresh()                        # a redraw keeps the unsaved value
    assert box.buttons['"billing"'].isChecked()
    with Store.open(demo_project) as store:
        assert "tester" not in {x.annotator for x in lab.labels_for(store, record)}
    hold.release.set()
    wait_idle(window)
    with Store.open(demo_project) as store:
        mine = [x.value for x in lab.labels_for(store, record, "tester")]
    assert mine == ["billing"]
    assert box.buttons['"billing"'].isChecked()


def test_labels_queued_when_the_window_closes_are_saved(qtbot, window, wait_idle, hold,  # type: ignore[no-untyped-def]
                                                        demo_project: Path) -> None:
    record = open_for_labelling(qtbot, window, wait_idle, demo_project)
    hold()
    qtbot.keyClick(window.labeling, "3")             # intent: product
    qtbot.keyClick(window.labeling, "4")             # helpfulness: 4
    threading.Timer(0.3, hold.release.set).start()   # the long job notices Cancel then
    window.close()
    with Store.open(demo_project) as store:
        saved = {x.field: x.value for x in lab.labels_for(store, record, "tester")}
    assert saved == {"intent": "product", "helpfulness": 4}


def test_cancel_drops_long_work_but_not_labels(qtbot, window, wait_idle, hold,  # type: ignore[no-untyped-def]
                                               demo_project: Path) -> None:
    record = open_for_labelling(qtbot, window, wait_idle, demo_project)
    hold()
    qtbot.keyClick(window.labeling, "1")
    window.runner.cancel()                           # the Cancel button
    hold.release.set()
    wait_idle(window)
    with Store.open(demo_project) as store:
        assert [x.value for x in lab.labels_for(store, record, "tester")] == ["account"]


def test_dismissing_a_group_is_the_core_dismissal(qtbot, window, wait_idle,  # type: ignore[no-untyped-def]
                                                  demo_project: Path) -> None:
    window.models = ModelCache(embedder=HashingEmbedder())
    assert window.open_project(demo_project)
    wait_idle(window)
    window.run_similarity_scan()
    wait_idle(window)
    window.tabs.setCurrentWidget(window.duplicates_tab)
    wait_idle(window)
    exact = next(g for g in window.duplicates._clusters if g["kind"] == "exact")
    since = newest(demo_project)
    window.duplicates.dismissRequested.emit(exact["id"])
    wait_idle(window)
    with Store.open(demo_project) as store:
        events = list(store.db.execute(
            "SELECT action, actor FROM events WHERE id > ? ORDER BY id", (since,)))
        statuses = {r[0] for r in store.db.execute(
            "SELECT status FROM findings WHERE kind = 'duplicate'")}
    assert events == [("dismiss_cluster", "tester")]  # one event, as `dismiss_cluster` logs
    assert statuses == {"dismissed"}
    window.undo_stack.undo()
    wait_idle(window)
    with Store.open(demo_project) as store:
        statuses = {r[0] for r in store.db.execute(
            "SELECT status FROM findings WHERE kind = 'duplicate'")}
    assert statuses == {"open"}


def test_the_fields_dialog_writes_through_the_window(qtbot, window, wait_idle,  # type: ignore[no-untyped-def]
                                                     bare_project: Path) -> None:
    assert window.open_project(bare_project)
    wait_idle(window)
    dialog = SchemaDialog(window.store, window.annotator, window, submit=window.submit_op)
    qtbot.addWidget(dialog)
    dialog.start_new()
    qtbot.keyClicks(dialog.name_edit, "comment")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("text"))
    assert dialog.save()
    assert [f.name for f in sch.fields(window.store)] == ["comment"]
    with Store.open(bare_project) as store:
        session = store.db.execute("SELECT session FROM events WHERE action = 'label_field' "
                                   "ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert session == window.runner.session


def test_export_counts_do_not_wait_behind_a_long_write(qtbot, window, wait_idle, hold,  # type: ignore[no-untyped-def]
                                                       demo_project: Path) -> None:
    assert window.open_project(demo_project)
    wait_idle(window)
    hold()
    window.export_dataset()
    dialog = window.export_dialog
    qtbot.waitUntil(lambda: not dialog.computing, timeout=30_000)
    assert dialog.plan_error is None and dialog.count_labels["train"].text() != "–"
    assert window.runner.busy                        # the write is still going on
    hold.release.set()
    dialog.close()


def test_a_packs_copy_holds_the_labels_still_being_saved(qtbot, window, wait_idle,  # type: ignore[no-untyped-def]
                                                         pack_project: Path,
                                                         tmp_path: Path) -> None:
    from curator.core.jobs import run_job
    from curator.core.labeling.packs import export_pack

    pack, copy = tmp_path / "alice.curatorpack", tmp_path / "copy.curatorpack"
    with Store.open(pack_project) as store:
        run_job(export_pack(store, pack, "alice", "round1", actor="coord"))
    record = open_for_labelling(qtbot, window, wait_idle, pack)
    qtbot.keyClick(window.labeling, "1")
    window.packs.write_copy(copy)                    # queued after the label: it is in
    wait_idle(window)
    with Store.open(copy) as store:
        assert [x.annotator for x in lab.labels_for(store, record)] == ["alice"]
    assert window.statusBar().currentMessage() == f"Saved a copy as {copy}."
