"""One label field of the labelling panel: its title, choice buttons or text box, and
the labels others gave (in its own module so that field kinds with their own widget,
``pairwise_box.PairwiseBox``, can extend it without importing the panel)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from curator.app.chat_style import Card
from curator.app.widgets import ElidedButton, ElidedLabel, muted
from curator.core.jsontext import compact
from curator.core.labeling import pairwise
from curator.core.labeling.schema import LabelField
from curator.core.store import Store

#: Choice buttons per row before wrapping.
COLUMNS = 2  # fits the labelling dock beside the record
_NAV_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Backspace, Qt.Key.Key_Delete,
             Qt.Key.Key_Return, Qt.Key.Key_Enter}
STYLE = """
QPushButton[choice="true"] {
    padding: 5px 10px; border: 1px solid palette(mid); border-radius: 6px;
    background: palette(button); text-align: left;
}
QPushButton[choice="true"]:hover { border-color: palette(highlight); }
QPushButton[choice="true"]:checked {
    background: palette(highlight); color: palette(highlighted-text);
    border-color: palette(highlight); font-weight: bold;
}
"""


def show_value(value: Any) -> str:
    value = pairwise.outcome(value)      # a pairwise judgement: A, B or tie
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


class _TextKeys(QObject):
    """Ctrl+Enter saves a text field, Escape hands the keyboard back to the panel."""

    def __init__(self, box: FieldBox) -> None:
        super().__init__(box)
        self.box = box

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.box.text_done.emit(True)
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.box.text_done.emit(False)
                return True
        elif event.type() == QEvent.Type.FocusOut:
            self.box.commit_text()
        return False


class FieldBox(Card):
    """One field: title, description, buttons (or a text box), others' labels."""

    picked = Signal(object)          # the value the person clicked or typed
    text_done = Signal(bool)         # Ctrl+Enter (True) or Escape (False) in a text field
    activated = Signal()

    def _card_layout(self, fld: LabelField, kind: str) -> QVBoxLayout:
        """The card's layout with its title row (name, ``kind``, Clear) and description."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 12, 10)
        layout.setSpacing(6)
        title = QHBoxLayout()
        name = ElidedLabel(fld.name, minimum=60)
        bold = name.font()
        bold.setBold(True)
        name.setFont(bold)
        title.addWidget(name)
        title.addWidget(muted(kind, wrap=False))
        title.addStretch(1)
        self.clear_button = QToolButton(text="Clear")
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.setToolTip("Remove this label (Backspace)")
        self.clear_button.setAccessibleName(f"Clear {fld.name}")
        self.clear_button.clicked.connect(lambda: self.picked.emit(None))
        title.addWidget(self.clear_button)
        layout.addLayout(title)
        if fld.description:
            layout.addWidget(muted(fld.description))
        return layout

    def __init__(self, fld: LabelField, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = fld
        self.value: Any = None
        self.buttons: dict[str, QPushButton] = {}   # dumped choice -> button
        self.editor: QPlainTextEdit | None = None
        self._keys = fld.keys()
        self._key_of = {compact(v): k for k, v in self._keys.items()}
        kind = {"single": "one choice", "multi": "any that apply",
                "rating": f"rating 1–{fld.scale}", "text": "free text"}[fld.kind]
        layout = self._card_layout(fld, kind)
        if fld.kind == "text":
            self.editor = QPlainTextEdit()
            self.editor.setAccessibleName(fld.name)
            self.editor.setPlaceholderText("Type, then Ctrl+Enter or leave the box to save")
            self.editor.setTabChangesFocus(True)
            self.editor.setFixedHeight(64)
            self.editor.installEventFilter(_TextKeys(self))
            layout.addWidget(self.editor)
        else:
            grid = QGridLayout()
            grid.setSpacing(6)
            columns = len(fld.choices()) if fld.kind == "rating" else COLUMNS
            for index, choice in enumerate(fld.choices()):
                grid.addWidget(self._button(choice), index // columns, index % columns)
            layout.addLayout(grid)
        self.note = muted()
        self.note.hide()
        layout.addWidget(self.note)
        self.others = muted()
        self.others.hide()
        layout.addWidget(self.others)
        self.set_active(False)

    def _button(self, choice: Any) -> QPushButton:
        dumped = compact(choice)
        key = self._key_of.get(dumped)
        shows_key = key and str(choice) != key  # a rating's key is its own number
        button = ElidedButton(f"{key}   {choice}" if shows_key else str(choice))
        button.setProperty("choice", True)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the panel keeps the keyboard
        button.setAccessibleName(f"{self.field.name}: {choice}")
        option = self.field.option(choice) if isinstance(choice, str) else None
        tip = option.description if option and option.description else str(choice)
        button.setToolTip(f"{tip}  (key {key.upper()})" if key else tip)
        button.clicked.connect(lambda _=False, c=choice: self._clicked(c))
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.buttons[dumped] = button
        return button

    def _clicked(self, choice: Any) -> None:
        self.activated.emit()
        self.picked.emit(self.toggled(choice))

    def toggled(self, choice: Any) -> Any:
        """The field's value after choosing ``choice`` (a multi field toggles it)."""
        if self.field.kind != "multi":
            return choice
        current = list(self.value or [])
        return [v for v in current if v != choice] if choice in current else [*current, choice]

    def choice_for_key(self, text: str) -> tuple[bool, Any]:
        if text in self._keys:
            return True, self._keys[text]
        return False, None

    def show_value(self, value: Any) -> None:
        self.value = value
        chosen = {compact(v) for v in (value if isinstance(value, list) else
                                                 [value] if value is not None else [])}
        for dumped, button in self.buttons.items():
            button.setChecked(dumped in chosen)
        if self.editor is not None and self.editor.toPlainText() != (value or ""):
            self.editor.setPlainText(value or "")
        offered = set(self.buttons) if self.editor is None else chosen
        missing = sorted(chosen - offered)
        self.note.setVisible(bool(missing))
        if missing:
            self.note.setText("Current value " + ", ".join(missing) +
                              " is no longer offered; choose another.")
        self.clear_button.setEnabled(value is not None)

    def show_record(self, store: Store, record_id: int | None, annotator: str) -> None:
        """The record shown changed (a pairwise field shows its answers)."""

    def show_others(self, others: list[tuple[str, Any]] | None) -> None:
        self.others.setVisible(bool(others))
        if others:
            self.others.setText("Others: " + " · ".join(
                f"{name}: {show_value(value)}" for name, value in others))

    def commit_text(self) -> None:
        if self.editor is None:
            return
        text = self.editor.toPlainText()
        if text != (self.value or ""):
            self.picked.emit(text if text.strip() else None)

    def set_active(self, active: bool) -> None:
        palette = self.palette()
        self.fill = palette.color(QPalette.ColorRole.Base)
        self.border = palette.color(QPalette.ColorRole.Mid)
        self.outline = palette.color(QPalette.ColorRole.Highlight) if active else None
        self.bar = palette.color(QPalette.ColorRole.Highlight) if active else None
        self.update()

    def mousePressEvent(self, event: Any) -> None:
        self.activated.emit()
        super().mousePressEvent(event)
