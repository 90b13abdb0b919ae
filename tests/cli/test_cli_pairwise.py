"""Pairwise labels on the command line (issue 17): import, agreement, a decision that
swaps the pair."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from curator.cli import cli
from curator.core import preference
from curator.core.labeling.assignment import add_annotator
from curator.core.store import Store
from curator.core.store.browse import record_detail

DATA = Path(__file__).resolve().parents[1] / "data"


def run(*args: str, user: str = "dana") -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False,
                                env={"CURATOR_USER": user})
    return result.exit_code, result.stdout, result.stderr


def test_import_agree_and_decide_a_pairwise_field(tmp_path: Path) -> None:
    project = str(tmp_path / "p.curator")
    assert run("import", project, str(DATA / "openai_dpo_example.jsonl"))[0] == 0
    with Store.open(Path(project)) as store:
        keys = [k for (k,) in store.db.execute("SELECT key FROM records ORDER BY id LIMIT 3")]
        add_annotator(store, "judge", "adjudicator")
        first = record_detail(store, store.db.execute(
            "SELECT id FROM records WHERE key = ?", (keys[0],)).fetchone()[0])
    chosen = preference.outputs(first["conversation"])[0]
    rows = [{"record": keys[0], "annotator": "ann", "field": "better",
             "value": {"better": "B", "shown": ["B", "A"]}},
            {"record": keys[0], "annotator": "bob", "field": "better", "value": "A"},
            {"record": keys[1], "annotator": "ann", "field": "better", "value": "tie"},
            {"record": keys[1], "annotator": "bob", "field": "better", "value": "TIE"}]
    labels_file = tmp_path / "labels.jsonl"
    labels_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, _ = run("labels", "import", project, str(labels_file), "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["created_fields"][0]["kind"] == "pairwise"
    assert report["labels_set"] == 4

    code, out, _ = run("agreement", project, "--field", "better", "--json")
    assert code == 0, out
    agreement = json.loads(out)
    assert (agreement["items"], agreement["percent_agreement"]) == (2, 0.5)

    code, out, _ = run("adjudicate", project, keys[0], "--field", "better", "--value", "B",
                       "--json", user="judge")
    assert code == 0, out
    decided = json.loads(out)
    assert decided["final"] == "B" and decided["swapped"] is True
    with Store.open(Path(project)) as store:
        now = record_detail(store, first["id"])["conversation"]
    assert preference.outputs(now)[1] == chosen     # the file's chosen is rejected now

    out_file = tmp_path / "out.csv"
    assert run("labels", "export", project, str(out_file))[0] == 0
    assert '"{""better"":""B"",""shown"":[""B"",""A""]}"' in out_file.read_text()
