"""Duplicates and contradictions in the window: scan, the Duplicates tab, keep one, undo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from curator.core.checks.embed import HashingEmbedder
from curator.core.checks.models import ModelCache
from curator.core.store import Store


def review_of(project: Path, key: str) -> str:
    with Store.open(project) as store:
        return str(store.record(key)["review"])


def test_scan_groups_then_keep_one_with_undo(qtbot, window, wait_idle,
                                             demo_project: Path) -> None:  # type: ignore[no-untyped-def]
    window.models = ModelCache(embedder=HashingEmbedder())  # the real one: tests/core
    assert window.open_project(demo_project)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_D,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.duplicates_tab
    wait_idle(window)
    groups = window.duplicates._clusters
    exact = [g for g in groups if g["kind"] == "exact"]
    assert exact, groups
    with Store.open(demo_project) as store:
        members = [r[0] for r in store.db.execute(
            "SELECT r.key FROM cluster_members m JOIN records r ON r.id = m.record_id "
            "WHERE m.cluster_id = ? ORDER BY r.id", (exact[0]["id"],))]
        keep_id = store.record(members[0])["id"]
    assert set(members) == {"acme-001", "acme-dup-1"}
    window.duplicates.keepRequested.emit(exact[0]["id"], keep_id)
    wait_idle(window)
    assert review_of(demo_project, "acme-dup-1") == "rejected"
    with Store.open(demo_project) as store:
        statuses = {r[0] for r in store.db.execute(
            "SELECT status FROM findings WHERE kind = 'duplicate'")}
    assert statuses == {"resolved"}
    window.undo_stack.undo()
    wait_idle(window)
    assert review_of(demo_project, "acme-dup-1") == "unreviewed"
    with Store.open(demo_project) as store:
        statuses = {r[0] for r in store.db.execute(
            "SELECT status FROM findings WHERE kind = 'duplicate'")}
    assert statuses == {"open"}
    assert window.diversity.isVisible()
