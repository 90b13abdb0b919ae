"""Preference records: one prompt, a preferred and a non-preferred completion.

Every preference shape Curator reads (``shared/formats.md`` sections 3, 7, 8, 9 and
Anthropic's HH-RLHF transcripts) is stored in one canonical form, OpenAI's::

    {"messages": [prompt messages], "preferred_output": [assistant messages],
     "non_preferred_output": [assistant messages], "tools": ..., <other keys>}

The record's ``format`` is ``preference``; the shape it came in (:data:`SHAPES`) is read
again from the kept raw line by :func:`source_shape`, so an edit never loses it.

Pure functions, no Qt and no store: the window's side-by-side view, its swap command
(:func:`swap`, saved as a revision) and a pairwise labelling field work on these.
``outputs`` returns the completions best first, so a later N-way ranking only has to
extend it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeGuard

from curator.core.conversation import text_hash, text_of
from curator.core.jsontext import compact

CHOSEN, REJECTED = "preferred_output", "non_preferred_output"
OUTPUT_KEYS = (CHOSEN, REJECTED)

#: The source shapes of preference records, and how people name them.
SHAPES: dict[str, str] = {
    "openai": "OpenAI preference fine-tuning (input, preferred_output, non_preferred_output)",
    "trl": "TRL preference (prompt, chosen, rejected)",
    "trl_implicit": "TRL preference with an implicit prompt (chosen, rejected)",
    "sharegpt": "LLaMA-Factory ShareGPT preference (conversations, chosen, rejected)",
    "alpaca": "LLaMA-Factory Alpaca preference (instruction, input, chosen, rejected)",
    "hh": "Anthropic HH-RLHF transcripts (chosen, rejected)",
}

_HH_TURN = re.compile(r"\n\n(Human|Assistant):[ ]?")
_HH_START = re.compile(r"\s*Human:")


# -- recognising a shape ---------------------------------------------------------------------

def is_hh(value: Any) -> TypeGuard[str]:
    """Whether ``value`` is an HH-RLHF transcript ("\\n\\nHuman: ... \\n\\nAssistant: ...")."""
    return isinstance(value, str) and bool(_HH_START.match(value)) and "Assistant:" in value


def source_shape(obj: Any) -> str | None:
    """The preference shape of a parsed input line (a key of :data:`SHAPES`), or None."""
    if not isinstance(obj, dict):
        return None
    if "preferred_output" in obj or "preferred_completion" in obj:
        return "openai"
    if "chosen" not in obj or "rejected" not in obj:
        return None
    if "conversations" in obj:
        return "sharegpt"
    if "instruction" in obj:
        return "alpaca"
    if "prompt" in obj:
        return "trl"
    if is_hh(obj.get("chosen")) and is_hh(obj.get("rejected")):
        return "hh"
    return "trl_implicit"


def is_preference(conv: Any) -> TypeGuard[dict[str, Any]]:
    """Whether a canonical conversation is a preference record."""
    return isinstance(conv, dict) and CHOSEN in conv


# -- parts of a canonical preference record ---------------------------------------------------

def prompt(conv: dict[str, Any]) -> list[Any]:
    """The shared prompt (the record's messages)."""
    messages = conv.get("messages")
    return list(messages) if isinstance(messages, list) else []


def outputs(conv: dict[str, Any]) -> list[list[Any]]:
    """The completions, best first: ``[preferred, non_preferred]``."""
    out = []
    for key in OUTPUT_KEYS:
        value = conv.get(key)
        out.append(list(value) if isinstance(value, list) else [])
    return out


def swap(conv: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``conv`` with the preferred and non-preferred completions exchanged
    (the window saves it as a revision, so a swap is undoable)."""
    out = dict(conv)
    out[CHOSEN], out[REJECTED] = conv.get(REJECTED), conv.get(CHOSEN)
    return out


def with_output_text(conv: dict[str, Any], rank: int, index: int, text: str
                     ) -> dict[str, Any]:
    """A copy of ``conv`` whose completion ``rank`` (0 = preferred) has message ``index``'s
    content replaced by ``text`` (an edit of one answer, saved as a revision)."""
    key = OUTPUT_KEYS[rank]
    side = [dict(m) if isinstance(m, dict) else m for m in outputs(conv)[rank]]
    if not 0 <= index < len(side) or not isinstance(side[index], dict):
        raise IndexError(f"{key} has no message {index + 1}")
    side[index]["content"] = text
    return {**conv, key: side}


def side_text(output: Any) -> str:
    """A completion's text as written (its messages' texts; tool calls as JSON)."""
    if not isinstance(output, list):
        return "" if output is None else compact(output)
    parts = []
    for message in output:
        if not isinstance(message, dict):
            parts.append(compact(message))
            continue
        text = text_of(message.get("content"))
        if message.get("tool_calls"):
            text += compact(message["tool_calls"])
        parts.append(text)
    return "\n".join(parts)


def normalised(text: str) -> str:
    """White space collapsed: what "the same answer" means for a pair."""
    return " ".join(text.split())


def prompt_key(conv: dict[str, Any]) -> str:
    """A hash of the prompt's roles and normalised texts (and tools)."""
    texts = [f"{m.get('role') if isinstance(m, dict) else '?'}\x1f"
             f"{normalised(side_text([m]))}" for m in prompt(conv)]
    tools = compact(conv["tools"]) if "tools" in conv else ""
    return text_hash("\x1e".join(texts) + "\x1d" + tools)


def side_key(output: Any) -> str:
    """A hash of one completion, white space normalised."""
    return text_hash(normalised(side_text(output)))


def training_sides(conv: dict[str, Any]) -> list[dict[str, Any]]:
    """Each completion appended to the prompt: the sequences a trainer sees (for token
    counts per side)."""
    return [{"messages": prompt(conv) + [m for m in side if isinstance(m, dict)]}
            for side in outputs(conv)]


def pair_key(conv: dict[str, Any]) -> tuple[str, str, str] | None:
    """(prompt, preferred, non-preferred) hashes, white space normalised; None for a
    record that is not a preference pair. Two records with the same key are duplicates."""
    if not is_preference(conv):
        return None
    a, b = (side_key(side) for side in outputs(conv))
    return prompt_key(conv), a, b


def opposite_pairs(items: Iterable[tuple[int, tuple[str, str, str]]]
                   ) -> list[tuple[int, int]]:
    """Pairs of record ids (from ``(id, pair_key)``) whose prompt is the same and whose
    preferences are opposite (one prefers A to B, the other B to A), each pair once,
    the lower id first."""
    seen: dict[tuple[str, str, str], list[int]] = {}
    found: set[tuple[int, int]] = set()
    for rid, (p, a, b) in items:
        if a == b:
            continue
        for other in seen.get((p, b, a), []):
            found.add((min(other, rid), max(other, rid)))
        seen.setdefault((p, a, b), []).append(rid)
    return sorted(found)


# -- splitting whole conversations into prompt and completions --------------------------------

def common_prefix(a: list[Any], b: list[Any]) -> int:
    """How many leading messages two conversations share, leaving each at least one of
    its own (TRL's implicit prompt: the longest common prefix)."""
    limit = min(len(a), len(b)) - 1
    n = 0
    while n < limit and a[n] == b[n]:
        n += 1
    return max(n, 0)


def common_text_prefix(a: str, b: str) -> int:
    """TRL's implicit prompt of two strings: their common prefix, less a space it ends on."""
    n = 0
    limit = min(len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    if n < limit and n > 0 and a[n - 1] == " ":
        n -= 1
    return n


def hh_messages(text: str) -> list[dict[str, Any]]:
    """The turns of an HH-RLHF transcript as user and assistant messages."""
    if not text.startswith("\n\n"):
        text = "\n\n" + text.lstrip()
    pieces = _HH_TURN.split(text)
    messages: list[dict[str, Any]] = []
    # pieces: [before, speaker, text, speaker, text, ...]
    for speaker, said in zip(pieces[1::2], pieces[2::2], strict=True):
        messages.append({"role": "user" if speaker == "Human" else "assistant",
                         "content": said})
    return messages


def hh_text(messages: list[Any]) -> str:
    """Messages as an HH-RLHF transcript (the inverse of :func:`hh_messages`)."""
    out = []
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        speaker = "Human" if role == "user" else "Assistant"
        content = text_of(message.get("content")) if isinstance(message, dict) else ""
        out.append(f"\n\n{speaker}: {content}")
    return "".join(out)
