"""`curator labels import` says what it rejected, exits 1 then, and counts in good English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run


@pytest.fixture
def project(tmp_path: Path) -> str:
    data = tmp_path / "chats.jsonl"
    data.write_text("\n".join(json.dumps({"id": f"r{i}", "messages": [
        {"role": "user", "content": f"Question {i}?"},
        {"role": "assistant", "content": f"Answer {i}."}]}) for i in range(3)) + "\n")
    path = str(tmp_path / "p.curator")
    assert run("import", path, str(data))[0] == 0
    return path


def test_rejected_rows_exit_1_and_are_explained_by_reason(project: str, tmp_path: Path
                                                          ) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("record,annotator,field,value\n"
                      "r1,ann,topic,maths\n"
                      "r99,ann,topic,maths\n"
                      "r98,ann,topic,art\n"
                      "r2,,topic,art\n")
    code, out, err = run("labels", "import", project, str(labels))
    assert code == 1
    assert "1 label set" in out and "1 labels" not in out
    assert "Read 4 rows" in out
    assert "3 of 4 rows were rejected" in err
    # Grouped by reason, with counts and the first lines of each.
    assert "record not in the project: 2 rows (line 3" in err
    assert "line 4" in err and 'no record with the key "r98"' in err
    assert "empty record, annotator or field: 1 row (line 5" in err
    assert "rows name records" not in err


def test_rejected_rows_exit_1_with_json_too(project: str, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"record": "r1", "annotator": "ann", "field": "topic", "value": "a"}\n'
                      "not json\n")
    code, out, _ = run("labels", "import", project, str(labels), "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["labels_set"] == 1
    assert [(r["line"], r["code"]) for r in doc["rejected"]] == [(2, "not_json")]


def test_a_clean_labels_file_exits_0(project: str, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("record,annotator,field,value\nr1,ann,topic,maths\nr2,ann,topic,art\n")
    code, out, err = run("labels", "import", project, str(labels))
    assert code == 0 and err == ""
    assert "Read 2 rows: 2 labels set, 0 unchanged." in out


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    data = tmp_path / "one.jsonl"
    data.write_text(json.dumps({"id": "r0", "messages": [
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}) + "\n")
    project = str(tmp_path / "p.curator")
    code, out, _ = run("import", project, str(data))
    assert code == 0 and "1 record (1 valid, 0 invalid, 0 blank lines)" in out
    code, out, _ = run("scan", project, "--only", "schema")
    assert "Checked 1 record " in out
    code, out, _ = run("stats", project)
    assert out.startswith("1 record: 1 valid, 0 invalid; 0 reviewed")
    code, _, err = run("findings", project)
    assert err.strip() == "1 finding"
    labels = tmp_path / "labels.csv"
    labels.write_text("record,annotator,field,value\nr0,ann,topic,maths\n")
    code, out, _ = run("labels", "import", project, str(labels))
    assert code == 0 and "Read 1 row: 1 label set" in out
    code, out, _ = run("labels", "export", project, str(tmp_path / "back.csv"))
    assert "Wrote 1 label to" in out


def test_one_plural_helper_for_the_whole_command_line() -> None:
    from curator import cli_records
    from curator.core.text import plural

    assert plural(1, "row") == "1 row" and plural(2, "row") == "2 rows"
    assert plural(0, "finding") == "0 findings" and plural(1200, "label") == "1,200 labels"
    assert plural(2, "entry", "entries") == "2 entries"
    assert not hasattr(cli_records, "_plural")
