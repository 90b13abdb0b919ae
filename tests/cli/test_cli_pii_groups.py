"""`curator findings --kind pii --group`: the grouped personal-data queue, scriptable."""

from __future__ import annotations

import json
from pathlib import Path

import presidio_analyzer  # noqa: F401  (required: a missing one fails the run)

from curator.core.checks import pii
from curator.core.checks.scan import scan
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.store import Store
from tests.cli.test_cli import run

SYSTEM = "You are the assistant of Dr. Helga Brandt's dental practice."


def scanned(tmp_path: Path, analyzer: pii.Analyzer) -> Path:
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps({"id": f"r{i}", "messages": [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": user},
        {"role": "assistant", "content": "Sure."}]}) + "\n" for i, user in enumerate(
            ["Mail me: jan.kowalski@gmail.com", "Is Paris big?", "Hello there."])))
    project = tmp_path / "p.curator"
    with Store.open(project, create=True) as store:
        run_job(import_files(store, [data], actor="t"))
        run_job(scan(store, ["pii"], actor="t", pii_analyzer=analyzer))
    return project


def test_group_lists_one_entry_per_text_and_type_riskiest_first(
        tmp_path: Path, pii_analyzer: pii.Analyzer) -> None:
    project = scanned(tmp_path, pii_analyzer)
    code, out, err = run("findings", str(project), "--kind", "pii", "--group", "--json")
    assert code == 0
    groups = json.loads(out)
    assert {"text", "code", "tier", "tiers", "severity", "spans", "records", "score", "note",
            "status", "ids"} <= set(groups[0])
    assert (groups[0]["code"], groups[0]["tier"]) == ("EMAIL_ADDRESS", "identifier")
    name = next(g for g in groups if g["text"] == "Helga Brandt's")
    assert (name["spans"], name["records"]) == (3, 3)
    # the ids are the findings `curator finding ACTION ID...` decides on
    code, out, _ = run("finding", str(project), "dismiss", *map(str, name["ids"]), "--json")
    assert code == 0 and json.loads(out)["changed"] == 3
    _, out, _ = run("findings", str(project), "--group", "--status", "open", "--json")
    assert "Helga Brandt's" not in {g["text"] for g in json.loads(out)}
    _, out, err = run("findings", str(project), "--group")
    assert out.splitlines()[0].split("\t")[:3] == ["identifier", "EMAIL_ADDRESS",
                                                   "1 in 1 record"]
    assert "groups of" in err


def test_the_span_list_keeps_its_contract_keys(tmp_path: Path,
                                               pii_analyzer: pii.Analyzer) -> None:
    project = scanned(tmp_path, pii_analyzer)
    code, out, _ = run("findings", str(project), "--kind", "pii", "--json")
    spans = json.loads(out)
    assert code == 0 and len(spans) >= 5
    assert {"code", "start", "end", "text", "message", "severity", "status",
            "detail"} <= set(spans[0])
    assert spans[0]["detail"]["tier"] in ("identifier", "contextual", "public")


def test_group_is_for_personal_data_only(tmp_path: Path, pii_analyzer: pii.Analyzer) -> None:
    project = scanned(tmp_path, pii_analyzer)
    code, _, err = run("findings", str(project), "--kind", "schema", "--group")
    assert code == 2 and "--kind pii" in err
