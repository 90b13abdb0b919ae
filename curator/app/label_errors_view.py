"""The label-errors queue: records whose label the rest of the data disagrees with.

One row per likely label error (findings ``label_error``, most confident first): record,
field, the given value, the model's suggestion and its confidence. A accept the
suggestion · D keep the given label · S send to adjudication · F find similar records ·
Enter (or O) open the record · J/K move. The widget only shows and asks; the window runs
the changes (undoable, curator.core.checks.label_review) and reloads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from curator.app.widgets import ElidedLabel, ItemsTableModel

SHOW = (("To review", "to-review"), ("Sent to adjudication", "sent"),
        ("Kept or fixed", "closed"), ("All", "all"))
#: (action, key, button text, tooltip)
ACTIONS = (
    ("accept", "A", "Accept suggestion",
     "The model is right: make the suggested value the final label (an adjudicator's "
     "decision) or the new answer (a revision). Undo with Ctrl+Z."),
    ("keep", "D", "Keep given label",
     "The given label is right: dismiss this finding (a rescan keeps it dismissed)."),
    ("send", "S", "Send to adjudication",
     "Let an adjudicator decide: the record joins the field's queue in the Adjudication "
     "tab, with the suggestion offered."),
)


def status_text(item: dict[str, Any]) -> str:
    """A finding's state in words: to review, sent to adjudication, kept or fixed (by)."""
    if item["status"] == "open":
        return "sent to adjudication" if item.get("sent") else "to review"
    word = {"dismissed": "kept", "resolved": "fixed"}.get(item["status"], item["status"])
    return f"{word} by {item.get('status_by') or '?'}"


class LabelErrorModel(ItemsTableModel):
    """The queue's findings as rows."""

    HEADERS = ("Record", "Field", "Given", "Suggested", "Confidence", "Status", "Input")

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        detail = item.get("detail") or {}
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            confidence = detail.get("confidence")
            return (item["record"], detail.get("field"), detail.get("given"),
                    detail.get("suggested"),
                    f"{float(confidence):.2f}" if confidence is not None else "",
                    status_text(item), " ".join(str(item.get("input") or "").split())
                    )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.get("description")
        return None


class _Keys(QObject):
    """The queue's letter keys, claimed before the window's shortcuts (A is also
    Review → Accept there)."""

    def __init__(self, queue: LabelErrorQueue) -> None:
        super().__init__(queue)
        self.queue = queue

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent) or event.modifiers() & ~(
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier):
            return False
        text = event.text().lower()
        known = text in self.queue.keys
        if event.type() == QEvent.Type.ShortcutOverride and known:
            event.accept()
            return True
        if event.type() == QEvent.Type.KeyPress and known:
            self.queue.keys[text]()
            return True
        return False


class LabelErrorQueue(QWidget):
    """Likely label errors across the project, reviewed by keyboard."""

    #: (action, findings): accept, keep or send.
    action = Signal(str, list)
    #: A record to show in the Records tab.
    open_record = Signal(int)
    #: Find records similar to this one.
    similar_requested = Signal(int)
    #: The user asked for (another) scan.
    scan_requested = Signal()
    #: The filter changed: reload with ``show``.
    reload_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Label errors")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.show_filter = QComboBox()
        self.show_filter.setAccessibleName("Which label errors")
        for label, value in SHOW:
            self.show_filter.addItem(label, value)
        self.summary = ElidedLabel()
        self.summary.setAccessibleName("Label errors summary")
        self.scan_button = QPushButton("Find likely label errors")
        self.scan_button.setToolTip("Cross-validated model on the cached sentence vectors, "
                                    "then confident learning: labels the rest of the data "
                                    "disagrees with (Ctrl+Shift+L).")
        top.addWidget(self.show_filter)
        top.addWidget(self.summary, 1)
        top.addWidget(self.scan_button)
        layout.addLayout(top)

        self.banner = QLabel()
        self.banner.setObjectName("labelErrorsBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel#labelErrorsBanner { background: rgba(232, 163, 61, "
                                  "0.25); border: 1px solid #e8a33d; border-radius: 4px; "
                                  "padding: 6px; }")
        self.banner.hide()
        layout.addWidget(self.banner)

        self.model = LabelErrorModel()
        self.table = QTableView()
        self.table.setAccessibleName("Likely label errors")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((170, 110, 150, 150, 90, 160)):
            self.table.setColumnWidth(column, width)
        layout.addWidget(self.table, 1)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("Label errors empty")
        layout.addWidget(self.empty, 1)

        bottom = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        self.keys: dict[str, Callable[[], None]] = {
            "j": functools.partial(self.step, 1), "k": functools.partial(self.step, -1),
            "o": self.open_current, "f": self.find_similar}
        for name, key, label, tip in ACTIONS:
            button = QPushButton(f"{label}  ({key})")
            button.setToolTip(tip)
            button.setAccessibleName(label)
            button.clicked.connect(lambda _=False, n=name: self.act(n))
            bottom.addWidget(button)
            self.buttons[name] = button
            self.keys[key.lower()] = functools.partial(self.act, name)
        bottom.addStretch(1)
        self.similar_button = QPushButton("Find similar  (F)")
        self.similar_button.setToolTip("The records nearest to this one by input and by "
                                       "answer, to label or fix them alike.")
        self.similar_button.clicked.connect(self.find_similar)
        bottom.addWidget(self.similar_button)
        self.open_button = QPushButton("Open record  (Enter)")
        self.open_button.clicked.connect(self.open_current)
        bottom.addWidget(self.open_button)
        layout.addLayout(bottom)
        self.table.installEventFilter(_Keys(self))
        self.table.activated.connect(lambda _index: self.open_current())
        self.show_filter.activated.connect(lambda _i: self.reload_requested.emit())
        self.scan_button.clicked.connect(self.scan_requested.emit)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.set_items([], None)

    # -- data ------------------------------------------------------------------------

    @property
    def shown(self) -> str:
        """Which findings the queue shows (``label_review.SHOW``)."""
        return str(self.show_filter.currentData())

    def set_items(self, items: list[dict[str, Any]], counts: dict[str, int] | None,
                  keep_row: bool = True) -> None:
        """Show ``items`` (from ``label_review.queue``); ``counts`` None: never scanned."""
        row = self.current_row() if keep_row else 0
        self.model.set_items(items)
        if counts is None:
            self.summary.setText("No scan for label errors yet.")
            self.empty.setText("Nothing scanned yet. Press “Find likely label errors” to "
                               "check every single-choice label field with final labels, "
                               "and answers that are class labels.")
        else:
            self.summary.setText(
                f"{counts['to_review']:,} to review · {counts['sent']:,} sent to "
                f"adjudication · {counts['dismissed']:,} kept · {counts['resolved']:,} fixed")
            self.empty.setText("No label errors here." if self.shown != "to-review" else
                               "Nothing left to review: every likely label error was kept, "
                               "fixed or sent to adjudication.")
        self.table.setVisible(bool(items))
        self.empty.setVisible(not items)
        if items:
            self.select(min(row, len(items) - 1))
        self._update_buttons()

    def set_warnings(self, warnings: list[str]) -> None:
        """What the last scan could not judge (too few labels, ...)."""
        self.banner.setText("\n".join(warnings))
        self.banner.setVisible(bool(warnings))

    # -- selection ---------------------------------------------------------------------

    def current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else 0

    def select(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)
            self.table.setCurrentIndex(self.model.index(row, 0))
            self.table.scrollTo(self.model.index(row, 0))

    def step(self, step: int) -> None:
        self.select(self.current_row() + step)

    def selected(self) -> list[dict[str, Any]]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        return [self.model.items[r] for r in rows if r < len(self.model.items)]

    def _update_buttons(self) -> None:
        chosen = self.selected()
        open_items = [c for c in chosen if c["status"] == "open"]
        self.buttons["accept"].setEnabled(bool(open_items))
        self.buttons["keep"].setEnabled(bool(open_items))
        # the answer is no label field: nothing to adjudicate
        self.buttons["send"].setEnabled(any(
            not c.get("sent") and (c.get("detail") or {}).get("field") != "answer"
            for c in open_items))
        self.open_button.setEnabled(len(chosen) == 1)
        self.similar_button.setEnabled(len(chosen) == 1)

    def act(self, name: str) -> None:
        chosen = [c for c in self.selected() if c["status"] == "open"]
        if name == "send":
            chosen = [c for c in chosen if not c.get("sent")
                      and (c.get("detail") or {}).get("field") != "answer"]
        if chosen and self.buttons[name].isEnabled():
            self.action.emit(name, chosen)

    def open_current(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            self.open_record.emit(int(chosen[0]["record_id"]))

    def find_similar(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            self.similar_requested.emit(int(chosen[0]["record_id"]))
