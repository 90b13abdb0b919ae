"""The options of a choice field, as an editable table: value, key, description, status."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from curator.core.labeling.schema import Option

#: Option table columns.
VALUE, KEY, DESCRIPTION, STATUS = range(4)
#: Data of a row's value item: whether the option is archived, and whether it is saved.
ARCHIVED, SAVED = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


class OptionTable(QTableWidget):
    """A field's options; a saved option keeps its value, a new one is typed in."""

    def __init__(self) -> None:
        super().__init__(0, 4)
        self.setHorizontalHeaderLabels(["Value", "Key", "Description", ""])
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(KEY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.ResizeToContents)
        self.setColumnWidth(VALUE, 150)

    def add_row(self, option: Option, saved: bool) -> int:
        """Append ``option`` (a saved one's value cannot be edited); returns its row."""
        row = self.rowCount()
        self.insertRow(row)
        value = QTableWidgetItem(option.value)
        value.setData(ARCHIVED, bool(option.archived))
        value.setData(SAVED, saved)
        if saved:
            value.setFlags(value.flags() & ~Qt.ItemFlag.ItemIsEditable)
            value.setToolTip("A saved option keeps its value, so labels keep their meaning. "
                             "To rename it, archive it and add a new one.")
        key = QTableWidgetItem(option.key or "")
        key.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        key.setToolTip("One letter or digit (optional)")
        status = QTableWidgetItem()
        status.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        self.setItem(row, VALUE, value)
        self.setItem(row, KEY, key)
        self.setItem(row, DESCRIPTION, QTableWidgetItem(option.description))
        self.setItem(row, STATUS, status)
        self._paint_row(row)
        return row

    def cell(self, row: int, column: int) -> QTableWidgetItem:
        """The item at ``row``, ``column`` (every cell of a row has one)."""
        item = self.item(row, column)
        assert item is not None
        return item

    def value(self, row: int) -> str:
        """The option value in ``row``, as typed."""
        return self.cell(row, VALUE).text()

    def row_state(self, row: int) -> tuple[bool, bool]:
        """Whether the option in ``row`` is saved, and whether it is archived."""
        value = self.cell(row, VALUE)
        return bool(value.data(SAVED)), bool(value.data(ARCHIVED))

    def selected_row(self) -> int:
        """The selected row, or -1."""
        return self.currentRow() if self.selectedItems() else -1

    def set_archived(self, row: int, archived: bool) -> None:
        """Show the option in ``row`` as archived (or not)."""
        self.cell(row, VALUE).setData(ARCHIVED, archived)
        self._paint_row(row)

    def to_options(self) -> list[Option]:
        """The rows as options, stripped of surrounding blanks."""
        out = []
        for row in range(self.rowCount()):
            value = self.cell(row, VALUE)
            key = (self.cell(row, KEY).text() or "").strip()
            description = self.item(row, DESCRIPTION)
            out.append(Option(value=value.text().strip(),
                              description=(description.text() if description else "").strip(),
                              key=key or None,
                              archived=bool(value.data(ARCHIVED))))
        return out

    def _paint_row(self, row: int) -> None:
        saved, archived = self.row_state(row)
        self.cell(row, STATUS).setText("archived" if archived else ("" if saved else "new"))
        for column in range(4):
            item = self.item(row, column)
            if item is None:
                continue
            font = item.font()
            font.setItalic(archived)
            item.setFont(font)
            item.setForeground(QColor(128, 128, 128) if archived
                               else self.palette().color(QPalette.ColorRole.Text))
