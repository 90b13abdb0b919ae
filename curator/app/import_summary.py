"""What an import did, file by file: a dialog the user can read, and a short total."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from curator.core.text import plural

COLUMNS = ["File", "Records", "Invalid lines", "Result"]
#: How many of a file's invalid lines its tooltip names.
ERRORS_SHOWN = 5


def import_total(report: Any) -> str:
    """The whole import in one short line (the status bar's)."""
    imported = [s for s in report.sources if not s.skipped]
    skipped = len(report.sources) - len(imported)
    parts = [f"Imported {plural(report.records, 'record')} from "
             f"{plural(len(imported), 'file')}"]
    if report.invalid:
        parts.append(f"{plural(report.invalid, 'invalid line')}")
    if skipped:
        parts.append(f"{plural(skipped, 'file')} already imported")
    if report.failed:
        parts.append(f"{plural(len(report.failed), 'file')} failed")
    return ", ".join(parts) + "."


def _rows(report: Any) -> list[tuple[str, str, str, str, str, str]]:
    """(file, records, invalid, result, tooltip of the invalid lines, kind) per file."""
    rows = []
    for source in report.sources:
        if source.skipped:
            rows.append((source.name, "—", "—",
                         f"Skipped: {source.skipped_reason or 'already imported'}", "",
                         "skipped"))
            continue
        errors = "\n".join(
            f"line {e.get('line') or e.get('item')}: {e.get('message', '')}"
            for e in source.errors[:ERRORS_SHOWN])
        if source.invalid > len(source.errors[:ERRORS_SHOWN]):
            errors += "\n…"
        result = "Imported" if not source.invalid else (
            f"Imported; {plural(source.invalid, 'line')} kept as invalid records")
        rows.append((source.name, f"{source.records:,}", f"{source.invalid:,}", result,
                     errors, "imported"))
    for failed in report.failed:
        rows.append((Path(failed.get("path", "")).name, "—", "—",
                     f"Failed: {failed.get('error', '')}", "", "failed"))
    return rows


class ImportSummaryDialog(QDialog):
    """Per file: records, invalid lines, and whether it was skipped or failed."""

    def __init__(self, report: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import summary")
        self.setAccessibleName("Import summary")
        self.total = QLabel(import_total(report))
        self.total.setWordWrap(True)
        self.total.setAccessibleName("Import total")
        rows = _rows(report)
        self.table = QTableWidget(len(rows), len(COLUMNS))
        self.table.setAccessibleName("Imported files")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        failed_ink = self.palette().color(QPalette.ColorRole.Text)
        failed_ink.setRgb(0xC0, 0x39, 0x2B)
        for row, (name, records, invalid, result, errors, kind) in enumerate(rows):
            for column, text in enumerate((name, records, invalid, result)):
                item = QTableWidgetItem(text)
                item.setToolTip(errors if column == 2 and errors else text)
                if column in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if kind == "failed":
                    item.setForeground(failed_ink)
                elif kind == "skipped":
                    item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
                self.table.setItem(row, column, item)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 320))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.total)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(820, min(620, 150 + 30 * len(rows)))
        self.table.resizeRowsToContents()

    def rows(self) -> list[list[str]]:
        """The table's text, row by row (what a user reads)."""
        cells = [[self.table.item(r, c) for c in range(self.table.columnCount())]
                 for r in range(self.table.rowCount())]
        return [[cell.text() if cell is not None else "" for cell in row] for row in cells]

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.table.resizeRowsToContents()  # wrapped reasons need taller rows
