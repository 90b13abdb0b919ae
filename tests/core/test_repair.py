"""Repairing lines written with Python's str() (``{'messages': [...]}``) into records."""

from __future__ import annotations

import builtins
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from curator.core.checks.scan import scan
from curator.core.errors import Cancelled
from curator.core.ingest.repair import (
    MAX_BYTES,
    LiteralError,
    parse_python_literal,
    repair_python_literals,
    undo_repair,
)
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.store.review import revisions, save_revision


def chat(user: str, answer: str, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    if system is not None:
        messages.insert(0, {"role": "system", "content": system})
    return {"messages": messages}


PY_LINES = [
    str(chat("What's 2+2?", "It's 4.", system="You are terse.")),        # single quotes
    str({**chat("Hi", "Hello"), "meta": {"ok": True, "n": None, "x": -1.5}}),
    str(chat('She said "hi"', "Quotes\nand a newline: it's fine")),
]
JSON_LINE = json.dumps(chat("Plain JSON", "Fine"))
BROKEN = "{'messages': [{'role': 'user', 'content': 'cut off"
NOT_CHAT = str({"foo": 1})
LINES = [PY_LINES[0], JSON_LINE, PY_LINES[1], BROKEN, PY_LINES[2], NOT_CHAT]


@pytest.fixture
def project(store: Store, write, do_import) -> Store:  # type: ignore[no-untyped-def]
    report = do_import(write("user.jsonl", "\n".join(LINES) + "\n"))
    assert (report.valid, report.invalid) == (1, 5)
    run_job(scan(store))
    return store


def row(store: Store, key: str) -> dict[str, Any]:
    found = store.record(key)
    assert found is not None
    return found


def open_codes(store: Store, key: str) -> set[str]:
    return {f["code"] for f in store.findings(status="open") if f["record"] == key}


# -- parsing ------------------------------------------------------------------------------


def test_parses_what_str_writes() -> None:
    value = {"messages": [{"role": "user", "content": "it's"}], "ok": True, "none": None,
             "n": [1, -2, 3.5, -0.25], "nested": {"a": [{"b": "c"}]}}
    assert parse_python_literal(str(value).encode()) == value
    assert parse_python_literal(b"\xef\xbb\xbf" + str(value).encode() + b",\r\n") == value


@pytest.mark.parametrize(("text", "code"), [
    ("__import__('os').system('echo pwned')", "not_python_literal"),
    ("{'a': open('/etc/passwd').read()}", "not_python_literal"),
    ("{'a': true}", "not_python_literal"),
    ("{'a': 1,", "not_python_literal"),
    ("{'a': {1, 2}}", "unsupported_value"),
    ("{'a': (1, 2)}", "unsupported_value"),
    ("{'a': b'bytes'}", "unsupported_value"),
    ("{'a': 1+2j}", "unsupported_value"),
    ("{'a': ...}", "unsupported_value"),
    ("{'a': 1e999}", "not_finite"),
    ("{'a': -1e999}", "not_finite"),
    ("{'a': '\\ud800'}", "lone_surrogate"),
    ("{1: 'a'}", "non_string_key"),
    ("{'a': [" * 150 + "]" * 150 + "}", "too_deep"),
    ("[" * 5000 + "]" * 5000, "too_deep"),
    ("{'a': " + "9" * 5000 + "}", "unsupported_value"),
    ('{"messages": []}', "valid_json"),
])
def test_refuses_anything_but_plain_data(text: str, code: str) -> None:
    with pytest.raises(LiteralError) as caught:
        parse_python_literal(text.encode())
    assert caught.value.code == code


def test_refuses_bytes_that_are_not_text_or_too_long() -> None:
    with pytest.raises(LiteralError) as caught:
        parse_python_literal(b"{'a': '\xff'}")
    assert caught.value.code == "not_utf8"
    with pytest.raises(LiteralError) as caught:
        parse_python_literal(b"{'a': '" + b"x" * MAX_BYTES + b"'}")
    assert caught.value.code == "too_large"


def test_never_evaluates(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("eval/exec/compile of data")

    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, refuse)
    assert parse_python_literal(PY_LINES[0].encode())["messages"][0]["role"] == "system"


# -- the repair ---------------------------------------------------------------------------


def test_repair_makes_records_of_python_literal_lines(project: Store) -> None:
    before = {key: bytes(row(project, key)["raw"]) for key in
              ("user.jsonl:1", "user.jsonl:3", "user.jsonl:5")}
    report = run_job(repair_python_literals(project, actor="alice"))
    assert (report.repaired, report.failed) == (3, 2)
    assert report.reasons == {"not_python_literal": 1, "missing_messages_list": 1}
    assert {f.record for f in report.failures} == {"user.jsonl:4", "user.jsonl:6"}
    assert all(f.message.startswith("Line ") for f in report.failures)
    first = row(project, "user.jsonl:1")
    assert first["valid"] == 1 and first["format"] == "openai"
    assert json.loads(first["canonical"])["messages"][0] == {"role": "system",
                                                           "content": "You are terse."}
    assert first["first_user"] == "What's 2+2?"
    for key, raw in before.items():
        assert bytes(row(project, key)["raw"]) == raw              # the line, byte for byte
    (revision,) = revisions(project, first["id"])
    assert revision["author"] == "alice" and revision["before"] is None
    assert revision["number"] == first["revision"] == 1
    events = [e for e in project.events(first["id"]) if e["action"] == "repair"]
    assert events and events[0]["actor"] == "alice"
    # The invalid-line finding is resolved: the line is a record now.
    assert not open_codes(project, "user.jsonl:1")


def test_repaired_records_hash_and_scan_like_imported_ones(project: Store, write,  # type: ignore[no-untyped-def]
                                                           do_import) -> None:
    run_job(repair_python_literals(project))
    do_import(write("same.jsonl", json.dumps(chat("What's 2+2?", "It's 4.",
                                                  system="You are terse.")) + "\n"))
    repaired, imported = row(project, "user.jsonl:1"), row(project, "same.jsonl:1")
    for column in ("conv_hash", "input_hash", "output_hash", "first_user", "format"):
        assert repaired[column] == imported[column], column
    report = run_job(scan(project))
    assert report.records == 7
    codes = open_codes(project, "user.jsonl:1")
    assert "python_literal" not in codes and "python_literal_repaired" in codes
    assert row(project, "user.jsonl:1")["tokens"] == row(project, "same.jsonl:1")["tokens"]
    notes = [f for f in project.findings() if f["record"] == "user.jsonl:1"
             and f["code"] == "python_literal_repaired"]
    assert notes[0]["severity"] == "info"
    # A repaired record can be edited like any other.
    conv = json.loads(repaired["canonical"])
    conv["messages"][-1]["content"] = "Four."
    assert save_revision(project, repaired["id"], conv, "bob") == 2


def test_repair_again_finds_nothing_new(project: Store) -> None:
    run_job(repair_python_literals(project))
    again = run_job(repair_python_literals(project))
    assert (again.repaired, again.failed) == (0, 2)


def test_cancel_leaves_the_project_as_it_was(project: Store,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import curator.core.ingest.repair as repair

    monkeypatch.setattr(repair, "BATCH", 1)
    stop = threading.Event()
    seen = 0

    def progress(_: Any) -> None:
        nonlocal seen
        seen += 1
        if seen == 2:
            stop.set()

    with pytest.raises(Cancelled):
        run_job(repair_python_literals(project), on_progress=progress, cancel=stop)
    assert project.stats()["valid"] == 1
    assert project.db.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] == 0
    assert not [e for e in project.events() if e["action"] == "repair"]


def test_undo_puts_the_invalid_lines_back(project: Store) -> None:
    report = run_job(repair_python_literals(project, actor="alice"))
    edited = row(project, "user.jsonl:3")
    conv = json.loads(edited["canonical"])
    conv["messages"][-1]["content"] = "Changed after the repair"
    save_revision(project, edited["id"], conv, "bob")
    result = undo_repair(project, report.undo, actor="alice")
    assert (result.restored, result.kept) == (2, ["user.jsonl:3"])
    first = row(project, "user.jsonl:1")
    assert first["valid"] == 0 and first["canonical"] is None and first["revision"] == 0
    assert first["conv_hash"] is None and first["first_user"] is None
    assert revisions(project, first["id"]) == []
    assert "python_literal" in open_codes(project, "user.jsonl:1")
    assert row(project, "user.jsonl:3")["valid"] == 1                # edited since: kept
    assert [e["action"] for e in project.events(first["id"])][-1] == "repair_undo"


def test_public_bedrock_sample_written_with_str_repairs_to_the_same_records(
        store: Store, write, do_import, public: Path) -> None:  # type: ignore[no-untyped-def]
    source = (public / "anthropic_bedrock_claude_json_mode_dataset.jsonl").read_text()
    lines = source.splitlines()[:40]
    do_import(write("as_json.jsonl", "\n".join(lines) + "\n"))
    do_import(write("as_str.jsonl", "\n".join(str(json.loads(x)) for x in lines) + "\n"))
    report = run_job(repair_python_literals(store))
    assert (report.repaired, report.failed) == (40, 0)
    assert report.formats == {"bedrock": 40}
    pairs = store.db.execute(
        "SELECT a.conv_hash, b.conv_hash FROM records a JOIN records b ON a.line = b.line "
        "WHERE a.key LIKE 'as_json%' AND b.key LIKE 'as_str%'").fetchall()
    assert len(pairs) == 40 and all(a == b for a, b in pairs)
