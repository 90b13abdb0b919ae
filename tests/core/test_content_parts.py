"""Content parts in both spellings: OpenAI's ``{"type": "text", "text": ...}`` and
LLaMA-Factory v1's ``{"type": "text", "value": ...}`` with ``loss_weight``."""

from __future__ import annotations

import json
from typing import Any

from curator.core.checks.scan import scan
from curator.core.checks.schema import PROFILES, check_conversation
from curator.core.conversation import conversation_hashes, text_of
from curator.core.jobs import run_job
from curator.core.store import Store


def lf(role: str, text: str, weight: float | None) -> dict[str, Any]:
    """A LLaMA-Factory v1 message (as its converters write them)."""
    message: dict[str, Any] = {"role": role, "content": [{"type": "text", "value": text}]}
    if weight is not None:
        message["loss_weight"] = weight
    return message


def lf_line(question: str, answer: str, answer_weight: float = 1.0) -> str:
    return json.dumps({"messages": [
        lf("system", "You are a helpful assistant.", 0.0),
        lf("user", question, 0.0),
        lf("assistant", answer, answer_weight)]})


def canonical(store: Store, key: str) -> dict[str, Any]:
    row = store.record(key)
    assert row is not None and row["valid"] == 1, row
    return dict(json.loads(row["canonical"]))


def codes(store: Store, key: str) -> dict[str, str]:
    return {f["code"]: f["severity"] for f in store.findings() if f["record"] == key}


# -- reading text -------------------------------------------------------------------------


def test_text_of_reads_both_spellings() -> None:
    assert text_of([{"type": "text", "text": "Hello"}]) == "Hello"
    assert text_of([{"type": "text", "value": "Hello"}]) == "Hello"
    assert text_of([{"type": "text", "value": "a"}, {"type": "image_url", "value": "http://x"},
                    {"type": "text", "text": "b"}]) == "a b"
    # LLaMA-Factory's other part types hold reasoning or calls in "value": not text.
    assert text_of([{"type": "reasoning", "value": "hmm"}]) == ""


def test_first_user_preview_reads_value_parts() -> None:
    conv = {"messages": [lf("user", "What is 2 + 2?", 0.0), lf("assistant", "4", 1.0)]}
    assert conversation_hashes(conv)[3] == "What is 2 + 2?"


# -- import: converted into the canonical form, the line kept --------------------------------


def test_import_converts_llamafactory_parts_and_keeps_the_line(store: Store, write,  # type: ignore[no-untyped-def]
                                                               do_import) -> None:
    line = lf_line("Hi there", "Hello! How can I help?")
    path = write("v1.jsonl", line + "\n")
    report = do_import(path)
    assert report.valid == 1
    conv = canonical(store, "v1.jsonl:1")
    assert conv["messages"] == [
        {"role": "system", "content": [{"type": "text", "text": "You are a helpful assistant."}]},
        {"role": "user", "content": [{"type": "text", "text": "Hi there"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello! How can I help?"}],
         "weight": 1},
    ]
    row = store.record("v1.jsonl:1")
    assert row is not None
    assert bytes(row["raw"]) == (line + "\n").encode()         # the imported line as it was
    assert row["first_user"] == "Hi there"
    run_job(scan(store))
    found = codes(store, "v1.jsonl:1")
    assert found.get("converted_content_parts") == "info"
    assert not {c for c, s in found.items() if s == "error"}, found
    assert "message_unrecognized_key" not in found and "content_part_not_accepted" not in found


def test_loss_weight_becomes_weight_only_where_it_means_weight(store: Store, write,  # type: ignore[no-untyped-def]
                                                               do_import) -> None:
    lines = [
        lf_line("q1", "a1", answer_weight=0.0),
        lf_line("q2", "a2", answer_weight=0.5),
        json.dumps({"messages": [lf("user", "q3", 1.0), lf("assistant", "a3", 1.0)]}),
    ]
    do_import(write("w.jsonl", "\n".join(lines) + "\n"))
    first = canonical(store, "w.jsonl:1")["messages"]
    assert first[2]["weight"] == 0 and type(first[2]["weight"]) is int
    assert "loss_weight" not in first[0] and "weight" not in first[0]
    assert canonical(store, "w.jsonl:2")["messages"][2]["weight"] == 0.5
    third = canonical(store, "w.jsonl:3")["messages"]
    assert third[0]["loss_weight"] == 1.0 and "weight" not in third[0]  # kept: no such thing
    run_job(scan(store))
    assert "invalid_weight" in codes(store, "w.jsonl:2")
    unknown = [f for f in store.findings() if f["record"] == "w.jsonl:3"
               and f["code"] == "message_unrecognized_key"]
    assert unknown and '"weight"' in unknown[0]["description"]


def test_weight_is_judged_by_the_profile(store: Store, write, do_import) -> None:  # type: ignore[no-untyped-def]
    do_import(write("v1.jsonl", lf_line("Hi", "Hello") + "\n"))
    conv = canonical(store, "v1.jsonl:1")
    assert not [f for f in check_conversation(conv, "openai", PROFILES["openai"])
                if f.code == "message_unrecognized_key"]
    bedrock = [f for f in check_conversation(conv, "openai", PROFILES["bedrock"])
               if f.code == "message_unrecognized_key"]
    assert bedrock and bedrock[0].text == "weight"


def test_openai_text_parts_are_kept_as_they_are(store: Store, write, do_import) -> None:  # type: ignore[no-untyped-def]
    line = json.dumps({"messages": [
        {"role": "user", "content": [{"type": "text", "text": "Describe it"}]},
        {"role": "assistant", "content": "A cat."}]})
    do_import(write("o.jsonl", line + "\n"))
    row = store.record("o.jsonl:1")
    assert row is not None and row["conversation"] is None        # its own canonical form
    assert row["first_user"] == "Describe it"


# -- schema: parts a profile does not accept ----------------------------------------------


def part_findings(part: dict[str, Any], role: str = "user") -> list[Any]:
    conv = {"messages": [{"role": role, "content": [part]},
                         {"role": "assistant", "content": "ok"}]}
    if role == "assistant":
        conv["messages"].insert(0, {"role": "user", "content": "hi"})
        conv["messages"].pop()
    return [f for f in check_conversation(conv, "openai", PROFILES["openai"])
            if f.code in ("content_part_not_accepted", "invalid_content_part")]


def test_value_spelled_text_part_is_not_accepted_and_says_what_to_do() -> None:
    (finding,) = part_findings({"type": "text", "value": "Hello"})
    assert finding.code == "content_part_not_accepted" and finding.severity == "error"
    assert finding.message_index == 0 and finding.detail["part"] == 1
    assert "OpenAI" in finding.description and '"text"' in finding.description
    assert "import" in finding.description  # Curator converts them on import


def test_llamafactory_part_types_are_not_accepted() -> None:
    (image,) = part_findings({"type": "image_url", "value": "https://x/cat.png"})
    assert image.code == "content_part_not_accepted"
    assert '"image_url": {"url"' in image.description
    (reasoning,) = part_findings({"type": "reasoning", "value": "first..."}, "assistant")
    assert reasoning.code == "content_part_not_accepted"
    (call,) = part_findings({"type": "tool_call", "value": '{"name": "f"}'}, "assistant")
    assert call.code == "content_part_not_accepted" and "tool_calls" in call.description


def test_loss_weight_left_in_a_message_gets_a_hint() -> None:
    conv = {"messages": [{"role": "user", "content": "q", "loss_weight": 0.0},
                         {"role": "assistant", "content": "a"}]}
    (finding,) = [f for f in check_conversation(conv, "openai", PROFILES["openai"])
                  if f.code == "message_unrecognized_key"]
    assert "LLaMA-Factory" in finding.description and '"weight"' in finding.description


# -- personal data and tokens read both spellings -----------------------------------------


def test_pii_texts_and_redaction_read_value_parts() -> None:
    from curator.core.checks.pii import conversation_texts
    from curator.core.checks.pii_review import _get_text, _set_text
    from curator.core.export.coverage import map_strings
    from curator.core.export.redact import Redactor, Span

    conv = {"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://x"}},
        {"type": "text", "value": "mail bob@example.org"}]}]}
    (ref,) = conversation_texts(conv)
    assert (ref.message_index, ref.part, ref.text) == (0, 1, "mail bob@example.org")
    assert _get_text(conv, 0, 1) == "mail bob@example.org"
    changed = json.loads(json.dumps(conv))
    _set_text(changed, 0, 1, "mail <EMAIL_ADDRESS>")
    assert changed["messages"][0]["content"][1] == {"type": "text",
                                                    "value": "mail <EMAIL_ADDRESS>"}
    redacted = Redactor(use_presidio=False).redact(
        conv, [Span(0, 1, 5, 20, "EMAIL_ADDRESS", "bob@example.org")])
    assert redacted["messages"][0]["content"][1]["value"] == "mail <EMAIL_ADDRESS>"
    places: list[Any] = []
    map_strings(conv, lambda text, place: places.append((text, place)) or text)
    assert ("mail bob@example.org", (0, 1)) in places


def test_tokens_count_the_text_of_parts_of_either_spelling() -> None:
    from curator.core.checks.tokens import TokenCounter

    counter = TokenCounter()

    def conv(content: Any) -> dict[str, Any]:
        return {"messages": [{"role": "assistant", "content": content}]}

    plain = counter.count(conv("The answer is forty-two."))
    openai = counter.count(conv([{"type": "text", "text": "The answer is forty-two."}]))
    llama = counter.count(conv([{"type": "text", "value": "The answer is forty-two."}]))
    assert openai == llama
    assert openai[1] == plain[1]                   # assistant tokens: the text, not JSON
