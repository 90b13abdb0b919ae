"""Template placeholders left unfilled in assistant answers (``unfilled_placeholder``).

Data made from templates sometimes keeps the slots: LLaMA-Factory's identity set answers
"I am {{name}}, developed by {{author}}", a generator's f-string left "{user_name}", a
chat template leaked "<|im_end|>". A model trained on them learns to say the slot.

Only the plain prose of assistant messages is read, because code and data hold braces
for good reasons: fenced code blocks and inline code are skipped, so is an answer that is
JSON as a whole, LaTeX mathematics (``$...$``, ``\\(...\\)``, ``\\[...\\]``), and any line
that looks like code (an f-string, ``.format(``, an assignment, a block). A single-brace
slot must be an identifier of two or more characters standing on its own (``{name}``,
not ``{x}``, ``\\text{speed}`` or ``x^{ab}``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from curator.core.conversation import part_text
from curator.core.model import FindingDraft

#: At most this many placeholders are reported per message.
LIMIT = 20

# Regions that are not prose: their characters are blanked (offsets stay the same).
_FENCE = re.compile(r"(?ms)^[ \t]*(```|~~~).*?(?:^[ \t]*\1[^\n]*$|\Z)")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\\w])\$[^$\n]+?\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)

_DOUBLE = re.compile(r"\{\{[ \t]*[^{}\n]{1,80}?[ \t]*\}\}")
_SINGLE = re.compile(r"(?<![\w\\^_}{$%#@])\{([A-Za-z_][A-Za-z0-9_]{1,40})\}(?!\})")
_TOKEN = re.compile(r"<\|[^|<>\s]{1,40}\|>")

#: A line holding one of these is code, not prose: its braces are left alone.
_CODE_LINE = re.compile(
    r"""\bf["']|\.format\(|\bprint\(|\bdef\s+\w+\(|=>|\$\{|"""
    r"""(?<![=!<>])=(?!=)|;\s*$|^\s*[{}]\s*$|\{\s*$|^(?:    |\t)""")

_STYLES = (
    ("double_brace", _DOUBLE),
    ("single_brace", _SINGLE),
    ("special_token", _TOKEN),
)


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _is_json(text: str) -> bool:
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return False
    try:
        return isinstance(json.loads(stripped), dict | list)
    except ValueError:
        return False


def _prose(text: str) -> str:
    """``text`` with code, mathematics and code-like lines blanked out, same length."""
    for pattern in (_FENCE, _INLINE_CODE, _MATH):
        text = _blank(text, pattern)
    lines = text.split("\n")
    return "\n".join(" " * len(line) if _CODE_LINE.search(line) else line for line in lines)


def find(text: str) -> list[tuple[str, int, int]]:
    """(style, start, end) of each unfilled placeholder in ``text``, in reading order."""
    if "{" not in text and "<|" not in text:
        return []
    if _is_json(text):
        return []
    prose = _prose(text)
    hits = [(style, m.start(), m.end()) for style, pattern in _STYLES
            for m in pattern.finditer(prose)]
    hits.sort(key=lambda hit: hit[1])
    out: list[tuple[str, int, int]] = []
    for hit in hits:  # a single-brace match inside a double one is the same slot
        if out and hit[1] < out[-1][2]:
            continue
        out.append(hit)
    return out


_WHAT = {
    "double_brace": "the template placeholder",
    "single_brace": "the template placeholder",
    "special_token": "the chat-template token",
}


def _describe(where: str, style: str, slot: str) -> str:
    if style == "special_token":
        return (f"{where} holds the chat-template token {slot}, which is markup, not text: "
                "the model would learn to write it. Remove it (the trainer adds its own "
                "template tokens); if it is meant literally, put it in `code` or dismiss "
                "this finding.")
    return (f"{where} still holds {_WHAT[style]} {slot}, never filled in: the model would "
            "learn to say it literally. Replace it with the real value (or remove the "
            "example); if it is meant literally, put it in `code` or dismiss this finding.")


def check_message(index: int, message: dict[str, Any], where: str) -> list[FindingDraft]:
    """``unfilled_placeholder`` warnings for one assistant message (its text or parts)."""
    content = message.get("content")
    texts: list[tuple[int | None, str]]
    if isinstance(content, str):
        texts = [(None, content)]
    elif isinstance(content, list):
        texts = [(k, t) for k, part in enumerate(content)
                 if (t := part_text(part)) is not None]
    else:
        return []
    found: list[FindingDraft] = []
    for part, text in texts:
        place = where if part is None else f"{where}, part {part + 1},"
        for style, start, end in find(text):
            slot = text[start:end]
            detail: dict[str, Any] = {"style": style}
            if part is not None:
                detail["part"] = part
            found.append(FindingDraft(
                kind="schema", code="unfilled_placeholder", severity="warning",
                description=_describe(place, style, slot), message_index=index,
                start=start, end=end, text=slot, detail=detail))
            if len(found) >= LIMIT:
                return found
    return found
