"""The Records tab: filters, the records table, the record view, review and edit (undoable)."""

from __future__ import annotations

from array import array
from typing import Any, Protocol

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from curator.app.commands import EditCommand, ReviewCommand, SwapCommand
from curator.app.jobs import JobFactory, one_step
from curator.app.preference_view import rank_name
from curator.app.record_view import RecordView
from curator.app.records_model import RecordTableModel
from curator.app.shell import Shell
from curator.app.widgets import ElidedLabel, combo, refill
from curator.core import preference
from curator.core.jobs import Job, Progress
from curator.core.store import Store
from curator.core.store.browse import (
    RecordFilter,
    index_text,
    next_unreviewed,
    query_ids,
    record_detail,
)

REVIEW_KEYS = (("accepted", "A", "Accept"), ("rejected", "R", "Reject"),
               ("needs-edit", "E", "Needs edit"), ("unreviewed", "U", "Mark unreviewed"))


def view_job(flt: RecordFilter) -> JobFactory:
    """A job that loads the ids (and counts) of a filtered view."""

    def job(store: Store) -> Job[tuple[array[int], dict[str, Any]]]:
        if flt.search:
            yield from index_text(store)
        yield Progress(0, None, "Loading records")
        return query_ids(store, flt), store.stats()

    return job


class RecordsHost(Shell, Protocol):
    """What the Records tab uses of the window besides the :class:`Shell`."""

    @property
    def undo_stack(self) -> QUndoStack:
        """Edit → Undo."""


class RecordsController(QObject):
    """The filtered list of records, the one shown, and the changes made to them."""

    #: The record shown changed (its id, or None): the labelling panel follows.
    current_changed = Signal(object)
    #: A reload finished (the window refreshes the tab it shows).
    loaded = Signal()

    def __init__(self, window: RecordsHost) -> None:
        super().__init__(window.window())
        self.window = window
        self.filter = RecordFilter()
        self.current_id: int | None = None
        self.model = RecordTableModel()
        self._build()
        self._connect()

    def _build(self) -> None:
        self.search = QLineEdit(placeholderText="Search all messages (Ctrl+F)")
        self.search.setAccessibleName("Search records")
        self.search.setClearButtonEnabled(True)
        self.review_filter = combo("Review state", [("All reviews", None)] + [
            (label, state) for state, _, label in REVIEW_KEYS[:3]] + [
            ("Unreviewed", "unreviewed")])
        self.kind_filter = combo("Finding kind", [("All findings", None)])
        self.code_filter = combo("Finding code", [("All codes", None)])
        self.source_filter = combo("Source file", [("All files", None)])
        self.invalid_only = QCheckBox("Invalid only")
        self.invalid_only.setAccessibleName("Show only invalid records")
        # The search box on a line of its own, the filters under it sharing a line: in
        # a narrow pane the combo boxes cut their text instead of squeezing the search.
        self.search.setMinimumWidth(160)
        search = QHBoxLayout()
        search.addWidget(self.search, 1)
        search.addWidget(self.invalid_only)
        filters = QHBoxLayout()
        for box in (self.review_filter, self.kind_filter, self.code_filter,
                    self.source_filter):
            box.setMinimumContentsLength(5)
            filters.addWidget(box, 1)
        bar = QVBoxLayout()
        bar.setSpacing(4)
        bar.addLayout(search)
        bar.addLayout(filters)

        self.table = QTableView()
        self.table.setAccessibleName("Records")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for column, width in enumerate((130, 280, 90, 110, 170, 60, 150)):
            self.table.setColumnWidth(column, width)
        #: F2 in the table edits the shown record's answer (in a bubble, F2 edits that one).
        self.edit_shortcut = QShortcut(QKeySequence(Qt.Key.Key_F2), self.table)
        self.edit_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.record_view = RecordView()
        self.record_view.setAccessibleName("Record")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.table)
        #: The Records tab.
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.record_view)
        self.splitter.setSizes([720, 560])

        #: Counts for the status bar.
        self.counts = ElidedLabel(minimum=120)
        self.counts.setAccessibleName("Counts")
        self.review_progress = ElidedLabel(minimum=60)
        self.review_progress.setAccessibleName("Review progress")

    def _connect(self) -> None:
        self.search.returnPressed.connect(self.filters_changed)
        self.search.returnPressed.connect(self.table.setFocus)
        for box in (self.review_filter, self.kind_filter, self.code_filter,
                    self.source_filter):
            box.activated.connect(self.filters_changed)
        self.invalid_only.toggled.connect(self.filters_changed)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.record_view.message_edited.connect(self.edit_message)
        self.record_view.answer_edited.connect(self.edit_answer_text)
        self.record_view.swap_requested.connect(self.swap_answers)
        self.edit_shortcut.activated.connect(self.edit_answer)

    def clear(self) -> None:
        """Show no record (a project is being opened)."""
        self.current_id = None
        self.record_view.clear()

    # -- the filtered view ---------------------------------------------------------

    def reload(self) -> None:
        """Reload the filtered list of records and the counts (off the UI thread)."""
        if self.window.project is None:
            return
        self.window.submit("Loading", view_job(self.filter), self._view_loaded)

    def _view_loaded(self, result: tuple[array[int], dict[str, Any]]) -> None:
        ids, stats = result
        keep = self.current_id
        self.model.set_ids(ids)
        self._update_filters(stats)
        self.update_counts(stats)
        row = self.model.row_of(keep) if keep is not None else None
        if row is None and len(ids):
            row = 0
        if row is not None:
            self.select_row(row)
        else:
            self.clear()
        self.loaded.emit()

    def filters_changed(self, *_: Any) -> None:
        """Read the filter bar and reload."""
        self.filter = RecordFilter(
            review=self.review_filter.currentData(), kind=self.kind_filter.currentData(),
            code=self.code_filter.currentData(), source_id=self.source_filter.currentData(),
            invalid=True if self.invalid_only.isChecked() else None,
            search=self.search.text().strip() or None)
        self.reload()

    def _update_filters(self, stats: dict[str, Any]) -> None:
        kinds = sorted(stats["findings"])
        codes = sorted(stats["findings_by_code"])
        refill(self.kind_filter, [("All findings", None)] + [(k, k) for k in kinds])
        refill(self.code_filter, [("All codes", None)] + [
            (f"{c.split('/', 1)[1]} ({stats['findings_by_code'][c]:,})", c.split("/", 1)[1])
            for c in codes])
        store = self.window.store
        if store is not None:
            sources = [(s["name"], s["id"]) for s in store.sources()]
            refill(self.source_filter, [("All files", None), *sources])

    def update_counts(self, stats: dict[str, Any]) -> None:
        """The status bar's counts and review progress."""
        shown = len(self.model.ids)
        total = stats["records"]
        prefix = f"{shown:,} shown of " if shown != total else ""
        self.counts.setText(f"{prefix}{total:,} records · {stats['valid']:,} valid · "
                            f"{stats['invalid']:,} invalid · "
                            f"{sum(stats['findings'].values()):,} open findings")
        self.review_progress.setText(f"{stats['reviewed']:,} of {total:,} reviewed")

    def focus_search(self) -> None:
        """Put the keyboard in the search box."""
        self.search.setFocus()
        self.search.selectAll()

    # -- the record shown ----------------------------------------------------------

    def _row_changed(self, current: QModelIndex, _previous: Any = None) -> None:
        record_id = self.model.record_id(current.row()) if current.isValid() else None
        self.current_id = record_id
        self.current_changed.emit(record_id)
        store = self.window.store
        if record_id is None or store is None:
            self.record_view.clear()
            return
        self.record_view.show_record(record_detail(store, record_id))

    def show_record(self, record_id: int) -> None:
        """Select a record in the table (or just show it when the filter hides it)."""
        store = self.window.store
        if store is None:
            return
        row = self.model.row_of(record_id)
        if row is not None:
            self.select_row(row)
        else:
            self.current_id = record_id
            self.record_view.show_record(record_detail(store, record_id))
            self.current_changed.emit(record_id)

    def current_row(self) -> int:
        """The current row of the table (-1 without one)."""
        index = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        """Make ``row`` the current and only selected row (whatever keys are held)."""
        if 0 <= row < self.model.rowCount():
            flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                     | QItemSelectionModel.SelectionFlag.Rows)
            index = self.model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(index, flags)
            self.table.scrollTo(index)

    def step_row(self, step: int) -> None:
        """Move ``step`` rows down (up when negative)."""
        self.select_row(self.current_row() + step)

    def next_unreviewed(self) -> None:
        """Go to the next record nobody has reviewed."""
        store = self.window.store
        if store is None:
            return
        row = next_unreviewed(store, self.model.ids, self.current_row())
        if row is None:
            self.window.statusBar().showMessage("No unreviewed records after this one.", 5000)
        else:
            self.select_row(row)

    def selected_ids(self) -> list[int]:
        """The ids of the selected records, in table order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        ids = [self.model.record_id(r) for r in rows]
        return [i for i in ids if i is not None]

    # -- changes -------------------------------------------------------------------

    def review(self, state: str) -> None:
        """Set the review state of the selected records, then move to the next one."""
        w = self.window
        if w.blocks("Reviewing"):
            return
        ids = self.selected_ids()
        if not ids or w.store is None:
            return
        before = {}
        for rid in ids:
            row = self.model.row_of(rid)
            data = self.model.row_data(row) if row is not None else None
            before[rid] = data["review"] if data else "unreviewed"
        w.undo_stack.push(ReviewCommand(w.submit_op, ids, state, before, w.annotator,
                                        self.after_change))
        if len(ids) == 1:
            self.step_row(1)

    def edit_answer(self) -> None:
        """F2: edit the last assistant message of the record shown."""
        w = self.window
        if w.blocks("Editing") or self.current_id is None:
            return
        if not self.record_view.edit_last_answer():
            w.statusBar().showMessage("This record has no assistant answer to edit.", 6000)

    def edit_message(self, index: int, text: str) -> None:
        """Save an edited message as a new revision of the record shown (undoable)."""
        w = self.window
        if w.blocks("Editing"):
            return
        if w.store is None or self.current_id is None:
            return
        detail = record_detail(w.store, self.current_id)
        before = detail["conversation"]
        if before is None:
            return
        after = {**before, "messages": [dict(m) if isinstance(m, dict) else m
                                         for m in before["messages"]]}
        after["messages"][index]["content"] = text
        w.undo_stack.push(EditCommand(w.submit_op, self.current_id, before, after,
                                      w.annotator, self.after_change))

    def edit_answer_text(self, rank: int, index: int, text: str) -> None:
        """Save an edited answer of the preference pair shown (0 = chosen) as a new
        revision (undoable)."""
        w = self.window
        if w.blocks("Editing") or w.store is None or self.current_id is None:
            return
        before = record_detail(w.store, self.current_id)["conversation"]
        if not preference.is_preference(before):
            return
        after = preference.with_output_text(before, rank, index, text)
        # shown blind, the Edit menu's "Undo Edit chosen answer" would say which it is
        what = "an" if self.record_view.blind else rank_name(rank).lower()
        w.undo_stack.push(EditCommand(w.submit_op, self.current_id, before, after,
                                      w.annotator, self.after_change, f"Edit {what} answer"))

    def swap_answers(self) -> None:
        """Swap the chosen and rejected answers of the record shown (S): a new revision,
        undoable; the imported line stays as it was."""
        w = self.window
        if w.blocks("Swapping answers") or self.current_id is None:
            return
        if self.record_view.blind:
            w.statusBar().showMessage("Labelling blind: chosen and rejected are not shown, "
                                      "so they cannot be swapped. Close the labelling "
                                      "panel to review the pair.", 6000)
            return
        detail = self.record_view.detail
        if detail is None or not preference.is_preference(detail.get("conversation")):
            w.statusBar().showMessage("This record is not a preference pair: there are no "
                                      "chosen and rejected answers to swap.", 6000)
            return
        w.undo_stack.push(SwapCommand(w.submit_op, self.current_id, w.annotator,
                                      self.after_change))

    def after_change(self) -> None:
        """A change was saved: refresh the rows, the record shown and the counts."""
        self.model.refresh_rows()
        store = self.window.store
        if store is not None and self.current_id is not None:
            self.record_view.show_record(record_detail(store, self.current_id))
        # A full pass at a million records: not on the UI thread.
        self.window.submit("Counting", one_step(lambda s: s.stats(), "Counting"),
                           self.update_counts)
