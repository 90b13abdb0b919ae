"""Recognise the shape of one parsed example and normalise it to a canonical conversation.

Readers are lenient on purpose: whatever the user wrote inside messages is carried over
unchanged (wrong types included) so the schema checks can point at it. Only an example
whose shape cannot be recognised at all is refused (it becomes an invalid record).
"""

from __future__ import annotations

import json
from typing import Any

from curator.core import preference as pref
from curator.core.model import Conversation

SHAREGPT_ROLES = {
    "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
    "chatgpt": "assistant", "bard": "assistant", "bing": "assistant", "model": "assistant",
    "system": "system", "function_call": "assistant", "observation": "tool",
    "tool": "tool", "function": "tool",
}
ID_KEYS = ("id", "custom_id")
FORMAT_KEYS = {
    "openai": ("messages",),
    "bedrock": ("messages", "system"),
    "sharegpt": ("conversations",),
    "alpaca": ("instruction", "output"),
    "preference": ("input", "preferred_output", "non_preferred_output"),
    "prompt_completion": ("prompt", "completion"),
}


class ShapeError(Exception):
    """The example has no shape Curator can read; ``code`` names why."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _note(notes: list[dict[str, Any]], code: str, text: str, index: int | None = None,
          severity: str | None = None) -> None:
    note: dict[str, Any] = {"code": code, "description": text, "message_index": index}
    if severity is not None:
        note["severity"] = severity
    notes.append(note)


def own_id(obj: dict[str, Any]) -> str | None:
    """The example's own identifier (``id`` or ``custom_id``), if it has a usable one."""
    for name in ID_KEYS:
        value = obj.get(name)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


def detect_format(obj: dict[str, Any]) -> str | None:
    if pref.source_shape(obj) is not None:
        return "preference"
    if "messages" in obj:
        return "bedrock" if "system" in obj else "openai"
    if "conversations" in obj:
        return "sharegpt"
    if "preferred_output" in obj or "preferred_completion" in obj:
        return "preference"
    if "instruction" in obj and "output" in obj:
        return "alpaca"
    if "prompt" in obj and "completion" in obj:
        return "prompt_completion"
    return None


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), "a value")


def normalise(obj: Any, forced: str = "auto") -> tuple[str, Conversation, list[dict[str, Any]]]:
    """Return ``(format, conversation, notes)`` for one parsed example.

    Raises :class:`ShapeError` when the example is not an object or has no known shape.
    """
    if not isinstance(obj, dict):
        raise ShapeError(
            "not_an_object",
            f"This example is {_type_name(obj)}, not a JSON object. Each example must be "
            'one object such as {"messages": [...]}.',
        )
    fmt = detect_format(obj) if forced == "auto" else forced
    if fmt == "bedrock" and forced == "openai":
        fmt = "openai"
    if fmt is None:
        keys = ", ".join(sorted(obj)[:8]) or "no keys at all"
        raise ShapeError(
            "missing_messages_list",
            f"This example has no list of messages (it has {keys}). Curator reads "
            '"messages" (OpenAI/Bedrock), "conversations" (ShareGPT), '
            '"instruction"/"output" (Alpaca), "prompt"/"completion" and preference pairs.',
        )
    reader = READERS.get(fmt)
    if reader is None:
        raise ShapeError("unknown_format", f"Curator has no reader for the format {fmt!r}.")
    shape = pref.source_shape(obj)
    if forced in ("sharegpt", "alpaca") and shape == forced:
        fmt = "preference"        # LLaMA-Factory's preference variant of the shape
    elif forced == "preference":
        if shape is None:
            raise ShapeError(
                "wrong_format",
                "This example is not a preference pair (it has neither "
                '"preferred_output" nor "chosen" and "rejected"). Import with --format '
                "auto to detect it.")
    elif forced != "auto" and not any(key in obj for key in FORMAT_KEYS[fmt][:1]):
        raise ShapeError(
            "wrong_format",
            f"This example is not in the {fmt} format that was asked for (it lacks "
            f'"{FORMAT_KEYS[fmt][0]}"). Import with --format auto to detect it.',
        )
    notes: list[dict[str, Any]] = []
    conv = reader(obj, notes)
    return fmt, conv, notes


def _extra(obj: dict[str, Any], consumed: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in consumed}


def _finish(conv: Conversation, extra: dict[str, Any]) -> Conversation:
    """Keep the keys no reader consumed at the top level, as the user wrote them."""
    for key, value in extra.items():
        conv.setdefault(key, value)
    return conv


def _messages_list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise ShapeError(
            "messages_not_a_list",
            f'"{key}" must be a list of messages, but here it is {_type_name(value)}.',
        )
    return value


def _llamafactory_message(message: Any) -> tuple[Any, bool]:
    """A LLaMA-Factory v1 message in the canonical (OpenAI) spelling; whether it changed.

    Its text parts ``{"type": "text", "value": ...}`` become ``{"type": "text", "text":
    ...}``; ``loss_weight`` becomes an assistant message's ``weight`` (0 or 1 as whole
    numbers, any other value as written, for the weight check to flag) and is dropped
    from other messages when 0, which is what training on them never does anyway. A
    ``loss_weight`` that would train on a user or system message stays, to be flagged.
    Other LLaMA-Factory parts (reasoning, tool calls, image links in ``value``) stay as
    written: the schema check says what to do with them.
    """
    if not isinstance(message, dict):
        return message, False
    out = message
    content = message.get("content")
    if isinstance(content, list) and any(_is_value_text(part) for part in content):
        out = dict(message)
        out["content"] = [_text_part(part) if _is_value_text(part) else part
                          for part in content]
    weight = message.get("loss_weight")
    if "loss_weight" in message and _is_number(weight):
        if message.get("role") == "assistant" and "weight" not in message:
            out = {k: v for k, v in out.items() if k != "loss_weight"}
            out["weight"] = int(weight) if weight in (0, 1) else weight
        elif message.get("role") != "assistant" and weight == 0:
            out = {k: v for k, v in out.items() if k != "loss_weight"}
    return out, out is not message


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_value_text(part: Any) -> bool:
    return (isinstance(part, dict) and part.get("type") == "text" and "text" not in part
            and isinstance(part.get("value"), str))


def _text_part(part: dict[str, Any]) -> dict[str, Any]:
    return {("text" if k == "value" else k): v for k, v in part.items()}


def _canonical_messages(messages: list[Any], notes: list[dict[str, Any]]) -> list[Any]:
    """``messages`` with LLaMA-Factory v1 messages respelled (see
    :func:`_llamafactory_message`), and an info note when any was."""
    out, changed = [], False
    for message in messages:
        converted, was = _llamafactory_message(message)
        out.append(converted)
        changed = changed or was
    if changed and not any(n["code"] == "converted_content_parts" for n in notes):
        _note(notes, "converted_content_parts",
              "This example is written in LLaMA-Factory's format (text parts as "
              '{"type": "text", "value": ...}, "loss_weight"). Curator reads them as '
              'OpenAI text parts ({"type": "text", "text": ...}) and an assistant '
              'message\'s "weight", and exports them that way; the imported line is kept '
              "as it was. Nothing to do unless the conversion is wrong.", severity="info")
    return out


def read_openai(obj: dict[str, Any], notes: list[dict[str, Any]]) -> Conversation:
    conv: Conversation = {"messages": _canonical_messages(_messages_list(obj, "messages"),
                                                          notes)}
    for key in ("tools", "parallel_tool_calls", "functions"):
        if key in obj:
            conv[key] = obj[key]
    return _finish(conv, _extra(obj, ("messages", "tools", "parallel_tool_calls", "functions")))


def read_bedrock(obj: dict[str, Any], notes: list[dict[str, Any]]) -> Conversation:
    conv = read_openai(obj, notes)
    system = conv.pop("system", None)
    if system is not None:
        conv["messages"].insert(0, {"role": "system", "content": system})
    return conv


def _function_call(value: Any, number: int, notes: list[dict[str, Any]], index: int
                   ) -> dict[str, Any]:
    """A ShareGPT ``function_call`` turn as an OpenAI assistant message with tool calls."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        parsed = None
    calls = parsed if isinstance(parsed, list) else [parsed]
    tool_calls = []
    for k, call in enumerate(calls):
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            _note(notes, "sharegpt_bad_function_call",
                  f"Turn {index + 1} is a function call, but its value is not a JSON object "
                  'with a "name" and "arguments"; it was kept as plain text.', index)
            return {"role": "assistant", "content": value}
        arguments = call.get("arguments", {})
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        tool_calls.append({"id": f"call_{number}_{k}", "type": "function",
                           "function": {"name": call["name"], "arguments": arguments}})
    return {"role": "assistant", "content": None, "tool_calls": tool_calls}


def _sharegpt_tools(value: Any, notes: list[dict[str, Any]]) -> Any:
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        _note(notes, "sharegpt_bad_tools",
              'The "tools" text is not valid JSON; it was kept as it is.')
        return value
    if not isinstance(parsed, list):
        parsed = [parsed]
    return [
        t if isinstance(t, dict) and "function" in t else {"type": "function", "function": t}
        for t in parsed
    ]


def read_sharegpt(obj: dict[str, Any], notes: list[dict[str, Any]]) -> Conversation:
    turns = _messages_list(obj, "conversations")
    messages: list[Any] = []
    if "system" in obj:
        messages.append({"role": "system", "content": obj["system"]})
    calls = 0
    last_call: list[str] = []
    for turn in turns:
        if not isinstance(turn, dict):
            messages.append(turn)
            continue
        tag = turn.get("from", turn.get("role"))
        value = turn.get("value", turn.get("content"))
        rest = {k: v for k, v in turn.items() if k not in ("from", "value", "role", "content")}
        if tag == "function_call":
            calls += 1
            message = _function_call(value, calls, notes, len(messages))
            last_call = [c["id"] for c in message.get("tool_calls", [])]
        elif tag == "observation":
            message = {"role": "tool", "content": value}
            if last_call:
                message["tool_call_id"] = last_call.pop(0)
        else:
            role = SHAREGPT_ROLES.get(tag, tag) if isinstance(tag, str) else tag
            message = {"role": role, "content": value}
        message.update(rest)
        messages.append(message)
    conv: Conversation = {"messages": messages}
    if "tools" in obj:
        conv["tools"] = _sharegpt_tools(obj["tools"], notes)
    return _finish(conv, _extra(obj, ("conversations", "system", "tools")))


def read_alpaca(obj: dict[str, Any], notes: list[dict[str, Any]]) -> Conversation:
    messages: list[Any] = []
    if obj.get("system"):
        messages.append({"role": "system", "content": obj["system"]})
    history = obj.get("history") or []
    if not isinstance(history, list):
        _note(notes, "alpaca_bad_history",
              '"history" must be a list of [prompt, response] pairs; it was ignored.')
        history = []
    for pair in history:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            messages.append({"role": "user", "content": pair[0]})
            messages.append({"role": "assistant", "content": pair[1]})
        else:
            _note(notes, "alpaca_bad_history",
                  'An entry of "history" is not a [prompt, response] pair; it was ignored.')
    instruction, extra_input = obj.get("instruction"), obj.get("input")
    prompt = instruction
    if isinstance(instruction, str) and isinstance(extra_input, str) and extra_input:
        prompt = f"{instruction}\n{extra_input}"
    messages.append({"role": "user", "content": prompt})
    messages.append({"role": "assistant", "content": obj.get("output")})
    return _finish({"messages": messages},
                   _extra(obj, ("instruction", "input", "output", "system", "history")))


def _as_messages(value: Any, role: str) -> list[Any]:
    if isinstance(value, list):
        return list(value)
    return [{"role": role, "content": value}]


def read_prompt_completion(obj: dict[str, Any], notes: list[dict[str, Any]]) -> Conversation:
    messages = _canonical_messages(_as_messages(obj.get("prompt"), "user")
                                   + _as_messages(obj.get("completion"), "assistant"), notes)
    return _finish({"messages": messages}, _extra(obj, ("prompt", "completion")))


def read_openai_preference(obj: dict[str, Any], notes: list[dict[str, Any]]) -> Conversation:
    preferred_key, other_key = "preferred_output", "non_preferred_output"
    if preferred_key not in obj and "preferred_completion" in obj:
        preferred_key, other_key = "preferred_completion", "non_preferred_completion"
        _note(notes, "preference_completion_keys",
              'This pair uses "preferred_completion"/"non_preferred_completion"; OpenAI\'s '
              'guide names them "preferred_output"/"non_preferred_output".')
    source = obj.get("input")
    if not isinstance(source, dict):
        raise ShapeError("invalid_preference_input",
                         'A preference pair needs "input": {"messages": [...]}, but here '
                         f'"input" is {_type_name(source)}.')
    conv = read_openai(source, notes)
    for key, given in (("preferred_output", obj.get(preferred_key)),
                       ("non_preferred_output", obj.get(other_key))):
        conv[key] = _canonical_messages(given, notes) if isinstance(given, list) else given
    return _finish(conv, _extra(obj, ("input", preferred_key, other_key)))


def _completion(value: Any, notes: list[dict[str, Any]]) -> Any:
    """A TRL/Alpaca completion as a list of messages: a string is the assistant's text."""
    if isinstance(value, str):
        return [{"role": "assistant", "content": value}]
    if isinstance(value, dict):
        value = [value]
    return _canonical_messages(value, notes) if isinstance(value, list) else value


def _pair(conv: Conversation, chosen: Any, rejected: Any) -> Conversation:
    conv["preferred_output"] = chosen
    conv["non_preferred_output"] = rejected
    return conv


def read_sharegpt_preference(obj: dict[str, Any], notes: list[dict[str, Any]]
                             ) -> Conversation:
    """LLaMA-Factory: ``conversations`` is the prompt, ``chosen``/``rejected`` one turn
    (``{"from": "gpt", "value": ...}``) or a list of turns each."""
    conv = read_sharegpt(_extra(obj, ("chosen", "rejected")), notes)
    sides = []
    for key in ("chosen", "rejected"):
        given = obj.get(key)
        turns = [given] if isinstance(given, dict) else given
        if isinstance(turns, list):
            sides.append(read_sharegpt({"conversations": turns}, notes)["messages"])
        else:
            sides.append(_completion(given, notes))
    return _pair(conv, *sides)


def read_alpaca_preference(obj: dict[str, Any], notes: list[dict[str, Any]]) -> Conversation:
    """LLaMA-Factory's Alpaca preference: the prompt from ``instruction``/``input`` (and
    ``system``, ``history``), ``chosen``/``rejected`` the two answers."""
    conv = read_alpaca({**_extra(obj, ("chosen", "rejected")), "output": None}, notes)
    conv["messages"].pop()          # the empty answer read_alpaca added
    return _pair(conv, _completion(obj.get("chosen"), notes),
                 _completion(obj.get("rejected"), notes))


def read_trl_preference(obj: dict[str, Any], notes: list[dict[str, Any]]) -> Conversation:
    """TRL: ``prompt``, ``chosen``, ``rejected`` as strings or message lists; without a
    prompt, chosen and rejected are whole conversations split at their longest common
    prefix (HH-RLHF transcripts are read into turns first)."""
    chosen, rejected = obj.get("chosen"), obj.get("rejected")
    if "prompt" in obj:
        messages = _canonical_messages(_as_messages(obj["prompt"], "user"), notes)
    elif pref.is_hh(chosen) and pref.is_hh(rejected):
        a, b = pref.hh_messages(chosen), pref.hh_messages(rejected)
        n = pref.common_prefix(a, b)
        messages, chosen, rejected = a[:n], a[n:], b[n:]
    elif isinstance(chosen, list) and isinstance(rejected, list):
        a, b = _canonical_messages(chosen, notes), _canonical_messages(rejected, notes)
        n = pref.common_prefix(a, b)
        messages, chosen, rejected = a[:n], a[n:], b[n:]
    elif isinstance(chosen, str) and isinstance(rejected, str):
        n = pref.common_text_prefix(chosen, rejected)
        messages = [{"role": "user", "content": chosen[:n]}] if chosen[:n] else []
        chosen, rejected = chosen[n:], rejected[n:]
    else:
        messages = []
    conv = _finish({"messages": messages}, {})
    for key in ("tools",):
        if key in obj:
            conv[key] = obj[key]
    conv = _pair(conv, _completion(chosen, notes), _completion(rejected, notes))
    return _finish(conv, _extra(obj, ("prompt", "chosen", "rejected", "tools")))


def read_preference(obj: dict[str, Any], notes: list[dict[str, Any]]) -> Conversation:
    """Any preference shape (:func:`curator.core.preference.source_shape`), in the one
    canonical form: the prompt in ``messages``, ``preferred_output`` and
    ``non_preferred_output`` lists of assistant messages."""
    shape = pref.source_shape(obj)
    if shape == "sharegpt":
        return read_sharegpt_preference(obj, notes)
    if shape == "alpaca":
        return read_alpaca_preference(obj, notes)
    if shape in ("trl", "trl_implicit", "hh"):
        return read_trl_preference(obj, notes)
    return read_openai_preference(obj, notes)


READERS = {
    "openai": read_openai,
    "bedrock": read_bedrock,
    "sharegpt": read_sharegpt,
    "alpaca": read_alpaca,
    "preference": read_preference,
    "prompt_completion": read_prompt_completion,
}
