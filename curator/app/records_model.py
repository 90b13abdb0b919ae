"""The records table: a Qt model over a list of ids, rows fetched as they are shown.

Filtering and sorting produce the id list off the UI thread (``query_ids`` in a job);
the model keeps only that array (8 bytes a record) and a small cache of rows, fetching
200 rows by primary key when a row first scrolls into view, so it stays fast and small
at a million records (the approach of Anki's browser table).
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from curator.core.labeling.labels import table_labels
from curator.core.store import Store
from curator.core.store.browse import table_rows

COLUMNS = (("key", "Record"), ("first_user", "First user message"), ("review", "Review"),
           ("findings", "Findings"), ("labels", "Labels"), ("tokens", "Tokens"),
           ("source", "Source"))
PAGE = 200
CACHE_PAGES = 50
REVIEW_COLOURS = {"accepted": "#2e7d32", "rejected": "#c62828", "needs-edit": "#ef8f00"}

Index = QModelIndex | QPersistentModelIndex


class RecordTableModel(QAbstractTableModel):
    """Rows of records; ``set_ids`` swaps in a new filtered/sorted view."""

    def __init__(self, store: Store | None = None) -> None:
        super().__init__()
        self.store = store
        #: Whose labels the Labels column may show (blind batches hide the others').
        self.viewer: str | None = None
        self.ids = array("q")
        self._pages: OrderedDict[int, dict[int, dict[str, Any]]] = OrderedDict()

    # -- content -------------------------------------------------------------------

    def set_store(self, store: Store | None) -> None:
        self.beginResetModel()
        self.store = store
        self.ids = array("q")
        self._pages.clear()
        self.endResetModel()

    def set_ids(self, ids: array) -> None:
        self.beginResetModel()
        self.ids = ids
        self._pages.clear()
        self.endResetModel()

    def refresh_rows(self, first: int = 0, last: int | None = None) -> None:
        """Forget cached rows (after a review or an edit) and repaint them."""
        self._pages.clear()
        if self.ids:
            last = len(self.ids) - 1 if last is None else last
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def record_id(self, row: int) -> int | None:
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def row_of(self, record_id: int) -> int | None:
        try:
            return self.ids.index(record_id)
        except ValueError:
            return None

    def row_data(self, row: int) -> dict[str, Any] | None:
        if self.store is None or not 0 <= row < len(self.ids):
            return None
        page = row // PAGE
        rows = self._pages.get(page)
        if rows is None:
            ids = self.ids[page * PAGE:(page + 1) * PAGE]
            store, viewer = self.store, self.viewer
            rows = table_rows(store, list(ids), lambda ids: table_labels(store, ids, viewer))
            self._pages[page] = rows
            if len(self._pages) > CACHE_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page)
        return rows.get(self.ids[row])

    # -- Qt model ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(COLUMNS):
            return None
        row = self.row_data(index.row())
        if row is None:
            return None
        name = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, name)
        if role == Qt.ItemDataRole.ToolTipRole and name in ("first_user", "labels"):
            return row.get(name)
        if role == Qt.ItemDataRole.ForegroundRole:
            if name == "review" and row["review"] in REVIEW_COLOURS:
                return QBrush(QColor(REVIEW_COLOURS[row["review"]]))
            if name == "first_user" and not row["valid"]:
                return QBrush(QColor("#c62828"))
        if role == Qt.ItemDataRole.TextAlignmentRole and name == "tokens":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row["id"]
        return None

    @staticmethod
    def _display(row: dict[str, Any], name: str) -> str:
        if name == "findings":
            return ", ".join(f"{kind} {n}" for kind, n in sorted(row["findings"].items()))
        if name == "tokens":
            return "" if row["tokens"] is None else f"{row['tokens']:,}"
        if name == "first_user":
            text = (row["first_user"] or "").replace("\n", " ")
            return text if row["valid"] else f"⚠ {text}"
        return str(row.get(name) or "")
