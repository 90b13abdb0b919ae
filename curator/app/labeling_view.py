"""The labelling panel: the guidelines and one row of buttons per label field.

Keyboard first. One field is *active* (outlined); its keys pick a value: each option's
own key or 1..9 in order, ratings 1..9 (0 for 10). Picking a single option or a rating
moves on to the next field. Up/Down change the active field, Backspace clears it, Enter
asks for the next record (``next_requested``). A text field saves when it loses focus
or on Ctrl+Enter; Escape leaves it.

Every change is an operation (:func:`curator.core.operations.save_label`) handed to the
panel's ``submit``: in the window, its writer runner, so a key press never waits for a
long import; on its own, at once on the panel's store. The panel shows the new value
straight away and keeps it over what the store says until the operation is done (or
failed, and then shows the stored value and why). When the panel has focus it claims
its keys before window shortcuts (a ``ShortcutOverride``), so an option key "a" labels
rather than triggering a window's "A" action.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from curator.app.field_box import _NAV_KEYS, STYLE, FieldBox
from curator.app.operations import Submit, alive, run_at_once
from curator.app.widgets import ElidedLabel, muted
from curator.core import operations
from curator.core.labeling import assignment, labels, schema
from curator.core.store import Store


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class LabelingPanel(QWidget):
    """Label the current record as one annotator; saves every change at once."""

    labelled = Signal(int)           # a label of this record changed (and is saved)
    next_requested = Signal()        # Enter, or the Next button
    failed = Signal(str)             # a change was refused; the message is for the user

    def __init__(self, store: Store, annotator: str = "", parent: QWidget | None = None,
                 submit: Submit | None = None) -> None:
        """``store`` is read on the UI thread; ``submit`` saves (default: at once on it)."""
        super().__init__(parent)
        self.store = store
        self.annotator = annotator
        self.submit = submit or run_at_once(store)
        self.record_id: int | None = None
        self.boxes: list[FieldBox] = []
        self.active = 0
        self._committing = False
        #: Values shown but not saved yet: (record, field, annotator) -> (ticket, value).
        self._pending: dict[tuple[int, str, str], tuple[int, Any]] = {}
        self._tickets = 0
        #: Replaced (another project opened): saves still finish, the screen is not ours.
        self.detached = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(STYLE)
        self.setAccessibleName("Labelling panel")
        self._build()
        self.reload_schema()

    # -- building ------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(6)
        head = QHBoxLayout()
        self.who = QLabel()
        head.addWidget(self.who, 1)
        self.progress_text = muted(wrap=False)
        head.addWidget(self.progress_text)
        outer.addLayout(head)
        self.progress_bar = QProgressBar(textVisible=False, maximumHeight=6)
        self.progress_bar.setAccessibleName("Labelling progress")
        outer.addWidget(self.progress_bar)
        self.record_text = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.record_text.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        outer.addWidget(self.record_text)
        self.blind_note = muted("Blind batch: other annotators' labels are hidden.")
        outer.addWidget(self.blind_note)
        #: Widgets others add over the fields (add_extra): the model's suggestion.
        self.extras = QVBoxLayout()
        outer.addLayout(self.extras)
        self.guide_toggle = QToolButton(text="Guidelines", checkable=True, checked=True)
        self.guide_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.guide_toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.guide_toggle.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.guide_toggle.setAutoRaise(True)
        self.guide_toggle.toggled.connect(self._toggle_guidelines)
        outer.addWidget(self.guide_toggle)
        self.guidelines = QTextBrowser(openExternalLinks=True)
        self.guidelines.setAccessibleName("Guidelines")
        self.guidelines.setMaximumHeight(170)
        self.guidelines.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        outer.addWidget(self.guidelines)
        self.scroll = QScrollArea(widgetResizable=True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        # the fields fit the panel's width (their texts are cut), they never scroll sideways
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body = QWidget()
        self.fields_layout = QVBoxLayout(self.body)
        self.fields_layout.setContentsMargins(0, 0, 0, 0)
        self.fields_layout.setSpacing(8)
        self.scroll.setWidget(self.body)
        outer.addWidget(self.scroll, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b;")
        self.message.hide()
        outer.addWidget(self.message)
        foot = QHBoxLayout()
        foot.addWidget(muted("1–9 choose · ↑↓ field · ⌫ clear · Enter next"), 1)
        self.next_button = QPushButton("Next unlabelled")
        self.next_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.next_button.setToolTip("Go to the next record you have not finished (Enter)")
        self.next_button.clicked.connect(self.next_requested)
        foot.addWidget(self.next_button)
        outer.addLayout(foot)

    def add_extra(self, widget: QWidget) -> None:
        """Show ``widget`` over the fields (e.g. the model's suggestion)."""
        self.extras.addWidget(widget)

    def _toggle_guidelines(self, shown: bool) -> None:
        self.guidelines.setVisible(shown and bool(self.guidelines.toMarkdown().strip()))
        self.guide_toggle.setArrowType(Qt.ArrowType.DownArrow if shown
                                       else Qt.ArrowType.RightArrow)

    def reload_schema(self) -> None:
        """Rebuild the field rows and guidelines (after the schema changed)."""
        # Hidden at once: deleteLater waits for the event loop, and until then the old
        # rows would still paint under the new ones.
        for box in self.boxes:
            box.hide()
            box.deleteLater()
        self.boxes = []
        while self.fields_layout.count():
            item = self.fields_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        text = schema.guidelines(self.store)
        self.guidelines.setMarkdown(text)
        self.guide_toggle.setVisible(bool(text.strip()))
        self._toggle_guidelines(self.guide_toggle.isChecked())
        from curator.app.pairwise_box import PairwiseBox

        for fld in schema.fields(self.store):
            box = PairwiseBox(fld) if fld.kind == "pairwise" else FieldBox(fld)
            box.picked.connect(lambda value, b=box: self._save(b, value))
            box.activated.connect(lambda b=box: self.set_active(self.boxes.index(b)))
            box.text_done.connect(lambda save, b=box: self._text_done(b, save))
            self.boxes.append(box)
            self.fields_layout.addWidget(box)
        if not self.boxes:
            self.fields_layout.addWidget(muted(
                "There are no label fields yet. Add fields to the label schema, or import "
                "labels (curator labels import) to create them."))
        self.fields_layout.addStretch(1)
        self.active = 0
        self.refresh()

    # -- state ---------------------------------------------------------------------

    def set_annotator(self, name: str) -> None:
        self.annotator = name.strip()
        self.refresh()

    def set_record(self, record_id: int | None) -> None:
        if self.record_id != record_id:
            self._commit_text()
            self.active = 0
        self.record_id = record_id
        self.refresh()

    def refresh(self) -> None:
        """Show the current record's labels and the annotator's progress."""
        self.message.hide()
        person = assignment.find_annotator(self.store, self.annotator) if self.annotator else None
        role = f" ({person.role})" if person and person.role != "annotator" else ""
        self.who.setText(f"Labelling as <b>{_escape(self.annotator)}</b>{role}"
                         if self.annotator else "Choose who is labelling")
        if self.annotator:
            done = assignment.progress(self.store, self.annotator)
            self.progress_text.setText(str(done))
            self.progress_bar.setRange(0, max(done.assigned, 1))
            self.progress_bar.setValue(done.labelled)
        else:
            self.progress_text.setText("")
            self.progress_bar.setValue(0)
        usable, why = self._usable()
        self.record_text.setText(why)
        blind = self.record_id is not None and labels.is_blind(self.store, self.record_id)
        sees_all = person is not None and person.role == "adjudicator"
        self.blind_note.setVisible(usable and blind and not sees_all)
        shown = (labels.visible_labels(self.store, self.record_id, self.annotator)
                 if usable and self.record_id is not None else [])
        mine = {lab.field: lab.value for lab in shown if lab.annotator == self.annotator}
        for (record, name, who), (_, value) in self._pending.items():
            if record == self.record_id and who == self.annotator:
                mine[name] = value  # shown at once, saved when the writer gets to it
        others: dict[str, list[tuple[str, Any]]] = {}
        for lab in shown:
            if lab.annotator != self.annotator:
                others.setdefault(lab.field, []).append((lab.annotator, lab.value))
        for index, box in enumerate(self.boxes):
            box.setEnabled(usable)
            box.show_record(self.store, self.record_id if usable else None, self.annotator)
            box.show_value(mine.get(box.field.name))
            box.show_others(others.get(box.field.name))
            box.set_active(usable and index == self.active)
        self.next_button.setEnabled(bool(self.annotator))

    def _usable(self) -> tuple[bool, str]:
        if not self.annotator:
            return False, "Set your name to label."
        if self.record_id is None:
            return False, "No record selected."
        row = self.store.db.execute("SELECT key, valid FROM records WHERE id = ?",
                                    (self.record_id,)).fetchone()
        if row is None:
            return False, "That record no longer exists."
        if not row[1]:
            return False, f"Record {row[0]} could not be read, so it cannot be labelled."
        return True, f"Record {row[0]}"

    def set_active(self, index: int) -> None:
        if not self.boxes:
            return
        self.active = max(0, min(index, len(self.boxes) - 1))
        for i, box in enumerate(self.boxes):
            box.set_active(i == self.active)
        box = self.boxes[self.active]
        self.scroll.ensureWidgetVisible(box)
        if box.editor is not None and box.isEnabled():
            box.editor.setFocus()
        elif isinstance(self.focusWidget(), QPlainTextEdit):  # another field's text box
            self.setFocus()

    # -- saving --------------------------------------------------------------------

    def _save(self, box: FieldBox, value: Any) -> None:
        if self.record_id is None or not self.annotator or not self._usable()[0]:
            return
        self._commit_text(but=box)  # text typed elsewhere is saved before the refresh
        record_id, name, who = self.record_id, box.field.name, self.annotator
        key = (record_id, name, who)
        self._tickets += 1
        ticket = self._tickets
        self._pending[key] = (ticket, value)
        box.show_value(value)
        self.submit("Saving label",
                    lambda s: operations.save_label(s, record_id, name, who, value),
                    lambda change: self._saved(key, ticket, change),
                    lambda message: self._not_saved(key, ticket, message))

    def detach(self) -> None:
        """The window let go of this panel (and will close its store)."""
        self.detached = True

    def _settle(self, key: tuple[int, str, str], ticket: int) -> bool:
        """Forget a pending value once its save ended; False if the panel is gone."""
        if self.detached or not alive(self):
            return False
        if self._pending.get(key, (None,))[0] == ticket:  # not a later value for the field
            del self._pending[key]
        return True

    def _saved(self, key: tuple[int, str, str], ticket: int,
               change: operations.LabelChange) -> None:
        if not self._settle(key, ticket):
            return
        self.refresh()
        if change.changed:
            self.labelled.emit(change.record_id)

    def _not_saved(self, key: tuple[int, str, str], ticket: int, message: str) -> None:
        if not self._settle(key, ticket):
            return
        self.refresh()
        self.message.setText(message)
        self.message.show()
        self.failed.emit(message)

    def _commit_text(self, but: FieldBox | None = None) -> None:
        """Save every text field whose box holds unsaved typing."""
        if self._committing:
            return
        self._committing = True
        try:
            for box in self.boxes:
                if box is not but and box.editor is not None:
                    box.commit_text()
        finally:
            self._committing = False

    def _text_done(self, box: FieldBox, save: bool) -> None:
        if save:
            box.commit_text()
            self.setFocus()
            if self.boxes.index(box) + 1 < len(self.boxes):
                self.set_active(self.boxes.index(box) + 1)
        else:
            self.setFocus()  # focus-out saves

    # -- keys ----------------------------------------------------------------------

    def _claims(self, event: QKeyEvent) -> bool:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods & ~Qt.KeyboardModifier.ShiftModifier:
            return False
        if event.key() in _NAV_KEYS:
            return bool(self.boxes) or event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if self.boxes and self.record_id is not None:
            return self.boxes[self.active].choice_for_key(event.text().lower())[0]
        return False

    def event(self, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and self._claims(event)):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._claims(event):
            super().keyPressEvent(event)
            return
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.next_requested.emit()
        elif key == Qt.Key.Key_Up:
            self.set_active(self.active - 1)
        elif key == Qt.Key.Key_Down:
            self.set_active(self.active + 1)
        elif key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self._save(self.boxes[self.active], None)
        else:
            box = self.boxes[self.active]
            _, choice = box.choice_for_key(event.text().lower())
            self._save(box, box.toggled(choice))
            if (box.field.kind in ("single", "rating", "pairwise")
                    and self.active + 1 < len(self.boxes)):
                nxt = self.boxes[self.active + 1]
                if nxt.editor is None:
                    self.set_active(self.active + 1)
        event.accept()
