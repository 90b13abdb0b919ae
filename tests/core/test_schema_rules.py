"""Schema rules: each code fires on a minimal bad example and not on its valid twin."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from curator.core.checks.schema import (
    PROFILES,
    check_conversation,
    dataset_findings,
    notes_to_findings,
    profile_for,
)

OPENAI = PROFILES["openai"]
U = {"role": "user", "content": "What is the weather in Paris?"}
A = {"role": "assistant", "content": "Sunny, 21 °C."}
S = {"role": "system", "content": "You are terse."}
CALL = {"id": "call_abc", "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather now",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def codes(conv: dict, fmt: str = "openai", profile=OPENAI) -> list[str]:
    return [f.code for f in check_conversation(conv, fmt, profile)]


def msgs(*messages: object, **top: object) -> dict:
    return {"messages": list(messages), **top}


def test_simple_valid_example_has_no_findings() -> None:
    assert codes(msgs(S, U, A)) == []


def test_openai_spec_tool_call_example_has_no_findings() -> None:
    conv = {"messages": [U, {"role": "assistant", "tool_calls": [CALL]}],
            "parallel_tool_calls": False, "tools": TOOLS}
    assert codes(conv) == ["last_message_not_assistant"] or codes(conv) == []


def test_tool_round_trip_is_not_flagged_under_openai() -> None:
    conv = msgs(S, U, {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "tool", "tool_call_id": "call_abc", "content": '{"temp": 21}'}, A,
                tools=TOOLS)
    assert codes(conv) == []


def test_list_content_and_weights_are_not_flagged() -> None:
    conv = msgs({"role": "user", "content": [{"type": "text", "text": "Hi"},
                                             {"type": "image_url",
                                              "image_url": {"url": "https://x/y.png"}}]},
                {"role": "assistant", "content": "Hello", "weight": 0},
                {"role": "user", "content": "Again"},
                {"role": "assistant", "content": [{"type": "text", "text": "Hello!"}],
                 "weight": 1})
    assert codes(conv) == []


def test_developer_role_and_name_are_accepted() -> None:
    conv = msgs({"role": "developer", "content": "Be brief."},
                {"role": "user", "content": "Hi", "name": "ana"}, A)
    assert codes(conv) == []


@pytest.mark.parametrize("conv, code", [
    ({"messages": []}, "missing_messages_list"),
    (msgs("hello", A), "message_not_object"),
    (msgs({"content": "Hi"}, A), "message_missing_key"),
    (msgs(U, {"role": "assistant", "content": "x", "mood": "happy"}),
     "message_unrecognized_key"),
    (msgs({"role": "human", "content": "Hi"}, A), "unrecognized_role"),
    (msgs({"role": "user"}, A), "missing_content"),
    (msgs(U, {"role": "assistant", "content": None}), "missing_content"),
    (msgs(U, {"role": "assistant", "content": "  \n"}), "empty_content"),
    (msgs(U, {"role": "assistant", "content": []}), "empty_content"),
    (msgs(U, {"role": "assistant", "content": 42}), "content_wrong_type"),
    (msgs({"role": "user", "content": [{"type": "text"}]}, A), "invalid_content_part"),
    (msgs({"role": "user", "content": [{"type": "image_url"}]}, A), "invalid_content_part"),
    (msgs({"role": "user", "content": ["hi"]}, A), "invalid_content_part"),
    (msgs(U), "example_missing_assistant_message"),
    (msgs(U, A, S), "system_message_not_first"),
    (msgs(U, A, U), "last_message_not_assistant"),
    (msgs(U, U, A), "roles_not_alternating"),
    (msgs(U, A, A), "roles_not_alternating"),
    (msgs(U, {"role": "tool", "tool_call_id": "x", "content": "r"}, A), "roles_not_alternating"),
    (msgs(A, U, A), "first_message_not_user"),
    (msgs(U, {**A, "weight": 2}), "invalid_weight"),
    (msgs(U, {**A, "weight": True}), "invalid_weight"),
    (msgs({**U, "weight": 1}, A), "weight_on_non_assistant"),
    (msgs(U, {"role": "assistant", "tool_calls": "get_weather"}), "malformed_tool_call"),
    (msgs(U, {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{}"}}]}),
     "malformed_tool_call"),
    (msgs(U, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function"}]}),
     "malformed_tool_call"),
    (msgs(U, {"role": "assistant", "tool_calls": [
        {**CALL, "function": {"name": "f", "arguments": {"city": "Paris"}}}]}),
     "tool_arguments_not_string"),
    (msgs(U, {"role": "assistant", "tool_calls": [
        {**CALL, "function": {"name": "f", "arguments": "{city: Paris}"}}]}),
     "tool_arguments_invalid_json"),
    (msgs(U, {"role": "assistant", "tool_calls": [
        {**CALL, "function": {"name": "f", "arguments": json.dumps(json.dumps({"a": 1}))}}]}),
     "tool_arguments_double_encoded"),
    (msgs(U, {"role": "assistant", "tool_calls": [CALL]}, {"role": "tool", "content": "r"}, A),
     "tool_message_missing_tool_call_id"),
    (msgs(U, {"role": "assistant", "tool_calls": [CALL]},
          {"role": "tool", "tool_call_id": "call_zzz", "content": "r"}, A),
     "tool_call_id_unknown"),
    (msgs(U, A, metadata={"x": 1}), "unknown_top_level_key"),
    (msgs(U, A, tools="get_weather"), "malformed_tools"),
    (msgs(U, A, tools=[{"type": "function", "function": {"description": "no name"}}]),
     "malformed_tools"),
    (msgs(U, A, parallel_tool_calls="yes"), "malformed_tools"),
])
def test_rule_fires(conv: dict, code: str) -> None:
    assert code in codes(conv)


def test_findings_point_at_the_message() -> None:
    (finding,) = check_conversation(msgs(U, {**A, "weight": 5}), "openai", OPENAI)
    assert finding.message_index == 1
    assert "Message 2 (assistant)" in finding.description
    assert finding.severity == "error"


def test_ids_are_allowed_at_the_top_level() -> None:
    assert codes(msgs(U, A, id="ex-1", custom_id="c1")) == []


def test_dict_arguments_are_fine_under_trl() -> None:
    conv = msgs(U, {"role": "assistant", "tool_calls": [
        {"type": "function", "function": {"name": "f", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "name": "f", "content": "r"}, A)
    found = codes(conv, profile=PROFILES["trl"])
    assert "tool_arguments_not_string" not in found
    assert "malformed_tool_call" not in found


# -- Bedrock -------------------------------------------------------------------------------

BEDROCK = PROFILES["bedrock"]


def test_auto_profile_follows_the_record_format() -> None:
    assert profile_for("auto", "bedrock") is BEDROCK
    assert profile_for("auto", "sharegpt") is OPENAI
    assert profile_for("mistral", "bedrock") is PROFILES["mistral"]


@pytest.mark.parametrize("conv, code", [
    (msgs(A, U, A), "first_message_not_user"),
    (msgs(U), "too_few_messages"),
    (msgs(U, {"role": "assistant", "content": [{"type": "text", "text": "x"}]}),
     "content_wrong_type"),
    (msgs(U, {**A, "weight": 1}), "message_unrecognized_key"),
    (msgs(U, A, metadata={}), "unknown_top_level_key"),
    (msgs(S, S, U, A), "multiple_system_messages"),
])
def test_bedrock_rule_fires_as_error(conv: dict, code: str) -> None:
    found = {f.code: f.severity for f in check_conversation(conv, "bedrock", BEDROCK)}
    assert found.get(code) == "error"


def test_first_message_not_user_is_only_a_warning_for_openai() -> None:
    (finding,) = check_conversation(msgs(A, U, A), "openai", OPENAI)
    assert (finding.code, finding.severity) == ("first_message_not_user", "warning")


# -- Mistral -------------------------------------------------------------------------------

def test_mistral_wants_nine_character_tool_ids_and_full_tools() -> None:
    mistral = PROFILES["mistral"]
    conv = msgs(U, {"role": "assistant", "tool_calls": [CALL]},
                {"role": "tool", "tool_call_id": "call_abc", "content": "r"}, A,
                tools=[{"type": "function", "function": {"name": "get_weather"}}])
    found = codes(conv, profile=mistral)
    assert "tool_call_id_length" in found and "malformed_tools" in found
    ok = json.loads(json.dumps(conv).replace("call_abc", "abcdefghi"))
    ok["tools"] = TOOLS
    assert codes(ok, profile=mistral) == []


# -- preference pairs and dataset level ---------------------------------------------------

def test_preference_pair_without_outputs_is_flagged() -> None:
    conv = {"messages": [U], "preferred_output": [A], "non_preferred_output": []}
    assert codes(conv, fmt="preference") == ["invalid_preference_output"]


def test_preference_pair_ending_with_user_is_fine() -> None:
    conv = {"messages": [U], "preferred_output": [A], "non_preferred_output": [A]}
    assert codes(conv, fmt="preference") == []


@pytest.mark.parametrize("n, expected", [(0, "too_few_examples"), (9, "too_few_examples"),
                                         (10, "few_examples"), (99, "few_examples"),
                                         (100, None)])
def test_dataset_size_findings(n: int, expected: str | None) -> None:
    assert [f.code for f in dataset_findings(n)] == ([expected] if expected else [])


def test_notes_become_warnings() -> None:
    (finding,) = notes_to_findings([{"code": "sharegpt_bad_tools", "description": "d",
                                     "message_index": None}])
    assert (finding.code, finding.severity) == ("sharegpt_bad_tools", "warning")


def test_token_limit_is_a_setting() -> None:
    assert replace(OPENAI, max_tokens=4096).max_tokens == 4096


# -- real files ---------------------------------------------------------------------------

def test_pirate_file_has_no_findings(public: Path) -> None:
    for line in (public / "pirate_training_set.jsonl").read_text().splitlines():
        assert codes(json.loads(line)) == []


def test_bedrock_sample_passes_the_bedrock_rules(public: Path) -> None:
    lines = (public / "anthropic_bedrock_claude_json_mode_dataset.jsonl").read_text()
    for line in lines.splitlines():
        record = json.loads(line)
        conv = {"messages": [{"role": "system", "content": record.pop("system")},
                             *record.pop("messages")], **record}
        assert codes(conv, "bedrock", BEDROCK) == []
