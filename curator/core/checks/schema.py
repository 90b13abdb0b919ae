"""The rules vendors enforce on chat fine-tuning examples, as findings with stable codes.

Covers the seven checks of OpenAI's chat data-prep cookbook without its false alarms
(valid ``tool_calls``, ``tool_call_id``, list content, the ``tool`` role, ``weight`` and
``name`` pass here) and the rules it lacks, from OpenAI's spec, Bedrock's Claude rules,
mistral-finetune and TRL (``shared/formats.md`` sections 1, 2, 4, 6, 7).

Pure functions over canonical conversations (see :mod:`curator.core.model`). They run
over hundreds of thousands of records, so a passing record costs a few dict and set
look-ups: a :class:`FindingDraft` and its description are built only for a problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from curator.core import preference
from curator.core.checks import placeholders
from curator.core.errors import CuratorError
from curator.core.model import FindingDraft, Severity
from curator.core.vocabulary import PROFILE_NAMES

#: Top-level keys every profile allows: the example's own name, not training data.
ID_KEYS = frozenset({"id", "custom_id"})
PREFERENCE_KEYS = ("preferred_output", "non_preferred_output")
SYSTEM_ROLES = frozenset({"system", "developer"})
TOOL_ROLES = frozenset({"tool", "function"})

#: Content-part types each role may use (OpenAI spec); a role not listed may use any.
PART_TYPES: dict[str, frozenset[str]] = {
    "system": frozenset({"text"}),
    "developer": frozenset({"text"}),
    "tool": frozenset({"text"}),
    "user": frozenset({"text", "image_url", "input_audio", "file"}),
    "assistant": frozenset({"text", "refusal"}),
}
ALL_PART_TYPES = frozenset().union(*PART_TYPES.values())


@dataclass(frozen=True)
class Profile:
    """One vendor's rules. Limits are settings: override with ``dataclasses.replace``."""

    name: str
    label: str                            # the vendor as people name it, for descriptions
    roles: frozenset[str]
    message_keys: frozenset[str]
    top_keys: frozenset[str]
    max_tokens: int
    #: Keys every tool call needs besides ``function``; ``id`` also makes tool replies
    #: need a ``tool_call_id``.
    tool_call_keys: tuple[str, ...] = ("id", "type")
    arguments_as_string: bool = True      # OpenAI, Mistral: a JSON string; TRL: a dict
    string_content_only: bool = False     # Bedrock: content is a string, never parts
    single_system: bool = False           # Mistral, Bedrock: at most one system message
    min_turns: int = 0                    # Bedrock: at least two non-system messages
    order_severity: Severity = "warning"  # turn-order problems the vendor rejects: error
    unknown_top_key_severity: Severity = "warning"
    tool_id_length: int | None = None     # Mistral: ids of exactly 9 characters
    tools_need_description: bool = False  # Mistral: description and parameters required
    #: The vendor takes preference pairs (Bedrock's Claude fine-tuning does not).
    preference: bool = True
    #: OpenAI: text only, one assistant message per completion (its OpenAPI spec).
    preference_text_only: bool = False


OPENAI_MESSAGE_KEYS = frozenset({
    "role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call",
    "refusal", "audio"})
CHAT_TOP_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions",
                           *PREFERENCE_KEYS})

PROFILES: dict[str, Profile] = {
    "openai": Profile(
        name="openai", label="OpenAI",
        roles=frozenset({"system", "developer", "user", "assistant", "tool", "function"}),
        message_keys=OPENAI_MESSAGE_KEYS, top_keys=CHAT_TOP_KEYS, max_tokens=65_536,
        preference_text_only=True),
    "bedrock": Profile(
        name="bedrock", label="Amazon Bedrock",
        roles=frozenset({"system", "user", "assistant"}),
        message_keys=frozenset({"role", "content"}), top_keys=frozenset({"messages"}),
        max_tokens=32_000, string_content_only=True, single_system=True, min_turns=2,
        order_severity="error", unknown_top_key_severity="error", preference=False),
    "mistral": Profile(
        name="mistral", label="Mistral",
        roles=frozenset({"system", "user", "assistant", "tool"}),
        message_keys=frozenset({"role", "content", "name", "weight", "tool_calls",
                                "tool_call_id"}),
        top_keys=CHAT_TOP_KEYS, max_tokens=32_768, tool_call_keys=("id",),
        single_system=True, order_severity="error", tool_id_length=9,
        tools_need_description=True),
    "trl": Profile(
        name="trl", label="Hugging Face TRL",
        roles=frozenset({"system", "developer", "user", "assistant", "tool"}),
        message_keys=OPENAI_MESSAGE_KEYS | {"thinking"}, top_keys=CHAT_TOP_KEYS,
        max_tokens=8_192, tool_call_keys=(), arguments_as_string=False),
}
assert tuple(PROFILES) == PROFILE_NAMES, "vocabulary.PROFILE_NAMES lists every profile"


def profile_for(setting: str, fmt: str) -> Profile:
    """The profile named by a project ``setting``; ``auto`` follows the record's format."""
    if setting == "auto":
        return PROFILES["bedrock" if fmt == "bedrock" else "openai"]
    try:
        return PROFILES[setting]
    except KeyError:
        raise CuratorError(f"Unknown profile {setting!r}; choose auto, "
                           f"{', '.join(PROFILES)}.") from None


# -- helpers --------------------------------------------------------------------------------

Found = list[FindingDraft]


def _add(found: Found, code: str, description: str, index: int | None = None,
         severity: Severity = "error", text: str | None = None, **detail: Any) -> None:
    found.append(FindingDraft(kind="schema", code=code, severity=severity,
                              description=description, message_index=index, text=text,
                              detail=detail))


def _role(message: Any) -> str | None:
    role = message.get("role") if isinstance(message, dict) else None
    return role if isinstance(role, str) else None


def _where(index: int, role: str | None) -> str:
    """``Message 3 (assistant)``: how a person finds the message in the record view."""
    return f"Message {index + 1}" + (f" ({role})" if role else "")


def _calls_tools(message: dict[str, Any], profile: Profile) -> bool:
    if "tool_calls" not in profile.message_keys:
        return False
    return bool(message.get("tool_calls") or message.get("function_call"))


def _quoted(keys: list[str]) -> str:
    return ", ".join(f'"{key}"' for key in keys)


# -- the example ----------------------------------------------------------------------------

def check_conversation(conv: dict[str, Any], fmt: str, profile: Profile) -> list[FindingDraft]:
    """Every schema problem of one canonical conversation under ``profile``."""
    found: Found = []
    if not isinstance(conv, dict):
        _add(found, "example_not_object", "This example is not an object with a list of "
             "messages, so it cannot be used for training. Rewrite it as "
             '{"messages": [...]} or remove it.')
        return found
    _check_top_level(conv, fmt, profile, found)
    messages = conv.get("messages")
    if not isinstance(messages, list) or not messages:
        state = "an empty list of messages" if messages == [] else "no list of messages"
        _add(found, "missing_messages_list",
             f"This example has {state}, so there is nothing to train on. Add the "
             "conversation (at least a user message and the assistant's answer) or "
             "remove the example.")
        return found
    call_ids: set[str] = set()
    roles: list[str | None] = []
    for index, message in enumerate(messages):
        if isinstance(message, dict):
            roles.append(_check_message(index, message, profile, call_ids, found))
        else:
            roles.append(None)
            _add(found, "message_not_object",
                 f"Message {index + 1} is not a message: it should be an object with a "
                 'role and content, like {"role": "user", "content": "..."}. Rewrite or '
                 "remove it.", index)
    _check_order(messages, roles, fmt, profile, found)
    if fmt == "preference":
        _check_preference(conv, roles, profile, found)
    return found


def _check_top_level(conv: dict[str, Any], fmt: str, profile: Profile, found: Found) -> None:
    extra = conv.keys() - profile.top_keys - ID_KEYS
    if fmt == "preference":
        extra -= set(PREFERENCE_KEYS)     # said once, by _check_preference, if unsupported
    if extra:
        keys = sorted(map(str, extra))
        if profile.unknown_top_key_severity == "error":
            consequence = f"{profile.label} rejects examples with extra fields"
        else:
            consequence = f"{profile.label}'s format does not define them"
        _add(found, "unknown_top_level_key",
             f"This example has fields besides the conversation: {_quoted(keys)}. "
             f"{consequence}; remove them before training (an \"id\" is fine).",
             severity=profile.unknown_top_key_severity, text=", ".join(keys), keys=keys)
    if "tools" in conv:
        _check_tools(conv["tools"], profile, found)
    if "parallel_tool_calls" in conv and not isinstance(conv["parallel_tool_calls"], bool):
        _add(found, "malformed_tools", '"parallel_tool_calls" must be true or false, but '
             f"here it is {json.dumps(conv['parallel_tool_calls'])}. Set it to true or "
             "false, or remove it.")


def _check_tools(tools: Any, profile: Profile, found: Found) -> None:
    if not isinstance(tools, list):
        _add(found, "malformed_tools", 'The tool list ("tools") is not a list. It should '
             'list the tools the assistant may call, each as {"type": "function", '
             '"function": {"name": ..., "description": ..., "parameters": {...}}}.')
        return
    for number, tool in enumerate(tools, start=1):
        problem = _tool_problem(tool, profile)
        if problem:
            _add(found, "malformed_tools",
                 f"Tool {number} in the tool list {problem}. Each tool should look like "
                 '{"type": "function", "function": {"name": ..., "description": ..., '
                 '"parameters": {...}}}.', tool=number)


def _tool_problem(tool: Any, profile: Profile) -> str | None:
    function = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(function, dict):
        return 'has no "function" definition'
    if not isinstance(function.get("name"), str) or not function["name"]:
        return "has no name"
    if tool.get("type", "function") != "function":
        return f'has type {json.dumps(tool.get("type"))}, but only "function" is allowed'
    if "parameters" in function and not isinstance(function["parameters"], dict):
        return "has parameters that are not a JSON schema object"
    if profile.tools_need_description and not (
            isinstance(function.get("description"), str)
            and isinstance(function.get("parameters"), dict)):
        return f"lacks a description or parameters, which {profile.label} requires"
    return None


# -- one message ----------------------------------------------------------------------------

def _check_message(index: int, message: dict[str, Any], profile: Profile,
                   call_ids: set[str], found: Found) -> str | None:
    """Check one message on its own; returns its role (None when not a string)."""
    role = _role(message)
    if "role" not in message:
        _add(found, "message_missing_key",
             f"{_where(index, None)} does not say who is speaking (it has no role). Add "
             '"role": "user", "assistant" or "system".', index, key="role")
    elif role not in profile.roles:
        shown = json.dumps(message["role"], ensure_ascii=False)
        _add(found, "unrecognized_role",
             f"{_where(index, None)} has the role {shown}, which {profile.label} does not "
             f"accept. Use one of: {', '.join(sorted(profile.roles))}.", index,
             text=shown, role=shown)
    unknown = message.keys() - profile.message_keys
    if unknown:
        keys = sorted(unknown)
        hint = ""
        if "loss_weight" in unknown:
            hint = (' ("loss_weight" is LLaMA-Factory\'s: on an assistant message write '
                    '"weight": 0 or 1 instead, if the profile allows it; a user or system '
                    "message cannot be trained on, so remove it there)")
        _add(found, "message_unrecognized_key",
             f"{_where(index, role)} has fields {profile.label} does not know: "
             f"{_quoted(keys)}. Remove them, or rename them if they hold the message "
             f"text{hint}.", index, text=", ".join(keys), keys=keys)
    _check_content(index, role, message, profile, found)
    if role == "assistant":
        found.extend(placeholders.check_message(index, message, _where(index, role)))
    if "weight" in message and "weight" in profile.message_keys:
        _check_weight(index, role, message["weight"], found)
    if "tool_calls" in message and "tool_calls" in profile.message_keys:
        _check_tool_calls(index, role, message, profile, call_ids, found)
    if role == "tool":
        _check_tool_reply(index, message, profile, call_ids, found)
    elif role == "function" and not isinstance(message.get("name"), str):
        _add(found, "message_missing_key", f"{_where(index, role)} does not name the "
             'function whose result it holds. Add "name".', index, key="name")
    return role


def _check_content(index: int, role: str | None, message: dict[str, Any],
                   profile: Profile, found: Found) -> None:
    content = message.get("content")
    if content is None:
        if _calls_tools(message, profile) or (role == "function" and "content" in message):
            return  # a tool call needs no text; a function result may be null
        state = "no content" if "content" not in message else "empty (null) content"
        _add(found, "missing_content", f"{_where(index, role)} has {state}. Write the "
             "message text, or remove the message.", index)
        return
    if isinstance(content, str):
        if not content.strip() and not _calls_tools(message, profile):
            _add(found, "empty_content", f"{_where(index, role)} is empty or only white "
                 "space. Write the message text, or remove the message.", index)
        return
    if isinstance(content, list) and not profile.string_content_only:
        _check_parts(index, role, content, profile, found)
        return
    expected = "text" if profile.string_content_only else "text or a list of parts"
    _add(found, "content_wrong_type",
         f"{_where(index, role)} holds {_kind(content)} where {profile.label} expects "
         f"{expected}. Replace it with the message text.", index,
         type=type(content).__name__)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list of parts"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _check_parts(index: int, role: str | None, parts: list[Any], profile: Profile,
                 found: Found) -> None:
    if not parts:
        _add(found, "empty_content", f"{_where(index, role)} has an empty list of parts. "
             "Write the message text, or remove the message.", index)
        return
    allowed = PART_TYPES.get(role or "", ALL_PART_TYPES)
    blank = True
    for number, part in enumerate(parts, start=1):
        foreign = _foreign_part(part)
        if foreign is not None:
            blank = False
            kind = json.dumps(part.get("type"), ensure_ascii=False)
            _add(found, "content_part_not_accepted",
                 f"{_where(index, role)}, part {number}, is written the LLaMA-Factory way "
                 f'({{"type": {kind}, "value": ...}}), which {profile.label} does not '
                 f"accept: {foreign}.", index, part=number, type=part.get("type"))
            continue
        problem = _part_problem(part, allowed, role)
        if problem:
            blank = False
            _add(found, "invalid_content_part",
                 f"{_where(index, role)}, part {number}: {problem}.", index, part=number)
        elif part["type"] != "text" or part["text"].strip():
            blank = False
    if blank:
        _add(found, "empty_content", f"{_where(index, role)} has only empty text parts. "
             "Write the message text, or remove the message.", index)


#: What to do with each LLaMA-Factory part type (its data in "value") OpenAI-style
#: profiles do not accept; other types get :data:`_FOREIGN_OTHER`.
_FOREIGN_FIX = {
    "text": 'its text belongs in "text". Rename "value" to "text" (Curator does this '
            "itself when it imports a file, so importing the file into a new project "
            "converts every such part)",
    "image_url": 'write the image as {"type": "image_url", "image_url": {"url": ...}}',
    "reasoning": "training data has no reasoning parts; move the text into the answer "
                 "or remove the part",
    "tool_call": 'write the call in the message\'s "tool_calls": [{"id": ..., "type": '
                 '"function", "function": {"name": ..., "arguments": "{...}"}}]',
    "tools": 'list the tools in the example\'s top-level "tools"',
}
_FOREIGN_FIX["tool_calls"] = _FOREIGN_FIX["tool_call"]
_FOREIGN_OTHER = 'rewrite it as a text part, {"type": "text", "text": ...}, or remove it'


def _foreign_part(part: Any) -> str | None:
    """What to do with a LLaMA-Factory-style part (its data in ``value``, none in the
    key OpenAI reads), or None for any other part."""
    if not isinstance(part, dict) or "value" not in part:
        return None
    kind = part.get("type")
    if not isinstance(kind, str) or kind == "refusal" or isinstance(part.get("text"), str):
        return None
    if kind in ("image_url", "input_audio", "file") and isinstance(part.get(kind), dict):
        return None
    return _FOREIGN_FIX.get(kind, _FOREIGN_OTHER)


def _part_problem(part: Any, allowed: frozenset[str], role: str | None) -> str | None:
    if not isinstance(part, dict):
        return ('this part is not an object; write it as {"type": "text", "text": "..."}')
    kind = part.get("type")
    if not isinstance(kind, str):
        return 'this part does not say its type; add "type": "text" (or "image_url")'
    if kind not in allowed:
        whose = f"{role} messages" if role else "messages"
        return (f"{whose} cannot hold {json.dumps(kind)} parts; use "
                f"{', '.join(sorted(allowed))}")
    if kind == "text" and not isinstance(part.get("text"), str):
        return 'a text part needs its text in "text"'
    if kind == "refusal" and not isinstance(part.get("refusal"), str):
        return 'a refusal part needs its text in "refusal"'
    if kind == "image_url":
        image = part.get("image_url")
        if not isinstance(image, dict) or not isinstance(image.get("url"), str):
            return 'an image part needs the image address in "image_url": {"url": ...}'
    if kind in ("input_audio", "file") and not isinstance(part.get(kind), dict):
        return f'this part needs its data in "{kind}": {{...}}'
    return None


def _check_weight(index: int, role: str | None, weight: Any, found: Found) -> None:
    if role != "assistant":
        _add(found, "weight_on_non_assistant",
             f"{_where(index, role)} has a weight, but only the assistant's messages can "
             "be weighted (the model only learns from those). Remove the weight.", index)
    if type(weight) is not int or weight not in (0, 1):  # bool is not int here, on purpose
        _add(found, "invalid_weight",
             f"{_where(index, role)} has the weight {json.dumps(weight)}; it must be the "
             "number 0 (do not learn from this message) or 1 (learn from it).", index,
             text=json.dumps(weight))


# -- tools ----------------------------------------------------------------------------------

def _check_tool_calls(index: int, role: str | None, message: dict[str, Any],
                      profile: Profile, call_ids: set[str], found: Found) -> None:
    where = _where(index, role)
    calls = message["tool_calls"]
    if role != "assistant":
        _add(found, "malformed_tool_call", f"{where} calls tools, but only the assistant "
             'can. Move the tool calls to an assistant message.', index)
    if not isinstance(calls, list) or not calls:
        _add(found, "malformed_tool_call", f"{where} has a tool-call field "
             '("tool_calls") that is not a list of calls. List the calls, or remove the '
             "field if the assistant calls no tool.", index)
        return
    for number, call in enumerate(calls, start=1):
        label = f"{where}, tool call {number}"
        problems = _call_problems(call, profile)
        if problems:
            _add(found, "malformed_tool_call",
                 f"{label} is incomplete: {'; '.join(problems)}. A tool call looks like "
                 '{"id": "call_1", "type": "function", "function": {"name": ..., '
                 '"arguments": "{...}"}}.', index, call=number)
            if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
                continue
        call_id = call.get("id")
        if isinstance(call_id, str):
            call_ids.add(call_id)
            _check_id_length(index, label, call_id, profile, found, call=number)
        if "arguments" in call["function"]:
            _check_arguments(index, label, call["function"]["arguments"], profile, found,
                             number)


def _call_problems(call: Any, profile: Profile) -> list[str]:
    if not isinstance(call, dict):
        return ["it is not an object"]
    problems = [f'it has no "{key}"' for key in profile.tool_call_keys
                if key not in call or call[key] in ("", None)]
    if "type" in call and call["type"] != "function":
        problems.append(f'its type is {json.dumps(call["type"])}, not "function"')
    function = call.get("function")
    if not isinstance(function, dict):
        problems.append('it has no "function" saying which tool to call')
        return problems
    if not isinstance(function.get("name"), str) or not function["name"]:
        problems.append("it does not name the tool")
    if "arguments" not in function:
        problems.append('it has no "arguments"')
    return problems


def _check_arguments(index: int, label: str, arguments: Any, profile: Profile,
                     found: Found, number: int) -> None:
    if isinstance(arguments, str):
        try:
            decoded = json.loads(arguments)
        except ValueError:
            _add(found, "tool_arguments_invalid_json",
                 f"{label}: the arguments are not valid JSON, so the tool could not read "
                 'them. Write them as a JSON object, e.g. "{\\"city\\": \\"Paris\\"}".',
                 index, text=arguments[:200], call=number)
            return
        if isinstance(decoded, str) and _is_json_structure(decoded):
            _add(found, "tool_arguments_double_encoded",
                 f"{label}: the arguments were encoded as JSON twice (text holding the "
                 "text of a JSON object), so the model would learn the escaped form. "
                 "Encode them once.", index, text=arguments[:200], call=number)
        return
    if isinstance(arguments, dict) and not profile.arguments_as_string:
        return
    if profile.arguments_as_string:
        expected = "text holding JSON (json.dumps of the arguments object)"
    else:
        expected = "an object or text holding JSON"
    _add(found, "tool_arguments_not_string",
         f"{label}: the arguments are {_kind(arguments)}, but {profile.label} expects "
         f"{expected}. Convert them.", index, call=number)


def _is_json_structure(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict | list)
    except ValueError:
        return False


def _check_tool_reply(index: int, message: dict[str, Any], profile: Profile,
                      call_ids: set[str], found: Found) -> None:
    where = _where(index, "tool")
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        if "id" in profile.tool_call_keys:
            _add(found, "tool_message_missing_tool_call_id",
                 f"{where} holds a tool result but does not say which tool call it "
                 'answers. Add "tool_call_id" with the id of that call.', index)
        return
    if call_id not in call_ids:
        _add(found, "tool_call_id_unknown",
             f"{where} answers the tool call {json.dumps(call_id)}, but no earlier "
             "assistant message made a call with that id. Check the id.", index,
             severity="warning", text=call_id)
    _check_id_length(index, where, call_id, profile, found)


def _check_id_length(index: int, label: str, call_id: str, profile: Profile,
                     found: Found, **detail: Any) -> None:
    if profile.tool_id_length and len(call_id) != profile.tool_id_length:
        _add(found, "tool_call_id_length",
             f"{label}: the tool-call id {json.dumps(call_id)} has {len(call_id)} "
             f"characters; {profile.label} uses ids of exactly {profile.tool_id_length}. "
             "Shorten or lengthen it (in the call and in its result).", index,
             severity="warning", text=call_id, **detail)


# -- the order of messages ------------------------------------------------------------------

def _check_order(messages: list[Any], roles: list[str | None], fmt: str, profile: Profile,
                 found: Found) -> None:
    severity = profile.order_severity
    _check_systems(roles, profile, found)
    if fmt != "preference" and "assistant" not in roles:
        _add(found, "example_missing_assistant_message",
             "This example has no assistant message, so the model has nothing to learn "
             "from it. Add the answer the assistant should give.")
    others = [i for i, r in enumerate(roles) if r not in SYSTEM_ROLES]
    if len(others) < profile.min_turns:
        _add(found, "too_few_messages",
             f"{profile.label} needs at least {profile.min_turns} messages besides the "
             "system prompt (a user message and the assistant's answer). Complete the "
             "conversation or remove the example.")
    if not others:
        return
    # A message whose role is missing or unknown was reported already; it is left out
    # of the order checks rather than reported again as out of turn.
    first, first_role = others[0], roles[others[0]]
    if first_role in profile.roles and first_role != "user":
        _add(found, "first_message_not_user",
             f"{_where(first, first_role)} opens the conversation, but the first message "
             "after the system prompt should be the user's. Add the user's message "
             "before it.", first, severity=severity)
    turns = [(i, roles[i]) for i in others if roles[i] in profile.roles]
    _check_alternation(messages, turns, profile, found)
    last, last_role = others[-1], roles[others[-1]]
    if fmt != "preference" and last_role in profile.roles and last_role != "assistant":
        _add(found, "last_message_not_assistant",
             f"The conversation ends with {_where(last, last_role).lower()}; it should end "
             "with the assistant's answer, or the last turn teaches the model nothing. Add "
             "the answer or remove the last message.", last, severity=severity)


def _check_systems(roles: list[str | None], profile: Profile, found: Found) -> None:
    leading = 0
    while leading < len(roles) and roles[leading] in SYSTEM_ROLES:
        leading += 1
    systems = [i for i, r in enumerate(roles) if r in SYSTEM_ROLES]
    for i in systems:
        if i >= leading:
            _add(found, "system_message_not_first",
                 f"{_where(i, roles[i])} comes in the middle of the conversation; the "
                 "system prompt must come first. Move it to the top or merge it into the "
                 "first system message.", i, severity=profile.order_severity)
    if profile.single_system and len(systems) > 1:
        _add(found, "multiple_system_messages",
             f"This example has {len(systems)} system messages; {profile.label} allows "
             "one. Merge them into a single system message.", systems[1],
             count=len(systems))


def _check_alternation(messages: list[Any], turns: list[tuple[int, str | None]],
                       profile: Profile, found: Found) -> None:
    previous: str | None = None
    open_calls = False  # the last assistant message called tools: results may follow
    for index, role in turns:
        problem = _turn_problem(role, previous, open_calls)
        if problem:
            severity: Severity = "error" if role in TOOL_ROLES else profile.order_severity
            place = f"follows {_a(previous)} message" if previous else "opens the conversation"
            _add(found, "roles_not_alternating", f"{_where(index, role)} {place}: {problem}.",
                 index, severity=severity, previous=previous)
        if role == "assistant":
            open_calls = _calls_tools(messages[index], profile)
        elif role not in TOOL_ROLES:
            open_calls = False
        previous = role


def _turn_problem(role: str | None, previous: str | None, open_calls: bool) -> str | None:
    if role in TOOL_ROLES:
        if not open_calls:
            return ("a tool result must come right after the assistant message that "
                    "called the tool. Move it there, or remove it")
        return None
    missing_result = ("the assistant called a tool, but the tool's result is missing. Add "
                      "a tool message with the result between them")
    if role == "assistant" and previous == "assistant":
        return missing_result if open_calls else (
            "two assistant messages in a row. Merge them, or put the user's turn between them")
    if role == "user" and previous == "user":
        return ("two user messages in a row. Merge them, or put the assistant's answer "
                "between them")
    if role == "user" and open_calls:
        return missing_result if previous == "assistant" else (
            "the assistant should answer the tool result before the user speaks again. Add "
            "the assistant's answer")
    return None


def _a(role: str | None) -> str:
    return "an assistant" if role == "assistant" else f"a {role}"


# -- preference pairs -----------------------------------------------------------------------

def _check_preference(conv: dict[str, Any], roles: list[str | None], profile: Profile,
                      found: Found) -> None:
    """A preference pair: a prompt ending with the user's turn, two non-empty assistant
    completions that differ; the vendor's own limits (``shared/formats.md`` section 3)."""
    if not profile.preference:
        _add(found, "preference_not_supported",
             f"This is a preference pair (a preferred and a non-preferred answer), but "
             f"{profile.label} does not fine-tune on preference data. Choose a profile "
             "that does (OpenAI, TRL), or export only the preferred answer as a chat.")
        return
    others = [r for r in roles if r not in SYSTEM_ROLES]
    if others and others[-1] in profile.roles and others[-1] not in ("user", "tool"):
        last = len(roles) - 1
        _add(found, "preference_prompt_not_user",
             f"The prompt of this pair ends with {_where(last, roles[last]).lower()}; it "
             "should end with the user's turn, which both answers reply to. Move that "
             "message into the answers or remove it.", last,
             severity=profile.order_severity)
    sides = []
    for key, label in zip(PREFERENCE_KEYS, ("preferred", "non-preferred"), strict=True):
        output = conv.get(key)
        problem = _output_problem(output)
        if problem or not isinstance(output, list):
            _add(found, "invalid_preference_output",
                 f'The {label} answer ("{key}") {problem}. A preference pair needs a '
                 "preferred and a non-preferred answer, each a list of one or more "
                 "assistant messages.", key=key)
            continue
        sides.append(output)
        if profile.preference_text_only:
            _check_openai_output(key, label, output, profile, found)
    if len(sides) == 2 and " ".join(preference.side_text(sides[0]).split()) == " ".join(
            preference.side_text(sides[1]).split()):
        _add(found, "preference_outputs_identical",
             "The preferred and the non-preferred answers are the same (apart from white "
             "space), so the pair teaches nothing. Rewrite one of them or remove the pair.")
    if profile.preference_text_only and any(
            isinstance(m, dict) and isinstance(m.get("content"), list) and any(
                not (isinstance(p, dict) and p.get("type", "text") == "text")
                for p in m["content"]) for m in conv.get("messages") or []):
        _add(found, "preference_not_text",
             f"The prompt of this pair holds images or other non-text parts; "
             f"{profile.label}'s preference fine-tuning takes text only. Remove them.")


def _check_openai_output(key: str, label: str, output: list[Any], profile: Profile,
                         found: Found) -> None:
    if len(output) > 1:
        _add(found, "preference_output_messages",
             f'The {label} answer ("{key}") has {len(output)} messages; '
             f"{profile.label}'s schema takes one assistant message per answer. Merge "
             "them.", severity="warning", key=key, count=len(output))
    for message in output:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list) and any(
                not (isinstance(p, dict) and p.get("type", "text") == "text")
                for p in content):
            _add(found, "preference_not_text",
                 f'The {label} answer ("{key}") holds a part that is not text; '
                 f"{profile.label}'s preference fine-tuning takes text only.", key=key)
            return


def _has_text(content: Any) -> bool:
    if isinstance(content, str):
        return bool(content.strip())
    return isinstance(content, list) and bool(content)


def _output_problem(output: Any) -> str | None:
    if not isinstance(output, list) or not output:
        return "is missing or empty"
    for number, message in enumerate(output, start=1):
        role = _role(message)
        if role not in ("assistant", "tool"):
            return f"has message {number} from {json.dumps(role)}, not from the assistant"
        if role == "assistant" and not message.get("tool_calls") and not _has_text(
                message.get("content")):
            return f"has message {number} with no text"
    if not any(_role(m) == "assistant" for m in output):
        return "has no assistant message"
    return None


# -- the dataset and reader notes -----------------------------------------------------------

def dataset_findings(n_examples: int) -> list[FindingDraft]:
    """Findings about the dataset as a whole: too few examples to fine-tune on."""
    found: Found = []
    if n_examples < 10:
        _add(found, "too_few_examples",
             f"The dataset has {n_examples} usable examples; OpenAI will not fine-tune on "
             "fewer than 10. Add more examples (50 to 100 is a good start).",
             examples=n_examples)
    elif n_examples < 100:
        _add(found, "few_examples",
             f"The dataset has {n_examples} usable examples. That is enough to start, but "
             "fine-tuning usually shows clear improvement only with 50 to 100 or more "
             "well-chosen examples.", severity="warning", examples=n_examples)
    return found


def notes_to_findings(notes: list[dict[str, Any]]) -> list[FindingDraft]:
    """Reader notes (things noticed while normalising a record) as warnings, or with the
    note's own severity (``info`` for a conversion that needs nothing done)."""
    found: Found = []
    for note in notes:
        severity = note.get("severity")
        _add(found, str(note.get("code") or "reader_note"), str(note.get("description", "")),
             note.get("message_index"),
             severity=severity if severity in ("error", "warning", "info") else "warning")
    return found
