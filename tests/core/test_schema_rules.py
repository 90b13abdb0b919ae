"""Schema rules: each code fires on a minimal bad example, and valid data passes clean."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.core.checks.schema import (
    PROFILES,
    Profile,
    check_conversation,
    dataset_findings,
    notes_to_findings,
    profile_for,
)
from curator.core.errors import CuratorError

DATA = Path(__file__).resolve().parents[1] / "data"
TOY = DATA / "toy_chat_fine_tuning.jsonl"

OPENAI = PROFILES["openai"]
BEDROCK = PROFILES["bedrock"]
MISTRAL = PROFILES["mistral"]
TRL = PROFILES["trl"]

S = {"role": "system", "content": "You are terse."}
U = {"role": "user", "content": "What is the weather in Paris?"}
A = {"role": "assistant", "content": "Sunny, 21 °C."}
CALL = {"id": "call_abc", "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
CALLER = {"role": "assistant", "content": None, "tool_calls": [CALL]}
RESULT = {"role": "tool", "tool_call_id": "call_abc", "content": '{"temp": 21}'}
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather now",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def msgs(*messages: Any, **top: Any) -> dict[str, Any]:
    return {"messages": list(messages), **top}


def found(conv: Any, fmt: str = "openai", profile: Profile = OPENAI) -> list[tuple[str, str]]:
    """(code, severity) of every finding, in order."""
    return [(f.code, f.severity) for f in check_conversation(conv, fmt, profile)]


def codes(conv: Any, fmt: str = "openai", profile: Profile = OPENAI) -> list[str]:
    return [code for code, _ in found(conv, fmt, profile)]


def call_with(**function: Any) -> dict[str, Any]:
    return {"role": "assistant", "tool_calls": [{**CALL, "function": function}]}


# -- valid data has no findings -------------------------------------------------------------

def test_system_user_assistant_example_has_no_findings() -> None:
    assert found(msgs(S, U, A)) == []


def test_openai_spec_tool_call_example_has_no_findings() -> None:
    spec = {"messages": [
        {"role": "user", "content": "What is the weather in San Francisco?"},
        {"role": "assistant", "tool_calls": [{
            "id": "call_id", "type": "function", "function": {
                "name": "get_current_weather",
                "arguments": "{\"location\": \"San Francisco, USA\", \"format\": \"celsius\"}"}}]}],
        "parallel_tool_calls": False,
        "tools": [{"type": "function", "function": {
            "name": "get_current_weather", "description": "Get the current weather",
            "parameters": {"type": "object", "properties": {
                "location": {"type": "string"},
                "format": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                "required": ["location", "format"]}}}]}
    assert found(spec) == []


def test_tool_call_round_trip_is_not_flagged_under_openai() -> None:
    assert found(msgs(S, U, CALLER, RESULT, A, tools=TOOLS)) == []


def test_parallel_tool_calls_with_two_results_are_not_flagged() -> None:
    second = {**CALL, "id": "call_def"}
    conv = msgs(U, {"role": "assistant", "tool_calls": [CALL, second]}, RESULT,
                {**RESULT, "tool_call_id": "call_def"}, A, parallel_tool_calls=True)
    assert found(conv) == []


def test_list_of_parts_content_is_not_flagged() -> None:
    user = {"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}
    assistant = {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]}
    assert found(msgs(S, user, assistant)) == []


def test_weights_zero_and_one_are_not_flagged() -> None:
    conv = msgs(U, {**A, "weight": 0}, {"role": "user", "content": "Again?"}, {**A, "weight": 1})
    assert found(conv) == []


def test_developer_role_and_name_are_not_flagged() -> None:
    conv = msgs({"role": "developer", "content": "Be brief."}, {**U, "name": "ana"}, A)
    assert found(conv) == []


def test_deprecated_function_call_and_result_are_not_flagged() -> None:
    conv = msgs(U, {"role": "assistant", "content": None,
                    "function_call": {"name": "get_weather", "arguments": "{}"}},
                {"role": "function", "name": "get_weather", "content": "21"}, A)
    assert found(conv) == []


def test_id_and_custom_id_are_allowed_at_the_top_level() -> None:
    assert found(msgs(U, A, id="ex-1", custom_id="c1")) == []
    assert found(msgs(U, A, id="ex-1"), "bedrock", BEDROCK) == []


# -- each rule fires on a minimal bad example (openai profile) ------------------------------

FIRES = [
    ("example_not_object", ["not", "a", "dict"], "error"),
    ("missing_messages_list", {"prompt": "hi"}, "error"),
    ("missing_messages_list", {"messages": []}, "error"),
    ("missing_messages_list", {"messages": "hi"}, "error"),
    ("message_not_object", msgs("hello", A), "error"),
    ("message_missing_key", msgs({"content": "Hi"}, A), "error"),
    ("message_unrecognized_key", msgs(U, {**A, "mood": "happy"}), "error"),
    ("unrecognized_role", msgs({"role": "human", "content": "Hi"}, A), "error"),
    ("missing_content", msgs({"role": "user"}, A), "error"),
    ("missing_content", msgs(U, {"role": "assistant", "content": None}), "error"),
    ("empty_content", msgs(U, {"role": "assistant", "content": " \n"}), "error"),
    ("empty_content", msgs(U, {"role": "assistant", "content": []}), "error"),
    ("empty_content", msgs(U, {"role": "assistant", "content": [{"type": "text", "text": ""}]}),
     "error"),
    ("content_wrong_type", msgs(U, {"role": "assistant", "content": 42}), "error"),
    ("invalid_content_part", msgs({"role": "user", "content": ["hi"]}, A), "error"),
    ("invalid_content_part", msgs({"role": "user", "content": [{"text": "hi"}]}, A), "error"),
    ("invalid_content_part", msgs({"role": "user", "content": [{"type": "text"}]}, A), "error"),
    ("invalid_content_part", msgs({"role": "user", "content": [{"type": "image_url"}]}, A),
     "error"),
    ("invalid_content_part", msgs(U, {"role": "assistant", "content": [
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}), "error"),
    ("example_missing_assistant_message", msgs(S, {"role": "user", "content": "Hi"}, U), None),
    ("system_message_not_first", msgs(U, A, S, U, A), "warning"),
    ("first_message_not_user", msgs(S, A, U, A), "warning"),
    ("roles_not_alternating", msgs(U, U, A), "warning"),
    ("roles_not_alternating", msgs(U, A, A), "warning"),
    ("roles_not_alternating", msgs(U, CALLER, U, A), "warning"),
    ("roles_not_alternating", msgs(U, CALLER, A), "warning"),
    ("roles_not_alternating", msgs(U, {**RESULT, "tool_call_id": "x"}, A), "error"),
    ("last_message_not_assistant", msgs(U, A, U), "warning"),
    ("invalid_weight", msgs(U, {**A, "weight": 2}), "error"),
    ("invalid_weight", msgs(U, {**A, "weight": True}), "error"),
    ("invalid_weight", msgs(U, {**A, "weight": 1.0}), "error"),
    ("invalid_weight", msgs(U, {**A, "weight": "1"}), "error"),
    ("weight_on_non_assistant", msgs({**U, "weight": 1}, A), "error"),
    ("malformed_tool_call", msgs(U, {"role": "assistant", "tool_calls": "get_weather"}),
     "error"),
    ("malformed_tool_call", msgs(U, {"role": "assistant", "content": "x", "tool_calls": []}),
     "error"),
    ("malformed_tool_call", msgs(U, {"role": "assistant", "tool_calls": [
        {"type": "function", "function": CALL["function"]}]}), "error"),
    ("malformed_tool_call", msgs(U, {"role": "assistant", "tool_calls": [
        {"id": "c", "function": CALL["function"]}]}), "error"),
    ("malformed_tool_call", msgs(U, {"role": "assistant", "tool_calls": [
        {**CALL, "type": "retrieval"}]}), "error"),
    ("malformed_tool_call", msgs(U, {"role": "assistant", "tool_calls": [
        {"id": "c", "type": "function"}]}), "error"),
    ("malformed_tool_call", msgs(U, call_with(arguments="{}")), "error"),
    ("malformed_tool_call", msgs(U, call_with(name="get_weather")), "error"),
    ("tool_arguments_not_string", msgs(U, call_with(name="f", arguments={"city": "Paris"})),
     "error"),
    ("tool_arguments_invalid_json", msgs(U, call_with(name="f", arguments="{city: Paris}")),
     "error"),
    ("tool_arguments_double_encoded",
     msgs(U, call_with(name="f", arguments=json.dumps(json.dumps({"city": "Paris"})))),
     "error"),
    ("tool_message_missing_tool_call_id",
     msgs(U, CALLER, {"role": "tool", "content": "21"}, A), "error"),
    ("tool_call_id_unknown", msgs(U, CALLER, {**RESULT, "tool_call_id": "call_zzz"}, A),
     "warning"),
    ("unknown_top_level_key", msgs(U, A, metadata={"source": "crm"}), "warning"),
    ("malformed_tools", msgs(U, A, tools="get_weather"), "error"),
    ("malformed_tools", msgs(U, A, tools=[{"type": "function",
                                           "function": {"description": "no name"}}]), "error"),
    ("malformed_tools", msgs(U, A, tools=[{"type": "retrieval",
                                           "function": {"name": "f"}}]), "error"),
    ("malformed_tools", msgs(U, A, parallel_tool_calls="yes"), "error"),
]


@pytest.mark.parametrize(("code", "conv", "severity"), FIRES,
                         ids=[f"{c}-{n}" for n, (c, _, _) in enumerate(FIRES)])
def test_rule_fires_on_minimal_bad_example(code: str, conv: Any, severity: str | None) -> None:
    severities = {s for c, s in found(conv) if c == code}
    assert severities == {severity or "error"}


def test_cookbook_missing_content_quirks_are_gone() -> None:
    """The cookbook flags list content, tool_calls and the tool role; Curator does not."""
    conv = msgs(S, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}, CALLER,
                RESULT, {**A, "weight": 1, "name": "bot"})
    assert found(conv) == []


def test_missing_role_is_reported_once() -> None:
    assert codes(msgs({"content": "Hi"}, A)) == ["message_missing_key"]


def test_unrecognized_role_is_not_also_an_order_problem() -> None:
    assert codes(msgs(U, {"role": "human", "content": "Hi"}, U, A)) == [
        "unrecognized_role", "roles_not_alternating"]


def test_unrecognized_message_keys_are_named_in_detail_and_text() -> None:
    (finding,) = check_conversation(msgs(U, {**A, "mood": "x", "emoji": "y"}), "openai",
                                    OPENAI)
    assert finding.detail["keys"] == ["emoji", "mood"]
    assert finding.text == "emoji, mood"
    assert '"emoji", "mood"' in finding.description


def test_findings_point_at_the_message_for_a_person() -> None:
    (finding,) = check_conversation(msgs(U, {**A, "weight": 5}), "openai", OPENAI)
    assert finding.message_index == 1
    assert finding.description.startswith("Message 2 (assistant)")
    assert "0" in finding.description and "1" in finding.description


def test_alternation_finding_names_the_message_out_of_turn() -> None:
    (finding,) = check_conversation(msgs(U, A, U, U, A), "openai", OPENAI)
    assert finding.message_index == 3
    assert finding.description.startswith("Message 4 (user) follows a user message")


def test_every_finding_has_kind_schema_and_a_description() -> None:
    conv = msgs("x", {"role": 5}, {**A, "weight": 2, "tool_calls": 1}, metadata=1, tools=1)
    findings = check_conversation(conv, "openai", OPENAI)
    assert findings and all(f.kind == "schema" and len(f.description) > 20 for f in findings)


def test_null_content_is_fine_on_an_assistant_tool_call() -> None:
    assert found(msgs(U, CALLER, RESULT, A)) == []


def test_empty_string_content_is_fine_on_an_assistant_tool_call() -> None:
    assert found(msgs(U, {**CALLER, "content": ""}, RESULT, A)) == []


def test_json_string_arguments_that_hold_a_plain_string_are_not_double_encoded() -> None:
    assert found(msgs(U, call_with(name="say", arguments='"hello"'))) == []


# -- profiles -------------------------------------------------------------------------------

def test_auto_profile_is_bedrock_for_bedrock_records_and_openai_otherwise() -> None:
    assert profile_for("auto", "bedrock") is BEDROCK
    assert all(profile_for("auto", fmt) is OPENAI
               for fmt in ("openai", "sharegpt", "alpaca", "preference", "prompt_completion"))


def test_explicit_profile_name_wins_over_the_format() -> None:
    assert profile_for("mistral", "bedrock") is MISTRAL


def test_unknown_profile_name_is_a_clear_error() -> None:
    with pytest.raises(CuratorError, match="Unknown profile 'gemini'"):
        profile_for("gemini", "openai")


def test_token_limits_default_per_vendor() -> None:
    assert {name: p.max_tokens for name, p in PROFILES.items()} == {
        "openai": 65_536, "bedrock": 32_000, "mistral": 32_768, "trl": 8_192}


def test_token_limit_is_overridable_with_replace() -> None:
    assert replace(OPENAI, max_tokens=16_385).max_tokens == 16_385
    assert OPENAI.max_tokens == 65_536


# -- Bedrock --------------------------------------------------------------------------------

BEDROCK_FIRES = [
    ("first_message_not_user", msgs(S, A, U, A)),
    ("too_few_messages", msgs(S, A)),
    ("roles_not_alternating", msgs(U, U, A)),
    ("last_message_not_assistant", msgs(U, A, U)),
    ("system_message_not_first", msgs(S, U, A, {**S, "content": "Late"}, U, A)),
    ("multiple_system_messages", msgs(S, {**S, "content": "Two"}, U, A)),
    ("content_wrong_type", msgs(U, {"role": "assistant",
                                    "content": [{"type": "text", "text": "x"}]})),
    ("message_unrecognized_key", msgs(U, {**A, "weight": 1})),
    ("unrecognized_role", msgs(U, CALLER, RESULT, A)),
    ("unknown_top_level_key", msgs(U, A, metadata={})),
    ("unknown_top_level_key", msgs(U, A, tools=TOOLS)),
]


@pytest.mark.parametrize(("code", "conv"), BEDROCK_FIRES,
                         ids=[f"{c}-{n}" for n, (c, _) in enumerate(BEDROCK_FIRES)])
def test_bedrock_rule_fires_as_error(code: str, conv: dict[str, Any]) -> None:
    assert (code, "error") in found(conv, "bedrock", BEDROCK)


def test_bedrock_valid_example_with_system_has_no_findings() -> None:
    assert found(msgs(S, U, A, U, A), "bedrock", BEDROCK) == []


def test_weight_is_only_an_unknown_key_under_bedrock() -> None:
    assert codes(msgs(U, {**A, "weight": 7}), "bedrock", BEDROCK) == [
        "message_unrecognized_key"]


# -- Mistral --------------------------------------------------------------------------------

def mistral_calls(call_id: str, tools: list[Any] = TOOLS) -> dict[str, Any]:
    call = {**CALL, "id": call_id}
    return msgs(S, U, {"role": "assistant", "tool_calls": [call]},
                {**RESULT, "tool_call_id": call_id}, A, tools=tools)


def test_mistral_function_calling_with_nine_character_ids_has_no_findings() -> None:
    assert found(mistral_calls("abcdefghi"), profile=MISTRAL) == []


def test_mistral_warns_about_tool_call_ids_not_nine_characters() -> None:
    assert found(mistral_calls("call_abc"), profile=MISTRAL) == [
        ("tool_call_id_length", "warning"), ("tool_call_id_length", "warning")]


def test_tool_call_id_length_is_not_checked_under_openai() -> None:
    assert found(mistral_calls("call_abc")) == []


def test_mistral_needs_tool_descriptions_and_parameters() -> None:
    bare = [{"type": "function", "function": {"name": "get_weather"}}]
    assert found(mistral_calls("abcdefghi", bare), profile=MISTRAL) == [
        ("malformed_tools", "error")]


def test_mistral_allows_one_system_message() -> None:
    conv = msgs(S, {**S, "content": "Two"}, U, A)
    assert found(conv, profile=MISTRAL) == [("multiple_system_messages", "error")]
    assert found(conv) == []


def test_mistral_rejects_dict_arguments() -> None:
    conv = msgs(U, call_with(name="f", arguments={"city": "Paris"}))
    assert ("tool_arguments_not_string", "error") in found(conv, profile=MISTRAL)


# -- TRL ------------------------------------------------------------------------------------

def test_dict_arguments_and_named_tool_results_are_fine_under_trl() -> None:
    conv = msgs(U, {"role": "assistant", "tool_calls": [
        {"type": "function", "function": {"name": "f", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "name": "f", "content": "21"}, A)
    assert found(conv, profile=TRL) == []


def test_list_arguments_are_still_wrong_under_trl() -> None:
    conv = msgs(U, call_with(name="f", arguments=["Paris"]), RESULT, A)
    assert ("tool_arguments_not_string", "error") in found(conv, profile=TRL)


# -- preference pairs -----------------------------------------------------------------------

def pair(**outputs: Any) -> dict[str, Any]:
    return {"messages": [S, U], "preferred_output": [A],
            "non_preferred_output": [{"role": "assistant", "content": "No idea."}], **outputs}


def test_preference_pair_whose_input_ends_with_the_user_has_no_findings() -> None:
    assert found(pair(), "preference") == []


@pytest.mark.parametrize("output", [[], None, "Sunny", [U], [{"role": "assistant"}], ["x"]],
                         ids=["empty", "missing", "string", "user", "no-text", "not-object"])
def test_invalid_preference_output_is_flagged(output: Any) -> None:
    assert found(pair(non_preferred_output=output), "preference") == [
        ("invalid_preference_output", "error")]


def test_input_ending_with_user_is_flagged_outside_preference_data() -> None:
    assert "last_message_not_assistant" in codes(msgs(S, U, A, U))


# -- dataset level and reader notes ---------------------------------------------------------

@pytest.mark.parametrize(("n", "expected"), [
    (0, [("too_few_examples", "error")]), (9, [("too_few_examples", "error")]),
    (10, [("few_examples", "warning")]), (99, [("few_examples", "warning")]), (100, [])])
def test_dataset_size_findings(n: int, expected: list[tuple[str, str]]) -> None:
    findings = dataset_findings(n)
    assert [(f.code, f.severity) for f in findings] == expected
    assert all(str(n) in f.description and f.message_index is None for f in findings)


def test_reader_notes_become_schema_warnings() -> None:
    (finding,) = notes_to_findings([{"code": "sharegpt_bad_tools", "description": "Odd tools.",
                                     "message_index": 2}])
    assert (finding.kind, finding.code, finding.severity, finding.message_index,
            finding.description) == ("schema", "sharegpt_bad_tools", "warning", 2, "Odd tools.")


# -- robustness -----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.sampled_from(["", " ", "user", "assistant", "tool", "system", "function", "x"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["role", "content", "tool_calls", "tool_call_id", "weight", "type",
                         "function", "name", "arguments", "id", "text", "image_url", "url",
                         "messages", "tools", "preferred_output"]), inner, max_size=5),
    max_leaves=12)


@settings(max_examples=100, deadline=None)
@given(conv=st.dictionaries(st.sampled_from(["messages", "tools", "parallel_tool_calls",
                                             "preferred_output", "non_preferred_output",
                                             "id", "extra"]), JSON, max_size=4),
       fmt=st.sampled_from(["openai", "bedrock", "preference"]),
       profile=st.sampled_from(list(PROFILES.values())))
def test_arbitrary_json_never_crashes_the_checks(conv: dict[str, Any], fmt: str,
                                                 profile: Profile) -> None:
    for finding in check_conversation(conv, fmt, profile):
        assert finding.code and finding.description


# -- real files -----------------------------------------------------------------------------

def public_file(name: str) -> Path:
    """A public sample file in tests/data (its provenance: tests/data/PROVENANCE.md)."""
    return DATA / name


def test_pirate_file_has_no_findings_under_openai() -> None:
    lines = public_file("pirate_training_set.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10
    assert [found(json.loads(line)) for line in lines] == [[]] * 10


def test_bedrock_sample_passes_the_bedrock_rules() -> None:
    path = public_file("anthropic_bedrock_claude_json_mode_dataset.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 500
    for line in lines:
        record = json.loads(line)
        system = record.pop("system", None)
        messages = record.pop("messages")
        if system is not None:
            messages = [{"role": "system", "content": system}, *messages]
        assert found({"messages": messages, **record}, "bedrock", BEDROCK) == []


def test_cookbook_toy_file_has_no_errors() -> None:
    """The cookbook reports "No errors found"; Curator only warns about example 4."""
    results = [found(json.loads(line)) for line in TOY.read_text("utf-8").splitlines()]
    assert results == [[], [], [], [("first_message_not_user", "warning")], []]
