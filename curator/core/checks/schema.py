"""The rules vendors enforce on chat fine-tuning examples, as findings with stable codes.

Covers the seven checks of OpenAI's chat data-prep cookbook without its false alarms
(valid ``tool_calls``, list content and the ``tool`` role pass here) and the rules it
lacks, from OpenAI's spec, Bedrock's Claude rules, mistral-finetune and TRL
(``shared/formats.md``). Pure functions over canonical conversations; fast enough for a
million records because a :class:`FindingDraft` is built only when something is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from curator.core.model import FindingDraft, Severity

CONTENT_PART_TYPES = ("text", "image_url", "input_audio", "file", "refusal")
ID_KEYS = ("id", "custom_id")


@dataclass(frozen=True)
class Profile:
    """One vendor's rules. Limits are settings: override with ``dataclasses.replace``."""

    name: str
    roles: frozenset[str]
    message_keys: frozenset[str]
    top_keys: frozenset[str]
    max_tokens: int
    arguments_as_string: bool = True
    strict_turns: bool = False          # Bedrock: user first, strict alternation, >= 2 turns
    string_content_only: bool = False   # Bedrock: content must be a string
    single_system: bool = False         # Mistral and Bedrock: at most one system message
    tool_id_length: int | None = None   # Mistral: ids of exactly 9 characters
    unknown_top_key_severity: Severity = "warning"


OPENAI_MESSAGE_KEYS = frozenset({
    "role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call",
    "refusal", "audio"})
CHAT_TOP_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions",
                           "preferred_output", "non_preferred_output", *ID_KEYS})

PROFILES: dict[str, Profile] = {
    "openai": Profile(
        name="openai",
        roles=frozenset({"system", "developer", "user", "assistant", "tool", "function"}),
        message_keys=OPENAI_MESSAGE_KEYS, top_keys=CHAT_TOP_KEYS, max_tokens=65_536),
    "bedrock": Profile(
        name="bedrock", roles=frozenset({"system", "user", "assistant"}),
        message_keys=frozenset({"role", "content"}),
        top_keys=frozenset({"messages", *ID_KEYS}), max_tokens=32_000,
        strict_turns=True, string_content_only=True, single_system=True,
        unknown_top_key_severity="error"),
    "mistral": Profile(
        name="mistral", roles=frozenset({"system", "user", "assistant", "tool"}),
        message_keys=frozenset({"role", "content", "weight", "tool_calls", "tool_call_id",
                                "name"}),
        top_keys=CHAT_TOP_KEYS, max_tokens=32_768, single_system=True, tool_id_length=9),
    "trl": Profile(
        name="trl", roles=frozenset({"system", "developer", "user", "assistant", "tool"}),
        message_keys=OPENAI_MESSAGE_KEYS | {"thinking"}, top_keys=CHAT_TOP_KEYS,
        max_tokens=8_192, arguments_as_string=False),
}


def profile_for(setting: str, fmt: str) -> Profile:
    """The profile named by a project ``setting``; ``auto`` follows the record's format."""
    if setting == "auto":
        return PROFILES["bedrock" if fmt == "bedrock" else "openai"]
    return PROFILES[setting]


def _where(index: int, message: Any) -> str:
    role = message.get("role") if isinstance(message, dict) else None
    return f"Message {index + 1}" + (f" ({role})" if isinstance(role, str) else "")


class _Findings:
    """Collects the findings of one conversation."""

    def __init__(self) -> None:
        self.items: list[FindingDraft] = []

    def add(self, code: str, description: str, index: int | None = None,
            severity: Severity = "error", **detail: Any) -> None:
        self.items.append(FindingDraft(kind="schema", code=code, severity=severity,
                                       description=description, message_index=index,
                                       detail=detail))


def check_conversation(conv: dict[str, Any], fmt: str, profile: Profile) -> list[FindingDraft]:
    """Every schema problem of one canonical conversation under ``profile``."""
    found = _Findings()
    _check_top_level(conv, fmt, profile, found)
    messages = conv.get("messages")
    if not isinstance(messages, list) or not messages:
        found.add("missing_messages_list",
                  "This example has no messages. Add at least a user message and the "
                  "assistant's answer.")
        return found.items
    call_ids: set[str] = set()
    for index, message in enumerate(messages):
        _check_message(index, message, profile, call_ids, found)
    _check_order(messages, fmt, profile, found)
    if fmt == "preference":
        _check_preference(conv, found)
    return found.items


def _check_top_level(conv: dict[str, Any], fmt: str, profile: Profile,
                     found: _Findings) -> None:
    unknown = sorted(k for k in conv if k not in profile.top_keys)
    if unknown:
        found.add("unknown_top_level_key",
                  f"This example has keys the {profile.name} format does not know: "
                  f"{', '.join(unknown)}. Remove them before training.",
                  severity=profile.unknown_top_key_severity, keys=unknown)
    if "tools" in conv:
        _check_tools(conv["tools"], profile, found)
    if "parallel_tool_calls" in conv and not isinstance(conv["parallel_tool_calls"], bool):
        found.add("malformed_tools", '"parallel_tool_calls" must be true or false.')


def _check_tools(tools: Any, profile: Profile, found: _Findings) -> None:
    if not isinstance(tools, list):
        found.add("malformed_tools", '"tools" must be a list of function definitions.')
        return
    for number, tool in enumerate(tools, start=1):
        function = tool.get("function") if isinstance(tool, dict) else None
        problem = None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            problem = 'needs {"type": "function", "function": {"name": ...}}'
        elif tool.get("type", "function") != "function":
            problem = f'has type {tool.get("type")!r}; only "function" is allowed'
        elif "parameters" in function and not isinstance(function["parameters"], dict):
            problem = 'has "parameters" that are not a JSON schema object'
        elif profile.name == "mistral" and not (
                isinstance(function.get("description"), str)
                and isinstance(function.get("parameters"), dict)):
            problem = "needs a description and parameters for Mistral"
        if problem:
            found.add("malformed_tools", f"Tool {number} {problem}.", tool=number)


def _check_message(index: int, message: Any, profile: Profile, call_ids: set[str],
                   found: _Findings) -> None:
    if not isinstance(message, dict):
        found.add("message_not_object",
                  f"Message {index + 1} is not an object with a role and content.", index)
        return
    where = _where(index, message)
    role = message.get("role")
    if "role" not in message:
        found.add("message_missing_key", f"{where} has no role. Add \"role\": \"user\", "
                  '"assistant" or "system".', index, key="role")
    elif role not in profile.roles:
        found.add("unrecognized_role",
                  f"{where} has the role {role!r}, which {profile.name} does not accept "
                  f"({', '.join(sorted(profile.roles))}).", index, role=str(role))
    unknown = sorted(str(k) for k in message if k not in profile.message_keys)
    if unknown:
        found.add("message_unrecognized_key",
                  f"{where} has keys {profile.name} does not know: {', '.join(unknown)}.",
                  index, keys=unknown)
    _check_content(index, where, message, profile, found)
    if "weight" in message:
        weight = message["weight"]
        if role != "assistant":
            found.add("weight_on_non_assistant",
                      f"{where} has a weight, but only assistant messages can have one.",
                      index)
        if isinstance(weight, bool) or weight not in (0, 1) or not isinstance(weight, int):
            found.add("invalid_weight", f"{where} has weight {weight!r}; it must be 0 (do "
                      "not train on this message) or 1 (train on it).", index)
    if "tool_calls" in message:
        _check_tool_calls(index, where, message, profile, call_ids, found)
    if role == "tool":
        tool_call_id = message.get("tool_call_id")
        if not isinstance(tool_call_id, str) or not tool_call_id:
            found.add("tool_message_missing_tool_call_id",
                      f"{where} answers a tool call but has no tool_call_id saying which.",
                      index)
        elif tool_call_id not in call_ids:
            found.add("tool_call_id_unknown",
                      f"{where} answers the tool call {tool_call_id!r}, which no earlier "
                      "assistant message made.", index, severity="warning")
        elif profile.tool_id_length and len(tool_call_id) != profile.tool_id_length:
            found.add("tool_call_id_length",
                      f"{where}: Mistral expects tool call ids of exactly "
                      f"{profile.tool_id_length} characters.", index, severity="warning")


def _calls_tools(message: dict[str, Any]) -> bool:
    return bool(message.get("tool_calls") or message.get("function_call"))


def _check_content(index: int, where: str, message: dict[str, Any], profile: Profile,
                   found: _Findings) -> None:
    role = message.get("role")
    may_be_empty = role == "assistant" and _calls_tools(message)
    if "content" not in message or message["content"] is None:
        if not may_be_empty:
            state = "no content" if "content" not in message else "empty (null) content"
            found.add("missing_content", f"{where} has {state}. Write the message text.",
                      index)
        return
    content = message["content"]
    if isinstance(content, str):
        if not content.strip() and not may_be_empty:
            found.add("empty_content", f"{where} is empty or only white space.", index)
        return
    if isinstance(content, list) and not profile.string_content_only:
        if not content:
            found.add("empty_content", f"{where} has an empty list of content parts.", index)
            return
        texts = []
        for number, part in enumerate(content, start=1):
            problem = _part_problem(part)
            if problem:
                found.add("invalid_content_part", f"{where}, part {number}: {problem}.",
                          index, part=number)
            elif part.get("type") == "text":
                texts.append(part["text"])
        if texts and len(texts) == len(content) and not "".join(texts).strip():
            found.add("empty_content", f"{where} has only empty text parts.", index)
        return
    expected = "a string" if profile.string_content_only else "a string or a list of parts"
    found.add("content_wrong_type",
              f"{where} has content of the wrong type ({type(content).__name__}); it must "
              f"be {expected}.", index)


def _part_problem(part: Any) -> str | None:
    if not isinstance(part, dict):
        return "a content part must be an object with a type"
    kind = part.get("type")
    if kind not in CONTENT_PART_TYPES:
        return f"unknown part type {kind!r}"
    if kind == "text" and not isinstance(part.get("text"), str):
        return 'a text part needs "text" holding a string'
    if kind == "image_url":
        image = part.get("image_url")
        if not isinstance(image, dict) or not isinstance(image.get("url"), str):
            return 'an image part needs "image_url": {"url": ...}'
    return None


def _check_tool_calls(index: int, where: str, message: dict[str, Any], profile: Profile,
                      call_ids: set[str], found: _Findings) -> None:
    calls = message["tool_calls"]
    if message.get("role") != "assistant":
        found.add("malformed_tool_call", f"{where} has tool_calls, but only assistant "
                  "messages can call tools.", index)
    if not isinstance(calls, list) or not calls:
        found.add("malformed_tool_call", f"{where}: tool_calls must be a non-empty list.",
                  index)
        return
    for number, call in enumerate(calls, start=1):
        label = f"{where}, tool call {number}"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            found.add("malformed_tool_call", f'{label} needs "function": {{"name": ..., '
                      '"arguments": ...}}.', index, call=number)
            continue
        assert isinstance(call, dict)
        missing = [k for k in ("id", "type") if k not in call]
        if profile.arguments_as_string and missing:
            found.add("malformed_tool_call", f"{label} lacks {' and '.join(missing)}.",
                      index, call=number)
        elif call.get("type", "function") != "function":
            found.add("malformed_tool_call", f'{label} has type {call.get("type")!r}; '
                      'it must be "function".', index, call=number)
        if isinstance(call.get("id"), str):
            call_ids.add(call["id"])
            if profile.tool_id_length and len(call["id"]) != profile.tool_id_length:
                found.add("tool_call_id_length",
                          f"{label}: Mistral expects ids of exactly {profile.tool_id_length} "
                          "characters.", index, severity="warning", call=number)
        _check_arguments(index, label, function, profile, found, number)


def _check_arguments(index: int, label: str, function: dict[str, Any], profile: Profile,
                     found: _Findings, number: int) -> None:
    if "arguments" not in function:
        found.add("malformed_tool_call", f"{label} has no arguments.", index, call=number)
        return
    arguments = function["arguments"]
    if isinstance(arguments, str):
        try:
            decoded = json.loads(arguments)
        except ValueError:
            found.add("tool_arguments_invalid_json",
                      f"{label}: the arguments are not valid JSON.", index, call=number)
            return
        if isinstance(decoded, str):
            try:
                inner = json.loads(decoded)
            except ValueError:
                inner = None
            if isinstance(inner, dict | list):
                found.add("tool_arguments_double_encoded",
                          f"{label}: the arguments were JSON-encoded twice (a string holding "
                          "a JSON string). Encode them once.", index, call=number)
        return
    if isinstance(arguments, dict) and not profile.arguments_as_string:
        return
    found.add("tool_arguments_not_string",
              f"{label}: the arguments must be a string holding JSON, not "
              f"{type(arguments).__name__}. Use json.dumps(arguments).", index, call=number)


def _check_order(messages: list[Any], fmt: str, profile: Profile, found: _Findings) -> None:
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    systems = [i for i, r in enumerate(roles) if r in ("system", "developer")]
    for i in systems:
        if i > 0:
            found.add("system_message_not_first",
                      f"{_where(i, messages[i])} comes after other messages; a system "
                      "message must be the first one.", i)
    if profile.single_system and len(systems) > 1:
        found.add("multiple_system_messages",
                  f"This example has {len(systems)} system messages; {profile.name} allows "
                  "one.", systems[1])
    turns = [(i, r) for i, r in enumerate(roles) if r not in ("system", "developer")]
    preference = fmt == "preference"
    if not preference and "assistant" not in roles:
        found.add("example_missing_assistant_message",
                  "This example has no assistant message, so there is nothing to learn. "
                  "Add the answer the model should give.")
    if not turns:
        return
    if turns[0][1] != "user":
        found.add("first_message_not_user",
                  f"{_where(turns[0][0], messages[turns[0][0]])} opens the conversation; "
                  "the first message after the system prompt should be from the user.",
                  turns[0][0], severity="error" if profile.strict_turns else "warning")
    _check_alternation(messages, turns, found)
    last_index, last_role = turns[-1]
    if not preference and last_role != "assistant":
        found.add("last_message_not_assistant",
                  f"The last message is from {last_role!r}; it must be the assistant's "
                  "answer, or the model learns nothing from the final turn.", last_index)
    if profile.strict_turns and len(turns) < 2:
        found.add("too_few_messages", "Bedrock needs at least two messages (a user message "
                  "and the assistant's answer).")


def _check_alternation(messages: list[Any], turns: list[tuple[int, Any]],
                       found: _Findings) -> None:
    previous: Any = None
    calling = False  # the last assistant message called tools: tool results may follow
    for index, role in turns:
        ok = True
        if role == "user":
            ok = previous in (None, "assistant", "tool") and not calling
        elif role == "assistant":
            ok = previous != "assistant" or False
            if previous == "tool":
                ok = True
        elif role in ("tool", "function"):
            ok = calling or previous in ("tool", "function")
        if not ok:
            found.add("roles_not_alternating",
                      f"{_where(index, messages[index])} follows a {previous} message; user "
                      "and assistant turns must alternate (tool results follow the "
                      "assistant's tool call).", index, previous=str(previous))
        if role == "assistant":
            calling = _calls_tools(messages[index])
        elif role not in ("tool", "function"):
            calling = False
        previous = role


def _check_preference(conv: dict[str, Any], found: _Findings) -> None:
    for key in ("preferred_output", "non_preferred_output"):
        value = conv.get(key)
        good = (isinstance(value, list) and bool(value) and all(
            isinstance(m, dict) and m.get("role") in ("assistant", "tool") for m in value))
        if not good:
            found.add("invalid_preference_output",
                      f'"{key}" must be a non-empty list of assistant messages.', key=key)


def dataset_findings(n_examples: int) -> list[FindingDraft]:
    """Findings about the dataset as a whole: too few examples to fine-tune on."""
    if n_examples < 10:
        return [FindingDraft(
            kind="schema", code="too_few_examples", severity="error",
            description=f"The dataset has {n_examples} valid examples; OpenAI requires at "
                        "least 10 to fine-tune.", detail={"examples": n_examples})]
    if n_examples < 100:
        return [FindingDraft(
            kind="schema", code="few_examples", severity="warning",
            description=f"The dataset has {n_examples} valid examples; 50 to 100 well-chosen "
                        "examples are usually needed before fine-tuning shows improvement.",
            detail={"examples": n_examples})]
    return []


def notes_to_findings(notes: list[dict[str, Any]]) -> list[FindingDraft]:
    """Reader notes (things noticed while normalising) as warnings."""
    return [FindingDraft(kind="schema", code=n["code"], severity="warning",
                         description=n["description"], message_index=n.get("message_index"))
            for n in notes]
