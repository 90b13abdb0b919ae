"""`curator repair PROJECT --python-literals`: lines written with str() become records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run


def example(i: int) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": f"Question {i}?"},
                         {"role": "assistant", "content": f"It's answer {i}.", "weight": 1}]}


@pytest.fixture
def project(tmp_path: Path) -> str:
    lines = [str(example(i)) for i in range(3)]
    lines += ["{'messages': [{'role': 'user', 'content': 'cut", json.dumps(example(9)),
              str({"foo": True})]
    data = tmp_path / "user.jsonl"
    data.write_text("\n".join(lines) + "\n")
    path = str(tmp_path / "p.curator")
    code, _, _ = run("import", path, str(data))
    assert code == 0
    return path


def test_repair_json_says_how_many_were_repaired_and_why_not(project: str) -> None:
    code, out, _ = run("--as", "alice", "repair", project, "--python-literals", "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["repaired"], doc["failed"]) == (3, 2)
    assert doc["reasons"] == {"not_python_literal": 1, "missing_messages_list": 1}
    assert {f["record"] for f in doc["failures"]} == {"user.jsonl:4", "user.jsonl:6"}
    assert "undo" not in doc
    code, out, _ = run("stats", project, "--json")
    assert json.loads(out)["valid"] == 4
    code, out, _ = run("scan", project, "--only", "schema", "--json")
    codes = json.loads(out)["codes"]
    # Only the literal that is no chat example is left unreadable.
    assert codes["python_literal"] == 1 and codes["python_literal_repaired"] == 3


def test_repair_text_names_counts_and_reasons(project: str) -> None:
    code, out, _ = run("repair", project, "--python-literals")
    assert code == 0
    assert "Repaired 3 of 5 unreadable lines" in out
    assert "2 lines could not be repaired" in out
    assert "not a Python literal either" in out and "line 4" in out.lower()
    assert f"curator scan {project}" in out
    code, out, _ = run("repair", project, "--python-literals")
    assert code == 0 and "Repaired 0 of 2 unreadable lines" in out


def test_repair_needs_to_be_told_what_to_repair(project: str) -> None:
    code, _, err = run("repair", project)
    assert code == 2 and "--python-literals" in err
