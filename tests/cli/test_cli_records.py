"""The command line does what the window does: list records, review, decide, adjudicate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import cli
from curator.core.demo import build_demo
from curator.core.jobs import run_job
from curator.core.labeling.assignment import add_annotator
from curator.core.labeling.labels import final_label
from curator.core.store import Store


def run(*args: str, user: str = "dana") -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False,
                                env={"CURATOR_USER": user})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = build_demo(tmp_path_factory.mktemp("demo") / "demo.curator", run_job,
                         kinds=("schema",))
    return path


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo project for each test (built once: it is slow)."""
    copy = tmp_path / "demo.curator"
    with Store.open(built) as source, Store.open(copy, create=True) as target:
        target.db.execute("PRAGMA wal_checkpoint")
        source.db.backup(target.db)
    return copy


def test_records_json_lists_what_the_table_shows(project: Path) -> None:
    code, out, _ = run("records", str(project), "--json")
    assert code == 0
    items = json.loads(out)
    with Store.open(project) as store:
        assert len(items) == store.record_count()
    first = items[0]
    assert {"record", "id", "source", "review", "valid", "tokens", "preview", "findings",
            "labels"} <= set(first)


def test_records_filters_by_finding_kind_and_validity(project: Path) -> None:
    _, out, _ = run("records", str(project), "--kind", "schema", "--json")
    flagged = json.loads(out)
    assert flagged and all(item["findings"].get("schema") for item in flagged)
    _, out, _ = run("records", str(project), "--invalid", "--json")
    assert all(not item["valid"] for item in json.loads(out))
    _, out, _ = run("records", str(project), "--limit", "2", "--json")
    assert len(json.loads(out)) == 2


def test_review_sets_states_and_records_who(project: Path) -> None:
    _, out, _ = run("records", str(project), "--limit", "2", "--json")
    keys = [item["record"] for item in json.loads(out)]
    code, out, _ = run("review", str(project), *keys, "--state", "reject", "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["state"], report["records"], report["changed"]) == ("rejected", 2, 2)
    with Store.open(project) as store:
        assert [store.record(k)["review"] for k in keys] == ["rejected", "rejected"]
        events = [e for e in store.events() if e["action"] == "review"]
    assert [e["actor"] for e in events] == ["dana", "dana"]


def test_review_of_an_unknown_record_changes_nothing(project: Path) -> None:
    _, out, _ = run("records", str(project), "--limit", "1", "--json")
    key = json.loads(out)[0]["record"]
    code, _, err = run("review", str(project), key, "no-such-record", "--state", "accept")
    assert code == 1
    assert "no-such-record" in err and "Nothing was changed" in err
    with Store.open(project) as store:
        assert store.record(key)["review"] == "unreviewed"


def test_finding_dismiss_then_reopen(project: Path) -> None:
    _, out, _ = run("findings", str(project), "--kind", "schema", "--json")
    target = json.loads(out)[0]
    code, _, _ = run("finding", str(project), "dismiss", str(target["id"]))
    assert code == 0
    _, out, _ = run("findings", str(project), "--status", "dismissed", "--json")
    assert [f["id"] for f in json.loads(out)] == [target["id"]]
    run("finding", str(project), "reopen", str(target["id"]))
    _, out, _ = run("findings", str(project), "--status", "dismissed", "--json")
    assert json.loads(out) == []


def test_allow_and_redact_are_only_for_personal_data(project: Path) -> None:
    _, out, _ = run("findings", str(project), "--kind", "schema", "--json")
    target = json.loads(out)[0]
    code, _, err = run("finding", str(project), "redact", str(target["id"]))
    assert code == 1 and "personal-data" in err


def test_adjudicate_needs_an_adjudicator_then_decides(project: Path) -> None:
    with Store.open(project) as store:                  # a record of the pilot batch
        key = store.db.execute("SELECT r.key FROM labels l JOIN records r "
                               "ON r.id = l.record_id ORDER BY r.id").fetchone()[0]
    code, _, err = run("adjudicate", str(project), key, "--field", "intent",
                       "--value", "billing")
    assert code == 1 and "adjudicator" in err
    with Store.open(project) as store:
        add_annotator(store, "dana", role="adjudicator")
    code, out, _ = run("adjudicate", str(project), key, "--field", "intent",
                       "--value", "billing", "--json")
    assert code == 0 and json.loads(out)["final"] == "billing"
    with Store.open(project) as store:
        rid = store.record(key)["id"]
        assert final_label(store, rid, "intent") == "billing"


def test_batch_create_assigns_records_with_overlap(project: Path) -> None:
    code, out, _ = run("batch", "create", str(project), "round2", "--annotator", "alice",
                       "--annotator", "bob", "--overlap", "2", "--limit", "6", "--json")
    assert code == 0, out
    made = json.loads(out)
    assert (made["records"], made["overlap"], made["blind"]) == (6, 2, True)
    _, out, _ = run("batch", "list", str(project), "--json")
    assert "round2" in [b["name"] for b in json.loads(out)]
    code, _, err = run("batch", "create", str(project), "round2", "--annotator", "alice")
    assert code == 1 and "already a batch" in err
