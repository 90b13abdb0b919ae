"""``pii: redact`` covers every string an export writes (real Presidio, no network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import presidio_analyzer  # noqa: F401  (required: a missing one fails the run)
import pytest

from curator.core.checks import pii
from curator.core.checks.scan import scan
from curator.core.export import ExportOptions, export, plan_export, readiness
from curator.core.jobs import run_job
from curator.core.labeling.assignment import add_annotator
from curator.core.labeling.labels import set_label
from curator.core.labeling.schema import add_field
from curator.core.store import Store
from curator.core.store.findings import set_status
from curator.core.store.review import save_revision

EMAIL = "jane.doe@example.com"
PHONE = "+1 415 555 0100"
SECRET = f"Write to {EMAIL} or call {PHONE} today."


def chat(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"r{i:03d}", "messages": [
        {"role": "user", "content": f"Question number {i}?"},
        {"role": "assistant", "content": f"Answer number {i}."}], **extra}


def tool_chat(arguments: str = "{}", tools: list[Any] | None = None,
              result: str = "done") -> dict[str, Any]:
    return {"id": "target", "messages": [
        {"role": "user", "content": "Please send the reminder."},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "send_mail", "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
        {"role": "assistant", "content": "It is sent."}],
        "tools": tools or [{"type": "function", "function": {
            "name": "send_mail", "description": "Sends an e-mail.",
            "parameters": {"type": "object", "properties": {
                "to": {"type": "string", "description": "Who gets it."}}}}}]}


#: One record per place the PII scan never reads, holding the e-mail and the phone.
PLACES: dict[str, dict[str, Any]] = {
    "tool_call_arguments": tool_chat(
        arguments=json.dumps({"to": EMAIL, "note": f"call {PHONE}"})),
    "tools_description": tool_chat(tools=[{"type": "function", "function": {
        "name": "send_mail", "description": f"Support: {EMAIL}, {PHONE}.",
        "parameters": {"type": "object", "properties": {
            "to": {"type": "string", "description": f"For example {EMAIL} or {PHONE}"}}}}}]),
    "message_name": {"id": "target", "messages": [
        {"role": "user", "name": SECRET, "content": "Hello there."},
        {"role": "assistant", "content": "Hello."}]},
    "preferred_output": {"id": "target", "input": {"messages": [
        {"role": "user", "content": "Who do I contact?"}]},
        "preferred_output": [{"role": "assistant", "content": SECRET}],
        "non_preferred_output": [{"role": "assistant", "content": "Nobody."}]},
    "record_id": {"id": SECRET, "messages": [
        {"role": "user", "content": "Hello there."}, {"role": "assistant", "content": "Hi."}]},
}


@pytest.fixture
def make_project(store: Store, write, do_import, pii_analyzer):  # type: ignore[no-untyped-def]
    """A project of 12 plain records and ``target``, PII-scanned unless told otherwise."""

    def _make(target: dict[str, Any], scanned: bool = True) -> Store:
        lines = [json.dumps(chat(i)) for i in range(12)] + [json.dumps(target)]
        do_import(write("data.jsonl", "\n".join(lines) + "\n"))
        if scanned:
            run_job(scan(store, only=("schema", "pii"), pii_analyzer=pii_analyzer))
        return store

    return _make


def do_export(store: Store, outdir: Path, analyzer: pii.Analyzer, **options: Any
              ) -> Any:
    options = {"val_fraction": 0.0, "accept": ["size"], **options}
    report = run_job(export(store, outdir, ExportOptions(**options), actor="tester",
                            pii_analyzer=analyzer))
    assert report.excluded["export_check"] == 0 and sum(report.counts.values()) == 13
    return report


def written(outdir: Path) -> str:
    """Every file the export wrote, as one text."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(outdir.iterdir()))


def assert_clean(outdir: Path) -> None:
    text = written(outdir)
    assert EMAIL not in text and "jane.doe" not in text
    assert PHONE not in text and "555 0100" not in text
    assert "<EMAIL_ADDRESS>" in text and "<PHONE_NUMBER>" in text


@pytest.mark.parametrize("place", ["tool_call_arguments", "tools_description",
                                   "message_name", "preferred_output"])
def test_redacts_places_the_scan_never_reads(make_project, tmp_path: Path, pii_analyzer,  # type: ignore[no-untyped-def]
                                             place: str) -> None:
    store = make_project(PLACES[place])
    do_export(store, tmp_path / "out", pii_analyzer)
    assert_clean(tmp_path / "out")


@pytest.mark.parametrize("fmt", ["sharegpt", "hf"])
def test_redacts_the_record_id(make_project, tmp_path: Path, pii_analyzer, fmt: str) -> None:  # type: ignore[no-untyped-def]
    store = make_project(PLACES["record_id"])
    do_export(store, tmp_path / "out", pii_analyzer, format=fmt)
    assert_clean(tmp_path / "out")


def test_redacts_free_text_labels(make_project, tmp_path: Path, pii_analyzer) -> None:  # type: ignore[no-untyped-def]
    store = make_project(chat(99))
    add_field(store, "comment", "text")
    add_annotator(store, "ann")
    target = int(store.db.execute("SELECT id FROM records WHERE key = 'r099'").fetchone()[0])
    set_label(store, target, "comment", "ann", SECRET)
    do_export(store, tmp_path / "out", pii_analyzer, labels="metadata")
    assert_clean(tmp_path / "out")


def test_redacts_label_values_in_the_manifests_agreement(make_project, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                         pii_analyzer) -> None:
    store = make_project(chat(99))
    value = f"ask {EMAIL} or {PHONE}"
    add_field(store, "route", "single", options=[value, "none"])
    add_annotator(store, "ann")
    add_annotator(store, "bob")
    for rid in range(1, 6):
        set_label(store, rid, "route", "ann", value)
        set_label(store, rid, "route", "bob", value if rid % 2 else "none")
    do_export(store, tmp_path / "out", pii_analyzer, accept=["size", "agreement"])
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["agreement"]["route"]["confusion"]["labels"]
    assert_clean(tmp_path / "out")


def test_analyses_records_never_scanned(make_project, tmp_path: Path, pii_analyzer) -> None:  # type: ignore[no-untyped-def]
    store = make_project(tool_chat(result=SECRET), scanned=False)
    do_export(store, tmp_path / "out", pii_analyzer)
    assert_clean(tmp_path / "out")


def test_analyses_text_edited_after_the_scan(make_project, tmp_path: Path, pii_analyzer) -> None:  # type: ignore[no-untyped-def]
    store = make_project(chat(99))
    target = int(store.db.execute("SELECT id FROM records WHERE key = 'r099'").fetchone()[0])
    edited = chat(99)
    edited["messages"][1]["content"] = SECRET
    save_revision(store, target, edited, "tester")
    do_export(store, tmp_path / "out", pii_analyzer)
    assert_clean(tmp_path / "out")


def test_tool_arguments_stay_valid_json(make_project, tmp_path: Path, pii_analyzer) -> None:  # type: ignore[no-untyped-def]
    store = make_project(PLACES["tool_call_arguments"])
    do_export(store, tmp_path / "out", pii_analyzer)
    lines = [json.loads(line) for line in
             (tmp_path / "out" / "train.jsonl").read_text().splitlines()]
    (line,) = [x for x in lines if len(x["messages"]) == 4]
    arguments = json.loads(line["messages"][1]["tool_calls"][0]["function"]["arguments"])
    assert arguments == {"to": "<EMAIL_ADDRESS>", "note": "call <PHONE_NUMBER>"}


def test_a_dismissed_finding_stays_as_written(make_project, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              pii_analyzer) -> None:
    store = make_project(chat(99, messages=[
        {"role": "user", "content": f"Maria Lopez wrote from {EMAIL}."},
        {"role": "assistant", "content": "Thanks."}]))
    ids = [fid for fid, text in store.db.execute(
        "SELECT id, text FROM findings WHERE kind = 'pii'") if text == "Maria Lopez"]
    assert ids
    set_status(store, ids, "dismissed", "tester")
    do_export(store, tmp_path / "out", pii_analyzer)
    text = written(tmp_path / "out")
    assert "Maria Lopez wrote from <EMAIL_ADDRESS>." in text


def test_scanned_texts_are_not_analysed_again(make_project, tmp_path: Path, pii_analyzer,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_project(PLACES["tool_call_arguments"])
    analysed: list[str] = []
    original = pii._analyze_chunk

    def counting(analyzer: pii.Analyzer, texts: Any) -> Any:
        analysed.extend(texts)
        return original(analyzer, texts)

    monkeypatch.setattr(pii, "_analyze_chunk", counting)
    do_export(store, tmp_path / "out", pii_analyzer)
    assert EMAIL in analysed and PHONE in " ".join(analysed)
    assert not any(text.startswith(("Question number", "Answer number")) for text in analysed)


def test_readiness_names_what_redaction_does_not_read(make_project) -> None:  # type: ignore[no-untyped-def]
    store = make_project(chat(99), scanned=False)
    options = ExportOptions(pii="redact")
    checklist = readiness(store, options, plan_export(store, options).counts)
    item = {i["id"]: i for i in checklist}["pii"]
    assert "not scanned" in item["detail"] and "tool-call ids" in item["detail"]
