"""`curator agreement` reports Krippendorff's alpha with its bootstrap interval by default."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import run


def labelled_project(tmp_path: Path) -> str:
    data = tmp_path / "chats.jsonl"
    data.write_text("\n".join(json.dumps({"id": f"r{i}", "messages": [
        {"role": "user", "content": f"Question {i}?"},
        {"role": "assistant", "content": f"Answer {i}."}]}) for i in range(12)) + "\n")
    project = str(tmp_path / "p.curator")
    assert run("import", project, str(data))[0] == 0
    rows = ["record,annotator,field,value"]
    for i in range(12):
        rows.append(f"r{i},ann,topic,{'a' if i % 2 else 'b'}")
        rows.append(f"r{i},bob,topic,{'a' if i % 2 or i in (4, 6) else 'b'}")
    labels = tmp_path / "labels.csv"
    labels.write_text("\n".join(rows) + "\n")
    assert run("labels", "import", project, str(labels))[0] == 0
    return project


def test_agreement_json_has_the_alpha_interval_by_default(tmp_path: Path) -> None:
    project = labelled_project(tmp_path)
    code, out, _ = run("agreement", project, "--field", "topic", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ci"] is not None and doc["ci"]["samples"] == 1000
    low, high = doc["ci"]["krippendorff_alpha"]
    assert low <= doc["krippendorff_alpha"] <= high
    code, out, _ = run("agreement", project, "--field", "topic", "--json", "--bootstrap", "0")
    assert code == 0 and json.loads(out)["ci"] is None


def test_agreement_text_shows_the_interval(tmp_path: Path) -> None:
    project = labelled_project(tmp_path)
    code, out, _ = run("agreement", project, "--field", "topic")
    assert code == 0
    alpha_line = next(line for line in out.splitlines() if "Krippendorff" in line)
    assert "95% CI" in alpha_line and "[" in alpha_line
