"""The personal-data queue: suspected PII grouped by text and type, riskiest first.

Decide once: a name in a system prompt repeated in 500 records is one row with its
counts. Keys on the groups: D dismiss (not personal data) · C confirm (real: export
redacts it) · W allow the text everywhere · J/K move · Enter open the chosen occurrence.
Below, where the chosen groups' spans are (record and the span in context): Enter opens
the record at the span, X redacts that one span. The widget only shows and asks; the
main window runs the changes (each one undoable step) and reloads.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from curator.app.pii_models import (
    OTHER_COLOR,
    PII_COLORS,
    TIERS,
    OccurrenceModel,
    PiiGroupModel,
    SnippetDelegate,
    pii_color,
)
from curator.app.widgets import ElidedLabel, muted

__all__ = ["OTHER_COLOR", "PII_COLORS", "PiiQueue", "pii_color"]

SHOW = (("To review", "to-review"), ("Confirmed and open", "open"),
        ("Dismissed or resolved", "closed"), ("All", "all"))
#: Decisions on the chosen groups: (name, key, label, tooltip).
GROUP_ACTIONS = (
    ("dismiss", "D", "&Dismiss", "Not personal data: close every span of the chosen groups."),
    ("confirm", "C", "&Confirm", "Real personal data: every span of the chosen groups is "
                                 "redacted (or its record excluded) on export."),
    ("allow", "W", "Allo&w everywhere", "Add the chosen texts to the project's allow-list: "
                                        "never flag them again, anywhere."))
#: Shown at most per choice of groups (a group of 500 spans is decided, not read through).
OCCURRENCE_LIMIT = 200


def legend_html() -> str:
    """The tiers with their colours and what export does with each by default."""
    return " &nbsp;·&nbsp; ".join(
        f"<span style='color:{colour}'>■</span> <b>{tier}</b>: {export}"
        for tier, (colour, export, _what) in TIERS.items())


class PiiQueue(QWidget):
    """Suspected personal data across the project, grouped, with keyboard review."""

    #: (action, items): dismiss, confirm, allow or reopen with the chosen groups;
    #: redact with the chosen occurrences (findings).
    action = Signal(str, list)
    #: (record id, finding id) to show the span in its record.
    open_record = Signal(int, int)
    #: The chosen groups changed: show where these findings are (``set_occurrences``).
    occurrences_requested = Signal(list)
    #: The user asked for (another) scan.
    scan_requested = Signal()
    #: The user asked for the settings dialog.
    settings_requested = Signal()
    #: The filters changed: reload the queue (``spans_shown``).
    reload_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Personal data")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._top_bar())

        self.banner = QLabel()
        self.banner.setObjectName("piiBanner")
        self.banner.setAccessibleName("PII warning")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel#piiBanner { background: rgba(232, 163, 61, 0.25); "
                                  "border: 1px solid #e8a33d; border-radius: 4px; "
                                  "padding: 6px; }")
        self.banner.hide()
        layout.addWidget(self.banner)
        self.legend = muted(legend_html())
        self.legend.setAccessibleName("PII tiers")
        self.legend.setToolTip("\n".join(f"{t.capitalize()}: {what}."
                                         for t, (_c, _e, what) in TIERS.items()))
        layout.addWidget(self.legend)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.model = PiiGroupModel()
        self.table = self._table("Personal data groups", self.model,
                                 (110, 150, 300, 60, 70, 55))
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self._occurrence_panel())
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter, 1)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("PII queue empty")
        layout.addWidget(self.empty, 1)
        layout.addLayout(self._buttons())
        self._shortcuts()

        self.show_filter.activated.connect(lambda _i: self.reload_requested.emit())
        self.type_filter.activated.connect(lambda _i: self._apply_type())
        self.scan_button.clicked.connect(self.scan_requested.emit)
        self.settings_button.clicked.connect(self.settings_requested.emit)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._groups_chosen())
        self.occurrence_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons())
        self.table.activated.connect(lambda _index: self.open_current())
        self.occurrence_table.activated.connect(lambda _index: self.open_current())
        self.all_items: list[dict[str, Any]] = []
        self._requested: list[int] = []
        self.set_items([], None)

    # -- building ----------------------------------------------------------------------

    def _top_bar(self) -> QHBoxLayout:
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
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setToolTip("Language model, types, threshold, allow-list.")
        self.scan_button = QPushButton("Scan for personal data")
        self.scan_button.setToolTip("Look for names, e-mail addresses, phone numbers and "
                                    "more in every message (Ctrl+Shift+P).")
        for widget, stretch in ((self.show_filter, 0), (self.type_filter, 0),
                                (self.summary, 1), (self.settings_button, 0),
                                (self.scan_button, 0)):
            top.addWidget(widget, stretch)
        return top

    def _table(self, name: str, model: Any, widths: tuple[int, ...]) -> QTableView:
        table = QTableView()
        table.setAccessibleName(name)
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(26)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(widths):
            table.setColumnWidth(column, width)
        return table

    def _occurrence_panel(self) -> QWidget:
        panel = QWidget()
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 4, 0, 0)
        self.occurrence_title = QLabel()
        self.occurrence_title.setAccessibleName("Occurrences of the chosen groups")
        self.occurrence_title.setWordWrap(True)
        self.note = QLabel()
        self.note.setObjectName("piiNote")
        self.note.setAccessibleName("PII note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("QLabel#piiNote { color: #b36b00; }")
        self.note.hide()
        self.occurrences = OccurrenceModel()
        self.occurrence_table = self._table("Occurrences", self.occurrences, (150, 150))
        self.occurrence_table.setItemDelegateForColumn(2, SnippetDelegate(self.occurrence_table))
        self.occurrence_table.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection)
        box.addWidget(self.occurrence_title)
        box.addWidget(self.note)
        box.addWidget(self.occurrence_table, 1)
        return panel

    def _buttons(self) -> QHBoxLayout:
        bottom = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, key, label, tip in GROUP_ACTIONS:
            self.buttons[name] = self._button(f"{label.replace('&', '')}  ({key})", tip,
                                              name, bottom)
        self.buttons["reopen"] = self._button(
            "Reopen", "Put the chosen groups' dismissed, resolved or confirmed spans back "
            "in the queue.", "reopen", bottom)
        bottom.addStretch(1)
        self.buttons["redact"] = self._button(
            "Redact this one  (X)", "Replace the chosen occurrence by its type (e.g. "
            "<PERSON>) in its record, as a new revision.", "redact", bottom)
        self.open_button = QPushButton("Open record  (Enter)")
        self.open_button.setToolTip("Show the chosen occurrence in its record.")
        self.open_button.clicked.connect(self.open_current)
        bottom.addWidget(self.open_button)
        return bottom

    def _button(self, text: str, tip: str, name: str, row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAccessibleName(text.split("  (")[0])
        button.clicked.connect(lambda _=False, n=name: self.act(n))
        row.addWidget(button)
        return button

    def _shortcuts(self) -> None:
        keys: list[tuple[QTableView, str, Any]] = [
            (self.table, key, lambda n=name: self.act(n)) for name, key, _l, _t in GROUP_ACTIONS]
        keys += [(self.table, "J", lambda: self.step(1)), (self.table, "K", lambda: self.step(-1)),
                 (self.occurrence_table, "X", lambda: self.act("redact"))]
        for table, key, slot in keys:
            shortcut = QShortcut(QKeySequence(key), table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)

    # -- data ------------------------------------------------------------------------

    @property
    def spans_shown(self) -> str:
        """Which spans the queue shows: ``to-review``, ``open``, ``closed`` or ``all``
        (the ``show`` of ``findings.pii_groups``)."""
        return str(self.show_filter.currentData())

    def set_items(self, items: list[dict[str, Any]], counts: dict[str, int] | None,
                  keep_row: bool = True) -> None:
        """Show the groups (from ``core.store.findings.pii_groups``) and the counts."""
        current = self.current_group()
        row = self.current_row() if keep_row else 0
        self.all_items = items
        self._requested = []            # reloaded: the occurrences' statuses may have changed
        types: dict[str, int] = {}
        for item in items:
            types[item["code"]] = types.get(item["code"], 0) + int(item["spans"])
        code = self.type_filter.currentData()
        self.type_filter.blockSignals(True)
        self.type_filter.clear()
        self.type_filter.addItem("All types", None)
        for name, n in sorted(types.items(), key=lambda kv: -kv[1]):
            self.type_filter.addItem(f"{name} ({n:,})", name)
        self.type_filter.setCurrentIndex(max(0, self.type_filter.findData(code)))
        self.type_filter.blockSignals(False)
        if counts is None:
            self.summary.setText("No scan for personal data yet.")
        else:
            self.summary.setText(
                f"{len(items):,} group{'s' if len(items) != 1 else ''} shown · "
                f"{counts['to_review']:,} spans to review · {counts['confirmed']:,} "
                f"confirmed · {counts['dismissed']:,} dismissed · {counts['resolved']:,} "
                "redacted or resolved")
        if keep_row and current is not None:
            row = next((i for i, g in enumerate(self._filtered())
                        if (g["text"], g["code"]) == current), row)
        self._apply_type(row)
        if counts is None:
            self.empty.setText("Nothing scanned yet. Press “Scan for personal data” to look "
                               "for names, e-mail addresses, phone numbers and more.")
        elif not items:
            self.empty.setText("No spans here." if self.spans_shown != "to-review" else
                               "Nothing left to review. Identifiers and names in a "
                               "personal context are redacted on export (or their records "
                               "excluded, as you choose there); public ones only when "
                               "confirmed.")

    def _filtered(self) -> list[dict[str, Any]]:
        code = self.type_filter.currentData()
        return [i for i in self.all_items if code is None or i["code"] == code]

    def _apply_type(self, row: int | None = None) -> None:
        items = self._filtered()
        self.model.set_items(items)
        self.splitter.setVisible(bool(items))
        self.legend.setVisible(bool(items))
        self.empty.setVisible(not items)
        if items:
            self.select(min(row or 0, len(items) - 1))
        else:
            self.set_occurrences([], [])
        self._groups_chosen()

    def set_occurrences(self, ids: list[int], items: list[dict[str, Any]]) -> None:
        """Show where the findings ``ids`` are (``items``: the first of them, from
        ``core.checks.pii_review.occurrences``); ignored when the choice moved on."""
        if ids != self._requested and ids:
            return
        self.occurrences.set_items(items)
        groups = self.selected()
        spans = sum(int(g["spans"]) for g in groups)
        records = sum(int(g["records"]) for g in groups)
        if len(groups) == 1:
            g = groups[0]
            # one line, a long URL cut: an unbroken word in a wrapped label widens it
            text = " ".join(str(g["text"]).split())
            text = text if len(text) <= 80 else text[:79] + "…"
            title = (f"<b>“{_escape(text)}”</b> · {g['code']} · {g.get('tier') or '—'}"
                     f": {spans:,} span{'s' if spans != 1 else ''} in {records:,} "
                     f"record{'s' if records != 1 else ''}")
        else:
            title = f"{len(groups):,} groups: {spans:,} spans"
        if len(items) < len(ids):
            title += f" (the first {len(items):,} shown)"
        self.occurrence_title.setText(title if groups else "")
        notes = sorted({str(g["note"]) for g in groups if g.get("note")})
        self.note.setText("⚠ Some of these texts: " + "; ".join(notes) + ". E-mail "
                          "addresses, phone numbers and other patterns were still checked."
                          if notes else "")
        self.note.setVisible(bool(notes))
        if items:
            flag = QItemSelectionModel.SelectionFlag
            self.occurrence_table.selectionModel().setCurrentIndex(
                self.occurrences.index(0, 0), flag.ClearAndSelect | flag.Rows)
        self._update_buttons()

    def set_warnings(self, warnings: list[str]) -> None:
        """Say what the last scan could not do (e.g. no language model: patterns only)."""
        self.banner.setText("\n".join(warnings))
        self.banner.setVisible(bool(warnings))

    # -- selection ---------------------------------------------------------------------

    def current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else 0

    def current_group(self) -> tuple[str, str] | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.items):
            return None
        item = self.model.items[index.row()]
        return item["text"], item["code"]

    def select(self, row: int) -> None:
        """Make ``row`` the current and only chosen group (whatever keys are held:
        ``selectRow`` would add to the selection while Ctrl is down)."""
        if 0 <= row < self.model.rowCount():
            index = self.model.index(row, 0)
            flag = QItemSelectionModel.SelectionFlag
            self.table.selectionModel().setCurrentIndex(
                index, flag.ClearAndSelect | flag.Rows)
            self.table.scrollTo(index)

    def step(self, step: int) -> None:
        self.select(self.current_row() + step)

    def selected(self) -> list[dict[str, Any]]:
        """The chosen groups."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        return [self.model.items[r] for r in rows if r < len(self.model.items)]

    def chosen_occurrence(self) -> dict[str, Any] | None:
        rows = self.occurrence_table.selectionModel().selectedRows()
        row = rows[0].row() if rows else -1
        return self.occurrences.items[row] if 0 <= row < len(self.occurrences.items) else None

    def _groups_chosen(self) -> None:
        ids = sorted(i for g in self.selected() for i in g["ids"])
        if ids != self._requested:
            self._requested = ids
            self.occurrences.set_items([])
            if ids:
                self.occurrences_requested.emit(ids)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = bool(self.selected())
        for button in self.buttons.values():
            button.setEnabled(chosen)
        occurrence = self.chosen_occurrence()
        self.buttons["redact"].setEnabled(occurrence is not None
                                          and occurrence["status"] == "open")
        self.open_button.setEnabled(occurrence is not None)

    def act(self, name: str) -> None:
        button = self.buttons.get(name)
        if button is not None and not button.isEnabled():
            return
        if name == "redact":
            occurrence = self.chosen_occurrence()
            if occurrence is not None:
                self.action.emit(name, [occurrence])
            return
        chosen = self.selected()
        if chosen:
            self.action.emit(name, chosen)

    def open_current(self) -> None:
        item = self.chosen_occurrence()
        if item is not None:
            self.open_record.emit(item["record_id"], item["id"])


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
