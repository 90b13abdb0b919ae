"""Label quality in the window (issue 18): likely label errors, suggestions, find similar.

* Checks → Find likely label errors runs the scan as a job (progress, Cancel rolls back).
* The Label errors tab (label_errors_view.LabelErrorQueue): accept the suggestion, keep
  the given label, send to adjudication; each an undoable operation on the window's
  writer (curator.core.checks.label_review).
* The labelling panel shows the model's suggestion for the record (label_suggestion.
  SuggestionBar), computed by a job; "Most informative first" makes Next go to the
  record the model is least sure of.
* Find similar (Review menu, the queue's F): the record's nearest records by input and by
  answer (curator.core.checks.similar) in a window of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QTabWidget

from curator.app.commands import CoreCommand
from curator.app.label_errors_view import LabelErrorQueue
from curator.app.label_suggestion import SuggestionBar
from curator.app.operations import alive
from curator.app.shell import Shell
from curator.core.checks.models import ModelCache
from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress
from curator.core.store import Store
from curator.core.text import plural

if TYPE_CHECKING:
    from curator.app.labeling_view import LabelingPanel
    from curator.app.similar_view import SimilarDialog
    from curator.app.window_labels import LabelsController


class QualityHost(Shell, Protocol):
    """What label quality uses of the window besides the :class:`Shell`."""

    @property
    def models(self) -> ModelCache:
        """The embedding model, loaded once per window."""

    @property
    def undo_stack(self) -> QUndoStack:
        """Edit → Undo."""

    @property
    def tabs(self) -> QTabWidget:
        """The window's tabs."""

    @property
    def current_id(self) -> int | None:
        """The record shown in the Records tab."""

    @property
    def labels(self) -> LabelsController:
        """Labelling: the panel and Next."""

    def after_change(self) -> None:
        """Refresh what shows records after a change."""

    def reload(self) -> None:
        """Reload the records and the counts."""

    def show_record(self, record_id: int) -> None:
        """Show a record in the Records tab."""


class LabelQualityController(QObject):
    """The label-errors queue, the labelling panel's suggestion, find similar."""

    def __init__(self, window: QualityHost) -> None:
        super().__init__(window.window())
        self.window = window
        self.queue = LabelErrorQueue()
        self.queue.action.connect(self.act)
        self.queue.open_record.connect(window.show_record)
        self.queue.similar_requested.connect(self.find_similar)
        self.queue.scan_requested.connect(self.run_scan)
        self.queue.reload_requested.connect(self.load)
        self.suggestion = SuggestionBar()
        self.suggestion.order_changed.connect(self._order_changed)
        self.similar_dialog: SimilarDialog | None = None
        self.panel: LabelingPanel | None = None
        #: The "most informative first" order: (field, record ids), computed on demand.
        self.order: list[int] | None = None
        #: Records labelled since the order was computed (skipped by Next).
        self.labelled_since: set[int] = set()
        #: The record the panel shows and the suggestion being computed for it.
        self._record: int | None = None
        self._asked = 0

    # -- the project -------------------------------------------------------------------

    def reset(self, store: Store) -> None:
        """A project was opened: empty the queue, put the bar in the new labelling panel."""
        self.queue.set_items([], None)
        self.queue.set_warnings([])
        self.order, self.labelled_since, self._record = None, set(), None
        panel = self.window.labels.labeling
        if panel is not None and panel is not self.panel:
            self.suggestion.setParent(None)
            panel.add_extra(self.suggestion)
            panel.labelled.connect(self._labelled)
            self.panel = panel
        self.suggestion.show_nothing()
        self.window.labels.next_override = self._next_informative

    # -- the scan and the queue ----------------------------------------------------------

    def run_scan(self) -> None:
        """Checks → Find likely label errors (the embedder loads once per window)."""
        w = self.window
        if w.blocks("Checking"):
            return
        actor, models = w.annotator, w.models

        def job(store: Store) -> Job[Any]:
            from curator.core.checks.scan import scan

            if not models.has_embedder():
                yield Progress(0, None, "Loading the sentence-embedding model")
            return (yield from scan(store, ["label_errors"], actor=actor,
                                    embedder=models.embedder()))

        w.submit("Finding likely label errors", job, self._scanned)

    def _scanned(self, report: Any) -> None:
        w = self.window
        found = (report.label_errors or {}).get("findings", 0)
        self.queue.set_warnings(list(report.warnings))
        w.statusBar().showMessage(f"Likely label errors: {plural(found, 'record')} to "
                                  "check (the Label errors tab).", 10000)
        w.reload()
        w.tabs.setCurrentWidget(self.queue)
        self.load()

    def load(self) -> None:
        """Load the queue (off the UI thread)."""
        if self.window.store is None:
            return
        show = self.queue.shown

        def job(store: Store) -> Job[Any]:
            from curator.core.checks import label_review

            yield Progress(0, None, "Loading label errors")
            scanned = store.db.execute(
                "SELECT 1 FROM events WHERE action = 'scan' AND detail LIKE "
                "'%label_error%' LIMIT 1").fetchone() is not None
            counts = label_review.queue_counts(store) if scanned else None
            return label_review.queue(store, show), counts

        self.window.submit("Loading label errors", job,
                           lambda result: self.queue.set_items(*result))

    def act(self, name: str, chosen: list[dict[str, Any]]) -> None:
        """Accept the suggestion, keep the given label, or send to adjudication; undoable."""
        from curator.core.checks import label_review
        from curator.core.labeling.assignment import find_annotator
        from curator.core.store import findings as finding_store

        w = self.window
        if w.blocks("Changing findings") or not chosen or w.store is None:
            return
        actor = w.annotator
        ids = [int(c["id"]) for c in chosen]
        n = plural(len(ids), "label error")
        if name == "accept" and any(c["detail"].get("field") != "answer" for c in chosen):
            person = find_annotator(w.store, actor)
            if person is None or person.role != "adjudicator":
                w.show_error(f"Accepting a suggestion decides a final label, which only an "
                             f"adjudicator can do, and {actor} is not one. Give the role in "
                             "Labels → Annotators and batches, or send the record to "
                             "adjudication instead.")
                return
        if name == "accept":
            command = CoreCommand(
                w.submit_op, f"Accept the suggestion for {n}",
                lambda s: [label_review.accept_suggestion(s, i, actor) for i in ids],
                lambda s, done: label_review.undo_all(s, done, actor),
                self._changed)
        elif name == "keep":
            command = CoreCommand(
                w.submit_op, f"Keep the given label of {n}",
                lambda s: finding_store.set_status(s, ids, "dismissed", actor),
                lambda s, before: finding_store.restore_status(s, before or {}, actor),
                self._changed)
        elif name == "send":
            command = CoreCommand(
                w.submit_op, f"Send {n} to adjudication",
                lambda s: [label_review.send_to_adjudication(s, i, actor) for i in ids],
                lambda s, sent: label_review.undo_all(s, sent, actor),
                self._changed)
        else:
            return
        w.undo_stack.push(command)

    def _changed(self) -> None:
        w = self.window
        w.after_change()
        if w.tabs.currentWidget() is self.queue:
            self.load()
        adjudication = w.labels.adjudication
        if adjudication is not None and alive(adjudication):
            adjudication.refresh()

    # -- find similar ------------------------------------------------------------------

    def find_similar(self, record_id: int | None = None) -> None:
        """The nearest records to one (default: the record shown), by input and answer."""
        from curator.app.similar_view import SimilarDialog

        w = self.window
        record_id = w.current_id if record_id is None else record_id
        if w.store is None or record_id is None:
            w.show_error("Choose a record first: find similar compares it with the others.")
            return
        row = w.store.db.execute("SELECT key FROM records WHERE id = ?",
                                 (record_id,)).fetchone()
        key = str(row[0]) if row else str(record_id)
        if self.similar_dialog is None or not alive(self.similar_dialog):
            self.similar_dialog = SimilarDialog(w.window())
            self.similar_dialog.open_record.connect(w.show_record)
        dialog = self.similar_dialog
        dialog.show_loading(key)
        dialog.show()
        dialog.raise_()
        models = w.models

        def job(store: Store) -> Job[Any]:
            from curator.core.checks.similar import similar_records_job

            if not models.has_embedder():
                yield Progress(0, None, "Loading the sentence-embedding model")
            sides: list[Any] = []
            for by in ("input", "answer"):
                try:
                    sides.append((yield from similar_records_job(
                        store, record_id, by, 10, models.embedder())))
                except CuratorError as exc:
                    sides.append(str(exc))
            from curator.core.labeling.labels import label_summaries

            ids = {n.record_id for side in sides if isinstance(side, list) for n in side}
            summaries = label_summaries(store, [record_id, *ids])
            return [*sides, summaries, summaries.get(record_id, "")]

        def show(sides: Any) -> None:
            if alive(dialog):
                dialog.show_result(record_id, key, *sides)

        w.submit(f"Finding records similar to {key}", job, show)

    # -- the labelling panel -------------------------------------------------------------

    def set_record(self, record_id: int | None) -> None:
        """The record shown changed: suggest values for its unlabelled fields."""
        self._record = record_id
        self._suggest()

    def _labelled(self, record_id: int) -> None:
        self.labelled_since.add(record_id)
        if record_id == self._record:
            self._suggest()

    def _suggest(self) -> None:
        w, record_id = self.window, self._record
        panel = self.panel
        if w.store is None or record_id is None or panel is None or not alive(panel) \
                or not panel.isVisible():
            self.suggestion.show_nothing()
            return
        self._asked += 1
        asked, annotator, models = self._asked, w.annotator, w.models
        self.suggestion.show_waiting()

        def job(store: Store) -> Job[Any]:
            from curator.core.checks.label_suggestions import record_suggestions

            if not models.has_embedder():
                yield Progress(0, None, "Loading the sentence-embedding model")
            return (yield from record_suggestions(store, record_id, annotator,
                                                  models.embedder()))

        def show(found: Any) -> None:
            if asked == self._asked and alive(self.suggestion):
                if found:
                    self.suggestion.show_suggestions(found)
                else:
                    self.suggestion.show_nothing()

        w.submit("Model suggestion", job, show)

    def _order_changed(self, on: bool) -> None:
        self.order = None
        self.labelled_since = set()
        if on:
            self._compute_order(go=False)

    def _compute_order(self, go: bool) -> None:
        w = self.window
        annotator, models = w.annotator, w.models

        def job(store: Store) -> Job[Any]:
            from curator.core.checks.label_suggestions import informative_order

            if not models.has_embedder():
                yield Progress(0, None, "Loading the sentence-embedding model")
            return (yield from informative_order(store, annotator, models.embedder()))

        def done(result: Any) -> None:
            name, ids = result
            self.order, self.labelled_since = list(ids), set()
            w.statusBar().showMessage(
                f"Most informative first: {plural(len(ids), 'record')} ordered by how "
                f"unsure the model is of {name}." if name else
                "Most informative first needs 5 labels in each of 2 values of a "
                "single-choice field; until then, file order.", 8000)
            if go:
                self._go_next()

        w.submit("Ordering the records to label", job, done)

    def _next_informative(self) -> bool:
        """Next, in the "most informative first" order (True: handled here)."""
        if not self.suggestion.informative.isChecked():
            return False
        if self.order is None:
            self._compute_order(go=True)
        else:
            self._go_next()
        return True

    def _go_next(self) -> None:
        from curator.core.checks.label_suggestions import pick_next

        w = self.window
        nxt = pick_next(self.order or [], self.labelled_since, w.current_id)
        if nxt is None:
            w.statusBar().showMessage("Nothing left to label for you.", 6000)
            return
        self.labelled_since.add(nxt)
        w.show_record(nxt)
        if self.panel is not None and alive(self.panel):
            self.panel.setFocus()
