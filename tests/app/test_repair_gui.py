"""File → Repair lines: a file written with Python's str() becomes usable, and undoes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from curator.core.store import Store

LINE = ("{'messages': [{'role': 'user', 'content': 'Is it open on %s?'}, "
        "{'role': 'assistant', 'content': 'Yes, until %d.', 'weight': 1}]}")


def test_repair_lines_from_the_menu_and_undo(qtbot, window, wait_idle,
                                             tmp_path: Path) -> None:
    data = tmp_path / "str_written.jsonl"
    data.write_text("\n".join(LINE % (day, hour) for day, hour in
                              (("Monday", 5), ("Sunday", 3), ("Friday", 6))) + "\n")
    project = tmp_path / "p.curator"
    assert window.open_project(project, create=True)
    window.import_paths([data])
    wait_idle(window)
    with Store.open(project) as store:
        assert store.stats()["valid"] == 0
    window.menus.repair_action.trigger()
    wait_idle(window)
    assert "Repaired 3 lines" in window.statusBar().currentMessage()
    with Store.open(project) as store:
        assert store.stats()["valid"] == 3
        assert store.record("str_written.jsonl:1")["raw"].startswith(b"{'messages'")
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10_000)
    assert window.undo_stack.undoText() == "Repair 3 lines"
    window.transfer.summary.close()         # the import summary, read: back to the window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    with Store.open(project) as store:
        assert store.stats()["valid"] == 0
