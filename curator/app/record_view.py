"""The record view: one record as chat bubbles, its findings, and in-place editing.

``RecordView.show_record(detail)`` takes the dict :func:`curator.core.store.browse.record_detail`
returns. It puts together a :class:`RecordHeader`, a :class:`ConversationView` (each
message a :class:`~curator.app.message_bubble.MessageBubble`, so a finding can scroll to
it, its spans can be highlighted inside it, and an assistant message can be edited in
place; a preference pair's answers side by side under its prompt, see
:mod:`~curator.app.preference_view`), a :class:`RawLineView` for a record that could not
be read, and a :class:`FindingsPanel`. The view never writes to the project: a saved edit
is announced with ``message_edited(index, text)`` (``answer_edited(rank, index, text)``
for a pair's answer, ``swap_requested`` for its swap button) and a finding decision with
``finding_action``; the main window turns them into undoable operations.

While labelling a pairwise field blind (``blind_order``, set by the window) a pair's
answers show in the annotator's order as Answer 1 and Answer 2, with no word or colour
saying which one the file prefers: findings naming the chosen or rejected answer, and
the raw line of a record that could not be read, are hidden too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

from curator.app.conversation_view import ConversationView
from curator.app.findings_panel import FindingsPanel
from curator.app.message_bubble import DISPLAY_LIMIT, MessageBubble
from curator.app.raw_line_view import RawLineView
from curator.app.record_header import RecordHeader
from curator.app.widgets import muted

__all__ = ["DISPLAY_LIMIT", "RecordView"]


class RecordView(QWidget):
    """One record for review: header, conversation bubbles, findings; edits by signal."""

    #: (message index, new text) when the reviewer saves an edited assistant message.
    message_edited = Signal(int, str)
    #: (rank, message index, new text): an edited answer of a preference pair (0 = chosen).
    answer_edited = Signal(int, int, str)
    #: Swap the chosen and rejected answers of the preference pair shown.
    swap_requested = Signal()
    #: (action, [finding]) for the finding chosen in the list: dismiss, confirm, allow,
    #: redact or reopen (the main window carries it out, undoably).
    finding_action = Signal(str, list)
    #: The conversation page (its name hides ``QWidget.scroll``; callers know it so).
    scroll: ConversationView  # type: ignore[assignment]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: dict[str, Any] | None = None
        #: No editing (an annotation pack: only labels change there).
        self.read_only = False
        #: Asked for every record shown (by id): None when it is not shown blind; else
        #: the ranks of its answers as shown (Answer 1, Answer 2), empty if not a pair.
        self.blind_order: Callable[[int], list[int] | None] | None = None
        #: What ``blind_order`` said for the record shown.
        self.blind: list[int] | None = None
        self._palette_key: int | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.header = RecordHeader()
        self.key_label = self.header.key_label
        self.review_badge = self.header.review_badge
        self.meta_label = self.header.meta_label
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
        self.empty_label = muted("Select a record to see it here.", wrap=False)
        self.empty_label.setObjectName("emptyLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setAccessibleName("No record")
        self.stack.addWidget(self.empty_label)
        self.scroll = ConversationView()
        self.scroll.message_edited.connect(self.message_edited)
        self.scroll.answer_edited.connect(self.answer_edited)
        self.scroll.swap_requested.connect(self.swap_requested)
        self.stack.addWidget(self.scroll)
        self.invalid_page = RawLineView()
        self.error_label = self.invalid_page.error_label
        self.raw_caption = self.invalid_page.raw_caption
        self.raw_view = self.invalid_page.raw_view
        self.stack.addWidget(self.invalid_page)
        self.splitter.addWidget(self.stack)

        self.findings_box = FindingsPanel()
        self.findings_title = self.findings_box.title
        self.findings = self.findings_box.list
        self.finding_buttons = self.findings_box.buttons
        self.findings_box.finding_chosen.connect(self._finding_chosen)
        self.findings_box.action_clicked.connect(self._finding_action)
        self.splitter.addWidget(self.findings_box)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([520, 140])
        outer.addWidget(self.splitter, 1)

        self._palette_key = self.palette().cacheKey()
        self.clear()

    # -- the parts' state --------------------------------------------------------------

    @property
    def bubbles(self) -> list[MessageBubble]:
        """The bubbles of the shown conversation's messages, in order."""
        return self.scroll.bubbles

    @property
    def selected_message(self) -> int | None:
        """The index of the selected message, if any."""
        return self.scroll.selected_message

    @property
    def conversation(self) -> QWidget:
        """The widget holding the bubbles (inside the scroll area)."""
        return self.scroll.conversation

    @property
    def error_offset(self) -> int | None:
        """Where in an invalid record's raw line the error is, if its message says."""
        return self.invalid_page.error_offset

    # -- public ----------------------------------------------------------------------

    def clear(self) -> None:
        """Show nothing (no record selected)."""
        self.detail = None
        self.scroll.clear()
        self.header.hide()
        self.findings_box.clear()
        self.findings_box.hide()
        self.invalid_page.clear()
        self.stack.setCurrentWidget(self.empty_label)

    def show_record(self, detail: dict[str, Any]) -> None:
        """Show one record (a :func:`~curator.core.store.browse.record_detail` dict)."""
        same = self.detail is not None and self.detail.get("id") == detail.get("id")
        position = self.scroll.verticalScrollBar().value() if same else 0
        self.detail = detail
        self.blind = self._blind_order(detail)
        blind = self.blind is not None
        self.scroll.clear()
        self.header.show_record(detail)
        conversation = detail.get("conversation")
        findings = detail.get("findings") or []
        if detail.get("valid", True) and isinstance(conversation, dict):
            self.scroll.show_conversation(conversation, findings, read_only=self.read_only,
                                          order=self.blind or None)
            self.stack.setCurrentWidget(self.scroll)
        else:
            self.invalid_page.show_record(detail, blind=blind)
            self.stack.setCurrentWidget(self.invalid_page)
        self.findings_box.blind = blind
        self.findings_box.show_findings(findings)
        self.scroll.verticalScrollBar().setValue(position)
        if same:  # re-shown after an edit: keep the reader where they were
            QTimer.singleShot(0, lambda: self.scroll.verticalScrollBar().setValue(position))

    def update_blind(self) -> None:
        """Show the record again if whether (or how) it is shown blind changed: the
        labelling dock opened or closed, another annotator, another schema."""
        if (self.detail is not None and not self.scroll.editing
                and self._blind_order(self.detail) != self.blind):
            self.show_record(self.detail)

    def _blind_order(self, detail: dict[str, Any]) -> list[int] | None:
        record_id = detail.get("id")
        if self.blind_order is None or not isinstance(record_id, int):
            return None
        return self.blind_order(record_id)

    def bubble(self, index: int) -> MessageBubble | None:
        """The bubble of message ``index`` (0-based), if shown."""
        return self.scroll.bubble(index)

    def scroll_to_message(self, index: int, start: int | None = None,
                          end: int | None = None) -> None:
        """Scroll to message ``index``, select it, and select ``start..end`` inside it."""
        self.scroll.scroll_to_message(index, start, end)

    def start_edit(self, index: int) -> bool:
        """Open the editor on message ``index`` if it is editable."""
        return self.scroll.start_edit(index)

    def edit_last_answer(self) -> bool:
        """Open the editor on the last assistant message (F2 from the records table)."""
        return self.stack.currentWidget() is self.scroll and self.scroll.edit_last_answer()

    def select_finding(self, finding_id: int) -> bool:
        """Choose a finding in the list (and show its span); False if it is not here."""
        return self.findings_box.select(finding_id)

    def chosen_finding(self) -> dict[str, Any] | None:
        """The finding chosen in the list, with its ``record_id``; None if none is."""
        finding = self.findings_box.current()
        if finding is None or self.detail is None:
            return None
        finding["record_id"] = self.detail["id"]
        return finding

    # -- findings ----------------------------------------------------------------------

    def _finding_action(self, name: str) -> None:
        finding = self.chosen_finding()
        if finding is not None:
            self.finding_action.emit(name, [finding])

    def _finding_chosen(self, finding: dict[str, Any]) -> None:
        if self.stack.currentWidget() is not self.scroll:
            return
        index = finding.get("message")
        if isinstance(index, int):
            self.scroll.scroll_to_message(index, finding.get("start"), finding.get("end"))
        else:
            self.scroll.verticalScrollBar().setValue(0)

    # -- style ---------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            key = self.palette().cacheKey()
            if key != self._palette_key:  # light/dark switch: repaint with new tints
                self._palette_key = key
                if self.detail is not None and not self.scroll.editing:
                    self.show_record(self.detail)
