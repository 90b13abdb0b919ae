"""A tool call inside a message bubble: the function's name, id and pretty arguments."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout

from curator.app.chat_style import SEVERITY_COLORS, Card, set_role_color
from curator.app.chat_text import ChatText


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


def _heading(number: int, call: Any) -> tuple[str, str, bool]:
    """The card's heading, its arguments as shown, and whether they were valid JSON."""
    if not isinstance(call, dict):
        return f"Tool call {number}: not an object", json.dumps(call), False
    function = call.get("function")
    function = function if isinstance(function, dict) else {}
    name = function.get("name") or call.get("name") or "(no name)"
    head = f"→ {name}()"
    if call.get("id"):
        head += f"   · {call.get('id')}"
    body, valid = format_arguments(function.get("arguments", call.get("arguments")))
    return head, body, valid


def tool_call_card(message_index: int, number: int, call: Any) -> Card:
    """A card for call ``number`` (1-based) of message ``message_index`` (0-based)."""
    box = Card()
    box.setObjectName("toolCall")
    lay = QVBoxLayout(box)
    lay.setContentsMargins(8, 6, 8, 6)
    lay.setSpacing(2)
    head, body, valid = _heading(number, call)
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
        set_role_color(warn, QPalette.ColorRole.WindowText, QColor(SEVERITY_COLORS["error"]))
        warn.setWordWrap(True)
        lay.addWidget(warn)
    args = ChatText(body or "(no arguments)", monospace=True)
    args.setObjectName("toolCallArgs")
    args.setAccessibleName(f"Message {message_index + 1}, tool call {number} arguments")
    lay.addWidget(args)
    box.setAccessibleName(f"Tool call {number}: {head}")
    return box
