"""The command line never deletes or overwrites what it did not write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of 21 records in tmp_path, beside its data and a file of the user's."""
    data = tmp_path / "chats.jsonl"
    data.write_text("\n".join(json.dumps({"id": f"r{i}", "messages": [
        {"role": "user", "content": f"Question number {i}?"},
        {"role": "assistant", "content": f"Answer number {i}."}]}) for i in range(21)) + "\n")
    (tmp_path / "notes.txt").write_text("mine")
    path = tmp_path / "p.curator"
    assert run("import", str(path), str(data))[0] == 0
    labels = tmp_path / "labels.csv"
    labels.write_text("record,annotator,field,value\nr1,ann,topic,maths\n")
    assert run("labels", "import", str(path), str(labels))[0] == 0
    return path


def test_export_overwrite_into_the_project_folder_is_refused(project: Path) -> None:
    code, out, err = run("export", str(project), str(project.parent), "--overwrite",
                         "--pii", "keep")
    assert code == 1 and "project" in err and "Exported" not in out
    assert project.is_file() and (project.parent / "notes.txt").read_text() == "mine"
    assert run("stats", str(project), "--json")[0] == 0


def test_labels_export_onto_the_project_is_refused(project: Path) -> None:
    size = project.stat().st_size
    code, _, err = run("labels", "export", str(project), str(project))
    assert code == 1 and "project" in err
    assert project.stat().st_size == size
    assert run("stats", str(project), "--json")[0] == 0


def test_labels_export_asks_for_overwrite(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    code, _, err = run("labels", "export", str(project), str(target))
    assert code == 1 and "--overwrite" in err
    assert target.read_text() == "mine"
    assert run("labels", "export", str(project), str(target), "--overwrite")[0] == 0
    assert target.read_text().startswith("record,annotator,field,value")
