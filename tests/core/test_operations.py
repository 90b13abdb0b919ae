"""The window's changes as core operations: each returns what its undo needs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from curator.core import operations
from curator.core.checks import similarity as sim
from curator.core.checks.embed import HashingEmbedder
from curator.core.checks.models import ModelCache
from curator.core.errors import CuratorError
from curator.core.export import ExportOptions, plan_export
from curator.core.jobs import run_job
from curator.core.labeling import assignment as asg
from curator.core.labeling import labels as lab
from curator.core.labeling import schema as sch
from curator.core.labeling.measure import agreement_trend, field_reports
from curator.core.store import Store


def conv(user: str, assistant: str, key: str) -> dict[str, Any]:
    return {"id": key, "messages": [{"role": "user", "content": user},
                                    {"role": "assistant", "content": assistant}]}


@pytest.fixture
def loaded(store: Store, write, do_import) -> Store:  # type: ignore[no-untyped-def]
    lines = [conv("Same thing", "Same answer", k) for k in ("a", "b", "c")]
    lines += [conv(f"Question {i}", f"Answer {i}", f"q{i}") for i in range(4)]
    do_import(write("data.jsonl", "".join(json.dumps(x) + "\n" for x in lines)))
    return store


def ids(store: Store) -> dict[str, int]:
    return dict(store.db.execute("SELECT key, id FROM records"))


def test_save_label_adds_the_annotator_and_returns_before_and_after(loaded: Store) -> None:
    sch.add_field(loaded, "tone", "single", ["polite", "rude"])
    record = ids(loaded)["q0"]
    first = operations.save_label(loaded, record, "tone", "newcomer", "rude")
    assert (first.before, first.after, first.changed) == (None, "rude", True)
    assert asg.find_annotator(loaded, "newcomer") is not None
    again = operations.save_label(loaded, record, "tone", "newcomer", "rude")
    assert not again.changed
    cleared = operations.save_label(loaded, record, "tone", "newcomer", None)
    assert (cleared.before, cleared.after) == ("rude", None)
    assert lab.labels_for(loaded, record) == []


def test_a_refused_label_changes_nothing(loaded: Store) -> None:
    sch.add_field(loaded, "tone", "single", ["polite", "rude"])
    events = len(loaded.events())
    with pytest.raises(CuratorError):
        operations.save_label(loaded, ids(loaded)["q0"], "tone", "newcomer", "furious")
    assert asg.find_annotator(loaded, "newcomer") is None  # one transaction: rolled back
    assert len(loaded.events()) == events


def test_decide_label_returns_the_decision_it_replaced(loaded: Store) -> None:
    sch.add_field(loaded, "tone", "single", ["polite", "rude"])
    asg.add_annotator(loaded, "judge", "adjudicator")
    record = ids(loaded)["q1"]
    first = operations.decide_label(loaded, record, "tone", "polite", "judge")
    assert first.before is None and first.changed
    second = operations.decide_label(loaded, record, "tone", "rude", "judge", "see guide")
    assert second.before is not None and second.before["value"] == "polite"
    assert lab.final_label(loaded, record, "tone") == "rude"


def test_move_field_reorders_the_schema(loaded: Store) -> None:
    for name in ("a", "b", "c"):
        sch.add_field(loaded, name, "text")
    assert operations.move_field(loaded, "c", -1, "coord") == ["a", "c", "b"]
    assert [f.name for f in sch.fields(loaded)] == ["a", "c", "b"]
    assert operations.move_field(loaded, "a", -1, "coord") == ["a", "c", "b"]  # at the top
    with pytest.raises(CuratorError):
        operations.move_field(loaded, "nope", 1, "coord")


def group(store: Store) -> dict[str, Any]:
    run_job(sim.similarity_scan(store, HashingEmbedder()))
    (cluster,) = [c for c in sim.clusters(store) if c["kind"] == "exact"]
    return cluster


def findings_of(store: Store) -> dict[str, str]:
    return {f["record"]: f["status"] for f in store.findings(kind="duplicate")}


def test_keep_one_then_undo_puts_reviews_and_findings_back(loaded: Store) -> None:
    cluster = group(loaded)
    keys = ids(loaded)
    change = operations.keep_one(loaded, cluster["id"], keys["b"], "ann")
    assert change.reviews == {keys["a"]: "unreviewed", keys["c"]: "unreviewed"}
    assert set(findings_of(loaded).values()) == {"resolved"}
    operations.undo_group(loaded, change, "ann")
    reviews = dict(loaded.db.execute("SELECT key, review FROM records WHERE key IN "
                                     "('a', 'b', 'c')"))
    assert set(reviews.values()) == {"unreviewed"}
    assert set(findings_of(loaded).values()) == {"open"}


def test_dismiss_group_is_the_core_dismissal_with_one_audit_event(loaded: Store) -> None:
    cluster = group(loaded)
    before = len(loaded.events())
    change = operations.dismiss_group(loaded, cluster["id"], "ann")
    assert [e["action"] for e in loaded.events()[before:]] == ["dismiss_cluster"]
    assert set(findings_of(loaded).values()) == {"dismissed"}
    assert len(change.findings) == 3 and change.reviews == {}
    operations.undo_group(loaded, change, "ann")
    assert set(findings_of(loaded).values()) == {"open"}


def test_copy_project_is_a_single_readable_file(loaded: Store, tmp_path: Path) -> None:
    target = tmp_path / "copy.curator"
    assert operations.copy_project(loaded, target) == target
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 7
    assert operations.copy_project(loaded, Path(loaded.path)) is None  # itself: nothing


def test_export_preview_counts_as_plan_export(loaded: Store) -> None:
    options = ExportOptions(eval_fraction=0.2)
    result = run_job(operations.export_preview(loaded, options, measure_agreement=True))
    assert result.plan.counts == plan_export(loaded, options).counts
    assert result.agreement == {}  # nothing labelled
    assert {item["id"] for item in result.readiness} >= {"eval_holdout", "size"}
    assert len(result.sample) <= 3


def test_agreement_trend_is_alpha_per_batch_in_creation_order(loaded: Store) -> None:
    sch.add_field(loaded, "tone", "single", ["polite", "rude"])
    for person in ("x", "y"):
        asg.add_annotator(loaded, person)
    keys = ids(loaded)
    for name, records in (("second", ["q0", "q1"]), ("first", ["q2", "q3"])):
        asg.create_batch(loaded, name, [keys[k] for k in records], ["x", "y"], overlap=2)
        for k in records:
            lab.set_label(loaded, keys[k], "tone", "x", "polite")
            lab.set_label(loaded, keys[k], "tone", "y", "polite" if k != "q3" else "rude")
    trend = agreement_trend(loaded)
    assert list(trend) == ["second", "first"]
    for batch, figures in trend.items():
        assert figures == {"tone": field_reports(loaded, batch)["tone"].krippendorff_alpha}


def test_model_cache_loads_the_pii_analyzer_once_per_settings(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from curator.core.checks import pii

    built: list[Any] = []

    def build(settings: pii.PiiSettings) -> tuple[object, list[str]]:
        built.append(settings)
        return object(), ["patterns only"]

    monkeypatch.setattr(pii, "build_analyzer", build)
    cache = ModelCache()
    first, warnings = cache.pii_analyzer(pii.PiiSettings())
    assert warnings == ["patterns only"]
    same, _ = cache.pii_analyzer(pii.PiiSettings(allow_list=["Acme"]))  # applied later
    assert same is first and len(built) == 1
    other, _ = cache.pii_analyzer(pii.PiiSettings(threshold=0.9))
    assert other is not first and len(built) == 2
    assert cache.has_pii_analyzer(pii.PiiSettings(threshold=0.9))


def test_model_cache_uses_the_models_it_was_given() -> None:
    from curator.core.checks.pii import PiiSettings

    embedder, analyzer = HashingEmbedder(), object()
    cache = ModelCache(embedder=embedder, pii_analyzer=analyzer)
    assert cache.has_embedder() and cache.embedder() is embedder
    assert cache.pii_analyzer(PiiSettings()) == (analyzer, [])
