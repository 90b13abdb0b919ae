"""The labelling panel's pairwise field: two answers in the annotator's blind order.

A preference record's answers are shown stacked as "Answer 1" and "Answer 2" in the
order drawn for this annotator and record (:func:`curator.core.labeling.pairwise.
blind_pair`), never as chosen and rejected. The buttons "1 is better", "2 is better"
and "Tie" (keys 1, 2, 3, like the panel's other choices) save the judgement in the
record's own terms with the order shown (:func:`~curator.core.labeling.pairwise.
value_for`), so the label means "this answer", not "this place".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)

from curator.app.chat_style import Card
from curator.app.field_box import FieldBox
from curator.app.widgets import ElidedButton, muted
from curator.core import preference
from curator.core.labeling import pairwise
from curator.core.labeling.schema import LabelField
from curator.core.store import Store

#: Keyboard key -> what it picks: Answer 1 (0), Answer 2 (1), or a tie.
KEYS: dict[str, int | str] = {"1": 0, "2": 1, "3": "tie"}
#: The buttons, in the order of their keys.
CHOICES: tuple[tuple[int | str, str], ...] = ((0, "1 is better"), (1, "2 is better"),
                                              ("tie", "Tie"))
#: Height of each answer's text (it scrolls beyond): both answers and the buttons fit
#: the dock under the guidelines on a 1280x800 screen.
ANSWER_HEIGHT = 100


def position_of(value: Any, order: list[str]) -> int | str | None:
    """Which button a stored value checks for someone shown ``order``."""
    better = pairwise.outcome(value)
    if better == "tie":
        return "tie"
    return order.index(better) if better in order else None


def shown_words(value: Any, order: list[str]) -> str:
    """A value as this annotator's screen says it ("Answer 2", "tie")."""
    place = position_of(value, order)
    if place is None:
        return "—"
    return "tie" if place == "tie" else f"Answer {int(place) + 1}"


class PairwiseBox(FieldBox):
    """A pairwise field of the labelling panel (see the module's docstring)."""

    def __init__(self, fld: LabelField, parent: QWidget | None = None) -> None:
        # The shape differs from the other kinds' rows: the card is built here.
        Card.__init__(self, parent)
        self.field = fld
        self.value: Any = None
        self.buttons = {}
        self.editor = None
        self.order: list[str] = list(pairwise.SIDES)
        self.pair: pairwise.BlindPair | None = None
        layout = self._card_layout(fld, "which answer is better")
        self.missing = muted("This record has no pair of answers to compare.")
        layout.addWidget(self.missing)
        self.answers: list[QPlainTextEdit] = []
        self.headings: list[QLabel] = []
        for number in (1, 2):
            heading = QLabel(f"<b>Answer {number}</b>")
            text = QPlainTextEdit(readOnly=True)
            text.setAccessibleName(f"Answer {number}")
            text.setFixedHeight(ANSWER_HEIGHT)
            text.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            layout.addWidget(heading)
            layout.addWidget(text)
            self.headings.append(heading)
            self.answers.append(text)
        grid = QGridLayout()
        grid.setSpacing(6)
        for index, (choice, words) in enumerate(CHOICES):
            # "1 is better" starts with its key already; the tie shows its key as options do
            button = ElidedButton(words if index < 2 else f"{index + 1}  {words}")
            button.setProperty("choice", True)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAccessibleName(f"{fld.name}: {words}")
            button.setToolTip(f"{words}  (key {index + 1})")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, c=choice: self._clicked(c))
            self.buttons[str(choice)] = button
            grid.addWidget(button, 0, index)
        layout.addLayout(grid)
        self.note = muted()
        self.note.hide()
        layout.addWidget(self.note)
        self.others = muted()
        self.others.hide()
        layout.addWidget(self.others)
        self.show_pair(None)
        self.set_active(False)

    # -- the record ------------------------------------------------------------------

    def show_record(self, store: Store, record_id: int | None, annotator: str) -> None:
        """Show ``record_id``'s answers in ``annotator``'s order (None: nothing)."""
        pair = (pairwise.blind_pair(store, record_id, annotator)
                if record_id is not None and annotator else None)
        self.show_pair(pair)

    def show_pair(self, pair: pairwise.BlindPair | None) -> None:
        self.pair = pair
        self.order = list(pair.order) if pair else list(pairwise.SIDES)
        self.missing.setVisible(pair is None)
        for index, (heading, text) in enumerate(zip(self.headings, self.answers,
                                                    strict=True)):
            heading.setVisible(pair is not None)
            text.setVisible(pair is not None)
            body = preference.side_text(pair.answers[index]) if pair else ""
            if text.toPlainText() != body:
                text.setPlainText(body)
        for button in self.buttons.values():
            button.setEnabled(pair is not None)

    # -- values ----------------------------------------------------------------------

    def toggled(self, choice: Any) -> Any:
        """The value saved for a click on ``choice`` (0, 1 or "tie") in this order."""
        return pairwise.value_for(self.order, choice)

    def _clicked(self, choice: Any) -> None:
        if self.pair is None:
            return
        self.activated.emit()
        self.picked.emit(self.toggled(choice))

    def choice_for_key(self, text: str) -> tuple[bool, Any]:
        if text in KEYS and self.pair is not None:
            return True, KEYS[text]
        return False, None

    def show_value(self, value: Any) -> None:
        self.value = value
        place = position_of(value, self.order) if value is not None else None
        for key, button in self.buttons.items():
            button.setChecked(place is not None and key == str(place))
        self.note.hide()
        self.clear_button.setEnabled(value is not None)

    def show_others(self, others: list[tuple[str, Any]] | None) -> None:
        """Others' labels (open batches) in this annotator's places, never as A or B:
        the letters would say which answer the file prefers."""
        self.others.setVisible(bool(others))
        if others:
            self.others.setText("Others: " + " · ".join(
                f"{name}: {shown_words(value, self.order)}" for name, value in others))

    def commit_text(self) -> None:
        return
