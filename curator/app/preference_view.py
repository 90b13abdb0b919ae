"""A preference pair's answers side by side: one column each, best first, differences marked.

:class:`AnswerColumns` goes under the shared prompt when the record shown is a preference
pair (:mod:`curator.core.preference`; the prompt's bubbles are the conversation view's).
Each answer's messages are :class:`~curator.app.message_bubble.MessageBubble`\\ s, edited in
place like any answer; the words one answer has and the other has not are highlighted
(:func:`~curator.app.chat_text.changed_words`, a word-level ``difflib`` diff): in the
chosen answer against the rejected one, in every other answer against the chosen one.

The view never writes: ``answer_edited(rank, index, text)`` and ``swap_requested`` go to
the window, which saves them as revisions of the record (undoable; the raw line stays).

Shown *blind* (``order`` given: while a pairwise field is labelled beside it, or in an
annotation pack) the answers stand in the annotator's order, the one the labelling
panel uses (:func:`curator.core.labeling.pairwise.shown_ranks`), titled "Answer 1" and
"Answer 2": no Chosen/Rejected pills, no swap button, and both answers' marks in one
neutral colour, so nothing on screen says which answer the file prefers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from curator.app.chat_style import REVIEW_COLORS, ROLE_LABELS, Pill
from curator.app.chat_text import Span, changed_words, mark_spans, message_text
from curator.app.message_bubble import MessageBubble
from curator.app.widgets import muted

#: What each answer is called, best first (a ranking of more is "Rank 3", ...).
RANK_NAMES = ("Chosen", "Rejected")
#: The hue of each answer's pill and of its marked words: the review badge's accepted
#: and rejected colours (the same meaning: kept, turned down).
RANK_COLORS = (REVIEW_COLORS["accepted"][0], REVIEW_COLORS["rejected"][0])
#: The marks' colour when shown blind: the same for both answers (a highlighter's amber).
BLIND_COLOR = REVIEW_COLORS["needs-edit"][0]
#: The tag kept on a marked word's text format (tests and tooltips read it).
DIFF_TAG = "diff"


def rank_name(rank: int) -> str:
    """What answer ``rank`` (0 = best) is called."""
    return RANK_NAMES[rank] if rank < len(RANK_NAMES) else f"Rank {rank + 1}"


def rank_color(rank: int) -> str:
    """The colour of answer ``rank``'s pill and marks."""
    return RANK_COLORS[min(rank, len(RANK_COLORS) - 1)]


def reference_rank(rank: int, count: int) -> int | None:
    """Which answer ``rank`` is compared with: the chosen with the next, others with the
    chosen (None for a lone answer)."""
    if count < 2:
        return None
    return 1 if rank == 0 else 0


def side_diff(texts: Sequence[str], reference: Sequence[str]) -> list[list[tuple[int, int]]]:
    """For each message text of one answer, the ranges (in that text) of the words the
    ``reference`` answer does not have; both answers are compared whole (their messages
    joined by newlines), so a word moved to the next message is not a change."""
    joined = "\n".join(texts)
    ranges = changed_words(joined, "\n".join(reference))
    out: list[list[tuple[int, int]]] = []
    offset = 0
    for text in texts:
        end = offset + len(text)
        out.append([(max(s, offset) - offset, min(e, end) - offset)
                    for s, e in ranges if s < end and e > offset])
        offset = end + 1
    return out


class AnswerColumns(QWidget):
    """The answers of a preference pair in columns, best first, with a swap button; or
    blind (``order``: the ranks shown as Answer 1, Answer 2) without either."""

    #: (rank, message index in that answer, new text): the reviewer saved an edit.
    answer_edited = Signal(int, int, str)
    #: The reviewer asked to exchange the chosen and the rejected answer.
    swap_requested = Signal()

    def __init__(self, outputs: Sequence[Sequence[Any]], call_names: dict[str, str],
                 read_only: bool = False, parent: QWidget | None = None,
                 order: Sequence[int] | None = None) -> None:
        super().__init__(parent)
        #: Shown blind: which answer (by rank, 0 = chosen) stands in each column.
        self.blind = order is not None and len(order) == len(outputs)
        #: The rank of each column's answer (best first unless blind).
        self.ranks: list[int] = list(order) if self.blind and order else list(
            range(len(outputs)))
        self.setObjectName("answerColumns")
        self.setAccessibleName("Answers side by side")
        #: The bubbles of each answer's messages, best answer first.
        self.columns: list[list[MessageBubble]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(6)

        header = QHBoxLayout()
        caption = muted(f"{len(outputs)} answers to this prompt", bold=True, wrap=False)
        caption.setObjectName("sectionCaption")
        header.addWidget(caption)
        header.addStretch(1)
        self.swap_button = QPushButton("Swap chosen and rejected")
        self.swap_button.setObjectName("swapAnswers")
        self.swap_button.setToolTip("The rejected answer becomes the chosen one (S). Saved "
                                    "as a new revision; Ctrl+Z undoes it.")
        self.swap_button.setAccessibleName("Swap chosen and rejected")
        self.swap_button.clicked.connect(self.swap_requested)
        header.addWidget(self.swap_button)
        layout.addLayout(header)
        # hidden only once it has a parent: shown parentless it would be a window of its own
        self.swap_button.setHidden(read_only or self.blind or len(outputs) != 2)
        self.note = muted("Highlighted: words the other answer does not have.")
        self.note.setObjectName("diffNote")
        layout.addWidget(self.note)

        row = QHBoxLayout()
        row.setSpacing(10)
        for place, rank in enumerate(self.ranks):
            row.addWidget(self._column(place, list(outputs[rank]), call_names, read_only),
                          1, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        self._mark_differences()

    # -- public --------------------------------------------------------------------

    @property
    def bubbles(self) -> list[MessageBubble]:
        """Every answer's bubbles, column by column."""
        return [bubble for column in self.columns for bubble in column]

    @property
    def editing(self) -> bool:
        """Whether an answer's editor is open."""
        return any(bubble.editing for bubble in self.bubbles)

    def start_edit(self, place: int = 0, index: int | None = None) -> bool:
        """Open the editor on message ``index`` (default: the last editable one) of the
        answer in column ``place`` (the chosen one unless blind); False if it cannot be
        edited."""
        if not 0 <= place < len(self.columns):
            return False
        column = self.columns[place]
        if index is None:
            editable = [bubble for bubble in column if bubble.editable]
            bubble = editable[-1] if editable else None
        else:
            bubble = column[index] if 0 <= index < len(column) else None
        if bubble is None or not bubble.editable:
            return False
        bubble.start_edit()
        return True

    def marked(self, place: int) -> list[str]:
        """The marked words of the answer in column ``place``, in order (what the reader
        sees highlighted)."""
        return [bubble.full_text[start:end] for bubble in self.columns[place]
                for start, end, _colour, tag in bubble.spans if tag == DIFF_TAG]

    # -- building ------------------------------------------------------------------

    def _column(self, place: int, side: list[Any], call_names: dict[str, str],
                read_only: bool) -> QWidget:
        rank = self.ranks[place]
        name = f"Answer {place + 1}" if self.blind else rank_name(rank)
        column = QWidget()
        column.setObjectName(f"answerColumn{place + 1}")
        column.setAccessibleName(name if self.blind else f"{name} answer")
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        top = QHBoxLayout()
        if self.blind:
            heading = muted(name, bold=True, wrap=False)
            heading.setObjectName("answerName")
            top.addWidget(heading)
        else:
            pill = Pill(name)
            pill.setObjectName("answerRank")
            pill.set_colors(QColor(rank_color(rank)), QColor("#ffffff"))
            top.addWidget(pill)
        words = sum(len(message_text(m).split()) for m in side)
        count = muted(f"{words:,} word{'s' if words != 1 else ''}", wrap=False)
        count.setObjectName("answerWords")
        top.addWidget(count)
        top.addStretch(1)
        layout.addLayout(top)
        bubbles: list[MessageBubble] = []
        for index, message in enumerate(side):
            bubble = MessageBubble(index, message, call_names)
            role = ROLE_LABELS.get(bubble.role, bubble.role)
            # blind, the column's heading names the answer already: the role will do
            prefix = "" if self.blind else f"{name} · "
            bubble.title.setText(f"{prefix}{role}" if len(side) == 1
                                 else f"{prefix}{index + 1} · {role}")
            # the title may be cut (its tooltip says it all): two columns fit the record
            # view beside the labelling dock on a 1280-wide screen
            bubble.title.setMinimumWidth(40)
            bubble.title.setToolTip(bubble.title.text())
            bubble.setAccessibleName(f"{name}{'' if self.blind else ' answer'}, message "
                                     f"{index + 1}, {role}")
            if bubble.edit_button is not None:
                bubble.edit_button.setAccessibleName(
                    f"Edit {name}" if self.blind else f"Edit the {name.lower()} answer")
                bubble.edit_button.setHidden(read_only)  # a child of the bubble already
            if read_only:
                bubble.editable = False
            bubble.edit_saved.connect(
                lambda i, text, r=rank: self.answer_edited.emit(r, i, text))
            layout.addWidget(bubble)
            bubbles.append(bubble)
        if not side:
            empty = muted("(no answer)", wrap=False)
            empty.setObjectName("emptyLabel")
            layout.addWidget(empty)
        self.columns.append(bubbles)
        return column

    def _mark_differences(self) -> None:
        texts = [[bubble.full_text for bubble in column] for column in self.columns]
        for place, column in enumerate(self.columns):
            rank = self.ranks[place]
            other = reference_rank(rank, len(self.columns))
            if other is None:
                continue
            colour = BLIND_COLOR if self.blind else rank_color(rank)
            ref = self.ranks.index(other)
            for bubble, ranges in zip(column, side_diff(texts[place], texts[ref]),
                                      strict=True):
                spans: list[Span] = [(s, e, colour, DIFF_TAG) for s, e in ranges]
                bubble.spans = spans
                if spans and not bubble.text_view.property("placeholder"):
                    mark_spans(bubble.text_view, spans)

