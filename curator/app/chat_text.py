"""Chat text: a message's text as shown, a view as tall as its text, spans marked and selected."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QTextEdit, QWidget

from curator.app.chat_style import mono_font, set_role_color
from curator.core.conversation import part_text

#: A marked range of a text: start, end (exclusive), colour name, tag (kept on the format).
Span = tuple[int, int, str, str]

#: A word, as a word diff compares them (white space only separates).
WORD = re.compile(r"\S+")
#: Words a side may have for a diff (difflib is quadratic at worst; beyond this, no marks).
DIFF_WORD_LIMIT = 20_000


def _image_placeholder(part: dict[str, Any]) -> str:
    url = part.get("image_url")
    url = url.get("url") if isinstance(url, dict) else url
    url = str(url or "")
    if url.startswith("data:"):
        url = url[:url.find(",")] + ",…" if "," in url else url[:40] + "…"
    elif len(url) > 120:
        url = url[:117] + "…"
    return f"[image: {url}]"


def message_text(message: Any) -> str:
    """The text of a message as the view shows it (spans index into this).

    A string content is itself; a list of parts is its text parts joined by newlines (other
    parts appear as a short placeholder); ``None`` is the empty string.
    """
    content = message.get("content") if isinstance(message, dict) else message
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = []
        for part in content:
            text = part_text(part)          # {"text": ...} or LLaMA-Factory's {"value": ...}
            if text is not None:
                pieces.append(text)
            elif isinstance(part, dict) and part.get("type") == "image_url":
                pieces.append(_image_placeholder(part))
            elif isinstance(part, str):
                pieces.append(part)
            else:
                pieces.append(json.dumps(part, ensure_ascii=False))
        return "\n".join(pieces)
    return json.dumps(content, ensure_ascii=False, indent=2)


def changed_words(text: str, reference: str) -> list[tuple[int, int]]:
    """The character ranges of ``text``'s words that ``reference`` does not have at that
    place (a word-level ``difflib`` diff): a run of changed words is one range, white
    space alone is never marked.

    Empty when either side has more than :data:`DIFF_WORD_LIMIT` words (too slow to diff).
    """
    mine = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
    theirs = WORD.findall(reference)
    if len(mine) > DIFF_WORD_LIMIT or len(theirs) > DIFF_WORD_LIMIT:
        return []
    matcher = difflib.SequenceMatcher(a=theirs, b=[word for _, _, word in mine],
                                      autojunk=False)
    return [(mine[b0][0], mine[b1 - 1][1])
            for op, _a0, _a1, b0, b1 in matcher.get_opcodes() if op != "equal" and b1 > b0]


class ChatText(QTextBrowser):
    """A read-only, selectable text view as tall as its text (no scroll bar of its own)."""

    double_clicked = Signal()

    def __init__(self, text: str = "", monospace: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatText")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenLinks(False)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.viewport().setAutoFillBackground(False)
        set_role_color(self, QPalette.ColorRole.Base, QColor(0, 0, 0, 0))
        self.document().setDocumentMargin(2)
        if monospace:
            self.document().setDefaultFont(mono_font())
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self.setPlainText(text)
        self.setFixedHeight(self._wanted_height())

    def _wanted_height(self) -> int:
        height = math.ceil(self.document().size().height())
        return max(height, self.fontMetrics().height()) + 2 * self.frameWidth()

    def _fit(self, *_: Any) -> None:
        wanted = self._wanted_height()
        if wanted != self.height():
            self.setFixedHeight(wanted)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def wheelEvent(self, event: Any) -> None:  # let the page scroll
        event.ignore()

    def mouseDoubleClickEvent(self, event: Any) -> None:
        self.double_clicked.emit()
        super().mouseDoubleClickEvent(event)


def mark_spans(view: QTextEdit, spans: Iterable[Span], alpha: float = 0.35) -> None:
    """Give each span of ``view``'s text a background in its colour (clipped to the text)."""
    doc = view.document()
    length = doc.characterCount() - 1
    for start, end, color_name, tag in spans:
        if start >= length:
            continue
        color = QColor(color_name)
        color.setAlphaF(alpha)
        fmt = QTextCharFormat()
        fmt.setBackground(color)
        fmt.setProperty(QTextFormat.Property.UserProperty, tag)
        cursor = QTextCursor(doc)
        cursor.setPosition(start)
        cursor.setPosition(min(end, length), QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(fmt)


def select_range(view: QTextEdit, start: int, end: int) -> QRect:
    """Select ``start..end`` of ``view``'s text (clipped); the selection's cursor rectangle."""
    length = view.document().characterCount() - 1
    cursor = QTextCursor(view.document())
    cursor.setPosition(min(start, length))
    cursor.setPosition(min(max(end, start), length), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    return view.cursorRect(cursor)
