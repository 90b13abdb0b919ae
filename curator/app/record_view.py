"""The record view: one record as chat bubbles, its findings, and in-place editing.

``RecordView.show_record(detail)`` takes the dict :func:`curator.core.store.browse.record_detail`
returns. Each message is a real widget (a :class:`MessageBubble`), so a finding can scroll
to it, its spans can be highlighted inside it, and an assistant message can be edited in
place. The view never writes to the project: a saved edit is announced with
``message_edited(index, text)`` and the main window turns it into an undoable revision.

Colours come from the palette (with alpha tints) so the view reads well in light and dark
mode; only the semantic colours (severity, review state) are fixed hues.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTextBrowser,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from curator.app.pii_view import OTHER_COLOR, PII_COLORS

#: Characters of one message shown before a "Show all" button (keeps layout fast).
DISPLAY_LIMIT = 200_000

FINDING_ACTIONS = (
    ("dismiss", "Dismiss", "Not a problem here: close this finding (it stays closed when "
                           "the project is checked again)."),
    ("confirm", "Confirm", "Real personal data: keep it open so export redacts or "
                           "excludes it."),
    ("allow", "Allow everywhere", "Add this text to the allow-list: never flag it again."),
    ("redact", "Redact", "Replace the text by its type (e.g. <PERSON>) as a new revision."),
    ("reopen", "Reopen", "Open this finding again."),
)
SEVERITY_COLORS = {"error": "#d64541", "warning": "#e0a106", "info": "#3b82c4"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
REVIEW_COLORS = {  # background, text
    "unreviewed": ("#8a8f98", "#ffffff"),
    "accepted": ("#2e8b57", "#ffffff"),
    "rejected": ("#c0392b", "#ffffff"),
    "needs-edit": ("#e0a106", "#1f1f1f"),
}
REVIEW_LABELS = {"unreviewed": "Unreviewed", "accepted": "Accepted", "rejected": "Rejected",
                 "needs-edit": "Needs edit"}
ROLE_LABELS = {"system": "System", "user": "User", "assistant": "Assistant", "tool": "Tool",
               "function": "Function", "developer": "Developer"}
_COLUMN = re.compile(r"(?:line (\d+),? )?column (\d+)", re.IGNORECASE)


def _mono() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def _blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way to ``b``."""
    return QColor(round(a.red() + (b.red() - a.red()) * t),
                  round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


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
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                pieces.append(part["text"])
            elif isinstance(part, dict) and part.get("type") == "image_url":
                url = part.get("image_url")
                url = url.get("url") if isinstance(url, dict) else url
                url = str(url or "")
                if url.startswith("data:"):
                    url = url[:url.find(",")] + ",…" if "," in url else url[:40] + "…"
                elif len(url) > 120:
                    url = url[:117] + "…"
                pieces.append(f"[image: {url}]")
            elif isinstance(part, str):
                pieces.append(part)
            else:
                pieces.append(json.dumps(part, ensure_ascii=False))
        return "\n".join(pieces)
    return json.dumps(content, ensure_ascii=False, indent=2)


def format_arguments(arguments: Any) -> tuple[str, bool]:
    """Tool-call arguments pretty-printed, and whether they were valid JSON."""
    if isinstance(arguments, str):
        try:
            value = json.loads(arguments)
        except (ValueError, RecursionError):
            return arguments, False
        return json.dumps(value, ensure_ascii=False, indent=2), True
    if arguments is None:
        return "", True
    return json.dumps(arguments, ensure_ascii=False, indent=2), True


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


def _muted(palette: QPalette) -> QColor:
    text = palette.color(QPalette.ColorRole.WindowText)
    muted = palette.color(QPalette.ColorRole.PlaceholderText)
    if not muted.isValid() or muted == text:
        muted = _blend(text, palette.color(QPalette.ColorRole.Window), 0.45)
    return muted


def _tint(color: QColor | str, alpha: float) -> QColor:
    tinted = QColor(color)
    tinted.setAlphaF(alpha)
    return tinted


def _set_role_color(widget: QWidget, role: QPalette.ColorRole, color: QColor) -> None:
    palette = widget.palette()
    palette.setColor(role, color)
    widget.setPalette(palette)
    if role == QPalette.ColorRole.WindowText:  # else a Base background implies Text
        widget.setForegroundRole(role)


def _muted_label(text: str = "", bold: bool = False) -> QLabel:
    """A label in the palette's placeholder (muted) colour; follows palette changes."""
    label = QLabel(text)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


class Pill(QLabel):
    """A label on a rounded, coloured background (review badge, finding count)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.fill = QColor(0, 0, 0, 0)
        self.setContentsMargins(9, 1, 9, 1)
        font = self.font()
        font.setBold(True)
        self.setFont(font)

    def set_colors(self, fill: QColor, text: QColor | None = None) -> None:
        self.fill = fill
        if text is not None:
            _set_role_color(self, QPalette.ColorRole.WindowText, text)
        self.update()

    def paintEvent(self, event: Any) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.fill)
        rect = QRectF(self.rect())
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        painter.end()
        super().paintEvent(event)


class Card(QFrame):
    """A rounded box painted from the palette: fill, border, optional accent bar on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fill: QColor | None = None
        self.border: QColor | None = None
        self.bar: QColor | None = None
        self.outline: QColor | None = None  # a thicker border (selection, focus)
        self.radius = 8.0

    def paintEvent(self, event: Any) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        path = QPainterPath()
        path.addRoundedRect(rect, self.radius, self.radius)
        if self.fill is not None:
            painter.fillPath(path, self.fill)
        if self.bar is not None:
            painter.save()
            painter.setClipPath(path)
            painter.fillRect(QRectF(rect.left(), rect.top(), 4, rect.height()), self.bar)
            painter.restore()
        line = self.outline or self.border
        if line is not None:
            painter.setPen(QPen(line, 2 if self.outline is not None else 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        painter.end()


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
        _set_role_color(self, QPalette.ColorRole.Base, QColor(0, 0, 0, 0))
        self.document().setDocumentMargin(2)
        if monospace:
            self.document().setDefaultFont(_mono())
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

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit()

    def wheelEvent(self, event: Any) -> None:  # noqa: N802 - let the page scroll
        event.ignore()

    def mouseDoubleClickEvent(self, event: Any) -> None:  # noqa: N802
        self.double_clicked.emit()
        super().mouseDoubleClickEvent(event)


class _EditKeys(QObject):
    """Ctrl+Return saves and Esc cancels in the message editor, before any shortcut."""

    def __init__(self, bubble: MessageBubble) -> None:
        super().__init__(bubble)
        self.bubble = bubble

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            key = event.key()  # type: ignore[attr-defined]
            mods = event.modifiers()  # type: ignore[attr-defined]
            save = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and bool(
                mods & Qt.KeyboardModifier.ControlModifier)
            cancel = key == Qt.Key.Key_Escape
            if save or cancel:
                if kind == QEvent.Type.ShortcutOverride:
                    event.accept()
                    return True
                if save:
                    self.bubble.save_edit()
                else:
                    self.bubble.cancel_edit()
                return True
        return False


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
        self.spans: list[tuple[int, int, str]] = []
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

        header = QHBoxLayout()
        header.setSpacing(8)
        title = f"{index + 1} · {role_name}"
        if not is_dict:
            title = f"{index + 1} · not a message"
        elif self.role == "tool":
            call_id = message.get("tool_call_id")
            if call_id is not None:
                name = call_names.get(str(call_id))
                title += f"  ← {name} ({call_id})" if name else f"  ← {call_id}"
            elif message.get("name"):
                title += f"  ← {message.get('name')}"
        elif message.get("name") and self.role != "tool":
            title += f"  ({message.get('name')})"
        self.title = _muted_label(title, bold=True)
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
            self.edit_button.setAccessibleName(f"Edit message {index + 1}")
            self.edit_button.setAutoRaise(True)
            self.edit_button.clicked.connect(self.start_edit)
            header.addWidget(self.edit_button)
            shortcut = QShortcut(QKeySequence(Qt.Key.Key_F2), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.start_edit)
        layout.addLayout(header)

        monospace = self.role == "tool" or not is_dict
        shown = self.full_text[:DISPLAY_LIMIT] if self.truncated else self.full_text
        self.text_view = ChatText(shown, monospace=monospace)
        if self.role in ("system", "tool"):
            _set_role_color(self.text_view, QPalette.ColorRole.Text, _blend(
                self.palette().color(QPalette.ColorRole.Text),
                self.palette().color(QPalette.ColorRole.Base), 0.25))
        self.text_view.setAccessibleName(f"Message {index + 1} text")
        self.text_view.double_clicked.connect(self._double_clicked)
        empty = not self.full_text
        has_calls = is_dict and isinstance(message.get("tool_calls"), list) and \
            bool(message.get("tool_calls"))
        if empty and not self.editable:
            self.text_view.setPlainText("(no content)" if not has_calls else "")
            self.text_view.setProperty("placeholder", True)
            _set_role_color(self.text_view, QPalette.ColorRole.Text, _muted(self.palette()))
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
            self.show_all.setAccessibleName(f"Show all of message {index + 1}")
            self.show_all.clicked.connect(self.expand)
            layout.addWidget(self.show_all, 0, Qt.AlignmentFlag.AlignLeft)

        self.editor_box = QWidget()
        edit_layout = QVBoxLayout(self.editor_box)
        edit_layout.setContentsMargins(0, 0, 0, 0)
        self.editor_box.hide()
        layout.addWidget(self.editor_box)

        if has_calls:
            for number, call in enumerate(message["tool_calls"], start=1):
                layout.addWidget(self._tool_call(number, call))
        if is_dict and self.role == "assistant" and message.get("function_call"):
            layout.addWidget(self._tool_call(1, {"function": message["function_call"]}))
        self._recolor()

    def _recolor(self) -> None:
        pal = self.palette()
        window = pal.color(QPalette.ColorRole.Window)
        base = pal.color(QPalette.ColorRole.Base)
        mid = pal.color(QPalette.ColorRole.Mid)
        accent = pal.color(QPalette.ColorRole.Highlight)
        fills = {"assistant": _tint(accent, 0.10), "system": _tint(mid, 0.10),
                 "tool": _tint(mid, 0.16), "user": _tint(window, 0.9)}
        self.fill = fills.get(self.role, _tint(window, 0.6))
        self.border = _tint(accent, 0.30) if self.role == "assistant" else _tint(mid, 0.40)
        severity = self.property("severity")
        self.bar = QColor(SEVERITY_COLORS[severity]) if severity in SEVERITY_COLORS \
            else self.border
        selected = self.property("selected") or self.hasFocus()
        self.outline = accent if selected else None
        for box in self.findChildren(Card, options=Qt.FindChildOption.FindDirectChildrenOnly):
            box.fill, box.border, box.radius = _tint(base, 0.55), _tint(mid, 0.5), 6.0
        self.update()

    def focusInEvent(self, event: Any) -> None:  # noqa: N802
        super().focusInEvent(event)
        self._recolor()

    def focusOutEvent(self, event: Any) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self._recolor()

    # -- parts ---------------------------------------------------------------------

    def _tool_call(self, number: int, call: Any) -> QFrame:
        box = Card()
        box.setObjectName("toolCall")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(2)
        if not isinstance(call, dict):
            head, body, valid = f"Tool call {number}: not an object", json.dumps(call), False
        else:
            function = call.get("function")
            function = function if isinstance(function, dict) else {}
            name = function.get("name") or call.get("name") or "(no name)"
            head = f"→ {name}()"
            if call.get("id"):
                head += f"   · {call.get('id')}"
            body, valid = format_arguments(function.get("arguments", call.get("arguments")))
        label = QLabel(head)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        label.setObjectName("toolCallName")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(label)
        if not valid:
            warn = QLabel("Arguments are not valid JSON; shown as written:")
            warn.setObjectName("toolCallWarning")
            _set_role_color(warn, QPalette.ColorRole.WindowText, QColor(SEVERITY_COLORS["error"]))
            warn.setWordWrap(True)
            lay.addWidget(warn)
        args = ChatText(body or "(no arguments)", monospace=True)
        args.setObjectName("toolCallArgs")
        args.setAccessibleName(f"Message {self.index + 1}, tool call {number} arguments")
        lay.addWidget(args)
        box.setAccessibleName(f"Tool call {number}: {head}")
        return box

    # -- highlights ----------------------------------------------------------------

    def set_findings(self, findings: list[dict[str, Any]]) -> None:
        """Mark the bubble with its worst open finding and highlight the spans."""
        open_ones = [f for f in findings if f.get("status", "open") == "open"]
        worst = min((SEVERITY_RANK.get(f.get("severity"), 2) for f in open_ones), default=None)
        names = {0: "error", 1: "warning", 2: "info"}
        self.setProperty("severity", names[worst] if worst is not None else "none")
        if open_ones:
            n = len(open_ones)
            self.finding_note.setText(f"{n} finding" + ("s" if n != 1 else ""))
            self.finding_note.setProperty("severity", names[worst])
            self.finding_note.set_colors(_tint(SEVERITY_COLORS[names[worst]], 0.28))
            self.finding_note.show()
        else:
            self.finding_note.hide()
        # PII spans in their type's colour (as in the PII queue), others by severity
        self.spans = [(int(f["start"]), int(f["end"]),
                       PII_COLORS.get(f["code"], OTHER_COLOR) if f.get("kind") == "pii"
                       else SEVERITY_COLORS.get(str(f.get("severity")), SEVERITY_COLORS["info"]),
                       f"{f.get('kind')}:{f.get('code')}")
                      for f in open_ones
                      if isinstance(f.get("start"), int) and isinstance(f.get("end"), int)
                      and f["end"] > f["start"]]
        self._apply_spans()
        self._recolor()

    def _apply_spans(self) -> None:
        if self.text_view.property("placeholder"):
            return
        doc = self.text_view.document()
        length = doc.characterCount() - 1
        for start, end, color_name, tag in self.spans:
            if start >= length:
                continue
            color = QColor(color_name)
            color.setAlphaF(0.35)
            fmt = QTextCharFormat()
            fmt.setBackground(color)
            fmt.setProperty(QTextFormat.Property.UserProperty, tag)
            cursor = QTextCursor(doc)
            cursor.setPosition(start)
            cursor.setPosition(min(end, length), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(fmt)

    def select_span(self, start: int | None, end: int | None) -> int:
        """Select ``start..end`` in the text; the y of the span inside the bubble."""
        if start is None or end is None or self.text_view.isHidden():
            return 0
        length = self.text_view.document().characterCount() - 1
        cursor = QTextCursor(self.text_view.document())
        cursor.setPosition(min(start, length))
        cursor.setPosition(min(max(end, start), length), QTextCursor.MoveMode.KeepAnchor)
        self.text_view.setTextCursor(cursor)
        rect = self.text_view.cursorRect(cursor)
        return self.text_view.mapTo(self, rect.topLeft()).y()

    def set_selected(self, selected: bool) -> None:
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
        return self.editor is not None

    def _double_clicked(self) -> None:
        if self.editable:
            QTimer.singleShot(0, self.start_edit)

    def start_edit(self) -> None:
        if not self.editable or self.editor is not None:
            return
        layout = self.editor_box.layout()
        self.editor = QPlainTextEdit(self.full_text)
        self.editor.setObjectName("messageEditor")
        self.editor.setAccessibleName(f"Editing message {self.index + 1}")
        self.editor.setTabChangesFocus(True)
        lines = self.full_text.count("\n") + 1
        line_height = self.editor.fontMetrics().lineSpacing()
        height = max(self.text_view.height(), min(lines, 30) * line_height) + 16
        self.editor.setMinimumHeight(min(max(height, 4 * line_height), 600))
        self.editor.installEventFilter(_EditKeys(self))
        buttons = QHBoxLayout()
        hint = _muted_label("Ctrl+Return to save, Esc to cancel")
        hint.setObjectName("editHint")
        save = QPushButton("Save")
        save.setAccessibleName(f"Save message {self.index + 1}")
        save.clicked.connect(self.save_edit)
        cancel = QPushButton("Cancel")
        cancel.setAccessibleName(f"Cancel editing message {self.index + 1}")
        cancel.clicked.connect(self.cancel_edit)
        buttons.addWidget(hint)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(save)
        layout.addWidget(self.editor)
        layout.addLayout(buttons)
        self.text_view.hide()
        if self.show_all is not None:
            self.show_all.hide()
        if self.edit_button is not None:
            self.edit_button.setEnabled(False)
        self.editor_box.show()
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        cursor = self.editor.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self.editor.setTextCursor(cursor)
        self.edit_started.emit(self.index)

    def _close_editor(self) -> None:
        layout = self.editor_box.layout()
        while layout.count():
            item = layout.takeAt(0)
            self._dispose(item)
        self.editor = None
        self.editor_box.hide()
        self.text_view.show()
        if self.show_all is not None and self.truncated:
            self.show_all.show()
        if self.edit_button is not None:
            self.edit_button.setEnabled(True)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _dispose(item: Any) -> None:
        if item.widget() is not None:
            item.widget().deleteLater()
        elif item.layout() is not None:
            while item.layout().count():
                MessageBubble._dispose(item.layout().takeAt(0))

    def save_edit(self) -> None:
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
        if self.editor is not None:
            self._close_editor()


class RecordView(QWidget):
    """One record for review: header, conversation bubbles, findings; edits by signal."""

    #: (message index, new text) when the reviewer saves an edited assistant message.
    message_edited = Signal(int, str)
    #: (action, [finding]) for the finding chosen in the list: dismiss, confirm, allow,
    #: redact or reopen (the main window carries it out, undoably).
    finding_action = Signal(str, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: dict[str, Any] | None = None
        #: No editing (an annotation pack: only labels change there).
        self.read_only = False
        self.bubbles: list[MessageBubble] = []
        self.selected_message: int | None = None
        self._palette_key: int | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        # header
        self.header = QFrame()
        self.header.setFrameShape(QFrame.Shape.NoFrame)
        self.header.setObjectName("recordHeader")
        self.header.setAccessibleName("Record header")
        head = QHBoxLayout(self.header)
        head.setContentsMargins(12, 8, 12, 8)
        head.setSpacing(10)
        self.key_label = QLabel()
        font = self.key_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.key_label.setFont(font)
        self.key_label.setObjectName("recordKey")
        self.key_label.setAccessibleName("Record key")
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.review_badge = Pill()
        self.review_badge.setObjectName("reviewBadge")
        self.review_badge.setAccessibleName("Review state")
        self.meta_label = _muted_label()
        self.meta_label.setObjectName("recordMeta")
        self.meta_label.setAccessibleName("Record details")
        self.meta_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head.addWidget(self.key_label)
        head.addWidget(self.review_badge)
        head.addStretch(1)
        head.addWidget(self.meta_label)
        outer.addWidget(self.header)
        rule = QWidget()  # a hairline in the palette's Mid colour
        rule.setFixedHeight(1)
        rule.setBackgroundRole(QPalette.ColorRole.Mid)
        rule.setAutoFillBackground(True)
        outer.addWidget(rule)

        # body: conversation (or raw line) above, findings below
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.stack = QStackedWidget()

        self.empty_label = _muted_label("Select a record to see it here.")
        self.empty_label.setObjectName("emptyLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setAccessibleName("No record")
        self.stack.addWidget(self.empty_label)

        self.scroll = QScrollArea()
        self.scroll.setObjectName("conversationScroll")
        self.scroll.setAccessibleName("Conversation")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._new_conversation()
        self.stack.addWidget(self.scroll)

        self.invalid_page = QWidget()
        self.invalid_page.setAccessibleName("Invalid record")
        inv = QVBoxLayout(self.invalid_page)
        inv.setContentsMargins(12, 10, 12, 10)
        inv.setSpacing(8)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorBanner")
        self.error_label.setContentsMargins(14, 8, 10, 8)
        font = self.error_label.font()
        font.setBold(True)
        self.error_label.setFont(font)
        self.error_card = Card()
        self.error_card.fill = _tint(SEVERITY_COLORS["error"], 0.12)
        self.error_card.border = self.error_card.bar = QColor(SEVERITY_COLORS["error"])
        self.error_card.radius = 6.0
        card_layout = QVBoxLayout(self.error_card)
        card_layout.setContentsMargins(0, 0, 0, 0)
        card_layout.addWidget(self.error_label)
        self.error_label.setAccessibleName("Error")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.raw_caption = _muted_label("The line as it is in the file:", bold=True)
        self.raw_caption.setObjectName("rawCaption")
        self.raw_view = QPlainTextEdit()
        self.raw_view.setObjectName("rawView")
        self.raw_view.setAccessibleName("Raw line")
        self.raw_view.setReadOnly(True)
        self.raw_view.setFont(_mono())
        self.raw_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.raw_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                              | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.error_offset: int | None = None
        inv.addWidget(self.error_card)
        inv.addWidget(self.raw_caption)
        inv.addWidget(self.raw_view, 1)
        self.stack.addWidget(self.invalid_page)
        self.splitter.addWidget(self.stack)

        self.findings_box = QWidget()
        fbox = QVBoxLayout(self.findings_box)
        fbox.setContentsMargins(12, 4, 12, 8)
        fbox.setSpacing(4)
        self.findings_title = _muted_label("Findings", bold=True)
        self.findings_title.setObjectName("findingsTitle")
        self.findings = QListWidget()
        self.findings.setObjectName("findingsList")
        self.findings.setAccessibleName("Findings")
        self.findings.setWordWrap(True)
        self.findings.setUniformItemSizes(False)
        self.findings.setAlternatingRowColors(False)
        self.findings.currentItemChanged.connect(lambda item, _prev: self._finding_chosen(item))
        self.findings.itemClicked.connect(self._finding_chosen)
        self.findings.itemActivated.connect(self._finding_chosen)
        self.findings_title.setBuddy(self.findings)
        fbox.addWidget(self.findings_title)
        fbox.addWidget(self.findings, 1)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.finding_buttons: dict[str, QPushButton] = {}
        for name, label, tip in FINDING_ACTIONS:
            button = QPushButton(label)
            button.setToolTip(tip)
            button.setAccessibleName(f"{label} finding")
            button.clicked.connect(lambda _=False, n=name: self._finding_action(n))
            actions.addWidget(button)
            self.finding_buttons[name] = button
        actions.addStretch(1)
        fbox.addLayout(actions)
        self.findings.currentItemChanged.connect(lambda *_: self._update_finding_buttons())
        self.splitter.addWidget(self.findings_box)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([520, 140])
        outer.addWidget(self.splitter, 1)

        self._palette_key = self.palette().cacheKey()
        self.clear()

    # -- public ----------------------------------------------------------------------

    def clear(self) -> None:
        """Show nothing (no record selected)."""
        self.detail = None
        self._clear_bubbles()
        self.header.hide()
        self.findings.clear()
        self.findings_box.hide()
        self.raw_view.clear()
        self.error_offset = None
        self.stack.setCurrentWidget(self.empty_label)

    def show_record(self, detail: dict[str, Any]) -> None:
        """Show one record (a :func:`~curator.core.store.browse.record_detail` dict)."""
        same = self.detail is not None and self.detail.get("id") == detail.get("id")
        position = self.scroll.verticalScrollBar().value() if same else 0
        self.detail = detail
        self._clear_bubbles()
        self._show_header(detail)
        conversation = detail.get("conversation")
        if detail.get("valid", True) and isinstance(conversation, dict):
            # build off-screen, then swap in: one layout pass instead of one per bubble
            self._show_conversation(conversation, detail.get("findings") or [])
            self.conversation.resize(self.scroll.viewport().width(), 10)
            self.scroll.setWidget(self.conversation)
            self.stack.setCurrentWidget(self.scroll)
        else:
            self._show_invalid(detail)
            self.stack.setCurrentWidget(self.invalid_page)
        self._show_findings(detail.get("findings") or [])
        self.scroll.verticalScrollBar().setValue(position)
        if same:  # re-shown after an edit: keep the reader where they were
            QTimer.singleShot(0, lambda: self.scroll.verticalScrollBar().setValue(position))

    def bubble(self, index: int) -> MessageBubble | None:
        """The bubble of message ``index`` (0-based), if shown."""
        for bubble in self.bubbles:
            if bubble.index == index:
                return bubble
        return None

    def scroll_to_message(self, index: int, start: int | None = None,
                          end: int | None = None) -> None:
        """Scroll to message ``index``, select it, and select ``start..end`` inside it."""
        bubble = self.bubble(index)
        if bubble is None:
            return
        previous = self.bubble(self.selected_message) \
            if self.selected_message is not None else None
        if previous is not None:
            previous.set_selected(False)
        self.selected_message = index
        bubble.set_selected(True)
        self.conversation.layout().activate()
        y = bubble.select_span(start, end)
        if start is not None and y:
            self.scroll.ensureVisible(0, bubble.mapTo(self.conversation, bubble.rect().topLeft()
                                                      ).y() + y, 0, 60)
        else:
            self.scroll.ensureWidgetVisible(bubble, 0, 10)
            # a tall bubble: show its start, not its end
            top = bubble.mapTo(self.conversation, bubble.rect().topLeft()).y()
            bar = self.scroll.verticalScrollBar()
            if bubble.height() > self.scroll.viewport().height():
                bar.setValue(top - 10)

    def start_edit(self, index: int) -> bool:
        """Open the editor on message ``index`` if it is editable."""
        bubble = self.bubble(index)
        if bubble is None or not bubble.editable:
            return False
        self.scroll_to_message(index)
        bubble.start_edit()
        return True

    # -- building ----------------------------------------------------------------------

    def _new_conversation(self) -> None:
        """A fresh, unparented container for bubbles (set into the scroll area once built)."""
        self.conversation = QWidget()
        self.conversation.setObjectName("conversation")
        self.conversation.setBackgroundRole(QPalette.ColorRole.Base)
        self.conversation.setAutoFillBackground(True)
        self.conv_layout = QVBoxLayout(self.conversation)
        self.conv_layout.setContentsMargins(12, 10, 12, 10)
        self.conv_layout.setSpacing(10)
        self.conv_layout.addStretch(1)

    def _clear_bubbles(self) -> None:
        self.selected_message = None
        self.bubbles = []
        old = self.scroll.takeWidget()
        if old is not None:
            old.hide()
            old.deleteLater()
        if self.conversation is not old:
            self.conversation.deleteLater()
        self._new_conversation()
        self.scroll.setWidget(self._placeholder())

    def _placeholder(self) -> QWidget:
        blank = QWidget()
        blank.setBackgroundRole(QPalette.ColorRole.Base)
        blank.setAutoFillBackground(True)
        return blank

    def _show_header(self, detail: dict[str, Any]) -> None:
        self.header.show()
        key = detail.get("key")
        self.key_label.setText(str(key) if key not in (None, "") else f"Record {detail.get('id')}")
        review = detail.get("review") or "unreviewed"
        self.review_badge.setText(REVIEW_LABELS.get(review, review))
        self.review_badge.setProperty("review", review)
        self.review_badge.setAccessibleDescription(f"Review state: {review}")
        fill, ink = REVIEW_COLORS.get(review, REVIEW_COLORS["unreviewed"])
        self.review_badge.set_colors(QColor(fill), QColor(ink))
        parts = []
        if detail.get("source"):
            where = str(detail["source"])
            if detail.get("line") is not None:
                where += f", line {detail['line']}"
            if detail.get("item") is not None:
                where += f", item {detail['item']}"
            parts.append(where)
        if detail.get("format"):
            parts.append(str(detail["format"]))
        if detail.get("tokens") is not None:
            parts.append(f"{detail['tokens']:,} tokens")
        if (detail.get("revision") or 0) > 0:
            parts.append(f"revision {detail['revision']}")
        self.meta_label.setText("  ·  ".join(parts))

    def _show_conversation(self, conversation: dict[str, Any],
                           findings: list[dict[str, Any]]) -> None:
        messages = conversation.get("messages")
        messages = messages if isinstance(messages, list) else []
        call_names: dict[str, str] = {}
        for message in messages:
            if isinstance(message, dict) and isinstance(message.get("tool_calls"), list):
                for call in message["tool_calls"]:
                    if isinstance(call, dict) and call.get("id") is not None:
                        function = call.get("function")
                        if isinstance(function, dict) and function.get("name"):
                            call_names[str(call["id"])] = str(function["name"])
        by_message: dict[int, list[dict[str, Any]]] = {}
        for finding in findings:
            if isinstance(finding.get("message"), int):
                by_message.setdefault(finding["message"], []).append(finding)

        tools = conversation.get("tools")
        if isinstance(tools, list) and tools:
            self._add_row(self._tools_note(tools), "full")
        for index, message in enumerate(messages):
            bubble = MessageBubble(index, message, call_names)
            if self.read_only and bubble.editable:
                bubble.editable = False
                if bubble.edit_button is not None:
                    bubble.edit_button.hide()
            bubble.edit_saved.connect(self.message_edited)
            bubble.set_findings(by_message.get(index, []))
            self.bubbles.append(bubble)
            role = bubble.role
            self._add_row(bubble, "left" if role == "user" else
                          "right" if role == "assistant" else "full")
        for key, label in (("preferred_output", "Preferred output"),
                           ("non_preferred_output", "Non-preferred output")):
            outputs = conversation.get(key)
            if isinstance(outputs, list) and outputs:
                caption = _muted_label(label, bold=True)
                caption.setObjectName("sectionCaption")
                self._add_row(caption, "full")
                for message in outputs:
                    bubble = MessageBubble(-1, message, call_names)
                    bubble.editable = False
                    if bubble.edit_button is not None:
                        bubble.edit_button.hide()
                    bubble.title.setText(f"{label} · {ROLE_LABELS.get(bubble.role, bubble.role)}")
                    self._add_row(bubble, "right")
        if not messages:
            note = _muted_label("This record has no messages.")
            note.setObjectName("emptyLabel")
            self._add_row(note, "full")

    def _tools_note(self, tools: list[Any]) -> QLabel:
        names = []
        for tool in tools:
            function = tool.get("function") if isinstance(tool, dict) else None
            name = function.get("name") if isinstance(function, dict) else None
            names.append(str(name) if name else "?")
        label = _muted_label(f"Tools offered ({len(tools)}): " + ", ".join(names))
        label.setObjectName("toolsNote")
        label.setWordWrap(True)
        label.setToolTip(json.dumps(tools, ensure_ascii=False, indent=2)[:5000])
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName("Tools offered")
        return label

    def _add_row(self, widget: QWidget, side: str) -> None:
        row = QHBoxLayout()
        row.setSpacing(0)
        if side == "left":
            row.addWidget(widget, 6)
            row.addStretch(1)
        elif side == "right":
            row.addStretch(1)
            row.addWidget(widget, 6)
        else:
            row.addWidget(widget)
        self.conv_layout.insertLayout(self.conv_layout.count() - 1, row)

    def _show_invalid(self, detail: dict[str, Any]) -> None:
        error = detail.get("error") or "This record could not be read."
        self.error_label.setText(error)
        raw = detail.get("raw") or b""
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes | bytearray) \
            else str(raw)
        self.raw_view.setPlainText(text)
        self.error_offset = error_position(error, text, detail.get("line"))
        selections = []
        if self.error_offset is not None and text:
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.raw_view.document())
            cursor.setPosition(self.error_offset)
            cursor.setPosition(self.error_offset + 1, QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            color = QColor(SEVERITY_COLORS["error"])
            color.setAlphaF(0.55)
            fmt.setBackground(color)
            fmt.setFontUnderline(True)
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(SEVERITY_COLORS["error"]))
            selection.cursor = cursor
            selection.format = fmt
            selections.append(selection)
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

    def _show_findings(self, findings: list[dict[str, Any]]) -> None:
        self.findings.blockSignals(True)
        self.findings.clear()
        style = self.style()
        icons = {"error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                 "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
                 "info": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)}
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        open_count = 0
        for finding in findings:
            severity = finding.get("severity") or "info"
            where = (f"message {finding['message'] + 1}"
                     if isinstance(finding.get("message"), int) else "record")
            text = f"{finding.get('code', '')} — {finding.get('description', '')}"
            status = finding.get("status") or "open"
            suffix = f"  [{where}]" + ("" if status == "open" else f"  ({status})")
            item = QListWidgetItem(icons.get(severity, icons["info"]), text + suffix)
            item.setData(Qt.ItemDataRole.UserRole, finding)
            item.setToolTip(f"{severity}: {finding.get('description', '')}")
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"{severity}, {where}: {finding.get('code')}, "
                         f"{finding.get('description')}")
            if status != "open":
                item.setForeground(muted)
            else:
                open_count += 1
            self.findings.addItem(item)
        self.findings.blockSignals(False)
        total = len(findings)
        self.findings_title.setText(
            f"Findings ({open_count} open)" if open_count == total
            else f"Findings ({open_count} open, {total - open_count} closed)")
        self.findings_box.setVisible(bool(findings))
        self._update_finding_buttons()

    def select_finding(self, finding_id: int) -> bool:
        """Choose a finding in the list (and show its span); False if it is not here."""
        for row in range(self.findings.count()):
            data = self.findings.item(row).data(Qt.ItemDataRole.UserRole) or {}
            if data.get("id") == finding_id:
                self.findings.setCurrentRow(row)
                self._finding_chosen(self.findings.item(row))
                return True
        return False

    def chosen_finding(self) -> dict[str, Any] | None:
        item = self.findings.currentItem()
        if item is None or self.detail is None:
            return None
        finding = dict(item.data(Qt.ItemDataRole.UserRole) or {})
        finding["record_id"] = self.detail["id"]
        return finding

    def _update_finding_buttons(self) -> None:
        finding = self.chosen_finding()
        is_open = finding is not None and finding.get("status", "open") == "open"
        is_pii = finding is not None and finding.get("kind") == "pii"
        self.finding_buttons["dismiss"].setEnabled(is_open and finding is not None
                                                   and finding.get("id") is not None)
        self.finding_buttons["confirm"].setEnabled(is_open and is_pii)
        self.finding_buttons["allow"].setEnabled(is_open and is_pii)
        self.finding_buttons["redact"].setEnabled(is_open and is_pii)
        self.finding_buttons["reopen"].setEnabled(finding is not None and not is_open)
        for name in ("confirm", "allow", "redact"):
            self.finding_buttons[name].setVisible(is_pii)

    def _finding_action(self, name: str) -> None:
        finding = self.chosen_finding()
        if finding is not None and self.finding_buttons[name].isEnabled():
            self.finding_action.emit(name, [finding])

    def _finding_chosen(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        finding = item.data(Qt.ItemDataRole.UserRole) or {}
        index = finding.get("message")
        if isinstance(index, int) and self.stack.currentWidget() is self.scroll:
            self.scroll_to_message(index, finding.get("start"), finding.get("end"))
        elif self.stack.currentWidget() is self.scroll:
            self.scroll.verticalScrollBar().setValue(0)

    # -- style ---------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            key = self.palette().cacheKey()
            if key != self._palette_key:  # light/dark switch: repaint with new tints
                self._palette_key = key
                if self.detail is not None and not any(b.editing for b in self.bubbles):
                    self.show_record(self.detail)
