"""The checks in the window: format rules, personal data, duplicates, and their findings."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QSplitter, QTabWidget

from curator.app.commands import CoreCommand
from curator.app.pii_view import PiiQueue
from curator.app.shell import Shell
from curator.app.widgets import ask
from curator.core import operations
from curator.core.checks.models import ModelCache
from curator.core.checks.scan import scan
from curator.core.jobs import Job, Progress
from curator.core.store import Store
from curator.core.store import findings as finding_store
from curator.core.text import plural


class ChecksHost(Shell, Protocol):
    """What the checks use of the window besides the :class:`Shell`."""

    @property
    def models(self) -> ModelCache:
        """The embedding model and the PII analyzer, loaded once per window."""

    @property
    def undo_stack(self) -> QUndoStack:
        """Edit → Undo."""

    @property
    def tabs(self) -> QTabWidget:
        """The window's tabs (a view reloads only while it shows)."""

    def reload(self) -> None:
        """Reload the records and the counts."""

    def after_change(self) -> None:
        """Refresh what shows records after a change."""

    def show_record(self, record_id: int) -> None:
        """Show a record in the Records tab."""


class ChecksController(QObject):
    """Runs the checks and carries out the decisions on their findings, undoably."""

    def __init__(self, window: ChecksHost) -> None:
        super().__init__(window.window())
        from curator.app.duplicates_view import DiversityChart, DuplicatesView

        self.window = window
        self.pii_queue = PiiQueue()
        self.duplicates = DuplicatesView()
        self.diversity = DiversityChart()
        #: The Duplicates tab: the groups above, the diversity chart below.
        self.duplicates_tab = QSplitter(Qt.Orientation.Vertical)
        self.duplicates_tab.addWidget(self.duplicates)
        self.duplicates_tab.addWidget(self.diversity)
        self.duplicates_tab.setSizes([520, 260])
        self.pii_queue.action.connect(self.finding_action)
        self.pii_queue.scan_requested.connect(self.run_pii_scan)
        self.pii_queue.settings_requested.connect(self.open_pii_settings)
        self.pii_queue.reload_requested.connect(self.load_pii)
        self.pii_queue.occurrences_requested.connect(self.load_occurrences)
        self.duplicates.keepRequested.connect(self.keep_one)
        self.duplicates.dismissRequested.connect(self.dismiss_cluster)
        self.duplicates.openRecordRequested.connect(self._open_key)

    def reset(self, store: Store) -> None:
        """A project was opened: empty the queues (the groups load with their tab)."""
        self.pii_queue.set_items([], None)
        self.pii_queue.set_warnings([])
        self.duplicates.set_store(store, load=False)

    # -- format rules ----------------------------------------------------------------

    def run_scan(self) -> None:
        """Check every record against the format rules."""
        w = self.window
        if w.blocks("Checking"):
            return
        actor = w.annotator
        w.submit("Checking records", lambda s: scan(s, actor=actor),
                 lambda _report: w.reload())

    # -- duplicates and contradictions -----------------------------------------------

    def run_similarity_scan(self) -> None:
        """Embed inputs and outputs (the model loads once per window) and group them."""
        w = self.window
        if w.blocks("Checking"):
            return
        actor, models = w.annotator, w.models

        def job(store: Store) -> Job[Any]:
            if not models.has_embedder():
                yield Progress(0, None, "Loading the sentence-embedding model")
            return (yield from scan(store, ["duplicates", "contradictions"], actor=actor,
                                    embedder=models.embedder()))

        def done(report: Any) -> None:
            from curator.core.checks.similarity import groups_summary

            groups = (report.similarity or {}).get("clusters", {})
            w.statusBar().showMessage(f"{groups_summary(groups)}.", 12000)
            w.reload()
            if w.tabs.currentWidget() is self.duplicates_tab:
                self.load_duplicates()

        w.submit("Finding duplicates and contradictions", job, done)

    def load_duplicates(self) -> None:
        """Load the duplicate groups and the diversity report (off the UI thread)."""
        from curator.core.checks.similarity import clusters, diversity_report

        if self.window.store is None:
            return

        def job(store: Store) -> Job[Any]:
            yield Progress(0, None, "Loading duplicate groups")
            groups = clusters(store)
            yield Progress(0, None, "Diversity report")
            return groups, diversity_report(store)

        def show(result: Any) -> None:
            self.duplicates.set_clusters(result[0])
            self.diversity.show_report(result[1])

        self.window.submit("Loading duplicates", job, show)

    def keep_one(self, cluster_id: int, record_id: int) -> None:
        """Keep one example of a group, reject the others (undoable; asks first when
        more than one record would be rejected)."""
        w = self.window
        if w.blocks("Rejecting records"):
            return
        members = self._members(cluster_id)
        kept = next((m for m in members if int(m["id"]) == record_id), None)
        rejecting = [m for m in members
                     if int(m["id"]) != record_id and m.get("review") != "rejected"]
        if len(rejecting) > 1 and not ask(
                w.window(), "Reject the others?",
                f"Reject {plural(len(rejecting), 'other record')} of this group?",
                f"Reject {len(rejecting):,}",
                f"Keeps {kept['key'] if kept else 'this example'} and marks the others as "
                "rejected, so they are left out of exports. Undo with Ctrl+Z."):
            return
        actor = w.annotator
        w.undo_stack.push(CoreCommand(
            w.submit_op, "Keep one, reject the rest",
            lambda s: operations.keep_one(s, cluster_id, record_id, actor),
            lambda s, change: operations.undo_group(s, change, actor),
            self._after_duplicates_change))

    def _members(self, cluster_id: int) -> list[dict[str, Any]]:
        """The members of a group (as shown, or read afresh), with their review states."""
        from curator.core.checks.similarity import cluster_detail

        detail = self.duplicates.detail
        if detail is not None and int(detail["id"]) == cluster_id:
            return list(detail["members"])
        store = self.window.store
        return list(cluster_detail(store, cluster_id)["members"]) if store else []

    def dismiss_cluster(self, cluster_id: int) -> None:
        """Mark a group as intended variation (undoable)."""
        w = self.window
        if w.blocks("Dismissing findings"):
            return
        actor = w.annotator
        w.undo_stack.push(CoreCommand(
            w.submit_op, "Mark as intended variation",
            lambda s: operations.dismiss_group(s, cluster_id, actor),
            lambda s, change: operations.undo_group(s, change, actor),
            self._after_duplicates_change))

    def _after_duplicates_change(self) -> None:
        self.window.after_change()
        self.load_duplicates()

    def _open_key(self, key: str) -> None:
        store = self.window.store
        if store is None:
            return
        record = store.record(key)
        if record is not None:
            self.window.show_record(int(record["id"]))

    # -- personal data ---------------------------------------------------------------

    def run_pii_scan(self) -> None:
        """Look for personal data (the language model is loaded once per window)."""
        w = self.window
        if w.blocks("Checking"):
            return
        actor, models = w.annotator, w.models

        def job(store: Store) -> Job[Any]:
            from curator.core.checks.pii import settings_from_store

            settings = settings_from_store(store)
            if not models.has_pii_analyzer(settings):
                yield Progress(0, None, "Loading the language model for personal data")
            analyzer, warnings = models.pii_analyzer(settings)
            report = yield from scan(store, ["pii"], actor=actor, pii_analyzer=analyzer)
            report.warnings = warnings
            return report

        w.submit("Finding personal data", job, self._pii_scanned)

    def open_pii_settings(self) -> None:
        """The personal-data settings dialog; saved for the next scan."""
        from curator.app.pii_settings import PiiSettingsDialog
        from curator.core.checks.pii import settings_from_store
        from curator.core.settings import set_project_setting

        w = self.window
        if w.store is None:
            w.show_error("Open a project first (File → Open project).")
            return
        dialog = PiiSettingsDialog(settings_from_store(w.store), w.window())
        self.pii_settings_dialog = dialog
        if dialog.exec() != PiiSettingsDialog.DialogCode.Accepted:
            return
        chosen, actor = dialog.settings(), w.annotator
        w.submit_op("Saving settings",
                    lambda s: set_project_setting(s, "pii", chosen, actor),
                    lambda _: w.statusBar().showMessage(
                        "Personal-data settings saved; they apply to the next scan.", 8000))

    def _pii_scanned(self, report: Any) -> None:
        self.pii_queue.set_warnings(report.warnings)
        found = (report.pii or {}).get("findings", 0)
        self.window.statusBar().showMessage(
            f"Personal data: {found:,} suspected spans found"
            + (" (patterns only, see the Personal data tab)" if report.warnings else "")
            + ".", 10000)
        self.window.reload()
        self.load_pii()

    def load_pii(self) -> None:
        """Load the personal-data queue, grouped by text and type (off the UI thread)."""
        show = self.pii_queue.spans_shown

        def job(store: Store) -> Job[Any]:
            yield Progress(0, None, "Loading personal data")
            # every analysed text has a cache row, spans or not: scanned at least once
            scanned = store.db.execute("SELECT 1 FROM pii_cache LIMIT 1").fetchone() is not None
            counts = finding_store.queue_counts(store, "pii") if scanned else None
            return finding_store.pii_groups(store, show), counts

        self.window.submit("Loading personal data", job,
                           lambda result: self.pii_queue.set_items(*result))

    def load_occurrences(self, ids: list[int]) -> None:
        """Show where the chosen groups' spans are (a bounded read: the first
        ``OCCURRENCE_LIMIT`` of them, each with its record key and a snippet)."""
        from curator.app.pii_view import OCCURRENCE_LIMIT
        from curator.core.checks import pii_review

        store = self.window.store
        if store is not None:
            self.pii_queue.set_occurrences(
                ids, pii_review.occurrences(store, ids, limit=OCCURRENCE_LIMIT,
                                               context=80))

    # -- findings --------------------------------------------------------------------

    def finding_action(self, name: str, chosen: list[dict[str, Any]]) -> None:
        """Dismiss, confirm, reopen, allow-list or redact findings, undoably: ``chosen``
        are findings (with an ``id``) or groups of the PII queue (with their ``ids``),
        and each decision, however many spans it covers, is one step of Edit → Undo."""
        w = self.window
        if w.blocks("Changing findings"):
            return
        if not chosen or w.store is None:
            return
        command = self._finding_command(name, chosen, w.annotator)
        if command is not None:
            w.undo_stack.push(command)

    def _finding_command(self, name: str, chosen: list[dict[str, Any]],
                         actor: str) -> CoreCommand | None:
        from curator.core.checks import pii_review

        submit, after = self.window.submit_op, self._after_finding_change
        ids = sorted({int(i) for f in chosen for i in f.get("ids", [f.get("id")])})
        n = plural(len(ids), "finding")
        if "ids" in chosen[0]:
            n = (f"“{chosen[0]['text']}” ({plural(len(ids), 'span')})" if len(chosen) == 1
                 else f"{len(chosen):,} groups ({plural(len(ids), 'span')})")
        if name in ("dismiss", "confirm", "reopen"):
            status, confirmed, label = {
                "dismiss": ("dismissed", False, f"Dismiss {n}"),
                "confirm": ("open", True, f"Confirm {n}"),
                "reopen": ("open", False, f"Reopen {n}")}[name]
            return CoreCommand(
                submit, label,
                lambda s: finding_store.set_status(s, ids, status, actor, confirmed),
                lambda s, before: finding_store.restore_status(s, before, actor), after)
        if name == "allow":
            texts = list(dict.fromkeys(str(f.get("text") or "") for f in chosen))
            label = (f"Allow “{texts[0]}” everywhere" if len(texts) == 1
                     else f"Allow {len(texts):,} texts everywhere")
            return CoreCommand(
                submit, label, lambda s: pii_review.allow_all(s, texts, actor),
                lambda s, token: pii_review.undo_allow_all(s, token, actor), after)
        if name == "redact":
            return CoreCommand(
                submit, f"Redact {n}",
                lambda s: pii_review.redact(s, ids, actor),
                lambda s, token: pii_review.undo_redact(s, token, actor), after)
        return None

    def _after_finding_change(self) -> None:
        self.window.after_change()
        if self.window.tabs.currentWidget() is self.pii_queue:
            self.load_pii()
