"""Find similar: a record's nearest records by input and by answer, to open one by one.

A window of its own (not modal), so the user can open each neighbour in the Records tab
and come back: two lists, by input above and by answer below, each row the similarity,
the record key, its input and its answer. Double-click, Enter or "Open record" opens
it (``open_record``). The lists are computed off the UI thread by the window
(curator.core.checks.similar); this only shows them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from curator.app.widgets import ElidedLabel, muted

ROLE_RECORD = Qt.ItemDataRole.UserRole


class NeighbourList(QWidget):
    """One list of neighbours (by input or by answer) with its heading."""

    open_record = Signal(int)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        heading = QLabel(f"<b>{title}</b>")
        layout.addWidget(heading)
        self.note = muted()
        self.note.hide()
        layout.addWidget(self.note)
        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName(title)
        self.table.setHorizontalHeaderLabels(["Similarity", "Record", "Labels", "Input",
                                              "Answer"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        # key and labels are short: whole; the two texts share the rest
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _i: self.open_current())
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        layout.addWidget(self.table, 1)

    def set_neighbours(self, found: list[Any] | str,
                       labels: dict[int, str] | None = None) -> None:
        """``found``: the neighbours (``similar.Neighbour``), or why there are none;
        ``labels``: each record's final labels in short."""
        self.table.setRowCount(0)
        if isinstance(found, str) or not found:
            self.note.setText(found if isinstance(found, str) and found else
                              "No other records to compare.")
            self.note.show()
            return
        self.note.hide()
        for neighbour in found:
            row = self.table.rowCount()
            self.table.insertRow(row)
            cells = (f"{neighbour.similarity:.3f}", neighbour.key,
                     (labels or {}).get(neighbour.record_id, ""), neighbour.input,
                     neighbour.answer)
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(ROLE_RECORD, neighbour.record_id)
                cell.setToolTip(text)
                if column == 0:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        self.table.selectRow(0)

    def current_record(self) -> int | None:
        item = self.table.item(self.table.currentRow(), 0)
        return int(item.data(ROLE_RECORD)) if item is not None else None

    def open_current(self) -> None:
        record = self.current_record()
        if record is not None:
            self.open_record.emit(record)


class SimilarDialog(QDialog):
    """The records nearest to one record, by input and by answer."""

    open_record = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Similar records")
        self.setAccessibleName("Similar records")
        self.setModal(False)
        self.record_id: int | None = None
        layout = QVBoxLayout(self)
        self.title = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        layout.addWidget(muted("Nearest records by the sentence vectors of their input and "
                               "of their answer (cosine similarity, 1 = the same). Open one "
                               "to label or fix it the same way."))
        split = QSplitter(Qt.Orientation.Vertical)
        self.by_input = NeighbourList("By input")
        self.by_answer = NeighbourList("By answer")
        split.addWidget(self.by_input)
        split.addWidget(self.by_answer)
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox()
        self.open_button = QPushButton("Open record")
        self.open_button.setToolTip("Show the selected record in the Records tab (Enter)")
        self.open_button.clicked.connect(self._open_focused)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        for view in (self.by_input, self.by_answer):
            view.open_record.connect(self.open_record)
        self.last: NeighbourList = self.by_input
        self.by_input.table.itemSelectionChanged.connect(
            lambda: setattr(self, "last", self.by_input))
        self.by_answer.table.itemSelectionChanged.connect(
            lambda: setattr(self, "last", self.by_answer))
        self.resize(900, 560)

    def show_loading(self, key: str) -> None:
        self.title.setText(f"Similar to {key}")
        for view in (self.by_input, self.by_answer):
            view.set_neighbours("Looking…")

    def show_result(self, record_id: int, key: str, by_input: list[Any] | str,
                    by_answer: list[Any] | str, labels: dict[int, str] | None = None,
                    own: str = "") -> None:
        """Show the neighbours of ``key`` (a list, or why there is none, per side), with
        each record's final labels (``own``: the record's own)."""
        self.record_id = record_id
        self.title.setText(f"Similar to {key}" + (f"  ({own})" if own else ""))
        self.by_input.set_neighbours(by_input, labels)
        self.by_answer.set_neighbours(by_answer, labels)

    def _open_focused(self) -> None:
        self.last.open_current()
