"""PII in a project: scan, cache, allow-list, confirm, redact, undo: all in the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import presidio_analyzer  # noqa: F401  (required: a missing one fails the run)
import pytest

from curator.core.checks import pii, pii_review
from curator.core.checks.scan import scan
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.store import findings as fstore
from curator.core.store.cache import StorePiiCache

SYSTEM = "You are the support assistant of Globex. Be brief."


def line(user: str, assistant: str, key: str) -> str:
    return json.dumps({"id": key, "messages": [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": user},
        {"role": "assistant", "content": assistant}]})


@pytest.fixture
def project(store: Store, tmp_path: Path) -> Store:
    data = tmp_path / "chats.jsonl"
    data.write_text("\n".join([
        line("Hi, I am Maria Lopez, write to maria.lopez@example.com please.",
             "Thanks Maria Lopez, we will write to maria.lopez@example.com.", "r1"),
        line("Call me on +1 415 555 0132.", "We will call +1 415 555 0132 today.", "r2"),
        line("How do I reset my password?",
             "Open the settings page and press the reset button.", "r3"),
    ]) + "\n")
    run_job(import_files(store, [data], actor="t"))
    return store


def pii_scan(store: Store, analyzer: pii.Analyzer) -> Any:
    return run_job(scan(store, ["pii"], actor="t", pii_analyzer=analyzer)).pii


def open_spans(store: Store) -> list[tuple[str, str, str]]:
    return [(f["record"], f["code"], f["text"]) for f in fstore.queue(store, "pii", "open")]


def test_scan_stores_spans_with_contract_keys(project: Store,
                                              pii_analyzer: pii.Analyzer) -> None:
    report = pii_scan(project, pii_analyzer)
    assert report["findings"] == len(project.findings(kind="pii"))
    found = project.findings(kind="pii")
    emails = [f for f in found if f["code"] == "EMAIL_ADDRESS"]
    assert [(f["record"], f["message"], f["text"]) for f in emails] == [
        ("r1", 1, "maria.lopez@example.com"), ("r1", 2, "maria.lopez@example.com")]
    user = "Hi, I am Maria Lopez, write to maria.lopez@example.com please."
    assert user[emails[0]["start"]:emails[0]["end"]] == "maria.lopez@example.com"
    assert {"record", "kind", "code", "severity", "message", "start", "end", "text",
            "status"} <= set(found[0])
    assert ("r2", "PHONE_NUMBER", "+1 415 555 0132") in open_spans(project)
    assert not [f for f in found if f["record"] == "r3"]
    # the system prompt repeats in every record: analysed once
    assert report["texts"] == 9 and report["distinct_texts"] == 7


def test_rescan_reads_the_cache_and_analyses_only_new_texts(
        project: Store, pii_analyzer: pii.Analyzer, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    pii_scan(project, pii_analyzer)
    assert StorePiiCache(project).count(pii_analyzer.cache_key) == 7
    calls: list[str] = []
    real = pii_analyzer.engine.analyze
    monkeypatch.setattr(pii_analyzer.engine, "analyze",
                        lambda *a, **k: calls.append(k["text"]) or real(*a, **k))
    before = project.findings(kind="pii")
    pii_scan(project, pii_analyzer)
    assert calls == [] and project.findings(kind="pii") == before
    more = tmp_path / "more.jsonl"
    more.write_text(line("I live in Paris.", "Paris is lovely.", "r4") + "\n")
    run_job(import_files(project, [more], actor="t"))
    pii_scan(project, pii_analyzer)
    assert sorted(calls) == ["I live in Paris.", "Paris is lovely."]


def test_decisions_survive_a_rescan(project: Store, pii_analyzer: pii.Analyzer) -> None:
    pii_scan(project, pii_analyzer)
    queue = fstore.queue(project, "pii")
    phone = next(f for f in queue if f["code"] == "PHONE_NUMBER")
    email = next(f for f in queue if f["code"] == "EMAIL_ADDRESS")
    fstore.set_status(project, [phone["id"]], "dismissed", "ann")
    fstore.set_status(project, [email["id"]], "open", "ann", confirmed=True)
    pii_scan(project, pii_analyzer)
    after = {(f["record"], f["code"], f["message"], f["start"]): f
             for f in fstore.queue(project, "pii", "all")}
    assert after[("r2", "PHONE_NUMBER", phone["message"], phone["start"])]["status"] \
        == "dismissed"
    kept = after[("r1", "EMAIL_ADDRESS", email["message"], email["start"])]
    assert kept["status"] == "open" and kept["confirmed"]
    remaining = {(f["record"], f["code"], f["message"], f["start"])
                 for f in fstore.queue(project, "pii")}
    assert ("r1", "EMAIL_ADDRESS", email["message"], email["start"]) not in remaining


def test_status_changes_are_audited_and_undone(project: Store,
                                               pii_analyzer: pii.Analyzer) -> None:
    pii_scan(project, pii_analyzer)
    first = fstore.queue(project, "pii")[0]
    before = fstore.set_status(project, [first["id"]], "dismissed", "ann")
    assert fstore.finding(project, first["id"])["status"] == "dismissed"
    event = project.events()[-1]
    assert event["actor"] == "ann" and event["action"] == "finding"
    assert event["detail"]["before"]["status"] == "open"
    fstore.restore_status(project, before, "ann")
    assert fstore.finding(project, first["id"])["status"] == "open"
    counts = fstore.queue_counts(project, "pii")
    assert counts["to_review"] == len(fstore.queue(project, "pii"))


def test_allow_list_suppresses_the_text_everywhere_and_undo_restores(
        project: Store, pii_analyzer: pii.Analyzer) -> None:
    pii_scan(project, pii_analyzer)
    emails = [f for f in fstore.queue(project, "pii") if f["code"] == "EMAIL_ADDRESS"]
    assert len(emails) == 2
    undo = pii_review.allow(project, "  MARIA.LOPEZ@example.com ", "ann")
    assert not [f for f in fstore.queue(project, "pii") if f["code"] == "EMAIL_ADDRESS"]
    assert pii_review.allow_list(project) == ["MARIA.LOPEZ@example.com"]
    # a rescan does not bring it back, and it costs no analysis (cache key unchanged)
    report = pii_scan(project, pii_analyzer)
    assert report["allow_listed"] == 2
    assert not [f for f in project.findings(kind="pii") if f["code"] == "EMAIL_ADDRESS"]
    pii_review.undo_allow(project, undo, "ann")
    assert pii_review.allow_list(project) == []
    pii_scan(project, pii_analyzer)
    assert len([f for f in fstore.queue(project, "pii")
                if f["code"] == "EMAIL_ADDRESS"]) == 2


def test_undo_of_allow_before_rescan_reopens_the_same_findings(
        project: Store, pii_analyzer: pii.Analyzer) -> None:
    pii_scan(project, pii_analyzer)
    phone = [f["id"] for f in fstore.queue(project, "pii") if f["code"] == "PHONE_NUMBER"]
    undo = pii_review.allow(project, "+1 415 555 0132", "ann")
    assert all(fstore.finding(project, i)["status"] == "dismissed" for i in phone)
    pii_review.undo_allow(project, undo, "ann")
    assert all(fstore.finding(project, i)["status"] == "open" for i in phone)


def test_redact_writes_a_revision_and_moves_other_spans(
        project: Store, pii_analyzer: pii.Analyzer) -> None:
    pii_scan(project, pii_analyzer)
    r1 = [f for f in fstore.queue(project, "pii") if f["record"] == "r1"]
    person = next(f for f in r1 if f["code"] == "PERSON" and f["message"] == 1)
    email = next(f for f in r1 if f["code"] == "EMAIL_ADDRESS" and f["message"] == 1)
    undo = pii_review.redact(project, [person["id"]], "ann")
    record = project.record("r1")
    assert record is not None
    conv = json.loads(project.db.execute(
        "SELECT conversation FROM records WHERE key = 'r1'").fetchone()[0])
    text = conv["messages"][1]["content"]
    assert text == "Hi, I am <PERSON>, write to maria.lopez@example.com please."
    moved = fstore.finding(project, email["id"])
    assert text[moved["start"]:moved["end"]] == "maria.lopez@example.com"
    assert fstore.finding(project, person["id"])["status"] == "resolved"
    revision = project.db.execute("SELECT revision FROM records WHERE key = 'r1'").fetchone()[0]
    assert revision == 1
    pii_review.undo_redact(project, undo, "ann")
    conv = json.loads(project.db.execute(
        "SELECT conversation FROM records WHERE key = 'r1'").fetchone()[0])
    assert conv["messages"][1]["content"].startswith("Hi, I am Maria Lopez,")
    assert fstore.finding(project, email["id"])["start"] == email["start"]
    assert fstore.finding(project, person["id"])["status"] == "open"


def test_redact_text_joins_overlapping_spans() -> None:
    text = "Maria wrote to Bob; Maria called Bob's friend Ann."
    out, moves = pii_review.redact_text(text, [("PERSON", 46, 49), ("PERSON", 0, 5)])
    assert out == "<PERSON> wrote to Bob; Maria called Bob's friend <PERSON>."
    assert moves == [(0, 5, 0, 8), (46, 49, 49, 57)]
    assert pii_review.move_offset(moves, 15, 18) == (18, 21)  # "Bob" moved by 3
    assert pii_review.move_offset(moves, 2, 4) is None  # inside a redacted span
    plain, _ = pii_review.redact_text(text, [("PERSON", 0, 5), ("EMAIL_ADDRESS", 2, 9)])
    assert plain == "<EMAIL_ADDRESS>te to Bob; Maria called Bob's friend Ann."


def test_scan_cancelled_leaves_findings_and_cache_untouched(
        project: Store, pii_analyzer: pii.Analyzer) -> None:
    import threading

    from curator.core.errors import Cancelled

    pii_scan(project, pii_analyzer)
    before = project.findings(kind="pii")
    cancel = threading.Event()
    steps = []

    def on_progress(p: Any) -> None:
        steps.append(p)
        if len(steps) == 2:
            cancel.set()

    project.set_setting("pii", {"threshold": 0.3})
    with pytest.raises(Cancelled):
        run_job(scan(project, ["pii"], actor="t", pii_analyzer=pii.Analyzer(
            pii_analyzer.engine, pii.PiiSettings(threshold=0.3), pii_analyzer.model_id,
            True, pii_analyzer.entities)), on_progress, cancel)
    assert project.findings(kind="pii") == before
    assert StorePiiCache(project).count(pii.PiiSettings(threshold=0.3).cache_key(
        pii_analyzer.model_id)) == 0
