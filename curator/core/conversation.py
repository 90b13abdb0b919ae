"""Helpers over canonical conversations: plain text, and the hashes Curator keys on."""

from __future__ import annotations

import hashlib
from typing import Any

from curator.core.jsontext import compact

PREVIEW_CHARS = 200


def text_hash(text: str) -> str:
    """The key of a text (record hashes, PII and embedding caches): sha256 of its UTF-8, hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def part_text_key(part: Any) -> str | None:
    """Which key holds the text of a content part: ``"text"`` (OpenAI's
    ``{"type": "text", "text": ...}``), ``"value"`` (LLaMA-Factory's
    ``{"type": "text", "value": ...}``), or None for a part without text (an image ...)."""
    if not isinstance(part, dict):
        return None
    if isinstance(part.get("text"), str):
        return "text"
    if part.get("type") == "text" and isinstance(part.get("value"), str):
        return "value"
    return None


def part_text(part: Any) -> str | None:
    """The text of a content part in either spelling (see :func:`part_text_key`)."""
    key = part_text_key(part)
    return None if key is None else str(part[key])


def text_of(content: Any) -> str:
    """The plain text of a message's content (a string, or text parts of either
    spelling, joined by spaces)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(t for part in content if (t := part_text(part)) is not None)
    return ""


def _message_text(message: Any) -> str:
    """A message as role and text, for hashing: spacing and key order do not count."""
    if not isinstance(message, dict):
        return compact(message)
    content = message.get("content")
    text = content if isinstance(content, str) else compact(content)
    if "tool_calls" in message:
        text += "\x1f" + compact(message["tool_calls"])
    return f"{message.get('role')}\x1f{text}"


def conversation_hashes(conv: dict[str, Any]) -> tuple[str, str, str | None, str]:
    """Hashes of the whole conversation, its input part and its output part; a preview.

    The output part is the final assistant turn (the preferred output of a preference
    pair); the input part is every turn before it (a pair's prompt, so every pair of a
    prompt shares a split). A pair's whole hash covers both of its answers. Hashes cover
    roles and contents (and tool calls and tools), not the JSON spelling, so the same
    example written with other spacing or key order hashes the same.
    """
    messages = conv.get("messages", [])
    texts = [_message_text(m) for m in messages]
    output: str | None
    if "preferred_output" in conv:
        output = compact(conv["preferred_output"])
    elif messages and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
        output = texts.pop()
    else:
        output = None
    input_text = "\x1e".join(texts)
    if "tools" in conv:
        input_text += "\x1d" + compact(conv["tools"])
    first_user = next(
        (text_of(m.get("content")) for m in messages
         if isinstance(m, dict) and m.get("role") == "user"), "")
    whole = f"{input_text}\x1c{output or ''}"
    if "non_preferred_output" in conv:
        # A pair is its prompt and both answers: the same prompt and preferred answer
        # with another non-preferred one is another pair, not a duplicate.
        whole += "\x1c" + compact(conv["non_preferred_output"])
    return (text_hash(whole), text_hash(input_text),
            text_hash(output) if output is not None else None, first_user[:PREVIEW_CHARS])
