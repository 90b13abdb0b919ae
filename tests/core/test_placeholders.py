"""Unfilled template placeholders left in assistant answers: `unfilled_placeholder`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from curator.core.checks.schema import PROFILES, check_conversation
from curator.core.model import FindingDraft

DATA = Path(__file__).resolve().parents[1] / "data"
U = {"role": "user", "content": "Who are you?"}


def placeholders(answer: Any, role: str = "assistant") -> list[FindingDraft]:
    conv = {"messages": [U, {"role": role, "content": answer}]}
    if role != "assistant":
        conv["messages"].append({"role": "assistant", "content": "Fine."})
    return [f for f in check_conversation(conv, "openai", PROFILES["openai"])
            if f.code == "unfilled_placeholder"]


def spans(answer: Any) -> list[str]:
    text = answer if isinstance(answer, str) else None
    out = []
    for f in placeholders(answer):
        assert f.severity == "warning" and f.message_index == 1
        assert f.start is not None and f.end is not None
        if text is not None:
            assert text[f.start:f.end] == f.text
        out.append(str(f.text))
    return out


def test_llamafactory_identity_answer_is_flagged_with_spans() -> None:
    answer = "I am {{name}}, an AI assistant developed by {{author}}. How can I help?"
    found = placeholders(answer)
    assert [f.text for f in found] == ["{{name}}", "{{author}}"]
    first = found[0]
    assert (first.start, first.end) == (5, 13)
    assert "{{name}}" in first.description and "Replace" in first.description
    assert first.detail["style"] == "double_brace"


@pytest.mark.parametrize(("answer", "expected"), [
    ("Hello {user_name}, your order is ready.", ["{user_name}"]),
    ("Thanks, { name }!", []),                       # not an identifier in braces
    ("Sure<|im_end|>", ["<|im_end|>"]),
    ("<|assistant|> The capital is Paris.", ["<|assistant|>"]),
    ("Dear {{ customer }}, {{order_id}} shipped.", ["{{ customer }}", "{{order_id}}"]),
])
def test_placeholder_styles(answer: str, expected: list[str]) -> None:
    assert spans(answer) == expected


@pytest.mark.parametrize("answer", [
    # Code, fenced or inline, is not prose.
    "Use an f-string:\n```python\nprint(f\"Hello {name}\")\n```\nThat prints it.",
    "Write `{name}` in the template and pass `name=...`.",
    "Jinja:\n~~~\n{{ user.name }}\n~~~",
    # The whole answer is JSON.
    '{"name": "{user}", "greeting": "{{hi}}"}',
    '[{"a": 1}, {"b": "{x_y}"}]',
    # Code without fences: f-strings, format calls, blocks.
    'name = "Ann"\nprint(f"Hello {name}")',
    'msg = "Hi {who}".format(who=name)',
    "function greet(name) {\n  return `Hello ${name}`;\n}",
    # Mathematics and LaTeX.
    r"The fraction is $\frac{num}{den}$ and \text{speed} = d/t.",
    r"Here \(x^{ab}\) grows; in \[\sqrt{value}\] too.",
    # Sets and plain braces; single letters.
    "The set {a, b} has two elements; {x} is a singleton.",
    "An empty dict is {} in Python.",
])
def test_code_json_and_maths_are_not_flagged(answer: str) -> None:
    assert spans(answer) == []


def test_only_assistant_messages_are_checked() -> None:
    assert placeholders("Tell {{name}} about it.", role="user") == []
    assert placeholders("You are {{name}}.", role="system") == []


def test_text_parts_of_both_spellings_are_checked() -> None:
    found = placeholders([{"type": "text", "text": "Hi"},
                          {"type": "text", "text": "I am {{name}}."}])
    assert [(f.text, f.start, f.detail["part"]) for f in found] == [("{{name}}", 5, 1)]
    found = placeholders([{"type": "text", "value": "I am {{name}}."}])
    assert [(f.text, f.detail["part"]) for f in found] == [("{{name}}", 0)]


def test_many_placeholders_in_one_message_are_capped() -> None:
    answer = " ".join(f"{{{{slot_{i}}}}}" for i in range(100))
    assert 1 <= len(placeholders(answer)) <= 20


def test_public_samples_raise_no_placeholder_findings() -> None:
    """Real data without templates stays quiet (code answers, JSON answers, maths)."""
    from curator.core.ingest.shapes import normalise

    quiet = 0
    for name in ("toy_chat_fine_tuning.jsonl", "pirate_training_set.jsonl",
                 "anthropic_bedrock_claude_json_mode_dataset.jsonl",
                 "openai_dpo_example.jsonl"):
        for line in (DATA / name).read_text().splitlines():
            fmt, conv, _ = normalise(json.loads(line))
            profile = PROFILES["bedrock" if fmt == "bedrock" else "openai"]
            assert not [f for f in check_conversation(conv, fmt, profile)
                        if f.code == "unfilled_placeholder"], (name, line[:200])
            quiet += 1
    for name in ("llamafactory_alpaca_en_demo.json",
                 "llamafactory_glaive_toolcall_en_demo_sharegpt.json"):
        for item in json.loads((DATA / name).read_text()):
            fmt, conv, _ = normalise(item)
            hits = [f for f in check_conversation(conv, fmt, PROFILES["openai"])
                    if f.code == "unfilled_placeholder"]
            assert not hits, (name, [h.text for h in hits], str(item)[:300])
            quiet += 1
    assert quiet > 1500
