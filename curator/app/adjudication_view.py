"""The adjudication view: the queue of records whose annotators disagree on a field.

For the selected record every annotator's label is shown side by side, with one button
per value they gave (keys 1..9, most votes first) and a box to type any other value.
Deciding is an operation (:func:`curator.core.operations.decide_label`, audited) handed
to the view's ``submit`` (the window's writer runner, or at once on the view's store);
the view moves to the next record in the queue straight away. Up/Down walk the queue,
Enter (or O) opens the record (``open_record``), Ctrl+Enter in the box decides the typed
value.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from curator.app.field_box import STYLE, show_value
from curator.app.operations import Submit, alive, run_at_once
from curator.app.widgets import muted
from curator.core import operations
from curator.core.errors import CuratorError
from curator.core.labeling import assignment, labels, pairwise, schema
from curator.core.labeling.labels import Disagreement
from curator.core.store import Store

ROLE_RECORD = Qt.ItemDataRole.UserRole


def pair_words(store: Store, record_id: int) -> dict[str, str]:
    """A pairwise field's outcomes in words for the adjudicator, who is not blind: each
    outcome's button text, and a note on which answer A and B are now ("note")."""
    chosen, _ = pairwise.current_letters(store, record_id)
    now = {x: "chosen" if x == chosen else "rejected" for x in pairwise.SIDES}
    return {"A": f"A is better (now {now['A']})", "B": f"B is better (now {now['B']})",
            "tie": "Tie",
            "note": f"A and B are the answers as imported; {chosen} is the chosen one now. "
                    "Deciding for the rejected one swaps chosen and rejected (Ctrl+Z "
                    "undoes)."}


class _DecideKeys(QObject):
    """Ctrl+Enter (or Enter) in the typed-value box decides it."""

    def __init__(self, view: AdjudicationView) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.view.decide_typed()
            return True
        return False


class AdjudicationView(QWidget):
    """Decide final labels where annotators disagree (adjudicators only)."""

    open_record = Signal(int)
    decided = Signal(int, str)       # record id, field name
    #: A pairwise decision swapped the record's answers: (Decision, value, note), for
    #: the window's undo.
    swapped = Signal(object, object, str)
    failed = Signal(str)
    #: The user asked to make someone an adjudicator (the annotators dialog).
    annotators_requested = Signal()

    def __init__(self, store: Store, adjudicator: str = "", parent: QWidget | None = None,
                 submit: Submit | None = None) -> None:
        """``store`` is read on the UI thread; ``submit`` saves (default: at once on it)."""
        super().__init__(parent)
        self.store = store
        self.adjudicator = adjudicator
        self.submit = submit or run_at_once(store)
        #: Replaced (another project opened): decisions still finish, the screen is not ours.
        self.detached = False
        self.queue: list[Disagreement] = []
        self.candidates: list[Any] = []
        self.setStyleSheet(STYLE)
        self.setAccessibleName("Adjudication")
        self._build()
        self.reload_fields()

    # -- building ------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Field"))
        self.field_combo = QComboBox()
        self.field_combo.setAccessibleName("Field to adjudicate")
        self.field_combo.currentIndexChanged.connect(lambda _: self.refresh())
        bar.addWidget(self.field_combo)
        self.show_decided = QCheckBox("Show decided")
        self.show_decided.toggled.connect(lambda _: self.refresh())
        bar.addWidget(self.show_decided)
        bar.addStretch(1)
        self.count = muted(wrap=False)
        bar.addWidget(self.count)
        outer.addLayout(bar)
        self.role_note = QLabel()
        self.role_note.setWordWrap(True)
        self.role_note.setStyleSheet("color: #b7791f;")
        self.role_button = QPushButton("Annotators and batches…")
        self.role_button.setAccessibleName("Make an adjudicator")
        self.role_button.setToolTip("Give someone the adjudicator role (Labels → "
                                    "Annotators and batches)")
        self.role_button.clicked.connect(self.annotators_requested)
        role_row = QHBoxLayout()
        role_row.addWidget(self.role_note, 1)
        role_row.addWidget(self.role_button, 0, Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(role_row)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.list = QListWidget()
        self.list.setAccessibleName("Disagreements")
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(1)
        self.list.currentRowChanged.connect(lambda _: self._show_current())
        self.list.itemActivated.connect(lambda _: self._open())
        self.list.installEventFilter(self)
        split.addWidget(self.list)
        split.addWidget(self._detail())
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([320, 520])
        outer.addWidget(split, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b;")
        self.message.hide()
        outer.addWidget(self.message)

    def _detail(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(8, 0, 0, 0)
        head = QHBoxLayout()
        self.record_title = QLabel()
        head.addWidget(self.record_title, 1)
        self.open_button = QPushButton("Open record")
        self.open_button.setToolTip("Show this record (Enter or O)")
        self.open_button.clicked.connect(self._open)
        head.addWidget(self.open_button)
        layout.addLayout(head)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Annotator", "Label", "Saved"])
        self.table.setAccessibleName("Labels of this record")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("<b>Final value</b>"))
        self.pair_note = muted()
        self.pair_note.hide()
        layout.addWidget(self.pair_note)
        self.choice_grid = QGridLayout()
        self.choice_grid.setSpacing(6)
        layout.addLayout(self.choice_grid)
        typed = QHBoxLayout()
        self.typed = QLineEdit()
        self.typed.setAccessibleName("Other final value")
        self.typed.setPlaceholderText("Or type a value (Enter decides)")
        self.typed.installEventFilter(_DecideKeys(self))
        typed.addWidget(self.typed, 1)
        self.decide_button = QPushButton("Decide")
        self.decide_button.clicked.connect(self.decide_typed)
        typed.addWidget(self.decide_button)
        layout.addLayout(typed)
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Note (optional): why this value")
        layout.addWidget(self.note)
        self.current = muted()
        layout.addWidget(self.current)
        layout.addWidget(muted("↑↓ record · 1–9 decide · Enter open record", wrap=False))
        return box

    # -- state ---------------------------------------------------------------------

    def reload_fields(self) -> None:
        """Offer the schema's fields (after it changed); keeps the chosen one."""
        keep = self.field_name
        self.field_combo.blockSignals(True)
        self.field_combo.clear()
        for fld in schema.fields(self.store):
            if fld.kind != "text":
                self.field_combo.addItem(fld.name)
        index = self.field_combo.findText(keep) if keep else 0
        self.field_combo.setCurrentIndex(max(index, 0))
        self.field_combo.blockSignals(False)
        self.refresh()

    @property
    def field_name(self) -> str:
        return self.field_combo.currentText() if hasattr(self, "field_combo") else ""

    def set_field(self, name: str) -> None:
        index = self.field_combo.findText(name)
        if index < 0:
            raise CuratorError(f'There is no label field "{name}" to adjudicate.')
        self.field_combo.setCurrentIndex(index)

    def set_adjudicator(self, name: str) -> None:
        self.adjudicator = name.strip()
        self.refresh()

    @property
    def allowed(self) -> bool:
        person = assignment.find_annotator(self.store, self.adjudicator)
        return person is not None and person.role == "adjudicator"

    def refresh(self) -> None:
        """Reload the queue, keeping the selected record when it is still there."""
        keep = self.current_record
        name = self.field_name
        self.queue = (labels.disagreements(self.store, name, self.show_decided.isChecked())
                      if name else [])
        open_count = sum(1 for d in self.queue if d.decided is None)
        self.count.setText(f"{open_count} to decide" if name else "No fields to adjudicate")
        self.role_note.setVisible(not self.allowed)
        self.role_button.setVisible(not self.allowed)
        self.role_note.setText(
            f"{self.adjudicator or 'Nobody'} is not an adjudicator, so the decisions here "
            "are read-only. An adjudicator decides final labels: give the role in "
            "Annotators and batches.")
        self.list.blockSignals(True)
        self.list.clear()
        for item in self.queue:
            votes = " · ".join(f"{show_value(schema.load_value(v))} ×{n}"
                               for v, n in sorted(item.counts.items(), key=lambda x: -x[1]))
            text = f"{item.key}    {votes}"
            if item.requested is not None:
                text += "    · sent to adjudication"
            if item.decided is not None:
                text = f"✓ {show_value(item.decided)}  ·  " + text
            entry = QListWidgetItem(text)
            entry.setData(ROLE_RECORD, item.record_id)
            self.list.addItem(entry)
        rows = [d.record_id for d in self.queue]
        self.list.setCurrentRow(rows.index(keep) if keep in rows else (0 if rows else -1))
        self.list.blockSignals(False)
        self._show_current()

    @property
    def current_record(self) -> int | None:
        item = self.list.currentItem() if hasattr(self, "list") else None
        return int(item.data(ROLE_RECORD)) if item is not None else None

    def _current(self) -> Disagreement | None:
        row = self.list.currentRow()
        return self.queue[row] if 0 <= row < len(self.queue) else None

    def _show_current(self) -> None:
        item = self._current()
        self.message.hide()
        self.table.setRowCount(0)
        while self.choice_grid.count():
            taken = self.choice_grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.candidates = []
        enabled = item is not None and self.allowed
        for widget in (self.typed, self.decide_button, self.note):
            widget.setEnabled(enabled)
        self.open_button.setEnabled(item is not None)
        if item is None:
            self.record_title.setText("Nothing to decide." if self.field_name else "")
            self.current.setText("")
            return
        self.record_title.setText(f"<b>{item.key}</b> — {self.field_name}")
        stamps = {lab.annotator: lab.updated_at for lab in labels.labels_for(
            self.store, item.record_id) if lab.field == self.field_name}
        fld = schema.get_field(self.store, self.field_name)
        words = pair_words(self.store, item.record_id) if fld.kind == "pairwise" else {}
        for person, value in item.labels.items():
            row = self.table.rowCount()
            self.table.insertRow(row)
            said = words.get(str(pairwise.outcome(value)), show_value(value))
            for column, text in enumerate((person, said,
                                           stamps.get(person, "")[:16].replace("T", " "))):
                self.table.setItem(row, column, QTableWidgetItem(text))
        counted = sorted(item.counts.items(), key=lambda x: -x[1])
        votes: list[tuple[str, int | str]] = list(counted)
        suggested = (item.requested or {}).get("suggested")
        if suggested is not None and labels.same_value(suggested) not in item.counts:
            votes.append((labels.same_value(suggested), "model"))  # sent as a label error
        self.candidates = [schema.load_value(v) for v, _ in votes]
        self.pair_note.setVisible(bool(words))
        self.pair_note.setText(words.get("note", ""))
        for index, (value, (_, n)) in enumerate(zip(self.candidates, votes, strict=True)):
            key = str(index + 1) if index < 9 else ""
            shown = words.get(str(value), show_value(value))
            button = QPushButton(f"{key}   {shown}  ({n})" if key else shown)
            button.setProperty("choice", True)
            button.setCheckable(True)
            button.setChecked(item.decided is not None and
                              schema.values_equal(item.decided, value))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setEnabled(enabled)
            button.setAccessibleName(f"Decide {show_value(value)}")
            button.clicked.connect(lambda _=False, v=value: self.decide(v))
            self.choice_grid.addWidget(button, index // 3, index % 3)
        completer = QCompleter([str(c) for c in fld.choices()], self.typed)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.typed.setCompleter(completer)
        self.typed.clear()
        self.note.setText(item.note or "")
        self.current.setText((f"Decided: {show_value(item.decided)}"
                              if item.decided is not None else "Not decided yet.")
                             + (f"  Sent by {item.requested['by']}: "
                                f"{item.requested['reason']}" if item.requested else ""))

    # -- deciding ------------------------------------------------------------------

    def decide(self, value: Any) -> bool:
        """Make ``value`` the current record's final label; moves to the next one.

        False when the decision was refused (at once; a refusal that comes later from
        the window's writer is shown the same way).
        """
        item = self._current()
        if item is None:
            return False
        row = self.list.currentRow()
        ids = [d.record_id for d in self.queue]
        # Where the queue goes on: the next record; at the end, the previous one (the
        # decided one leaves the list) or the same one (decided ones stay in view).
        target = (ids[row + 1] if row + 1 < len(ids) else
                  ids[row] if self.show_decided.isChecked() else
                  ids[row - 1] if row > 0 else None)
        record, name, who = item.record_id, self.field_name, self.adjudicator
        note = self.note.text().strip()
        refused: list[str] = []

        def done(decision: operations.Decision) -> None:
            if decision.swapped is not None:
                self.swapped.emit(decision, value, note)
            if self._here():
                self.decided.emit(record, name)
                self.refresh()

        def failed(message: str) -> None:
            refused.append(message)
            if self._here():
                self.refresh()
                self._select(record)
                self.message.setText(message)
                self.message.show()
                self.failed.emit(message)

        self.submit("Saving the decision",
                    lambda s: operations.decide_label(s, record, name, value, who, note),
                    done, failed)
        if refused:
            return False
        self._select(target)  # on at once: the next decision need not wait for this one
        self.list.setFocus()
        return True

    def detach(self) -> None:
        """The window let go of this view (and will close its store)."""
        self.detached = True

    def _here(self) -> bool:
        return not self.detached and alive(self)

    def _select(self, record_id: int | None) -> None:
        rows = [d.record_id for d in self.queue]
        if record_id in rows:
            self.list.setCurrentRow(rows.index(record_id))

    def decide_typed(self) -> None:
        text = self.typed.text()
        if not text.strip():
            return
        try:
            value = schema.parse_value(schema.get_field(self.store, self.field_name), text)
        except CuratorError as exc:
            self.message.setText(str(exc))
            self.message.show()
            self.failed.emit(str(exc))
            return
        self.decide(value)

    def _open(self) -> None:
        record = self.current_record
        if record is not None:
            self.open_record.emit(record)

    # -- keys ----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list and isinstance(event, QKeyEvent):
            plain = not (event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                               | Qt.KeyboardModifier.KeypadModifier))
            text = event.text()
            digit = plain and text.isdigit() and 1 <= int(text) <= len(self.candidates)
            opener = plain and text.lower() == "o"
            if event.type() == QEvent.Type.ShortcutOverride and (digit or opener):
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress and digit:
                if self.allowed:
                    self.decide(self.candidates[int(text) - 1])
                return True
            if event.type() == QEvent.Type.KeyPress and opener:
                self._open()
                return True
        return super().eventFilter(watched, event)
