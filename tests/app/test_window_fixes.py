"""Small things the window got wrong (issue 20): F2 from the table, the token count after
an edit, a way to the adjudicator role, and asking before rejecting many records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from curator.core.checks.embed import HashingEmbedder
from curator.core.checks.models import ModelCache
from curator.core.store import Store
from curator.core.store.review import revisions


def open_project(window, path: Path, wait_idle) -> None:  # type: ignore[no-untyped-def]
    assert window.open_project(path)
    wait_idle(window)


def row_of_key(window, key: str) -> int:  # type: ignore[no-untyped-def]
    keys = [window.model.row_data(r)["key"] for r in range(window.model.rowCount())]
    return keys.index(key)


# -- F2 ---------------------------------------------------------------------------------


def test_f2_in_the_table_edits_the_last_answer(qtbot, window, wait_idle,
                                               demo_project: Path) -> None:
    open_project(window, demo_project, wait_idle)
    window.select_row(row_of_key(window, "acme-tool-1"))  # answers: a tool call, then text
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F2)
    bubble = window.record_view.bubble(4)
    assert bubble is not None and bubble.editor is not None
    assert not window.record_view.bubble(2).editing       # the tool call is not text
    bubble.editor.selectAll()
    qtbot.keyClicks(bubble.editor, "Done.")
    qtbot.keyClick(bubble.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    with Store.open(demo_project) as store:
        (revision,) = revisions(store, window.current_id)
    assert revision["after"]["messages"][4]["content"] == "Done."


def test_f2_on_an_unreadable_line_says_there_is_nothing_to_edit(
        qtbot, window, wait_idle, demo_project: Path) -> None:
    open_project(window, demo_project, wait_idle)
    window.select_row(row_of_key(window, "acme_support.jsonl:33"))
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F2)
    assert "no assistant answer to edit" in window.statusBar().currentMessage()


# -- the token count after an edit ------------------------------------------------------


def test_the_header_shows_the_edited_revisions_token_count(qtbot, window, wait_idle,
                                                          demo_project: Path) -> None:
    from curator.core.checks.tokens import TokenCounter

    open_project(window, demo_project, wait_idle)
    window.select_row(row_of_key(window, "acme-002"))
    before = window.record_view.meta_label.text()
    assert "78 tokens" in before
    window.record_view.message_edited.emit(2, "Sorry! " + "Please try again later. " * 20)
    wait_idle(window)
    with Store.open(demo_project) as store:
        count = TokenCounter().count(json.loads(store.record("acme-002")["canonical"]))[0]
    assert count > 78
    assert f"{count:,} tokens" in window.record_view.meta_label.text()
    assert "revision 1" in window.record_view.meta_label.text()
    assert window.model.row_data(window.current_row())["tokens"] == count


# -- adjudication -----------------------------------------------------------------------


def test_adjudication_offers_the_annotators_dialog_to_become_adjudicator(
        qtbot, window, wait_idle, demo_project: Path, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    from curator.app import label_setup

    open_project(window, demo_project, wait_idle)
    window.tabs.setCurrentWidget(window.adjudication)
    view = window.adjudication
    assert not view.allowed
    assert view.role_note.isVisible() and view.role_button.isVisible()
    shown: list[tuple[str, str]] = []

    def fake_exec(dialog) -> int:  # type: ignore[no-untyped-def]
        shown.append((dialog.person_name.text(), str(dialog.person_role.currentData())))
        dialog.add_person_button.click()              # what the user does in it
        return 0

    monkeypatch.setattr(label_setup.BatchDialog, "exec", fake_exec)
    qtbot.mouseClick(view.role_button, Qt.MouseButton.LeftButton)
    assert shown == [("tester", "adjudicator")]
    assert view.allowed
    assert not view.role_note.isVisible() and not view.role_button.isVisible()


# -- keep one of a group ----------------------------------------------------------------


@pytest.fixture
def five_copies(tmp_path: Path) -> Path:
    """A project whose five records say the same thing: one exact-duplicate group."""
    from curator.core.checks.scan import scan
    from curator.core.ingest import import_files
    from curator.core.jobs import run_job

    data = tmp_path / "copies.jsonl"
    line = {"messages": [{"role": "user", "content": "Where is my parcel?"},
                         {"role": "assistant", "content": "It ships tomorrow."}]}
    data.write_text("".join(json.dumps({**line, "id": f"c{n}"}) + "\n" for n in range(5)))
    project = tmp_path / "copies.curator"
    with Store.open(project, create=True) as store:
        run_job(import_files(store, [data], actor="t"))
        run_job(scan(store, ["duplicates"], actor="t", embedder=HashingEmbedder()))
    return project


def reviews(project: Path) -> dict[str, str]:
    with Store.open(project) as store:
        return dict(store.db.execute("SELECT key, review FROM records ORDER BY key"))


def keep_first(window, wait_idle) -> None:  # type: ignore[no-untyped-def]
    window.tabs.setCurrentWidget(window.duplicates_tab)
    wait_idle(window)
    (group,) = window.duplicates._clusters
    window.duplicates.select_cluster(group["id"])
    window.duplicates.panels[0].keep_button.click()
    wait_idle(window)


def test_keeping_one_asks_before_rejecting_several(qtbot, window, wait_idle, questions,
                                                   five_copies: Path) -> None:
    window.models = ModelCache(embedder=HashingEmbedder())
    open_project(window, five_copies, wait_idle)
    questions.answer = "Cancel"
    keep_first(window, wait_idle)
    assert "Reject 4 other records of this group?" in questions.asked[0]
    assert "Undo with Ctrl+Z" in questions.asked[0]
    assert set(reviews(five_copies).values()) == {"unreviewed"}
    questions.answer = "Reject 4"
    keep_first(window, wait_idle)
    assert sorted(reviews(five_copies).values()) == ["rejected"] * 4 + ["unreviewed"]
    window.undo_stack.undo()
    wait_idle(window)
    assert set(reviews(five_copies).values()) == {"unreviewed"}
