"""The texts of a conversation that similarity compares and shows.

:func:`sides` splits a canonical conversation into its normalised system prompt, input
and output; :func:`raw_input` and :func:`raw_output` are the same parts as written, for
showing side by side.
"""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from curator.core.conversation import text_hash, text_of


def normalise(text: str) -> str:
    """Casefolded, whitespace collapsed: what "the same text" means here."""
    return " ".join(text.casefold().split())


def content(message: Any) -> str:
    """A message's text; its tool calls as JSON when it has no text."""
    if not isinstance(message, dict):
        return json.dumps(message, ensure_ascii=False, sort_keys=True)
    text = text_of(message.get("content"))
    if not text and message.get("tool_calls"):
        text = json.dumps(message["tool_calls"], ensure_ascii=False, sort_keys=True)
    return text


@dataclass(frozen=True, slots=True)
class Sides:
    """The normalised parts of one conversation that similarity compares."""

    system: str
    input: str
    output: str | None
    exact: str   # hash of the whole normalised conversation


def sides(conv: Mapping[str, Any]) -> Sides:
    """Split a canonical conversation into system, input and output (normalised)."""
    messages = list(conv.get("messages", []) or [])
    output: str | None = None
    # A preference pair has no one output to compare: pairs of one prompt differ in their
    # answers by design, which is not a contradiction (opposite preferences are, found by
    # the schema scan). Its prompt is its input; both answers go into the exact hash.
    if ("preferred_output" not in conv and messages and isinstance(messages[-1], dict)
            and messages[-1].get("role") == "assistant"):
        output = normalise(content(messages.pop()))
    system = normalise(system_text(messages))
    turns = [m for m in messages if not (isinstance(m, dict) and m.get("role") == "system")]
    texts = [normalise(content(m)) for m in turns]
    # normalise("\n".join(parts)) == " ".join of the non-empty normalised parts: split()
    # never joins words across the newline, and casefold works character by character.
    input_text = " ".join(t for t in texts if t)
    roles = "\x1e".join(f"{m.get('role') if isinstance(m, dict) else '?'}\x1f{t}"
                        for m, t in zip(turns, texts, strict=True))
    exact = text_hash(f"{system}\x1d{roles}\x1d{output}" + _other_answer(conv))
    return Sides(system, input_text, output, exact)


def _other_answer(conv: Mapping[str, Any]) -> str:
    """A preference pair's two answers, normalised, for the exact-duplicate hash (a
    duplicate pair repeats the prompt and both answers); "" for other records."""
    if "preferred_output" not in conv:
        return ""
    texts = []
    for key in ("preferred_output", "non_preferred_output"):
        side = conv.get(key) or []
        texts.append(normalise(" ".join(content(m) for m in side) if isinstance(side, list)
                               else str(side)))
    return "\x1d" + "\x1d".join(texts)


_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


@functools.lru_cache(maxsize=1 << 16)
def short_answer(text: str | None, max_words: int) -> str | None:
    """A label-like output ("Positive.", "yes") reduced to its words; None if longer."""
    if text is None:
        return None
    words = text.translate(_NO_PUNCTUATION).split()
    if not words or len(words) > max_words:
        return None
    return " ".join(words)


def system_text(messages: Any) -> str:
    """The system messages of ``messages`` joined, as written."""
    return "\n".join(content(m) for m in messages
                     if isinstance(m, dict) and m.get("role") == "system")


def raw_input(conv: Mapping[str, Any]) -> str:
    """The turns before the final answer as ``role: text`` lines, system left out."""
    messages = list(conv.get("messages", []) or [])
    if ("preferred_output" not in conv and messages and isinstance(messages[-1], dict)
            and messages[-1].get("role") == "assistant"):
        messages.pop()
    return "\n".join(f"{m.get('role', '?')}: {content(m)}" if isinstance(m, dict)
                     else content(m) for m in messages
                     if not (isinstance(m, dict) and m.get("role") == "system"))


def raw_output(conv: Mapping[str, Any]) -> str:
    """The final assistant turn (or the preferred output) as written; "" without one."""
    if "preferred_output" in conv:
        preferred = conv.get("preferred_output") or []
        return " ".join(content(m) for m in preferred) if isinstance(preferred, list) else ""
    messages = conv.get("messages", []) or []
    if messages and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
        return content(messages[-1])
    return ""
