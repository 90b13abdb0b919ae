"""The personal-data queue: every suspected PII span in the project, reviewed by keyboard.

D dismiss (not personal data) · C confirm (real, handle it on export) · W allow this text
everywhere · X redact it in the record · Enter open the record · J/K move.
The widget only shows and asks; the main window runs the changes (undoable) and reloads.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
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

from curator.app.widgets import ElidedLabel

#: Highlight colours per PII type (the record view uses the same ones).
PII_COLORS: dict[str, str] = {
    "PERSON": "#e8a33d",
    "EMAIL_ADDRESS": "#3d8be8",
    "PHONE_NUMBER": "#2fa36b",
    "LOCATION": "#a35fd6",
    "CREDIT_CARD": "#d64545",
    "IBAN_CODE": "#d64545",
    "US_SSN": "#d64545",
    "IP_ADDRESS": "#3aa0a0",
    "URL": "#6b7fd6",
    "DATE_TIME": "#8a8a8a",
    "NRP": "#c26fa0",
    "ORGANIZATION": "#8f7a4a",
}
OTHER_COLOR = "#b0703a"

SHOW = (("To review", "to-review"), ("Confirmed and open", "open"),
        ("Dismissed or resolved", "closed"), ("All", "all"))
ACTIONS = (("dismiss", "D", "&Dismiss", "Not personal data: close this span."),
           ("confirm", "C", "&Confirm", "Real personal data: keep it open so export "
                                        "redacts or excludes it."),
           ("allow", "W", "Allo&w everywhere", "Add this text to the project's allow-list: "
                                               "never flag it again, anywhere."),
           ("redact", "X", "Redac&t", "Replace the text by its type (e.g. <PERSON>) in the "
                                       "record, as a new revision."))


def pii_color(code: str) -> QColor:
    return QColor(PII_COLORS.get(code, OTHER_COLOR))


class PiiModel(QAbstractTableModel):
    """The spans of the queue as rows."""

    HEADERS = ("Record", "Type", "Text", "Where", "Score", "Status")

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, Any]] = []

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return item["record"]
            if column == 1:
                return item["code"]
            if column == 2:
                return item["text"]
            if column == 3:
                message = item.get("message")
                return f"message {message + 1}" if isinstance(message, int) else ""
            if column == 4:
                score = item.get("detail", {}).get("score")
                return f"{score:.2f}" if isinstance(score, (int, float)) else ""
            if column == 5:
                if item["status"] == "open":
                    return "confirmed" if item.get("confirmed") else "to review"
                return f"{item['status']} by {item.get('status_by') or '?'}"
        if role == Qt.ItemDataRole.DecorationRole and column == 1:
            return pii_color(item["code"])
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.get("description")
        return None


class PiiQueue(QWidget):
    """Suspected personal data across the project, with keyboard review."""

    #: (action, findings) with action one of dismiss, confirm, allow, redact, reopen.
    action = Signal(str, list)
    #: (record id, finding id) to show the span in its record.
    open_record = Signal(int, int)
    #: The user asked for (another) scan.
    scan_requested = Signal()
    #: The user asked for the settings dialog.
    settings_requested = Signal()
    #: The filters changed: reload the queue with ``show()``.
    reload_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Personal data")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.show_filter = QComboBox()
        self.show_filter.setAccessibleName("Which spans")
        for label, value in SHOW:
            self.show_filter.addItem(label, value)
        self.type_filter = QComboBox()
        self.type_filter.setAccessibleName("PII type")
        self.type_filter.addItem("All types", None)
        self.summary = ElidedLabel()
        self.summary.setAccessibleName("PII summary")
        self.scan_button = QPushButton("Scan for personal data")
        self.scan_button.setToolTip("Look for names, e-mail addresses, phone numbers and "
                                    "more in every message (Ctrl+Shift+P).")
        top.addWidget(self.show_filter)
        top.addWidget(self.type_filter)
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setToolTip("Language model, types, threshold, allow-list.")
        top.addWidget(self.summary, 1)
        top.addWidget(self.settings_button)
        top.addWidget(self.scan_button)
        layout.addLayout(top)

        self.banner = QLabel()
        self.banner.setObjectName("piiBanner")
        self.banner.setAccessibleName("PII warning")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel#piiBanner { background: rgba(232, 163, 61, 0.25); "
                                  "border: 1px solid #e8a33d; border-radius: 4px; "
                                  "padding: 6px; }")
        self.banner.hide()
        layout.addWidget(self.banner)

        self.model = PiiModel()
        self.table = QTableView()
        self.table.setAccessibleName("Personal data spans")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((140, 160, 280, 90, 60)):
            self.table.setColumnWidth(column, width)
        layout.addWidget(self.table, 1)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("PII queue empty")
        layout.addWidget(self.empty, 1)

        bottom = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, key, label, tip in ACTIONS:
            button = QPushButton(f"{label.replace('&', '')}  ({key})")
            button.setToolTip(tip)
            button.setAccessibleName(label.replace("&", ""))
            button.clicked.connect(lambda _=False, n=name: self.act(n))
            bottom.addWidget(button)
            self.buttons[name] = button
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda n=name: self.act(n))
        reopen = QPushButton("Reopen")
        reopen.setToolTip("Put a dismissed, resolved or confirmed span back in the queue.")
        reopen.clicked.connect(lambda: self.act("reopen"))
        self.buttons["reopen"] = reopen
        bottom.addWidget(reopen)
        bottom.addStretch(1)
        self.open_button = QPushButton("Open record  (Enter)")
        self.open_button.clicked.connect(self.open_current)
        bottom.addWidget(self.open_button)
        layout.addLayout(bottom)
        for key, step in (("J", 1), ("K", -1)):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda s=step: self.step(s))
        self.table.activated.connect(lambda _index: self.open_current())

        self.show_filter.activated.connect(lambda _i: self.reload_requested.emit())
        self.type_filter.activated.connect(lambda _i: self._apply_type())
        self.scan_button.clicked.connect(self.scan_requested.emit)
        self.settings_button.clicked.connect(self.settings_requested.emit)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.all_items: list[dict[str, Any]] = []
        self.set_items([], None)

    # -- data ------------------------------------------------------------------------

    @property
    def show(self) -> str:
        return str(self.show_filter.currentData())

    def set_items(self, items: list[dict[str, Any]], counts: dict[str, int] | None,
                  keep_row: bool = True) -> None:
        """Show ``items`` (from ``core.store.findings.queue``) and the counts."""
        row = self.current_row() if keep_row else 0
        self.all_items = items
        types: dict[str, int] = {}
        for item in items:
            types[item["code"]] = types.get(item["code"], 0) + 1
        current = self.type_filter.currentData()
        self.type_filter.blockSignals(True)
        self.type_filter.clear()
        self.type_filter.addItem("All types", None)
        for code, n in sorted(types.items(), key=lambda kv: -kv[1]):
            self.type_filter.addItem(f"{code} ({n:,})", code)
        self.type_filter.setCurrentIndex(max(0, self.type_filter.findData(current)))
        self.type_filter.blockSignals(False)
        if counts is None:
            self.summary.setText("No scan for personal data yet.")
        else:
            self.summary.setText(
                f"{counts['to_review']:,} to review · {counts['confirmed']:,} confirmed · "
                f"{counts['dismissed']:,} dismissed · {counts['resolved']:,} redacted or "
                "resolved")
        self._apply_type(row)
        if counts is None:
            self.empty.setText("Nothing scanned yet. Press “Scan for personal data” to look "
                               "for names, e-mail addresses, phone numbers and more.")
        elif not items:
            self.empty.setText("No spans here." if self.show != "to-review" else
                               "Nothing left to review. Confirmed spans are redacted or "
                               "excluded on export, as you choose there.")

    def _apply_type(self, row: int | None = None) -> None:
        code = self.type_filter.currentData()
        items = [i for i in self.all_items if code is None or i["code"] == code]
        self.model.set_items(items)
        self.table.setVisible(bool(items))
        self.empty.setVisible(not items)
        if items:
            self.select(min(row or 0, len(items) - 1))
        self._update_buttons()

    def set_warnings(self, warnings: list[str]) -> None:
        """Say what the last scan could not do (e.g. no language model: patterns only)."""
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
        for name, button in self.buttons.items():
            if name == "redact":
                button.setEnabled(len({c["record_id"] for c in chosen}) == 1)
            elif name == "allow":
                button.setEnabled(len({(c["text"] or "").casefold() for c in chosen}) == 1)
            else:
                button.setEnabled(bool(chosen))
        self.open_button.setEnabled(len(chosen) == 1)

    def act(self, name: str) -> None:
        chosen = self.selected()
        button = self.buttons.get(name)
        if chosen and (button is None or button.isEnabled()):
            self.action.emit(name, chosen)

    def open_current(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            item = chosen[0]
            self.open_record.emit(item["record_id"], item["id"])
