"""The main window driven as a user would: import, filter, review, edit, undo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.resources import sample_files
from curator.core.store import Store
from curator.core.store.review import revisions

ROOT = Path(__file__).resolve().parents[2]


def open_demo(window, demo_project: Path, wait_idle) -> None:  # type: ignore[no-untyped-def]
    assert window.open_project(demo_project)
    wait_idle(window)


def review_of(project: Path, key: str) -> str:
    with Store.open(project) as store:
        return store.record(key)["review"]  # type: ignore[index]


def test_import_runs_in_background_with_progress(qtbot, window, wait_idle, tmp_path: Path) -> None:
    assert window.open_project(tmp_path / "new.curator", create=True)
    wait_idle(window)
    seen = []
    window.runner.progressed.connect(seen.append)
    window.import_paths(sample_files())
    wait_idle(window)
    assert window.model.rowCount() == 38
    assert any("records" in p.message for p in seen)
    assert "38 records" in window.counts.text()
    assert "0 of 38 reviewed" in window.review_progress.text()


def test_cancelled_import_changes_nothing(qtbot, window, wait_idle, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    line = {"messages": [{"role": "user", "content": "hello " * 50},
                         {"role": "assistant", "content": "hi " * 50}]}
    big.write_text("".join(json.dumps({**line, "id": f"n{i}"}) + "\n" for i in range(30_000)))
    assert window.open_project(tmp_path / "new.curator", create=True)
    wait_idle(window)
    cancelled = []
    window.runner.cancelled.connect(cancelled.append)
    window.runner.progressed.connect(lambda p: window.cancel_button.click())
    window.import_paths([big])
    wait_idle(window)
    assert cancelled == ["Importing"]
    with Store.open(tmp_path / "new.curator") as store:
        assert store.record_count() == 0
    assert "cancelled" in window.statusBar().currentMessage()


def test_invalid_only_filter(qtbot, window, wait_idle, demo_project: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    window.invalid_only.setChecked(True)
    wait_idle(window)
    assert window.model.rowCount() == 2
    assert "2 shown of 38 records" in window.counts.text()


def test_filter_by_finding_code(qtbot, window, wait_idle, demo_project: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    combo = window.code_filter
    index = next(i for i in range(combo.count()) if combo.itemData(i) == "invalid_weight")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    wait_idle(window)
    assert window.model.rowCount() == 1
    assert window.model.row_data(0)["key"] == "acme-bad-3"


def test_search_finds_words_in_any_message(qtbot, window, wait_idle, demo_project: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    qtbot.keyClicks(window.search, "nonprofit")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    wait_idle(window)
    assert [window.model.row_data(r)["key"] for r in range(window.model.rowCount())] == [
        "acme-019"]


def test_review_keys_save_and_move_on_and_undo(qtbot, window, wait_idle, demo_project: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    window.select_row(0)
    first = window.model.row_data(0)["key"]
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A)
    wait_idle(window)
    assert review_of(demo_project, first) == "accepted"
    assert window.current_row() == 1
    assert "1 of 38 reviewed" in window.review_progress.text()
    qtbot.keyClick(window.table, Qt.Key.Key_R)
    wait_idle(window)
    second = window.model.row_data(1)["key"]
    assert review_of(demo_project, second) == "rejected"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    assert review_of(demo_project, second) == "unreviewed"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    assert review_of(demo_project, first) == "unreviewed"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    wait_idle(window)
    assert review_of(demo_project, first) == "accepted"


def test_review_decisions_are_in_the_audit_trail(qtbot, window, wait_idle, demo_project: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    window.select_row(0)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_E)
    wait_idle(window)
    with Store.open(demo_project) as store:
        reviews = [e for e in store.events() if e["action"] == "review"]
    assert reviews[-1]["actor"] == "tester"
    assert reviews[-1]["detail"] == {"before": "unreviewed", "after": "needs-edit"}


def test_next_unreviewed_skips_reviewed_records(qtbot, window, wait_idle, demo_project: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    window.select_row(0)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A)
    wait_idle(window)
    window.select_row(0)
    qtbot.keyClick(window.table, Qt.Key.Key_N)
    assert window.current_row() == 1


def test_edit_is_a_revision_with_undo_and_redo(qtbot, window, wait_idle, demo_project: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    window.select_row(0)
    record_id = window.current_id
    window.record_view.message_edited.emit(1, "Edited answer.")
    wait_idle(window)
    with Store.open(demo_project) as store:
        (rev,) = revisions(store, record_id)
        assert rev["after"]["messages"][1]["content"] == "Edited answer."
        original = rev["before"]["messages"][1]["content"]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    with Store.open(demo_project) as store:
        history = revisions(store, record_id)
        assert history[-1]["after"]["messages"][1]["content"] == original
        raw = store.db.execute("SELECT raw FROM records WHERE id = ?", (record_id,)).fetchone()
        assert original in raw[0].decode()  # the imported line is never overwritten
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    with Store.open(demo_project) as store:
        assert revisions(store, record_id)[-1]["after"]["messages"][1]["content"] == \
            "Edited answer."


def test_cli_import_while_the_window_is_open_shows_up(qtbot, window, wait_idle,
                                                     demo_project: Path, tmp_path: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    window.select_row(0)
    window.table.setFocus()
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"messages": [{"role": "user", "content": "x"},
                                              {"role": "assistant", "content": "y"}]}) + "\n")
    child = subprocess.Popen([sys.executable, "-m", "curator", "import", str(demo_project),
                              str(extra)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    qtbot.keyClick(window.table, Qt.Key.Key_A)  # the window writes while the CLI does
    assert child.wait(timeout=60) == 0
    qtbot.waitUntil(lambda: window.model.rowCount() == 39, timeout=10_000)
    wait_idle(window)
    with Store.open(demo_project) as store:
        assert store.record_count() == 39
        assert [e["action"] for e in store.events()].count("review") == 1


def test_kill_after_reviews_keeps_every_decision(demo_project: Path, tmp_path: Path) -> None:
    script = tmp_path / "review_then_die.py"
    script.write_text(f"""
import os, signal, sys
from pathlib import Path
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from curator.app.main_window import MainWindow
app = QApplication([])
window = MainWindow(QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat), "ana")
window.show()
def idle():
    while window.runner.busy:
        app.processEvents()
    app.processEvents()
window.open_project(Path({str(demo_project)!r}))
idle()
window.select_row(0)
for state in ("accepted", "rejected", "needs-edit"):
    window.review(state)
    idle()
os.kill(os.getpid(), signal.SIGKILL)
""")
    child = subprocess.run([sys.executable, str(script)], cwd=ROOT, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(ROOT),
                                "QT_QPA_PLATFORM": "offscreen"})
    assert child.returncode == -9
    with Store.open(demo_project) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        states = [r[0] for r in store.db.execute("SELECT review FROM records ORDER BY id")]
    assert states[:3] == ["accepted", "rejected", "needs-edit"]


def test_record_table_model_passes_qtmodeltester(qtbot, window, wait_idle, demo_project: Path,
                                                 qtmodeltester) -> None:
    open_demo(window, demo_project, wait_idle)
    qtmodeltester.check(window.model)


def test_not_a_project_is_refused_with_a_message(qtbot, window, wait_idle, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.curator"
    bogus.write_text("hello")
    assert not window.open_project(bogus)
    assert "not a Curator project" in window.statusBar().currentMessage()


def test_widgets_have_accessible_names(qtbot, window, wait_idle, demo_project: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    for widget in (window.search, window.review_filter, window.kind_filter,
                   window.code_filter, window.source_filter, window.invalid_only,
                   window.table, window.record_view, window.dashboard):
        assert widget.accessibleName()


def test_dashboard_tab_loads(qtbot, window, wait_idle, demo_project: Path) -> None:
    open_demo(window, demo_project, wait_idle)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    assert window.tabs.currentIndex() == 1


def test_screenshot_command_writes_a_png(demo_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "curator", "gui", str(demo_project),
                    "--screenshot", str(out)], check=True, env=env, cwd=ROOT, timeout=120)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dropping_files_imports_and_checks_them(qtbot, window, wait_idle,
                                                tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    assert window.open_project(tmp_path / "new.curator", create=True)
    wait_idle(window)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in sample_files()])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    wait_idle(window)
    assert window.model.rowCount() == 38
    assert "10 open findings" in window.counts.text()


def test_recent_projects_are_remembered(qtbot, window, wait_idle, demo_project: Path,
                                        settings) -> None:
    open_demo(window, demo_project, wait_idle)
    assert settings.value("recent")[0] == str(demo_project.resolve())
    assert [a.text() for a in window.recent_menu.actions()] == [str(demo_project.resolve())]


def test_about_names_the_versions() -> None:
    from curator import __version__
    from curator.app.main_window import about_text

    text = about_text()
    assert __version__ in text and "Qt" in text and "SQLite" in text


def test_keyboard_only_review_after_opening(qtbot, window, wait_idle, demo_project: Path
                                            ) -> None:
    open_demo(window, demo_project, wait_idle)
    assert window.table.hasFocus()
    focused = window.focusWidget()
    qtbot.keyClick(focused, Qt.Key.Key_A)
    wait_idle(window)
    assert review_of(demo_project, window.model.row_data(0)["key"]) == "accepted"
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()
    qtbot.keyClicks(window.search, "refund")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    wait_idle(window)
    assert window.table.hasFocus()
    assert window.model.rowCount() >= 1
