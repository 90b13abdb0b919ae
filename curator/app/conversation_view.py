"""One conversation as a scrollable column of message bubbles (users left, assistants right).

The view never writes to the project: a saved edit is announced with
``message_edited(index, text)``.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from curator.app.message_bubble import MessageBubble
from curator.app.preference_view import AnswerColumns
from curator.app.widgets import muted
from curator.core import preference


def tool_call_names(messages: list[Any]) -> dict[str, str]:
    """The function name of every tool call with an id, by id (to title the replies)."""
    call_names: dict[str, str] = {}
    for message in messages:
        if isinstance(message, dict) and isinstance(message.get("tool_calls"), list):
            for call in message["tool_calls"]:
                if isinstance(call, dict) and call.get("id") is not None:
                    function = call.get("function")
                    if isinstance(function, dict) and function.get("name"):
                        call_names[str(call["id"])] = str(function["name"])
    return call_names


def findings_by_message(findings: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """The findings that point at a message, by its index."""
    by_message: dict[int, list[dict[str, Any]]] = {}
    for finding in findings:
        if isinstance(finding.get("message"), int):
            by_message.setdefault(finding["message"], []).append(finding)
    return by_message


def tools_note(tools: list[Any]) -> QLabel:
    """A line naming the tools a conversation offers (their JSON as the tooltip)."""
    names = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        name = function.get("name") if isinstance(function, dict) else None
        names.append(str(name) if name else "?")
    label = muted(f"Tools offered ({len(tools)}): " + ", ".join(names))
    label.setObjectName("toolsNote")
    label.setToolTip(json.dumps(tools, ensure_ascii=False, indent=2)[:5000])
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName("Tools offered")
    return label


class ConversationView(QScrollArea):
    """The bubbles of one conversation, its tools and preference outputs; scrolls to a span."""

    #: (message index, new text) when the reviewer saves an edited assistant message.
    message_edited = Signal(int, str)
    #: (rank, message index, new text): an edited answer of a preference pair (0 = chosen).
    answer_edited = Signal(int, int, str)
    #: Swap the chosen and the rejected answer of the preference pair shown.
    swap_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bubbles: list[MessageBubble] = []
        #: A preference pair's answers side by side (None for a chat).
        self.answers: AnswerColumns | None = None
        self.selected_message: int | None = None
        self.setObjectName("conversationScroll")
        self.setAccessibleName("Conversation")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._new_conversation()

    @property
    def editing(self) -> bool:
        """Whether a message's editor is open."""
        return any(bubble.editing for bubble in self.bubbles) or (
            self.answers is not None and self.answers.editing)

    def clear(self) -> None:
        """Show no bubbles (a blank page)."""
        self.selected_message = None
        self.bubbles = []
        self.answers = None
        old = self.takeWidget()
        if old is not None:
            old.hide()
            old.deleteLater()
        if self.conversation is not old:
            self.conversation.deleteLater()
        self._new_conversation()
        self.setWidget(self._placeholder())

    def show_conversation(self, conversation: dict[str, Any], findings: list[dict[str, Any]],
                          read_only: bool = False, order: list[int] | None = None) -> None:
        """Show ``conversation`` (after :meth:`clear`) with its findings; no edits if
        read-only; a pair's answers blind in ``order`` if given (see ``AnswerColumns``)."""
        # build off-screen, then swap in: one layout pass instead of one per bubble
        self._build(conversation, findings, read_only, order)
        self.conversation.resize(self.viewport().width(), 10)
        self.setWidget(self.conversation)

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
        self.conv_layout.activate()
        y = bubble.select_span(start, end)
        if start is not None and y:
            self.ensureVisible(0, bubble.mapTo(self.conversation, bubble.rect().topLeft()
                                               ).y() + y, 0, 60)
        else:
            self.ensureWidgetVisible(bubble, 0, 10)
            # a tall bubble: show its start, not its end
            top = bubble.mapTo(self.conversation, bubble.rect().topLeft()).y()
            bar = self.verticalScrollBar()
            if bubble.height() > self.viewport().height():
                bar.setValue(top - 10)

    def start_edit(self, index: int) -> bool:
        """Open the editor on message ``index`` if it is editable."""
        bubble = self.bubble(index)
        if bubble is None or not bubble.editable:
            return False
        self.scroll_to_message(index)
        bubble.start_edit()
        return True

    def edit_last_answer(self) -> bool:
        """Open the editor on the last editable (assistant) message; False if none is.
        For a preference pair: the first column's (the chosen answer unless blind)."""
        if self.answers is not None:
            if not self.answers.start_edit(0):
                return False
            self.ensureWidgetVisible(self.answers.columns[0][-1], 0, 10)
            return True
        editable = [bubble for bubble in self.bubbles if bubble.editable]
        return bool(editable) and self.start_edit(editable[-1].index)

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

    @staticmethod
    def _placeholder() -> QWidget:
        blank = QWidget()
        blank.setBackgroundRole(QPalette.ColorRole.Base)
        blank.setAutoFillBackground(True)
        return blank

    def _build(self, conversation: dict[str, Any], findings: list[dict[str, Any]],
               read_only: bool, order: list[int] | None = None) -> None:
        messages = conversation.get("messages")
        messages = messages if isinstance(messages, list) else []
        call_names = tool_call_names(messages)
        by_message = findings_by_message(findings)
        tools = conversation.get("tools")
        if isinstance(tools, list) and tools:
            self._add_row(tools_note(tools), "full")
        for index, message in enumerate(messages):
            bubble = MessageBubble(index, message, call_names)
            if read_only and bubble.editable:
                self._lock(bubble)
            bubble.edit_saved.connect(self.message_edited)
            bubble.set_findings(by_message.get(index, []))
            self.bubbles.append(bubble)
            role = bubble.role
            self._add_row(bubble, "left" if role == "user" else
                          "right" if role == "assistant" else "full")
        if preference.is_preference(conversation):
            self.answers = AnswerColumns(preference.outputs(conversation), call_names,
                                         read_only, order=order)
            self.answers.answer_edited.connect(self.answer_edited)
            self.answers.swap_requested.connect(self.swap_requested)
            self._add_row(self.answers, "full")
        if not messages:
            note = muted("This record has no messages.", wrap=False)
            note.setObjectName("emptyLabel")
            self._add_row(note, "full")

    @staticmethod
    def _lock(bubble: MessageBubble) -> None:
        """Make ``bubble`` not editable and hide its Edit button."""
        bubble.editable = False
        if bubble.edit_button is not None:
            bubble.edit_button.hide()

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
