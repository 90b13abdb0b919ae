"""Token counts match OpenAI's chat data-prep cookbook, computed offline."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from curator.core.checks import tokens
from curator.core.checks.tokens import TokenCounter, billing_estimate, distribution
from curator.core.errors import CuratorError

TOY = Path(__file__).resolve().parents[1] / "data" / "toy_chat_fine_tuning.jsonl"


def toy() -> list[dict[str, Any]]:
    """The cookbook's examples/data/toy_chat_fine_tuning.jsonl (see tests/data)."""
    return [json.loads(line) for line in TOY.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    return TokenCounter()


@pytest.fixture(scope="module")
def toy_counts(counter: TokenCounter) -> list[tuple[int, int]]:
    return counter.count_many(toy())


# -- the cookbook's recorded output on its toy file ------------------------------------------

def test_toy_total_token_distribution_matches_the_cookbook(
        toy_counts: list[tuple[int, int]]) -> None:
    stats = distribution([total for total, _ in toy_counts])
    assert (stats["min"], stats["max"], stats["mean"], stats["median"]) == (
        26, 8032, 1648.4, 45.0)


def test_toy_assistant_token_range_matches_the_cookbook(
        toy_counts: list[tuple[int, int]]) -> None:
    assistant = [a for _, a in toy_counts]
    assert (min(assistant), max(assistant)) == (4, 8000)


def test_toy_messages_per_example_match_the_cookbook() -> None:
    stats = distribution([len(example["messages"]) for example in toy()])
    assert (len(toy()), stats["min"], stats["max"], stats["mean"], stats["median"]) == (
        5, 2, 9, 3.8, 3.0)


def test_toy_billing_matches_the_cookbook_recorded_with_its_old_4096_limit(
        toy_counts: list[tuple[int, int]]) -> None:
    # The notebook's recorded "~4306 billing tokens ... 20 epochs ... ~86120 tokens" and
    # "1 examples may be over the 4096 token limit" came from the 4,096-token revision.
    totals = [total for total, _ in toy_counts]
    assert billing_estimate(totals, 4096) == {
        "examples": 5, "over_limit": 1, "billing_tokens": 4306, "epochs": 20,
        "charged_tokens": 86_120}


def test_toy_has_no_example_over_the_16385_limit(toy_counts: list[tuple[int, int]]) -> None:
    assert billing_estimate([total for total, _ in toy_counts], 16_385)["over_limit"] == 0


# -- how tokens are counted -----------------------------------------------------------------

def test_message_costs_three_plus_its_values_and_example_costs_three(
        counter: TokenCounter) -> None:
    # "user" is 1 token and "hello world" 2 ([15339, 1917]) in cl100k_base.
    assert counter.encoding.encode_ordinary("hello world") == [15339, 1917]
    assert counter.count({"messages": [{"role": "user", "content": "hello world"}]}) == (
        3 + 3 + 1 + 2, 0)


def test_name_adds_one_token_besides_its_value(counter: TokenCounter) -> None:
    plain = {"messages": [{"role": "user", "content": "hi"}]}
    named = {"messages": [{"role": "user", "content": "hi", "name": "x"}]}
    assert counter.count(named)[0] == counter.count(plain)[0] + 1 + 1  # "x" is one token


def test_assistant_tokens_count_only_assistant_content(counter: TokenCounter) -> None:
    conv = {"messages": [{"role": "system", "content": "Be kind."},
                         {"role": "user", "content": "Hi there"},
                         {"role": "assistant", "content": "hello world", "name": "bot"}]}
    assert counter.count(conv)[1] == 2


def test_non_string_values_are_counted_as_compact_json(counter: TokenCounter) -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    conv = {"messages": [{"role": "assistant", "content": None, "tool_calls": calls}]}
    compact = json.dumps(calls, separators=(",", ":"))
    encode = counter.encoding.encode_ordinary
    expected = 3 + 3 + len(encode("assistant")) + len(encode("null")) + len(encode(compact))
    assert counter.count(conv) == (expected, 0)


def test_special_token_text_in_data_is_counted_not_rejected(counter: TokenCounter) -> None:
    conv = {"messages": [{"role": "user", "content": "<|endoftext|>"}]}
    assert counter.count(conv)[0] == 3 + 3 + 1 + 7  # encoded as ordinary text: 7 tokens


def test_records_without_a_message_list_count_three(counter: TokenCounter) -> None:
    assert counter.count({"text": "no messages"}) == (3, 0)
    assert counter.count({"messages": None}) == (3, 0)


def test_count_many_agrees_with_count(counter: TokenCounter) -> None:
    examples = [*toy(), {"messages": ["not a message", {"role": "user", "content": 5}]}]
    assert TokenCounter().count_many(examples) == [counter.count(e) for e in examples]


def test_count_many_handles_many_distinct_strings() -> None:
    convs = [{"messages": [{"role": "user", "content": f"question {i}"},
                           {"role": "assistant", "content": f"answer {i} " * (i % 7)}]}
             for i in range(2000)]
    one_by_one = TokenCounter()
    assert TokenCounter().count_many(convs) == [one_by_one.count(c) for c in convs]


# -- loading the encoding -------------------------------------------------------------------

def test_encoding_is_loaded_on_first_use_only() -> None:
    loads: list[int] = []
    real = TokenCounter().encoding

    def load() -> Any:
        loads.append(1)
        return real

    fresh = TokenCounter(load_encoding=load)
    assert loads == []
    fresh.count({"messages": [{"role": "user", "content": "hi"}]})
    fresh.count({"messages": [{"role": "user", "content": "hello"}]})
    assert loads == [1]


def test_importing_the_module_does_not_import_tiktoken() -> None:
    code = "import sys, curator.core.checks.tokens; print('tiktoken' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "False"


def test_loading_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access while loading the encoding")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert tokens._load_encoding().encode_ordinary("hello world") == [15339, 1917]


def test_loading_changes_no_environment_variable() -> None:
    before = dict(os.environ)
    tokens._load_encoding()
    assert dict(os.environ) == before


def test_a_token_table_with_the_wrong_checksum_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "cl100k_base.tiktoken"
    table.write_bytes(tokens._table_path().read_bytes() + b"\n")
    with pytest.raises(CuratorError, match="checksum differs"):
        tokens._load_encoding(table)


def test_a_missing_token_table_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CuratorError, match="cannot be read"):
        tokens._load_encoding(tmp_path / "absent.tiktoken")


# -- billing and distributions --------------------------------------------------------------

@pytest.mark.parametrize(("n", "epochs"), [(1, 25), (5, 20), (33, 3), (34, 3), (5_000, 3),
                                           (10_000, 2), (20_000, 1), (30_000, 1)])
def test_default_epochs_follow_the_cookbook(n: int, epochs: int) -> None:
    assert billing_estimate([10] * n, 100)["epochs"] == epochs


def test_billing_caps_each_example_at_the_limit() -> None:
    assert billing_estimate([50, 150, 100], 100) == {
        "examples": 3, "over_limit": 1, "billing_tokens": 250, "epochs": 25,
        "charged_tokens": 6250}


def test_distribution_p10_p90_are_numpy_linear_quantiles() -> None:
    stats = distribution(list(range(1, 11)))
    assert stats == {"min": 1, "max": 10, "mean": 5.5, "median": 5.5, "p10": 1.9, "p90": 9.1}


def test_distribution_of_nothing_is_empty() -> None:
    assert distribution([]) == {}
