"""One message as a bubble: header, text, tool calls, finding highlights, in-place edit.

A bubble never writes to the project: a saved edit is announced with
``edit_saved(index, text)``.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from curator.app.chat_style import (
    ROLE_LABELS,
    SEVERITY_COLORS,
    SEVERITY_RANK,
    Card,
    Pill,
    blend,
    muted_color,
    set_role_color,
    tint,
)
from curator.app.chat_text import ChatText, Span, mark_spans, message_text, select_range
from curator.app.message_editor import MessageEditor
from curator.app.pii_view import OTHER_COLOR, PII_COLORS
from curator.app.tool_call import tool_call_card
from curator.app.widgets import muted

#: Characters of one message shown before a "Show all" button (keeps layout fast).
DISPLAY_LIMIT = 200_000

_SEVERITY_NAMES = {0: "error", 1: "warning", 2: "info"}


def bubble_title(index: int, message: Any, role: str, call_names: dict[str, str]) -> str:
    """The header line of message ``index``: number, role, and the call a tool reply answers."""
    if not isinstance(message, dict):
        return f"{index + 1} · not a message"
    title = f"{index + 1} · {ROLE_LABELS.get(role, role)}"
    if role == "tool":
        call_id = message.get("tool_call_id")
        if call_id is not None:
            name = call_names.get(str(call_id))
            title += f"  ← {name} ({call_id})" if name else f"  ← {call_id}"
        elif message.get("name"):
            title += f"  ← {message.get('name')}"
    elif message.get("name"):
        title += f"  ({message.get('name')})"
    return title


def finding_spans(findings: list[dict[str, Any]]) -> list[Span]:
    """The ranges of ``findings`` to highlight: PII in its type's colour, others by severity."""
    return [(int(f["start"]), int(f["end"]),
             PII_COLORS.get(f["code"], OTHER_COLOR) if f.get("kind") == "pii"
             else SEVERITY_COLORS.get(str(f.get("severity")), SEVERITY_COLORS["info"]),
             f"{f.get('kind')}:{f.get('code')}")
            for f in findings
            if isinstance(f.get("start"), int) and isinstance(f.get("end"), int)
            and f["end"] > f["start"]]


class MessageBubble(Card):
    """One message: a header (number, role, Edit), its text, and its tool calls."""

    edit_saved = Signal(int, str)
    edit_started = Signal(int)

    def __init__(self, index: int, message: Any, call_names: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.message = message
        is_dict = isinstance(message, dict)
        self.role = str(message.get("role")) if is_dict and message.get("role") is not None \
            else "?"
        content = message.get("content") if is_dict else None
        self.editable = self.role == "assistant" and isinstance(content, str)
        self.full_text = message_text(message) if is_dict else json.dumps(
            message, ensure_ascii=False)
        self.truncated = len(self.full_text) > DISPLAY_LIMIT
        self.spans: list[Span] = []
        self.editor: QPlainTextEdit | None = None

        self.setObjectName("bubble")
        self.setProperty("severity", "none")
        self.setProperty("selected", False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        role_name = ROLE_LABELS.get(self.role, self.role)
        self.setAccessibleName(f"Message {index + 1}, {role_name}")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(4)
        layout.addLayout(self._header(bubble_title(index, message, self.role, call_names)))
        self._add_text(layout, is_dict)

        self.editor_box = QWidget()
        self._editor_layout = QVBoxLayout(self.editor_box)
        self._editor_layout.setContentsMargins(0, 0, 0, 0)
        self.editor_box.hide()
        layout.addWidget(self.editor_box)

        if self._has_calls():
            for number, call in enumerate(message["tool_calls"], start=1):
                layout.addWidget(tool_call_card(index, number, call))
        if is_dict and self.role == "assistant" and message.get("function_call"):
            layout.addWidget(tool_call_card(index, 1, {"function": message["function_call"]}))
        self._recolor()

    def _has_calls(self) -> bool:
        calls = self.message.get("tool_calls") if isinstance(self.message, dict) else None
        return isinstance(calls, list) and bool(calls)

    def _header(self, title: str) -> QHBoxLayout:
        """The title, the finding count and (if editable) the Edit button, with F2."""
        header = QHBoxLayout()
        header.setSpacing(8)
        self.title = muted(title, bold=True, wrap=False)
        self.title.setObjectName("bubbleTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header.addWidget(self.title)
        self.finding_note = Pill()
        self.finding_note.setObjectName("bubbleFindings")
        self.finding_note.hide()
        header.addWidget(self.finding_note)
        header.addStretch(1)
        self.edit_button: QToolButton | None = None
        if self.editable:
            self.edit_button = QToolButton()
            self.edit_button.setText("Edit")
            self.edit_button.setToolTip("Edit this message (F2 or double-click)")
            self.edit_button.setAccessibleName(f"Edit message {self.index + 1}")
            self.edit_button.setAutoRaise(True)
            self.edit_button.clicked.connect(self.start_edit)
            header.addWidget(self.edit_button)
            shortcut = QShortcut(QKeySequence(Qt.Key.Key_F2), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.start_edit)
        return header

    def _add_text(self, layout: QVBoxLayout, is_dict: bool) -> None:
        """The message's text (or a placeholder), and "Show all" when it is truncated."""
        monospace = self.role == "tool" or not is_dict
        shown = self.full_text[:DISPLAY_LIMIT] if self.truncated else self.full_text
        self.text_view = ChatText(shown, monospace=monospace)
        if self.role in ("system", "tool"):
            set_role_color(self.text_view, QPalette.ColorRole.Text, blend(
                self.palette().color(QPalette.ColorRole.Text),
                self.palette().color(QPalette.ColorRole.Base), 0.25))
        self.text_view.setAccessibleName(f"Message {self.index + 1} text")
        self.text_view.double_clicked.connect(self._double_clicked)
        empty = not self.full_text
        has_calls = is_dict and self._has_calls()
        if empty and not self.editable:
            self.text_view.setPlainText("(no content)" if not has_calls else "")
            self.text_view.setProperty("placeholder", True)
            set_role_color(self.text_view, QPalette.ColorRole.Text, muted_color(self.palette()))
            font = self.text_view.font()
            font.setItalic(True)
            self.text_view.setFont(font)
        if empty and has_calls and not self.editable:
            self.text_view.hide()
        layout.addWidget(self.text_view)

        self.show_all: QPushButton | None = None
        if self.truncated:
            self.show_all = QPushButton(
                f"Show all {len(self.full_text):,} characters "
                f"(showing the first {DISPLAY_LIMIT:,})")
            self.show_all.setAccessibleName(f"Show all of message {self.index + 1}")
            self.show_all.clicked.connect(self.expand)
            layout.addWidget(self.show_all, 0, Qt.AlignmentFlag.AlignLeft)

    def _recolor(self) -> None:
        pal = self.palette()
        window = pal.color(QPalette.ColorRole.Window)
        base = pal.color(QPalette.ColorRole.Base)
        mid = pal.color(QPalette.ColorRole.Mid)
        accent = pal.color(QPalette.ColorRole.Highlight)
        fills = {"assistant": tint(accent, 0.10), "system": tint(mid, 0.10),
                 "tool": tint(mid, 0.16), "user": tint(window, 0.9)}
        self.fill = fills.get(self.role, tint(window, 0.6))
        self.border = tint(accent, 0.30) if self.role == "assistant" else tint(mid, 0.40)
        severity = self.property("severity")
        self.bar = QColor(SEVERITY_COLORS[severity]) if severity in SEVERITY_COLORS \
            else self.border
        selected = self.property("selected") or self.hasFocus()
        self.outline = accent if selected else None
        for box in self.findChildren(Card, options=Qt.FindChildOption.FindDirectChildrenOnly):
            box.fill, box.border, box.radius = tint(base, 0.55), tint(mid, 0.5), 6.0
        self.update()

    def focusInEvent(self, event: Any) -> None:
        super().focusInEvent(event)
        self._recolor()

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self._recolor()

    # -- highlights ----------------------------------------------------------------

    def set_findings(self, findings: list[dict[str, Any]]) -> None:
        """Mark the bubble with its worst open finding and highlight the spans."""
        open_ones = [f for f in findings if f.get("status", "open") == "open"]
        worst = min((SEVERITY_RANK.get(str(f.get("severity")), 2) for f in open_ones), default=None)
        self.setProperty("severity", _SEVERITY_NAMES[worst] if worst is not None else "none")
        if worst is not None:
            n = len(open_ones)
            self.finding_note.setText(f"{n} finding" + ("s" if n != 1 else ""))
            self.finding_note.setProperty("severity", _SEVERITY_NAMES[worst])
            self.finding_note.set_colors(tint(SEVERITY_COLORS[_SEVERITY_NAMES[worst]], 0.28))
            self.finding_note.show()
        else:
            self.finding_note.hide()
        self.spans = finding_spans(open_ones)
        self._apply_spans()
        self._recolor()

    def _apply_spans(self) -> None:
        if not self.text_view.property("placeholder"):
            mark_spans(self.text_view, self.spans)

    def select_span(self, start: int | None, end: int | None) -> int:
        """Select ``start..end`` in the text; the y of the span inside the bubble."""
        if start is None or end is None or self.text_view.isHidden():
            return 0
        rect = select_range(self.text_view, start, end)
        return self.text_view.mapTo(self, rect.topLeft()).y()

    def set_selected(self, selected: bool) -> None:
        """Show the bubble as the selected one (an outline), or not."""
        self.setProperty("selected", selected)
        self._recolor()

    def expand(self) -> None:
        """Show the whole message (after a "Show all" click)."""
        self.truncated = False
        self.text_view.setPlainText(self.full_text)
        self._apply_spans()
        if self.show_all is not None:
            self.show_all.hide()

    # -- editing -------------------------------------------------------------------

    @property
    def editing(self) -> bool:
        """Whether the editor is open."""
        return self.editor is not None

    def _double_clicked(self) -> None:
        if self.editable:
            QTimer.singleShot(0, self.start_edit)

    def start_edit(self) -> None:
        """Open the editor on the whole text (if the message is editable)."""
        if not self.editable or self.editor is not None:
            return
        panel = MessageEditor(self.full_text, self.index, self.text_view.height())
        panel.accepted.connect(self.save_edit)
        panel.rejected.connect(self.cancel_edit)
        self._editor_layout.addWidget(panel)
        self.editor = panel.text_edit
        self.text_view.hide()
        if self.show_all is not None:
            self.show_all.hide()
        if self.edit_button is not None:
            self.edit_button.setEnabled(False)
        self.editor_box.show()
        panel.focus_at_end()
        self.edit_started.emit(self.index)

    def _close_editor(self) -> None:
        while self._editor_layout.count():
            item = self._editor_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.editor = None
        self.editor_box.hide()
        self.text_view.show()
        if self.show_all is not None and self.truncated:
            self.show_all.show()
        if self.edit_button is not None:
            self.edit_button.setEnabled(True)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def save_edit(self) -> None:
        """Close the editor; a changed text replaces the shown one and is announced."""
        if self.editor is None:
            return
        text = self.editor.toPlainText()
        changed = text != self.full_text
        self._close_editor()
        if changed:
            self.full_text = text
            self.truncated = len(text) > DISPLAY_LIMIT
            self.spans = []  # offsets no longer hold; the next scan recomputes them
            self.text_view.setPlainText(text[:DISPLAY_LIMIT] if self.truncated else text)
            self.edit_saved.emit(self.index, text)

    def cancel_edit(self) -> None:
        """Close the editor, keeping the text as it was."""
        if self.editor is not None:
            self._close_editor()
