"""A record that could not be read: its error, and the raw line with the error's place marked."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from curator.app.chat_style import SEVERITY_COLORS, Card, mono_font, tint
from curator.app.widgets import muted

_COLUMN = re.compile(r"(?:line (\d+),? )?column (\d+)", re.IGNORECASE)


def error_position(error: str | None, raw_text: str, first_line: int | None) -> int | None:
    """The character offset in ``raw_text`` that an error message names ("column 15")."""
    if not error:
        return None
    match = _COLUMN.search(error)
    if match is None:
        return None
    column = int(match.group(2))
    lines = raw_text.split("\n")
    row = 0
    if match.group(1) and len(lines) > 1:
        number = int(match.group(1))
        row = number - (first_line or 1)
        if not 0 <= row < len(lines):
            row = number - 1 if 0 < number <= len(lines) else 0
    offset = sum(len(line) + 1 for line in lines[:row]) + max(column - 1, 0)
    return min(offset, max(len(raw_text) - 1, 0))


def _error_mark(document: QTextDocument, offset: int) -> QTextEdit.ExtraSelection:
    """The character at ``offset`` in the error colour with a wavy underline."""
    selection = QTextEdit.ExtraSelection()
    cursor = QTextCursor(document)
    cursor.setPosition(offset)
    cursor.setPosition(offset + 1, QTextCursor.MoveMode.KeepAnchor)
    fmt = QTextCharFormat()
    color = QColor(SEVERITY_COLORS["error"])
    color.setAlphaF(0.55)
    fmt.setBackground(color)
    fmt.setFontUnderline(True)
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
    fmt.setUnderlineColor(QColor(SEVERITY_COLORS["error"]))
    selection.cursor = cursor
    selection.format = fmt
    return selection


class RawLineView(QWidget):
    """An invalid record: its error in a red card, and its line as written, error marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Invalid record")
        inv = QVBoxLayout(self)
        inv.setContentsMargins(12, 10, 12, 10)
        inv.setSpacing(8)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorBanner")
        self.error_label.setContentsMargins(14, 8, 10, 8)
        font = self.error_label.font()
        font.setBold(True)
        self.error_label.setFont(font)
        self.error_card = Card()
        self.error_card.fill = tint(SEVERITY_COLORS["error"], 0.12)
        self.error_card.border = self.error_card.bar = QColor(SEVERITY_COLORS["error"])
        self.error_card.radius = 6.0
        card_layout = QVBoxLayout(self.error_card)
        card_layout.setContentsMargins(0, 0, 0, 0)
        card_layout.addWidget(self.error_label)
        self.error_label.setAccessibleName("Error")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.raw_caption = muted("The line as it is in the file:", bold=True, wrap=False)
        self.raw_caption.setObjectName("rawCaption")
        self.raw_view = QPlainTextEdit()
        self.raw_view.setObjectName("rawView")
        self.raw_view.setAccessibleName("Raw line")
        self.raw_view.setReadOnly(True)
        self.raw_view.setFont(mono_font())
        self.raw_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.raw_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                              | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        #: Where in the raw line the error is (a character offset), if the error says.
        self.error_offset: int | None = None
        inv.addWidget(self.error_card)
        inv.addWidget(self.raw_caption)
        inv.addWidget(self.raw_view, 1)

    def clear(self) -> None:
        """Show no line."""
        self.raw_view.clear()
        self.error_offset = None

    def show_record(self, detail: dict[str, Any], blind: bool = False) -> None:
        """Show the error and raw line of ``detail`` (a ``record_detail`` dict); while
        labelling blind only the error (the line names the chosen and rejected answers)."""
        error = detail.get("error") or "This record could not be read."
        self.error_label.setText(error)
        self.raw_view.setHidden(blind)
        if blind:
            self.raw_view.clear()
            self.error_offset = None
            self.raw_caption.setText("The line as it is in the file is hidden while "
                                     "labelling blind.")
            return
        raw = detail.get("raw") or b""
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes | bytearray) \
            else str(raw)
        self.raw_view.setPlainText(text)
        self.error_offset = error_position(error, text, detail.get("line"))
        selections = []
        if self.error_offset is not None and text:
            selections.append(_error_mark(self.raw_view.document(), self.error_offset))
            place = QTextCursor(self.raw_view.document())
            place.setPosition(self.error_offset)
            self.raw_view.setTextCursor(place)
            self.raw_view.ensureCursorVisible()
            self.raw_caption.setText(
                f"The line as it is in the file (the error is at character "
                f"{self.error_offset + 1}, marked):")
        else:
            self.raw_caption.setText("The line as it is in the file:")
        self.raw_view.setExtraSelections(selections)
