"""Issue 15, goal 3: the export's de-duplication and splits see the text as written.

Redaction can make two different records the same (names replaced by ``<PERSON>``): the
copy is left out (``duplicate_as_exported``) and records whose inputs become the same
share a split. Redaction changes nothing outside its spans, and JSON stays JSON.
Real Presidio, no network.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import presidio_analyzer  # noqa: F401  (required: a missing one fails the run)
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator.core.conversation import conversation_hashes
from curator.core.export import ExportOptions, export, readiness
from curator.core.export.redact import Redactor, Span
from curator.core.export.writers import PAIR_FORMATS, export_conversation
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.store.store import CONVERSATION

NAMES = ["John Smith", "Maria Garcia", "Peter Novak", "Laura Chen", "David Miller",
         "Anna Kowalski", "Tom Becker", "Sarah Jones", "Paul Martin", "Emma Wilson",
         "James Brown", "Olivia Davis"]


def chat(key: str, user: str, answer: str) -> dict[str, Any]:
    return {"id": key, "messages": [{"role": "user", "content": user},
                                    {"role": "assistant", "content": answer}]}


def plain(n: int) -> list[dict[str, Any]]:
    return [chat(f"p{i:03d}", f"What is {i} plus {i}?", f"It is {2 * i}.") for i in range(n)]


def run_export(store: Store, out: Path, analyzer: Any, **options: Any) -> Any:
    return run_job(export(store, out, ExportOptions(**{"accept": ["size"], **options}),
                          actor="tester", pii_analyzer=analyzer))


def lines_by_split(out: Path) -> dict[str, list[str]]:
    return {p.stem: p.read_text(encoding="utf-8").splitlines()
            for p in sorted(out.glob("*.jsonl"))}


def test_records_alike_but_for_a_name_export_once(store: Store, load, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  pii_analyzer) -> None:
    """The issue's case: after redaction two records are one line; it is written once,
    the copy is counted, and manifest, card and report agree."""
    question = "Hi, my name is {}. How do I reset my password?"
    load(*plain(30), *(chat(f"n{i:02d}", question.format(name), "Click Forgot password.")
                       for i, name in enumerate(NAMES)))
    out = tmp_path / "out"
    report = run_export(store, out, pii_analyzer, val_fraction=0.3)
    written = [line for lines in lines_by_split(out).values() for line in lines]
    redacted = [line for line in written if "<PERSON>" in line]
    assert len(redacted) == 1
    assert not any(name in line for line in written for name in NAMES)
    assert len(written) == len(set(written)) == 31
    assert report.excluded["duplicate_as_exported"] == len(NAMES) - 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["excluded"]["duplicate_as_exported"] == len(NAMES) - 1
    assert manifest["records"] == {"total": 42, "exported": 31, "excluded": 11}
    assert sum(manifest["counts"].values()) == len(written)
    assert manifest["redaction"]["records"] == 1          # the one line written
    card = (out / "README.md").read_text()
    assert "repeats an earlier record as exported" in card
    assert f"| repeats an earlier record as exported (e.g. once names are redacted) | " \
           f"{len(NAMES) - 1} |" in card
    assert "Spans redacted: 1 in 1 records" in card


def test_inputs_alike_but_for_a_name_share_a_split(store: Store, load, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   pii_analyzer) -> None:
    """Different answers to one question once redacted: not copies, but one input, so
    one split (else the model is validated on a question it trained on)."""
    question = "Hello, my name is {}. Which plan should I choose for a team of {}?"
    pairs = []
    for i in range(6):
        a, b = NAMES[2 * i], NAMES[2 * i + 1]
        pairs.append((chat(f"q{i}a", question.format(a, i + 2), f"The team plan, {i}."),
                      chat(f"q{i}b", question.format(b, i + 2), f"The basic plan, {i}.")))
    load(*plain(20), *(c for pair in pairs for c in pair))
    out = tmp_path / "out"
    report = run_export(store, out, pii_analyzer, val_fraction=0.4)
    assert report.excluded["duplicate_as_exported"] == 0
    split_of: dict[str, str] = {}
    for split, lines in lines_by_split(out).items():
        for line in lines:
            user = json.loads(line)["messages"][0]["content"]
            if "<PERSON>" in user:
                assert user not in split_of or split_of[user] == split, user
                split_of[user] = split
    assert len(split_of) == 6                          # each question in one split only
    assert set(split_of.values()) == {"train", "validation"}   # and both splits used


def test_a_copy_brings_its_near_duplicate_cluster_along(store: Store, load,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path, pii_analyzer) -> None:
    """A record left out as a copy once redacted hands its duplicate clusters to the one
    written: a near duplicate of the copy stays in the written record's split."""
    question = "Hi, my name is {}. Can I change the delivery address of order {}?"
    convs = plain(20)
    for i in range(5):
        convs += [chat(f"c{i}a", question.format(NAMES[2 * i], i), "Yes, in Orders."),
                  chat(f"c{i}b", question.format(NAMES[2 * i + 1], i), "Yes, in Orders."),
                  chat(f"c{i}c", f"Can I change the delivery address of order {i}, please?",
                       "Yes, in Orders.")]
    load(*convs)
    ids = dict(store.db.execute("SELECT key, id FROM records"))
    with store.atomic():
        for i in range(5):   # the near-duplicate scan paired each copy with the third one
            cluster = store.db.execute(
                "INSERT INTO clusters(kind, size, created_at) VALUES ('near_duplicate', 2, "
                "'2026-01-01')").lastrowid
            store.db.executemany(
                "INSERT INTO cluster_members(cluster_id, record_id) VALUES (?, ?)",
                [(cluster, ids[f"c{i}b"]), (cluster, ids[f"c{i}c"])])
    out = tmp_path / "out"
    report = run_export(store, out, pii_analyzer, val_fraction=0.4)
    assert report.excluded["duplicate_as_exported"] == 5
    split_of = {}
    for split, lines in lines_by_split(out).items():
        for line in lines:
            split_of[json.loads(line)["messages"][0]["content"]] = split
    for i in range(5):
        written = question.format("<PERSON>", i)
        near = f"Can I change the delivery address of order {i}, please?"
        assert split_of[written] == split_of[near]
    assert len(set(split_of.values())) == 2


def test_without_redaction_nothing_is_dropped(store: Store, load, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              pii_analyzer) -> None:
    question = "Hi, my name is {}. How do I reset my password?"
    load(*plain(20), *(chat(f"n{i}", question.format(name), "Click Forgot password.")
                       for i, name in enumerate(NAMES[:3])))
    report = run_export(store, tmp_path / "out", pii_analyzer, pii="keep")
    assert report.excluded["duplicate_as_exported"] == 0
    assert sum(report.counts.values()) == 23


def test_pairs_written_as_one_chat_are_copies_when_the_chats_are(  # type: ignore[no-untyped-def]
        store: Store, load, tmp_path: Path, pii_analyzer) -> None:
    """The hf format writes a preference pair as its prompt and preferred answer: two
    pairs differing only in the rejected answer are one line there, and are left out
    as such; written whole (openai), they are two pairs."""
    def pair(key: str, rejected: str) -> dict[str, Any]:
        return {"id": key, "input": {"messages": [{"role": "user", "content": "Say hi."}]},
                "preferred_output": [{"role": "assistant", "content": "Hi!"}],
                "non_preferred_output": [{"role": "assistant", "content": rejected}]}

    load(*plain(12), pair("x1", "No."), pair("x2", "Go away."))
    hf = run_export(store, tmp_path / "hf", pii_analyzer, pii="keep", format="hf",
                    val_fraction=0.0)
    assert hf.excluded["duplicate_as_exported"] == 1 and hf.counts["train"] == 13
    whole = run_export(store, tmp_path / "openai", pii_analyzer, pii="keep",
                       val_fraction=0.0)
    assert whole.excluded["duplicate_as_exported"] == 0


@pytest.mark.parametrize("fmt", ["openai", "sharegpt", "hf", "trl"])
def test_an_unchanged_record_hashes_as_stored(store: Store, load, fmt: str) -> None:
    """The export compares only redacted records' hashes anew; the others' stored hash
    must be their exported conversation's (else a copy could slip through)."""
    tool = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}
    load(chat("a", "Hi.", "Hello."),
         {"id": "b", "messages": [{"role": "system", "content": "Be brief."},
                                  {"role": "user", "content": [{"type": "text",
                                                                "text": "Part."}]},
                                  tool, {"role": "tool", "tool_call_id": "c1",
                                         "content": "ok"},
                                  {"role": "assistant", "content": "Done.", "weight": 1}],
          "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]},
         {"id": "c", "input": {"messages": [{"role": "user", "content": "Say hi."}]},
          "preferred_output": [{"role": "assistant", "content": "Hi!"}],
          "non_preferred_output": [{"role": "assistant", "content": "No."}]})
    rows = store.db.execute(f"SELECT key, conv_hash, input_hash, {CONVERSATION} "
                            "FROM records ORDER BY id").fetchall()
    assert len(rows) == 3
    for key, whole, given_input, text in rows:
        conv = json.loads(text)
        if key == "c" and fmt not in PAIR_FORMATS:
            continue                              # rehashed by the export
        assert conversation_hashes(export_conversation(conv, fmt))[:2] == (
            whole, given_input), key


def test_readiness_says_what_redaction_does_to_copies_and_splits(store: Store,  # type: ignore[no-untyped-def]
                                                                 load) -> None:
    load(*plain(12))
    item = {i["id"]: i for i in readiness(store, ExportOptions(), {"train": 12})}["pii"]
    assert "alike but for a redacted name are exported once" in item["detail"]
    assert "duplicate_as_exported" in item["detail"] and "in one split" in item["detail"]


# -- redaction changes only its spans, and JSON stays JSON -------------------------------------

def test_redacted_export_changes_nothing_but_the_spans(store: Store, load,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path, pii_analyzer) -> None:
    """Redact against keep, line by line: the same JSON shape, tool-call arguments and
    JSON answers still parse, and every string differs only where a placeholder is."""
    answer = json.dumps({"contact": "jane.doe@example.com", "note": "Reply by \"Friday\"",
                         "phone": "+1 415 555 0100", "n": 3})
    tool = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {
            "name": "send_mail", "arguments": json.dumps(
                {"to": "jane.doe@example.com", "body": "Call +1 415 555 0100\nBye"})}}]}
    load(*plain(12),
         chat("json", "Give me the contact as JSON, my e-mail is jane.doe@example.com.",
              answer),
         {"id": "tool", "messages": [
             {"role": "user", "content": "Mail Jane."}, tool,
             {"role": "tool", "tool_call_id": "call_1", "content": "sent"},
             {"role": "assistant", "content": "Sent."}]})
    kept = run_export(store, tmp_path / "keep", pii_analyzer, pii="keep", val_fraction=0)
    redacted = run_export(store, tmp_path / "redact", pii_analyzer, val_fraction=0)
    assert kept.counts == redacted.counts
    before = lines_by_split(tmp_path / "keep")["train"]
    after = lines_by_split(tmp_path / "redact")["train"]
    changed = 0
    for old, new in zip(before, after, strict=True):
        changed += old != new
        same_but_spans(json.loads(old), json.loads(new))
    assert changed == 2
    rows = [json.loads(line) for line in after]
    (json_row,) = [r for r in rows if r["messages"][0]["content"].startswith("Give me")]
    assert json.loads(json_row["messages"][1]["content"]) == {
        "contact": "<EMAIL_ADDRESS>", "note": 'Reply by "Friday"',
        "phone": "<PHONE_NUMBER>", "n": 3}
    (tool_row,) = [r for r in rows if len(r["messages"]) == 4]
    arguments = tool_row["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == {"to": "<EMAIL_ADDRESS>",
                                     "body": "Call <PHONE_NUMBER>\nBye"}


PLACEHOLDER = re.compile(r"<[A-Z_]+>")


def same_but_spans(old: Any, new: Any) -> None:
    """``new`` is ``old`` with parts of strings replaced by placeholders, nothing else
    (a string holding JSON is compared decoded)."""
    if isinstance(old, dict):
        assert isinstance(new, dict) and list(old) == list(new)
        for key in old:
            same_but_spans(old[key], new[key])
    elif isinstance(old, list):
        assert isinstance(new, list) and len(old) == len(new)
        for a, b in zip(old, new, strict=True):
            same_but_spans(a, b)
    elif isinstance(old, str) and old != new:
        assert isinstance(new, str)
        try:
            decoded_old, decoded_new = json.loads(old), json.loads(new)
        except ValueError:
            assert_only_placeholders(old, new)
        else:
            same_but_spans(decoded_old, decoded_new)
    else:
        assert old == new


def assert_only_placeholders(old: str, new: str) -> None:
    """``new`` is ``old`` with some substrings replaced by placeholders."""
    pieces = PLACEHOLDER.split(new)
    assert len(pieces) > 1, (old, new)
    assert old.startswith(pieces[0]) and old.endswith(pieces[-1]), (old, new)
    at = len(pieces[0])
    for piece in pieces[1:-1]:
        found = old.find(piece, at)
        assert found >= 0, (old, new, piece)
        at = found + len(piece)
    assert at <= len(old) - len(pieces[-1]), (old, new)


# Strings without "<" (so a placeholder is told from the text) and with the characters
# JSON escapes: quotes, backslashes, newlines, non-ASCII.
TEXT = st.text(alphabet=st.sampled_from(list('ab Z."\\\n\té€:,{}[]')), max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-99, 99) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=10)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.dictionaries(TEXT, JSON_VALUES, min_size=1, max_size=4) | st.lists(
    JSON_VALUES, min_size=1, max_size=4), ascii_only=st.booleans(), spaced=st.booleans(),
    cuts=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=3))
def test_any_span_in_json_keeps_it_json_and_changes_only_strings(
        value: Any, ascii_only: bool, spaced: bool, cuts: list[tuple[float, float]]) -> None:
    """Whatever spans a detector reports in a JSON text (over quotes, keys, escapes,
    punctuation), the redacted text parses to the same structure, and each string value
    differs from the original only by placeholders."""
    text = json.dumps(value, ensure_ascii=ascii_only,
                      separators=(", ", ": ") if spaced else (",", ":"))
    spans = []
    for x, y in cuts:
        a, b = sorted((int(x * len(text)), int(y * len(text))))
        if a < b:
            spans.append(Span(0, None, a, b, "PERSON", text[a:b]))
    out = Redactor(use_presidio=False).text(text, spans)
    same_but_spans(value, json.loads(out))


@given(text=st.text(max_size=40), x=st.floats(0, 1), y=st.floats(0, 1))
def test_a_span_in_plain_text_replaces_exactly_it(text: str, x: float, y: float) -> None:
    a, b = sorted((int(x * len(text)), int(y * len(text))))
    if a == b or text.lstrip()[:1] in ("{", "["):
        return
    out = Redactor(use_presidio=False).text(text, [Span(0, None, a, b, "PERSON", text[a:b])])
    assert out == text[:a] + "<PERSON>" + text[b:]
