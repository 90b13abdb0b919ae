"""Scanning a project: findings stored per record, dismissals kept, tokens counted."""

from __future__ import annotations

import json
from pathlib import Path

from curator.core.checks.scan import scan
from curator.core.jobs import run_job
from curator.core.store import Store

U = {"role": "user", "content": "Hi"}
A = {"role": "assistant", "content": "Hello"}
# The chat (and not-chat) files from public repositories in tests/data.
PUBLIC_JSON = (
    "anthropic_bedrock_claude_json_mode_dataset.jsonl",
    "fastchat_dummy_conversation_sharegpt.json",
    "llamafactory_alpaca_en_demo.json",
    "llamafactory_glaive_toolcall_en_demo_sharegpt.json",
    "pirate_training_set.jsonl",
    "presidio_generated_small.json",
)


def line(**fields: object) -> str:
    return json.dumps({"messages": [U, A], **fields})


def test_scan_stores_findings_for_invalid_and_bad_records(write, store: Store,
                                                          do_import) -> None:
    do_import(write("d.jsonl", "\n".join([
        line(), "{oops", json.dumps({"messages": [U]}), line()]) + "\n"))
    report = run_job(scan(store))
    assert report.records == 4
    found = {(f["record"], f["code"]) for f in store.findings(kind="schema")}
    assert ("d.jsonl:2", "invalid_json") in found
    assert ("d.jsonl:3", "example_missing_assistant_message") in found
    assert (None, "too_few_examples") in found
    assert not any(record == "d.jsonl:1" for record, _ in found)
    assert report.codes["invalid_json"] == 1


def test_scan_counts_tokens_per_record(write, store: Store, do_import) -> None:
    do_import(write("d.jsonl", line() + "\n"))
    run_job(scan(store))
    tokens = store.db.execute("SELECT tokens FROM records").fetchone()[0]
    assert tokens == 3 + (3 + 1 + 1) + (3 + 1 + 1)


def test_rescan_replaces_findings_and_keeps_dismissals(write, store: Store,
                                                       do_import) -> None:
    do_import(write("d.jsonl", "{oops\n" + line() + "\n"))
    run_job(scan(store))
    store.db.execute("UPDATE findings SET status = 'dismissed', status_by = 'ana' "
                     "WHERE code = 'invalid_json'")
    run_job(scan(store))
    rows = store.db.execute(
        "SELECT code, status, status_by FROM findings ORDER BY code").fetchall()
    assert ("invalid_json", "dismissed", "ana") in rows
    assert len(rows) == 2  # invalid_json + too_few_examples, not duplicated


def test_duplicate_ids_are_findings_with_related_keys(write, store: Store,
                                                      do_import) -> None:
    do_import(write("d.jsonl", "\n".join([line(id="a"), line(id="a"), line(id="b")]) + "\n"))
    run_job(scan(store))
    dup = [f for f in store.findings() if f["code"] == "duplicate_id"]
    assert sorted(f["record"] for f in dup) == ["d.jsonl:1", "d.jsonl:2"]
    assert dup[0]["related"] == ["d.jsonl:2"]


def test_token_limit_setting_flags_long_examples(write, store: Store, do_import) -> None:
    do_import(write("d.jsonl", line() + "\n"))
    store.set_setting("max_tokens", 5)
    run_job(scan(store))
    assert [f["code"] for f in store.findings() if f["record"]] == ["too_many_tokens"]


def test_bedrock_profile_setting_applies_to_openai_records(write, store: Store,
                                                           do_import) -> None:
    do_import(write("d.jsonl", json.dumps({"messages": [U, {**A, "weight": 1}]}) + "\n"))
    run_job(scan(store))
    assert not [f for f in store.findings() if f["record"]]
    store.set_setting("profile", "bedrock")
    run_job(scan(store))
    assert [f["code"] for f in store.findings() if f["record"]] == [
        "message_unrecognized_key"]


def test_scan_of_public_files(public: Path, store: Store, do_import) -> None:
    do_import(*(public / name for name in PUBLIC_JSON))
    report = run_job(scan(store))
    assert report.records == store.record_count()
    by_record = {}
    for f in store.findings():
        by_record.setdefault(f["record"], []).append(f["code"])
    pirate = [k for k in by_record if k and k.startswith("pirate")]
    assert pirate == []
    assert report.codes["missing_messages_list"] == 100  # the Presidio file is not chat
    assert report.tokens["billing"]["examples"] == 2309


def test_a_duplicate_scan_is_one_event_in_the_audit_trail(write, store: Store,
                                                          do_import) -> None:
    from curator.core.checks.embed import HashingEmbedder

    do_import(write("d.jsonl", "\n".join([line(q="Hi"), line(q="Hi"), line(q="Other")])))
    run_job(scan(store, ["duplicates", "contradictions"], actor="ana",
                 embedder=HashingEmbedder()))
    scans = [e for e in store.events() if e["action"] == "scan"]
    assert len(scans) == 1 and scans[0]["actor"] == "ana"
    assert scans[0]["detail"]["checks"] == ["duplicates", "contradictions"]
