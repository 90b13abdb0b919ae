"""Text for people: from untrusted files, made safe to print; counts in good English.

A name or reason read from a file someone sent (an annotation pack's project name, an
annotator, a refusal that quotes a value) may hold terminal escape codes ("ESC[2J" clears
the screen), bidirectional overrides that reorder what is shown, or megabytes of text.
:func:`printable` turns such characters into visible escapes and shortens the text.
"""

from __future__ import annotations

import unicodedata

#: Characters that change how the text around them is shown (Unicode bidi controls) or
#: break lines where nothing should: escaped like the control characters.
_INVISIBLE = frozenset("\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
                       "\u2066\u2067\u2068\u2069\ufeff")


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: object, limit: int = 200) -> str:
    """``text`` with every control, bidi or unpaired surrogate character escaped (ESC
    becomes ``\\x1b``, a newline ``\\x0a``) and cut to about ``limit`` characters (``…``)."""
    value = text if isinstance(text, str) else str(text)
    # Escapes only lengthen the text: the first limit + 1 characters decide the result,
    # so a 300 MB value costs no more than a short one.
    head = value[:limit + 1]
    out: list[str] = []
    size = 0
    for char in head:
        if char in _INVISIBLE or unicodedata.category(char) in ("Cc", "Cs"):
            piece = _escape(char)
        else:
            piece = char
        if size + len(piece) > limit:
            return "".join(out) + "…"
        out.append(piece)
        size += len(piece)
    return "".join(out)


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and ``word`` in good English: ``1 row``, ``2 rows``, ``1,200 labels``.

    ``many`` is the plural when adding "s" is wrong (``plural(n, "entry", "entries")``).
    """
    return f"{count:,} {word if count == 1 else many or word + 's'}"
