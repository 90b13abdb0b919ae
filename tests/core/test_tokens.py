"""Token counts match OpenAI's cookbook, offline."""

from __future__ import annotations

import json

import pytest

from curator.core.checks.tokens import TokenCounter, billing_estimate, distribution

HAPPY = "You are a happy assistant that puts a positive spin on everything."


def toy_examples() -> list[dict]:
    """The five examples of the cookbook's toy_chat_fine_tuning.jsonl, rebuilt."""
    def m(role: str, content: str) -> dict:
        return {"role": role, "content": content}
    return [
        {"messages": [m("system", HAPPY), m("user", "I fell off my bike today."),
                      m("assistant", "It's great that you're getting exercise outdoors!")]},
        {"messages": [m("system", HAPPY), m("user", "I lost my tennis match today."),
                      m("assistant", "It's ok, it happens to everyone."),
                      m("user", "But I trained so hard!"),
                      m("assistant", "It will pay off next time."),
                      m("user", "I'm going to switch to golf."),
                      m("assistant", "Golf is fun too!"),
                      m("user", "I don't even know how to play golf."),
                      m("assistant", "It's easy to learn!")]},
        {"messages": [m("user", "I lost my book today."),
                      m("assistant", "You can read everything on ebooks these days!")]},
        {"messages": [m("system", HAPPY), m("assistant", "You're great!")]},
        {"messages": [m("system", HAPPY), m("user", "I'm hungry."),
                      m("assistant", "Eat a banana!" * 2000)]},
    ]


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    return TokenCounter()


def test_cookbook_toy_figures(counter: TokenCounter) -> None:
    counts = counter.count_many(toy_examples())
    totals = [t for t, _ in counts]
    assistants = [a for _, a in counts]
    stats = distribution(totals)
    assert (stats["min"], stats["max"], stats["mean"], stats["median"]) == (26, 8032, 1648.4,
                                                                            45.0)
    assert (min(assistants), max(assistants)) == (4, 8000)
    assert billing_estimate(totals, 16_385)["over_limit"] == 0


def test_cookbook_recorded_billing_with_its_4096_limit(counter: TokenCounter) -> None:
    # The notebook's recorded output was computed with the older 4,096-token limit:
    # "~4306 billing tokens", 20 epochs, "~86120 tokens" charged, 1 example over.
    totals = [t for t, _ in counter.count_many(toy_examples())]
    assert billing_estimate(totals, 4096) == {
        "examples": 5, "over_limit": 1, "billing_tokens": 4306, "epochs": 20,
        "charged_tokens": 86_120}


def test_count_and_count_many_agree(counter: TokenCounter) -> None:
    examples = toy_examples()
    assert [counter.count(e) for e in examples] == TokenCounter().count_many(examples)


def test_name_adds_one_token(counter: TokenCounter) -> None:
    plain = {"messages": [{"role": "user", "content": "hi"}]}
    named = {"messages": [{"role": "user", "content": "hi", "name": "x"}]}
    assert counter.count(named)[0] == counter.count(plain)[0] + 1 + 1  # "x" is one token


def test_special_token_text_is_counted_not_rejected(counter: TokenCounter) -> None:
    conv = {"messages": [{"role": "user", "content": "<|endoftext|>"}]}
    assert counter.count(conv)[0] > 7


def test_non_string_values_are_counted_as_json(counter: TokenCounter) -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    conv = {"messages": [{"role": "assistant", "content": None, "tool_calls": calls}]}
    expected = 3 + 3 + 1 + len(counter.encoding.encode_ordinary("null")) + len(
        counter.encoding.encode_ordinary(json.dumps(calls)))
    assert counter.count(conv) == (expected, 0)


def test_epochs_for_large_datasets() -> None:
    assert billing_estimate([10] * 20_000, 100)["epochs"] == 1
    assert billing_estimate([10] * 5_000, 100)["epochs"] == 3
