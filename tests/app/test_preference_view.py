"""Reviewing preference pairs in the window (issue 17): the prompt and the answers side by
side with their differences marked, swap and edit as undoable revisions, and the export
afterwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor, QTextFormat

from curator.app.chat_text import changed_words
from curator.app.message_bubble import MessageBubble
from curator.app.preference_view import DIFF_TAG, side_diff
from curator.app.record_view import RecordView
from curator.cli import cli
from curator.core import preference
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.store.browse import record_detail
from curator.core.store.review import revisions

DATA = Path(__file__).resolve().parents[1] / "data"
TRL = {"prompt": [{"role": "user", "content": "What colour is the sky on a clear day?"}],
       "chosen": [{"role": "assistant", "content": "The sky is blue on a clear day."}],
       "rejected": [{"role": "assistant", "content": "The sky is green on a clear day."}]}
LLAMA_FACTORY = {"conversations": [{"from": "human", "value": "Name a prime number."}],
                 "chosen": {"from": "gpt", "value": "Seven is a prime number."},
                 "rejected": {"from": "gpt", "value": "Nine is a prime number."}}


def project_with(tmp_path: Path, *files: Path) -> Path:
    path = tmp_path / "pairs.curator"
    with Store.open(path, create=True) as store:
        run_job(import_files(store, list(files)))
    return path


def line_file(tmp_path: Path, name: str, *objs: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    return path


def first_detail(path: Path) -> dict[str, Any]:
    with Store.open(path) as store:
        rid = store.db.execute("SELECT MIN(id) FROM records").fetchone()[0]
        return record_detail(store, rid)


@pytest.fixture
def view(qtbot) -> RecordView:  # type: ignore[no-untyped-def]
    widget = RecordView()
    qtbot.addWidget(widget)
    widget.resize(1000, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def texts(bubbles: list[MessageBubble]) -> list[str]:
    return [b.full_text for b in bubbles]


def marked_at(bubble: MessageBubble, word: str) -> bool:
    """Whether ``word`` (its first occurrence) is drawn with a diff mark in the bubble."""
    start = bubble.text_view.toPlainText().index(word)
    cursor = QTextCursor(bubble.text_view.document())
    cursor.setPosition(start + 1)
    fmt = cursor.charFormat()
    return fmt.property(QTextFormat.Property.UserProperty) == DIFF_TAG \
        and fmt.background().color().alpha() > 0


@pytest.mark.parametrize("shape", ["openai", "hh", "trl", "sharegpt"])
def test_prompt_and_both_answers_are_shown_for_every_shape(view: RecordView, tmp_path: Path,
                                                           shape: str) -> None:
    source = {"openai": DATA / "openai_dpo_example.jsonl",
              "hh": DATA / "anthropic_hh_rlhf_harmless_test_300.jsonl",
              "trl": line_file(tmp_path, "trl.jsonl", TRL),
              "sharegpt": line_file(tmp_path, "lf.jsonl", LLAMA_FACTORY)}[shape]
    detail = first_detail(project_with(tmp_path, source))
    conv = detail["conversation"]
    assert detail["format"] == "preference"
    view.show_record(detail)
    answers = view.scroll.answers
    assert answers is not None
    prompt = preference.prompt(conv)
    assert len(view.bubbles) == len(prompt) >= 1
    assert view.bubbles[-1].role == "user"
    chosen, rejected = preference.outputs(conv)
    assert texts(answers.columns[0]) == [m["content"] for m in chosen]
    assert texts(answers.columns[1]) == [m["content"] for m in rejected]
    assert answers.columns[0][0].title.text().startswith("Chosen")
    assert answers.columns[1][0].title.text().startswith("Rejected")
    assert answers.swap_button.isVisible()
    # side by side: the two columns start at the same height, one left of the other
    left, right = answers.columns[0][0], answers.columns[1][0]
    assert left.mapTo(answers, left.rect().topLeft()).y() == \
        right.mapTo(answers, right.rect().topLeft()).y()
    assert left.mapTo(answers, left.rect().topRight()).x() < \
        right.mapTo(answers, right.rect().topLeft()).x()


def test_the_differing_words_are_marked(view: RecordView, tmp_path: Path) -> None:
    view.show_record(first_detail(project_with(tmp_path, line_file(tmp_path, "t.jsonl", TRL))))
    answers = view.scroll.answers
    assert answers is not None
    assert answers.marked(0) == ["blue"]
    assert answers.marked(1) == ["green"]
    chosen, rejected = answers.columns[0][0], answers.columns[1][0]
    assert marked_at(chosen, "blue") and marked_at(rejected, "green")
    assert not marked_at(chosen, "sky") and not marked_at(rejected, "clear")


def test_word_diff_across_messages() -> None:
    assert changed_words("a b c", "a b c") == []
    assert changed_words("one two three", "one 2 three") == [(4, 7)]
    # a side of two messages compared whole: each message gets its own ranges
    assert side_diff(["same start", "then new"], ["same start", "then old"]) == [[], [(5, 8)]]


def test_a_chat_shows_no_answer_columns(view: RecordView) -> None:
    view.show_record({"id": 1, "key": "c", "line": 1, "item": None, "raw": b"{}",
                      "valid": True, "format": "openai", "conversation": {"messages": [
                          {"role": "user", "content": "Hi"},
                          {"role": "assistant", "content": "Hello"}]},
                      "error_code": None, "error": None, "review": "unreviewed",
                      "revision": 0, "tokens": None, "source": "a", "findings": []})
    assert view.scroll.answers is None


def test_read_only_answers_cannot_be_swapped_or_edited(view: RecordView,
                                                       tmp_path: Path) -> None:
    view.read_only = True
    view.show_record(first_detail(project_with(tmp_path, line_file(tmp_path, "t.jsonl", TRL))))
    answers = view.scroll.answers
    assert answers is not None
    assert not answers.swap_button.isVisible()
    assert not any(b.editable for b in answers.bubbles)
    assert not view.edit_last_answer()


# -- in the window: swap, edit, undo, export ------------------------------------------------

def open_pairs(window, wait_idle, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = project_with(tmp_path, line_file(tmp_path, "t.jsonl", TRL, LLAMA_FACTORY))
    assert window.open_project(path)
    wait_idle(window)
    window.select_row(0)
    return path


def shown_answers(window) -> list[str]:  # type: ignore[no-untyped-def]
    answers = window.record_view.scroll.answers
    return [column[0].full_text for column in answers.columns]


def stored_answers(path: Path, record_id: int) -> list[str]:
    with Store.open(path) as store:
        conv = record_detail(store, record_id)["conversation"]
    return [side[0]["content"] for side in preference.outputs(conv)]


def export_lines(path: Path, out: Path) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["export", str(path), str(out), "--format", "trl",
                                      "--pii", "keep", "--val-fraction", "0", "--accept", "size"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    lines = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    return {line["prompt"][-1]["content"]: line for line in lines}


def test_swap_is_a_revision_undo_restores_and_export_follows(
        qtbot, window, wait_idle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = open_pairs(window, wait_idle, tmp_path)
    rid = window.current_id
    original = stored_answers(path, rid)
    assert original == ["The sky is blue on a clear day.", "The sky is green on a clear day."]
    qtbot.mouseClick(window.record_view.scroll.answers.swap_button, Qt.MouseButton.LeftButton)
    wait_idle(window)
    assert stored_answers(path, rid) == original[::-1]
    assert shown_answers(window) == original[::-1]
    with Store.open(path) as store:
        (rev,) = revisions(store, rid)
        assert (rev["note"], rev["author"]) == ("swap", "tester")
        raw = store.db.execute("SELECT raw FROM records WHERE id = ?", (rid,)).fetchone()[0]
        assert json.loads(raw) == TRL  # the imported line stays as it was
    # the export writes the swapped pair: chosen and rejected exchanged
    line = export_lines(path, tmp_path / "out1")[TRL["prompt"][0]["content"]]
    assert line["chosen"] == TRL["rejected"] and line["rejected"] == TRL["chosen"]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    assert stored_answers(path, rid) == original
    assert shown_answers(window) == original
    line = export_lines(path, tmp_path / "out2")[TRL["prompt"][0]["content"]]
    assert line["chosen"] == TRL["chosen"] and line["rejected"] == TRL["rejected"]


def test_the_swap_key_and_a_chat(qtbot, window, wait_idle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = open_pairs(window, wait_idle, tmp_path)
    rid = window.current_id
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_S)
    wait_idle(window)
    assert stored_answers(path, rid) == [TRL["rejected"][0]["content"],
                                         TRL["chosen"][0]["content"]]
    assert window.current_id == rid  # a swap does not move on
    assert window.undo_stack.undoText() == "Swap chosen and rejected"


def test_editing_an_answer_is_a_revision_and_undoable(
        qtbot, window, wait_idle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = open_pairs(window, wait_idle, tmp_path)
    rid = window.current_id
    answers = window.record_view.scroll.answers
    rejected = answers.columns[1][0]
    assert rejected.edit_button is not None and rejected.edit_button.isVisible()
    qtbot.mouseClick(rejected.edit_button, Qt.MouseButton.LeftButton)
    assert rejected.editor is not None
    rejected.editor.selectAll()
    qtbot.keyClicks(rejected.editor, "The sky is grey.")
    qtbot.keyClick(rejected.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    assert stored_answers(path, rid) == [TRL["chosen"][0]["content"], "The sky is grey."]
    assert window.undo_stack.undoText() == "Edit rejected answer"
    with Store.open(path) as store:
        (rev,) = revisions(store, rid)
        assert rev["note"] == "edit"
    # the new text is shown, its differences marked again
    assert shown_answers(window)[1] == "The sky is grey."
    assert window.record_view.scroll.answers.marked(1) == ["grey."]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_idle(window)
    assert stored_answers(path, rid) == [m[0]["content"]
                                         for m in (TRL["chosen"], TRL["rejected"])]


def test_f2_edits_the_chosen_answer(qtbot, window, wait_idle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    open_pairs(window, wait_idle, tmp_path)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F2)
    answers = window.record_view.scroll.answers
    assert answers.columns[0][0].editor is not None
    assert answers.columns[1][0].editor is None
