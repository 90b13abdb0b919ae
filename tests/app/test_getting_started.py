"""Getting started: a project that does not exist yet, an import with none open, and
the summary of what an import did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from curator.core.resources import sample_files
from curator.core.store import Store


def write_file(path: Path, lines: list[object]) -> Path:
    path.write_text("".join((json.dumps(x) if not isinstance(x, str) else x) + "\n"
                            for x in lines))
    return path


def example(n: int) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": f"question {n}"},
                         {"role": "assistant", "content": f"answer {n}"}]}


def test_a_missing_project_is_offered_and_created(qtbot, window, wait_idle, questions,
                                                  tmp_path: Path) -> None:
    target = tmp_path / "new.curator"
    questions.answer = "Create project"
    assert window.projects.open_or_create(target)
    wait_idle(window)
    assert "There is no project at" in questions.asked[0]
    assert target.exists() and window.project == target
    with Store.open(target) as store:
        assert store.record_count() == 0


def test_declining_to_create_a_project_creates_nothing(qtbot, window, questions,
                                                       tmp_path: Path) -> None:
    target = tmp_path / "new.curator"
    questions.answer = "Cancel"
    assert not window.projects.open_or_create(target)
    assert not target.exists() and window.project is None


def test_an_existing_project_opens_without_a_question(qtbot, window, wait_idle, questions,
                                                      demo_project: Path) -> None:
    assert window.projects.open_or_create(demo_project)
    wait_idle(window)
    assert questions.asked == [] and window.project == demo_project


def test_import_with_no_project_offers_one_beside_the_first_file(
        qtbot, window, wait_idle, questions, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_file(tmp_path / "chats.jsonl", [example(1), example(2)])
    offered: list[str] = []

    def save_as(parent, title, where, filters):  # type: ignore[no-untyped-def]
        offered.append(where)
        return where, filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    questions.answer = "Create project…"
    window.import_paths([data])
    wait_idle(window)
    assert "No project is open" in questions.asked[0]
    assert offered == [str(tmp_path / "chats.curator")]
    assert window.project == tmp_path / "chats.curator"
    assert window.model.rowCount() == 2


def test_import_with_no_project_declined_creates_nothing(qtbot, window, questions,
                                                         tmp_path: Path) -> None:
    data = write_file(tmp_path / "chats.jsonl", [example(1)])
    questions.answer = "Cancel"
    window.import_paths([data])
    assert window.project is None
    assert list(tmp_path.glob("*.curator")) == []


def test_the_import_summary_lists_every_file(qtbot, window, wait_idle, tmp_path: Path
                                             ) -> None:
    assert window.open_project(tmp_path / "p.curator", create=True)
    wait_idle(window)
    first = sample_files()[0]
    window.import_paths([first])
    wait_idle(window)
    files = [write_file(tmp_path / f"file-{n:02}-with-a-rather-long-name.jsonl",
                        [example(n), example(n + 100), "{not json"]) for n in range(12)]
    missing = tmp_path / "missing.jsonl"
    window.import_paths([*files, first, missing])
    wait_idle(window)
    summary = window.transfer.summary
    assert summary is not None and summary.isVisible()
    rows = summary.rows()
    assert len(rows) == 14                                  # every file, none cut off
    assert rows[0][:3] == [files[0].name, "3", "1"]
    assert all(r[1:3] == ["3", "1"] for r in rows[:12])
    assert rows[12][0] == first.name and rows[12][3].startswith("Skipped: already imported")
    assert rows[13][0] == "missing.jsonl" and rows[13][3].startswith("Failed:")
    total = window.statusBar().currentMessage()
    assert total == ("Imported 36 records from 12 files, 12 invalid lines, 1 file already "
                     "imported, 1 file failed.")


def test_one_clean_file_needs_no_summary(qtbot, window, wait_idle, tmp_path: Path) -> None:
    assert window.open_project(tmp_path / "p.curator", create=True)
    wait_idle(window)
    window.import_paths([write_file(tmp_path / "one.jsonl", [example(1)])])
    wait_idle(window)
    assert window.transfer.summary is None
    assert window.statusBar().currentMessage() == "Imported 1 record from 1 file."
