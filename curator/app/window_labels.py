"""Labelling in the window: the labelling dock, agreement and adjudication tabs, the label
fields and batches dialogs, and labels in and out of CSV/JSONL files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QTableView,
    QTabWidget,
    QWidget,
)

from curator.app.jobs import JobRunner, one_step
from curator.app.records_model import RecordTableModel
from curator.app.shell import Shell
from curator.app.widgets import placeholder, replace_tab
from curator.core.errors import CuratorError
from curator.core.store import Store

if TYPE_CHECKING:
    from curator.app.adjudication_view import AdjudicationView
    from curator.app.agreement_view import AgreementView
    from curator.app.labeling_view import LabelingPanel


class LabelsHost(Shell, Protocol):
    """What labelling uses of the window besides the :class:`Shell`."""

    @property
    def current_id(self) -> int | None:
        """The record shown."""

    @property
    def runner(self) -> JobRunner:
        """The project's one writer (busy: saves may still be queued)."""

    @property
    def model(self) -> RecordTableModel:
        """The records table's model (its rows show label progress)."""

    @property
    def table(self) -> QTableView:
        """The records table (the keyboard goes back to it)."""

    @property
    def tabs(self) -> QTabWidget:
        """The window's tabs."""

    def show_record(self, record_id: int) -> None:
        """Show a record in the Records tab."""

    def after_change(self) -> None:
        """Refresh what shows records after a change."""

    @property
    def undo_stack(self) -> QUndoStack:
        """Edit → Undo."""

    def resizeDocks(self, docks: Sequence[QDockWidget], sizes: Sequence[int],
                    orientation: Qt.Orientation, /) -> None:
        """Qt's: give docks their sizes."""


class LabelsController(QObject):
    """The labelling panel, agreement and adjudication views of the open project."""

    #: Whether records are shown blind may have changed (the dock opened or closed,
    #: another annotator or schema): the record view asks :meth:`blind_order` again.
    blind_changed = Signal()

    def __init__(self, window: LabelsHost) -> None:
        super().__init__(window.window())
        self.window = window
        # Labelling widgets work on an open project: made in build().
        self.labeling: LabelingPanel | None = None
        self.adjudication: AdjudicationView | None = None
        self.agreement_view: AgreementView | None = None
        self.agreement_tab: QWidget = placeholder(
            "Open a project to see how annotators agree.")
        self.adjudication_tab: QWidget = placeholder("Open a project to settle disagreements.")
        self.dock = QDockWidget("Labelling", window.window())
        self.dock.setObjectName("labellingDock")
        self.dock.setAccessibleName("Labelling")
        self.dock.setWidget(placeholder("Open a project to label it."))
        self.dock.visibilityChanged.connect(lambda _shown: self.blind_changed.emit())
        #: Whether the labelling panel is wanted (it shows on the Records tab only).
        self.wanted = False
        #: The annotators and batches dialog opened last.
        self.batch_dialog: QDialog | None = None
        #: Asked first by Next: True when it chose the next record itself (the "most
        #: informative first" order, window_label_quality).
        self.next_override: Callable[[], bool] | None = None

    def detach(self) -> None:
        """Another project is opening: the views let go of theirs (saves still finish)."""
        for view in (self.labeling, self.adjudication):
            if view is not None:
                view.detach()

    def build(self, store: Store) -> None:
        """The labelling panel, agreement and adjudication views for this project."""
        from curator.app.adjudication_view import AdjudicationView
        from curator.app.agreement_view import AgreementView
        from curator.app.labeling_view import LabelingPanel
        from curator.core.labeling.schema import fields

        w = self.window
        name = w.annotator
        self.labeling = LabelingPanel(store, name, submit=w.submit_op)
        self.labeling.labelled.connect(lambda _rid: w.model.refresh_rows())
        self.labeling.next_requested.connect(self.next_unlabelled)
        self.labeling.failed.connect(w.show_error)
        old = self.dock.widget()
        # The panel cuts long texts and scrolls its fields itself: it fits any dock at
        # least this wide, and its Next button stays in view (a scroll area around it
        # would scroll the button away, its wrapped texts asking for their full height).
        self.dock.setWidget(self.labeling)
        self.dock.setMinimumWidth(300)
        if old is not None:
            old.deleteLater()
        self.wanted = bool(fields(store))
        self.show_dock()
        adjudication = AdjudicationView(store, name, submit=w.submit_op)
        adjudication.open_record.connect(w.show_record)
        adjudication.failed.connect(w.show_error)
        adjudication.decided.connect(lambda *_: w.model.refresh_rows())
        adjudication.swapped.connect(self._push_decision)
        adjudication.annotators_requested.connect(
            lambda: self.open_batch_dialog(suggest=(w.annotator, "adjudicator")))
        replace_tab(w.tabs, self.adjudication_tab, adjudication, "Adjudication")
        self.adjudication = self.adjudication_tab = adjudication
        view = AgreementView()
        replace_tab(w.tabs, self.agreement_tab, view, "Agreement")
        self.agreement_view = self.agreement_tab = view

    def _push_decision(self, decision: Any, value: Any, note: str) -> None:
        """A decision that swapped a preference record goes on the undo stack."""
        from curator.app.commands import DecisionCommand

        w = self.window
        w.undo_stack.push(DecisionCommand(w.submit_op, decision, value, note, w.annotator,
                                          w.after_change))

    def set_record(self, record_id: int | None) -> None:
        """The record shown changed: the panel shows its labels."""
        if self.labeling is not None:
            self.labeling.set_record(record_id)

    def set_annotator(self, name: str) -> None:
        """Label and adjudicate as ``name`` from now on."""
        if self.labeling is not None:
            self.labeling.set_annotator(name)
        if self.adjudication is not None:
            self.adjudication.set_adjudicator(name)
        self.blind_changed.emit()

    def blind_order(self, record_id: int, pack: bool) -> list[int] | None:
        """How the record view shows ``record_id`` (``RecordView.blind_order``): None
        when not blind, else its pair's answers' ranks in the order the panel shows them
        to this annotator (empty for a record that is not a pair).

        Blind in an annotation pack (``pack``) whenever the schema has a pairwise field;
        in the project while the labelling dock shows one for this record.
        """
        from curator.core.labeling import pairwise
        from curator.core.labeling.schema import fields

        store, annotator = self.window.store, self.window.annotator
        if store is None or not annotator or not any(
                f.kind == "pairwise" for f in fields(store)):
            return None
        if not pack and (self.labeling is None or self.dock.isHidden()):
            return None
        try:
            order = pairwise.shown_ranks(store, record_id, annotator)
        except CuratorError:  # the record is gone: nothing to show blind
            return None
        return order if order is not None or not pack else []

    # -- the dock ------------------------------------------------------------------

    def toggle(self) -> None:
        """Show the labelling panel and put the keyboard in it (or hide it)."""
        if self.labeling is None:
            return
        w = self.window
        if self.dock.isVisible() and self.labeling.hasFocus():
            self.wanted = False
            self.show_dock()
            w.table.setFocus()
            return
        self.labeling.reload_schema()
        self.labeling.set_record(w.current_id)
        self.wanted = True
        w.tabs.setCurrentIndex(0)
        self.show_dock()
        self.labeling.setFocus()

    def show_dock(self) -> None:
        """The panel shows when it is wanted and the Records tab is current."""
        visible = self.wanted and self.window.tabs.currentIndex() == 0
        self.dock.setVisible(visible)
        if visible:
            self.window.resizeDocks([self.dock], [340], Qt.Orientation.Horizontal)

    def next_unlabelled(self) -> None:
        """Go to the next record the annotator has not finished."""
        from curator.core.labeling.assignment import next_unlabelled

        w = self.window
        if w.store is None:
            return
        if self.next_override is not None and self.next_override():
            return
        annotator, current = w.annotator, w.current_id
        if not w.runner.busy:
            self._go_to_unlabelled(next_unlabelled(w.store, annotator, current))
            return
        # After the labels still being saved: they decide what is left to label.
        w.submit("Finding the next record",
                 one_step(lambda s: next_unlabelled(s, annotator, current)),
                 self._go_to_unlabelled)

    def _go_to_unlabelled(self, record_id: int | None) -> None:
        if record_id is None:
            self.window.statusBar().showMessage("Nothing left to label for you.", 6000)
            return
        self.window.show_record(record_id)
        if self.labeling is not None:
            self.labeling.setFocus()

    # -- fields, batches, and their changes ---------------------------------------------

    def open_schema_dialog(self) -> None:
        """Labels → Fields and guidelines."""
        from curator.app.label_setup import SchemaDialog

        w = self.window
        if w.blocks("Changing the label fields"):
            return
        if w.store is None:
            w.show_error("Open a project first (File → Open project).")
            return
        dialog = SchemaDialog(w.store, w.annotator, w.window(), submit=w.submit_op)
        dialog.changed.connect(self.labels_changed)
        dialog.exec()

    def open_batch_dialog(self, suggest: tuple[str, str] | None = None) -> None:
        """Labels → Annotators and batches; ``suggest``: a (name, role) to fill in."""
        from curator.app.label_setup import BatchDialog

        w = self.window
        if w.blocks("Changing batches"):
            return
        if w.store is None:
            w.show_error("Open a project first (File → Open project).")
            return
        dialog = BatchDialog(w.store, w.annotator, w.window(), submit=w.submit_op)
        dialog.changed.connect(self.labels_changed)
        if suggest is not None:
            dialog.suggest_person(*suggest)
        self.batch_dialog = dialog
        dialog.exec()

    def labels_changed(self) -> None:
        """The label schema, annotators or batches changed: refresh what shows them."""
        from curator.core.labeling.schema import fields

        w = self.window
        if w.store is None:
            return
        if self.labeling is not None:
            self.labeling.reload_schema()
            self.labeling.set_record(w.current_id)
            self.wanted = self.wanted or bool(fields(w.store))
            self.show_dock()
        if self.adjudication is not None:
            self.adjudication.reload_fields()
        self.blind_changed.emit()

    def tab_shown(self, tab: QWidget | None) -> None:
        """A tab became current: agreement and adjudication load when they show."""
        if tab is self.agreement_tab:
            self.load_agreement()
        elif tab is self.adjudication_tab and self.adjudication:
            self.adjudication.reload_fields()
            self.adjudication.refresh()

    def load_agreement(self) -> None:
        """Compute agreement per field and per batch (off the UI thread)."""
        def reports(store: Store) -> Any:
            from curator.core.labeling.measure import agreement_trend, field_reports

            return field_reports(store), agreement_trend(store)

        if self.agreement_view is not None:
            self.window.submit("Agreement", one_step(reports, "Computing agreement"),
                               self._show_agreement)

    def _show_agreement(self, result: Any) -> None:
        if self.agreement_view is not None:
            self.agreement_view.show_reports(*result)

    # -- labels in and out ---------------------------------------------------------

    def choose_labels_import(self) -> None:
        """File → Import labels: a CSV or JSONL file of labels."""
        from curator.core.labeling.transfer import import_labels

        w = self.window
        if w.blocks("Importing labels"):
            return
        if w.project is None:
            w.show_error("Open or create a project first (File → New project).")
            return
        name, _ = QFileDialog.getOpenFileName(w.window(), "Import labels", str(Path.home()),
                                              "Labels (*.csv *.jsonl);;All files (*)")
        if not name:
            return
        actor = w.annotator
        w.submit("Importing labels", lambda s: import_labels(s, Path(name), actor),
                 self._labels_imported)

    def _labels_imported(self, report: Any) -> None:
        w = self.window
        w.statusBar().showMessage(
            f"Labels: {report.labels_set:,} set, {report.labels_unchanged:,} unchanged, "
            f"{len(report.rejected):,} rows rejected, {len(report.created_fields)} new "
            f"fields, {len(report.created_annotators)} new annotators.", 15000)
        if report.rejected:
            w.show_error("Some rows were not imported:\n" + "\n".join(
                f"line {r.line}: {r.reason}" for r in report.rejected[:15]))
        if self.labeling is not None:
            self.labeling.reload_schema()
            self.wanted = True
            self.show_dock()
        if self.adjudication is not None:
            self.adjudication.reload_fields()
        w.after_change()

    def choose_labels_export(self) -> None:
        """File → Export labels: every label, as CSV or JSONL."""
        from curator.core.labeling.transfer import export_labels

        w = self.window
        if w.project is None:
            return
        name, _ = QFileDialog.getSaveFileName(w.window(), "Export labels", str(Path.home()),
                                              "CSV (*.csv);;JSON Lines (*.jsonl)")
        if not name:
            return

        # The save dialog has asked before replacing a file; the project itself and its
        # -wal/-shm are still refused by export_labels.
        def write(store: Store) -> Any:
            return export_labels(store, Path(name), overwrite=True)

        w.submit("Exporting labels", one_step(write, "Writing labels"),
                 lambda report: w.statusBar().showMessage(
                     f"Wrote {report.rows:,} labels to {name}.", 10000))
