"""The main window: records table, record view, dashboard, review and edit by keyboard."""

from __future__ import annotations

import platform
import sqlite3
import uuid
from array import array
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QItemSelectionModel, QSettings, QSize, Qt, QTimer, qVersion
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from curator import __version__
from curator.app.commands import CoreCommand, EditCommand, ReviewCommand
from curator.app.dashboard import Dashboard
from curator.app.jobs import JobRunner, OnDone, OnFailed, Operation
from curator.app.packs_view import PackBanner, PackController
from curator.app.pii_view import PiiQueue
from curator.app.record_view import RecordView
from curator.app.records_model import RecordTableModel
from curator.core import operations
from curator.core.checks.models import ModelCache
from curator.core.checks.scan import scan
from curator.core.errors import CuratorError
from curator.core.identity import current_actor
from curator.core.ingest import import_files
from curator.core.jobs import Job, Progress
from curator.core.store import Store
from curator.core.store import findings as finding_store
from curator.core.store.browse import (
    RecordFilter,
    index_text,
    next_unreviewed,
    query_ids,
    record_detail,
)
from curator.core.store.review import changes_since, last_event
from curator.core.store.summary import dashboard_data

REVIEW_KEYS = (("accepted", "A", "Accept"), ("rejected", "R", "Reject"),
               ("needs-edit", "E", "Needs edit"), ("unreviewed", "U", "Mark unreviewed"))
MAX_RECENT = 8


def view_job(flt: RecordFilter) -> Any:
    """A job that loads the ids (and counts) of a filtered view."""

    def job(store: Store) -> Job[tuple[array, dict[str, Any]]]:
        if flt.search:
            yield from index_text(store)
        yield Progress(0, None, "Loading records")
        return query_ids(store, flt), store.stats()

    return job


class MainWindow(QMainWindow):
    """Curator's main window for one project at a time."""

    def __init__(self, settings: QSettings | None = None, annotator: str = "",
                 models: ModelCache | None = None) -> None:
        """``annotator``: who is acting, when given explicitly (``curator --as NAME gui``)."""
        super().__init__()
        self.settings = settings or QSettings("Curator", "Curator")
        #: The person at the keyboard (curator.core.identity; File → Change user…).
        self.user = current_actor(annotator or None,
                                  str(self.settings.value("annotator", "") or ""))
        self.project: Path | None = None
        self.store: Store | None = None
        self.filter = RecordFilter()
        self.current_id: int | None = None
        self._seen_event = 0
        #: The embedding model and the PII analyzer, each loaded once per window.
        self.models = models or ModelCache()
        #: The one writer: changes and long jobs, in order.
        self.runner = JobRunner(self)
        self.runner.session = uuid.uuid4().hex
        #: Read-only work that must not wait behind a long write (the export counts).
        self.reader = JobRunner(self)
        self.reader.session = self.runner.session
        self.undo_stack = QUndoStack(self)
        self.model = RecordTableModel()
        self.setWindowTitle("Curator")
        self.setAcceptDrops(True)
        self.resize(QSize(1280, 820))
        self._build_widgets()
        self._build_actions()
        #: Annotation packs: handing out, importing, and pack mode (see packs_view).
        self.packs = PackController(self)
        self._connect()
        self.poll = QTimer(self, interval=1500)
        self.poll.timeout.connect(self._check_outside_changes)
        self._show_empty()

    @property
    def annotator(self) -> str:
        """Who acts: the pack's annotator in an annotation pack, else the user."""
        packs = getattr(self, "packs", None)
        info = packs.info if packs is not None else None
        return info.annotator if info is not None else self.user

    # -- construction ---------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.search = QLineEdit(placeholderText="Search all messages (Ctrl+F)")
        self.search.setAccessibleName("Search records")
        self.search.setClearButtonEnabled(True)
        self.review_filter = self._combo("Review state", [("All reviews", None)] + [
            (label, state) for state, _, label in REVIEW_KEYS[:3]] + [
            ("Unreviewed", "unreviewed")])
        self.kind_filter = self._combo("Finding kind", [("All findings", None)])
        self.code_filter = self._combo("Finding code", [("All codes", None)])
        self.source_filter = self._combo("Source file", [("All files", None)])
        self.invalid_only = QCheckBox("Invalid only")
        self.invalid_only.setAccessibleName("Show only invalid records")
        bar = QHBoxLayout()
        for widget in (self.search, self.review_filter, self.kind_filter, self.code_filter,
                       self.source_filter, self.invalid_only):
            bar.addWidget(widget, 3 if widget is self.search else 0)

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

        self.record_view = RecordView()
        self.record_view.setAccessibleName("Record")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.table)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.record_view)
        self.splitter.setSizes([720, 560])

        self.dashboard = Dashboard()
        self.dashboard.setAccessibleName("Dashboard")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.splitter, "Records")
        self.tabs.addTab(self.dashboard, "Dashboard")
        self.pii_queue = PiiQueue()
        self.tabs.addTab(self.pii_queue, "Personal data")
        from curator.app.duplicates_view import DiversityChart, DuplicatesView

        self.duplicates = DuplicatesView()
        self.diversity = DiversityChart()
        dup_split = QSplitter(Qt.Orientation.Vertical)
        dup_split.addWidget(self.duplicates)
        dup_split.addWidget(self.diversity)
        dup_split.setSizes([520, 260])
        self.duplicates_tab = dup_split
        self.tabs.addTab(dup_split, "Duplicates")
        # Labelling widgets work on an open project: made in open_project().
        self.agreement_view: Any = None
        self.adjudication: Any = None
        self.labeling: Any = None
        self.agreement_tab = self._placeholder("Open a project to see how annotators agree.")
        self.tabs.addTab(self.agreement_tab, "Agreement")
        self.adjudication_tab = self._placeholder("Open a project to settle disagreements.")
        self.tabs.addTab(self.adjudication_tab, "Adjudication")
        self.label_dock = QDockWidget("Labelling", self)
        self.label_dock.setObjectName("labellingDock")
        self.label_dock.setAccessibleName("Labelling")
        self.label_dock.setWidget(self._placeholder("Open a project to label it."))
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.label_dock)
        self.label_dock.hide()
        #: Whether the labelling panel is wanted (it shows on the Records tab only).
        self.labeling_wanted = False
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pack_banner = PackBanner()
        self.pack_banner.hide()
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.pack_banner)
        central_layout.addWidget(self.tabs)
        self.setCentralWidget(central)

        status = self.statusBar()
        self.counts = QLabel()
        self.counts.setAccessibleName("Counts")
        self.review_progress = QLabel()
        self.review_progress.setAccessibleName("Review progress")
        self.job_label = QLabel()
        self.job_bar = QProgressBar(maximumWidth=220)
        self.job_bar.setAccessibleName("Job progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel job")
        status.addWidget(self.counts)
        status.addWidget(self.review_progress)
        status.addPermanentWidget(self.job_label)
        status.addPermanentWidget(self.job_bar)
        status.addPermanentWidget(self.cancel_button)
        self._set_busy(False)

    @staticmethod
    def _placeholder(text: str) -> QLabel:
        label = QLabel(text)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        return label

    def _replace_tab(self, old: QWidget, new: QWidget, title: str) -> None:
        index = self.tabs.indexOf(old)
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, new, title)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        old.deleteLater()

    @staticmethod
    def _combo(name: str, items: list[tuple[str, Any]]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for label, value in items:
            combo.addItem(label, value)
        return combo

    def _action(self, text: str, shortcut: Any, slot: Any, menu: Any = None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        if menu is not None:
            menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self._action("&New project…", QKeySequence.StandardKey.New, self.new_project, file_menu)
        self._action("&Open project…", QKeySequence.StandardKey.Open, self.choose_project,
                     file_menu)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.import_action = self._action("&Import data files…", "Ctrl+I", self.choose_imports,
                                          file_menu)
        self.export_action = self._action("&Export dataset…", "Ctrl+E", self.export_dataset,
                                          file_menu)
        self.labels_import_action = self._action("Import &labels…", None,
                                                 self.choose_labels_import, file_menu)
        self.labels_export_action = self._action("Export l&abels…", None,
                                                 self.choose_labels_export, file_menu)
        self.pack_import_action = self._action("Import returned &pack…", None,
                                               lambda: self.packs.choose_import(), file_menu)
        file_menu.addSeparator()
        self.user_action = self._action("Change &user…", None, self.choose_user, file_menu)
        file_menu.addSeparator()
        self._action("&Quit", QKeySequence.StandardKey.Quit, self.close, file_menu)

        edit_menu = menu.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (undo, redo):
            edit_menu.addAction(action)
            self.addAction(action)
        self._action("&Find", QKeySequence.StandardKey.Find, self._focus_search, edit_menu)

        labels_menu = menu.addMenu("&Labels")
        self.schema_action = self._action("&Fields and guidelines…", None,
                                          self.open_schema_dialog, labels_menu)
        self.batch_action = self._action("&Annotators and batches…", None,
                                         self.open_batch_dialog, labels_menu)
        labels_menu.addSeparator()
        self.pack_export_action = self._action("&Hand out a pack…", None,
                                               lambda: self.packs.hand_out(), labels_menu)
        self.packs_action = self._action("Pac&ks…", None, lambda: self.packs.show_status(),
                                         labels_menu)
        labels_menu.addSeparator()
        self._action("&Next unlabelled", "Ctrl+Shift+N", self.next_unlabelled, labels_menu)

        review_menu = menu.addMenu("&Review")
        self.review_actions = {}
        for state, key, label in REVIEW_KEYS:
            self.review_actions[state] = self._action(
                label, key, lambda _=False, s=state: self.review(s), review_menu)
        review_menu.addSeparator()
        self._action("&Next record", "J", lambda: self.step_row(1), review_menu)
        self._action("&Previous record", "K", lambda: self.step_row(-1), review_menu)
        self._action("Next &unreviewed", "N", self.next_unreviewed, review_menu)

        checks_menu = menu.addMenu("&Checks")
        self.scan_action = self._action("&Check format rules", "Ctrl+Shift+C", self.run_scan,
                                        checks_menu)
        self.pii_action = self._action("Find &personal data", "Ctrl+Shift+P",
                                       self.run_pii_scan, checks_menu)
        self.similar_action = self._action("Find &duplicates and contradictions",
                                           "Ctrl+Shift+D", self.run_similarity_scan,
                                           checks_menu)

        view_menu = menu.addMenu("&View")
        self._action("&Records", "Ctrl+1", lambda: self.tabs.setCurrentIndex(0), view_menu)
        self._action("&Dashboard", "Ctrl+2", lambda: self.tabs.setCurrentIndex(1), view_menu)
        self._action("&Personal data", "Ctrl+3",
                     lambda: self.tabs.setCurrentWidget(self.pii_queue), view_menu)
        self._action("D&uplicates", "Ctrl+6",
                     lambda: self.tabs.setCurrentWidget(self.duplicates_tab), view_menu)
        self._action("&Agreement", "Ctrl+4",
                     lambda: self.tabs.setCurrentWidget(self.agreement_tab), view_menu)
        self._action("Ad&judication", "Ctrl+5",
                     lambda: self.tabs.setCurrentWidget(self.adjudication_tab), view_menu)
        self.label_action = self._action("&Labelling panel", "Ctrl+L", self.toggle_labeling,
                                         view_menu)
        self._action("&Refresh", QKeySequence.StandardKey.Refresh, self.reload, view_menu)

        help_menu = menu.addMenu("&Help")
        self._action("Show &log", None, self.show_log, help_menu)
        self._action("&About Curator", None, self.about, help_menu)
        self._update_recent_menu()

    def pack_locked_actions(self) -> list[QAction]:
        """What an annotation pack does not allow (only labels change in a pack)."""
        return [self.import_action, self.export_action, self.labels_import_action,
                self.labels_export_action, self.pack_import_action, self.schema_action,
                self.batch_action, self.pack_export_action, self.packs_action,
                self.scan_action, self.pii_action, self.similar_action,
                *self.review_actions.values()]

    def _connect(self) -> None:
        self.search.returnPressed.connect(self._filters_changed)
        self.search.returnPressed.connect(self.table.setFocus)
        for combo in (self.review_filter, self.kind_filter, self.code_filter,
                      self.source_filter):
            combo.activated.connect(self._filters_changed)
        self.invalid_only.toggled.connect(self._filters_changed)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.record_view.message_edited.connect(self.edit_message)
        self.record_view.finding_action.connect(self.finding_action)
        self.pii_queue.action.connect(self.finding_action)
        self.pii_queue.open_record.connect(self.show_span)
        self.pii_queue.scan_requested.connect(self.run_pii_scan)
        self.pii_queue.settings_requested.connect(self.open_pii_settings)
        self.pii_queue.reload_requested.connect(self._load_pii)
        self.duplicates.keepRequested.connect(self.keep_one)
        self.duplicates.dismissRequested.connect(self.dismiss_cluster)
        self.duplicates.openRecordRequested.connect(self._open_key)
        self.runner.started.connect(lambda name: self._set_busy(True, name))
        self.runner.progressed.connect(self._progressed)
        self.runner.idle.connect(lambda: self._set_busy(False))
        self.runner.failed.connect(self._job_failed)
        self.runner.cancelled.connect(
            lambda name: self.statusBar().showMessage(f"{name}: cancelled, nothing changed.",
                                                      8000))
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.tabs.currentChanged.connect(self._tab_changed)

    # -- projects ------------------------------------------------------------------

    def open_project(self, path: Path, create: bool = False) -> bool:
        """Open (or create) the project at ``path``; False with a message if it can't."""
        try:
            store = Store.open(path, create=create)
        except CuratorError as exc:
            self.show_error(str(exc))
            return False
        for view in (self.labeling, self.adjudication):
            if view is not None:
                view.detach()  # its saves still finish; its store is about to close
        if self.store is not None:
            self.store.close()
        self.store, self.project = store, path
        self.packs.apply(store, path)
        self.model.viewer = self.annotator
        self.model.set_store(store)
        self.undo_stack.clear()
        self.current_id = None
        self.record_view.clear()
        self.pii_queue.set_items([], None)
        self.pii_queue.set_warnings([])
        self.duplicates.set_store(store, load=False)  # groups load with the tab
        self._build_labeling(store)
        self.packs.apply_tabs()
        if self.packs.info is None:
            self.setWindowTitle(f"{path.name} — Curator")
        self._remember(path)
        self._seen_event = last_event(store)
        self.poll.start()
        self.reload()
        self.table.setFocus()  # review keys work at once, without a click
        return True

    def new_project(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "New project", str(Path.home()),
                                              "Curator projects (*.curator)")
        if name:
            path = Path(name if name.endswith(".curator") else f"{name}.curator")
            self.open_project(path, create=True)

    def choose_project(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open project", str(Path.home()),
            "Curator projects and packs (*.curator *.curatorpack);;All files (*)")
        if name:
            self.open_project(Path(name))

    def _remember(self, path: Path) -> None:
        recent = [str(path.resolve())] + [p for p in self._recent() if p != str(path.resolve())]
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self._update_recent_menu()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", []) or []
        return [value] if isinstance(value, str) else list(value)

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self._recent():
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _=False, p=entry: self.open_project(Path(p)))
        self.recent_menu.setEnabled(bool(self._recent()))

    # -- jobs ----------------------------------------------------------------------

    def submit(self, name: str, factory: Any, on_done: Any = None) -> None:
        """Queue a job (a long one, or a read that must follow the writes before it)."""
        if self.project is None:
            return
        self.runner.submit(name, self.project, factory, on_done)

    def submit_op(self, name: str, operation: Operation, on_done: OnDone | None = None,
                  on_failed: OnFailed | None = None) -> None:
        """Queue a change ``(store) -> result`` on the project's one writer.

        ``on_done(result)`` follows on the UI thread; without ``on_failed`` a failure is
        shown as an error. Cancel does not drop it, and closing the window writes it.
        """
        if self.project is None:
            return
        self.runner.submit_op(name, self.project, operation, on_done, on_failed)

    def import_paths(self, paths: list[Path]) -> None:
        """Import files, then check them, then show them (three jobs, one after another)."""
        if self.packs.blocks("Importing data"):
            return
        if self.project is None:
            self.show_error("Open or create a project first (File → New project).")
            return
        actor = self.annotator
        self.submit("Importing", lambda s: import_files(s, paths, actor=actor),
                    self._imported)
        self.run_scan()

    def _imported(self, report: Any) -> None:
        lines = [f"{s.name}: {s.records:,} records, {s.invalid:,} invalid"
                 + (f" (skipped: {s.skipped_reason})" if s.skipped else "")
                 for s in report.sources]
        lines += [f["error"] for f in report.failed]
        self.statusBar().showMessage("; ".join(lines), 15000)
        if report.failed:
            self.show_error("\n\n".join(f["error"] for f in report.failed))

    def choose_imports(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Import data files", str(Path.home()),
            "Chat data (*.jsonl *.json *.ndjson);;All files (*)")
        if names:
            self.import_paths([Path(n) for n in names])

    def run_scan(self) -> None:
        if self.packs.blocks("Checking"):
            return
        actor = self.annotator
        self.submit("Checking records", lambda s: scan(s, actor=actor),
                    lambda _report: self.reload())

    def run_similarity_scan(self) -> None:
        """Embed inputs and outputs (the model loads once per window) and group them."""
        if self.packs.blocks("Checking"):
            return
        actor, models = self.annotator, self.models

        def job(store: Store) -> Job[Any]:
            if not models.has_embedder():
                yield Progress(0, None, "Loading the sentence-embedding model")
            return (yield from scan(store, ["duplicates", "contradictions"], actor=actor,
                                    embedder=models.embedder()))

        def done(report: Any) -> None:
            from curator.core.checks.similarity import groups_summary

            groups = (report.similarity or {}).get("clusters", {})
            self.statusBar().showMessage(f"{groups_summary(groups)}.", 12000)
            self.reload()
            if self.tabs.currentWidget() is self.duplicates_tab:
                self._load_duplicates()

        self.submit("Finding duplicates and contradictions", job, done)

    def _load_duplicates(self) -> None:
        from curator.core.checks.similarity import clusters, diversity_report

        if self.store is None:
            return

        def job(store: Store) -> Job[Any]:
            yield Progress(0, None, "Loading duplicate groups")
            groups = clusters(store)
            yield Progress(0, None, "Diversity report")
            return groups, diversity_report(store)

        def show(result: Any) -> None:
            self.duplicates.set_clusters(result[0])
            self.diversity.show_report(result[1])

        self.submit("Loading duplicates", job, show)

    def keep_one(self, cluster_id: int, record_id: int) -> None:
        """Keep one example of a group, reject the others (undoable)."""
        if self.packs.blocks("Rejecting records"):
            return
        actor = self.annotator
        self.undo_stack.push(CoreCommand(
            self.submit_op, "Keep one, reject the rest",
            lambda s: operations.keep_one(s, cluster_id, record_id, actor),
            lambda s, change: operations.undo_group(s, change, actor),
            self._after_duplicates_change))

    def dismiss_cluster(self, cluster_id: int) -> None:
        """Mark a group as intended variation (undoable)."""
        if self.packs.blocks("Dismissing findings"):
            return
        actor = self.annotator
        self.undo_stack.push(CoreCommand(
            self.submit_op, "Mark as intended variation",
            lambda s: operations.dismiss_group(s, cluster_id, actor),
            lambda s, change: operations.undo_group(s, change, actor),
            self._after_duplicates_change))

    def _after_duplicates_change(self) -> None:
        self._after_change()
        self._load_duplicates()

    def _open_key(self, key: str) -> None:
        if self.store is None:
            return
        record = self.store.record(key)
        if record is not None:
            self.show_record(int(record["id"]))

    def run_pii_scan(self) -> None:
        """Look for personal data (the language model is loaded once per window)."""
        if self.packs.blocks("Checking"):
            return
        actor, models = self.annotator, self.models

        def job(store: Store) -> Job[Any]:
            from curator.core.checks.pii import settings_from_store

            settings = settings_from_store(store)
            if not models.has_pii_analyzer(settings):
                yield Progress(0, None, "Loading the language model for personal data")
            analyzer, warnings = models.pii_analyzer(settings)
            report = yield from scan(store, ["pii"], actor=actor, pii_analyzer=analyzer)
            report.warnings = warnings
            return report

        self.submit("Finding personal data", job, self._pii_scanned)

    def open_pii_settings(self) -> None:
        from curator.app.pii_settings import PiiSettingsDialog
        from curator.core.checks.pii import settings_from_store
        from curator.core.settings import set_project_setting

        if self.store is None:
            self.show_error("Open a project first (File → Open project).")
            return
        dialog = PiiSettingsDialog(settings_from_store(self.store), self)
        self.pii_settings_dialog = dialog
        if dialog.exec() != PiiSettingsDialog.DialogCode.Accepted:
            return
        chosen, actor = dialog.settings(), self.annotator
        self.submit_op("Saving settings",
                       lambda s: set_project_setting(s, "pii", chosen, actor),
                       lambda _: self.statusBar().showMessage(
                           "Personal-data settings saved; they apply to the next scan.", 8000))

    def _pii_scanned(self, report: Any) -> None:
        self.pii_queue.set_warnings(report.warnings)
        found = (report.pii or {}).get("findings", 0)
        self.statusBar().showMessage(
            f"Personal data: {found:,} suspected spans found"
            + (" (patterns only, see the Personal data tab)" if report.warnings else "")
            + ".", 10000)
        self.reload()
        self._load_pii()

    def _load_pii(self) -> None:
        show = self.pii_queue.show

        def job(store: Store) -> Job[Any]:
            yield Progress(0, None, "Loading personal data")
            # every analysed text has a cache row, spans or not: scanned at least once
            scanned = store.db.execute("SELECT 1 FROM pii_cache LIMIT 1").fetchone() is not None
            counts = finding_store.queue_counts(store, "pii") if scanned else None
            return finding_store.queue(store, "pii", show), counts

        self.submit("Loading personal data", job,
                    lambda result: self.pii_queue.set_items(*result))

    def finding_action(self, name: str, chosen: list[dict[str, Any]]) -> None:
        """Dismiss, confirm, reopen, allow-list or redact findings, undoably."""
        from curator.core.checks import pii_review

        if self.packs.blocks("Changing findings"):
            return
        if not chosen or self.store is None:
            return
        actor = self.annotator
        ids = [int(f["id"]) for f in chosen]
        n = f"{len(ids)} finding{'s' if len(ids) != 1 else ''}"
        if name in ("dismiss", "confirm", "reopen"):
            status, confirmed, label = {
                "dismiss": ("dismissed", False, f"Dismiss {n}"),
                "confirm": ("open", True, f"Confirm {n}"),
                "reopen": ("open", False, f"Reopen {n}")}[name]
            command = CoreCommand(
                self.submit_op, label,
                lambda s: finding_store.set_status(s, ids, status, actor, confirmed),
                lambda s, before: finding_store.restore_status(s, before, actor),
                self._after_finding_change)
        elif name == "allow":
            text = str(chosen[0].get("text") or "")
            command = CoreCommand(
                self.submit_op, f"Allow “{text}” everywhere",
                lambda s: pii_review.allow(s, text, actor),
                lambda s, token: pii_review.undo_allow(s, token, actor),
                self._after_finding_change)
        elif name == "redact":
            command = CoreCommand(
                self.submit_op, f"Redact {n}",
                lambda s: pii_review.redact(s, ids, actor),
                lambda s, token: pii_review.undo_redact(s, token, actor),
                self._after_finding_change)
        else:
            return
        self.undo_stack.push(command)

    def _after_finding_change(self) -> None:
        self._after_change()
        if self.tabs.currentWidget() is self.pii_queue:
            self._load_pii()

    def show_span(self, record_id: int, finding_id: int) -> None:
        """Show a record at one of its findings (from the PII queue)."""
        if self.store is None:
            return
        self.show_record(record_id)
        self.record_view.select_finding(finding_id)

    def reload(self) -> None:
        """Reload the filtered list of records and the counts (off the UI thread)."""
        if self.project is None:
            return
        self.submit("Loading", view_job(self.filter), self._view_loaded)

    def _view_loaded(self, result: tuple[array, dict[str, Any]]) -> None:
        ids, stats = result
        keep = self.current_id
        self.model.set_ids(ids)
        self._update_filters(stats)
        self._update_counts(stats)
        row = self.model.row_of(keep) if keep is not None else None
        if row is None and len(ids):
            row = 0
        if row is not None:
            self.select_row(row)
        else:
            self.current_id = None
            self.record_view.clear()
        if self.tabs.currentIndex() == 1:
            self._load_dashboard()
        elif self.tabs.currentWidget() is self.pii_queue:
            self._load_pii()

    def _progressed(self, progress: Progress) -> None:
        self.job_label.setText(progress.message)
        if progress.total:
            self.job_bar.setRange(0, 1000)
            self.job_bar.setValue(int(1000 * (progress.fraction or 0)))
        else:
            self.job_bar.setRange(0, 0)

    def _set_busy(self, busy: bool, name: str = "") -> None:
        self.job_label.setText(name if busy else "")
        self.job_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.job_bar.setRange(0, 0)

    def _job_failed(self, name: str, message: str) -> None:
        self.show_error(f"{name} did not finish: {message}")
        self.reload()

    def _check_outside_changes(self) -> None:
        """Show what another window or the command line committed meanwhile."""
        if self.store is None or self.runner.busy:
            return
        try:
            newest, foreign = changes_since(self.store, self._seen_event, self.runner.session)
        except sqlite3.Error:
            return
        self._seen_event = newest
        if foreign:
            self.model.refresh_rows()
            self.reload()

    # -- filters and counts --------------------------------------------------------

    def _filters_changed(self, *_: Any) -> None:
        self.filter = RecordFilter(
            review=self.review_filter.currentData(), kind=self.kind_filter.currentData(),
            code=self.code_filter.currentData(), source_id=self.source_filter.currentData(),
            invalid=True if self.invalid_only.isChecked() else None,
            search=self.search.text().strip() or None)
        self.reload()

    def _update_filters(self, stats: dict[str, Any]) -> None:
        kinds = sorted(stats["findings"])
        codes = sorted(stats["findings_by_code"])
        self._refill(self.kind_filter, [("All findings", None)] + [(k, k) for k in kinds])
        self._refill(self.code_filter, [("All codes", None)] + [
            (f"{c.split('/', 1)[1]} ({stats['findings_by_code'][c]:,})", c.split("/", 1)[1])
            for c in codes])
        if self.store is not None:
            sources = [(s["name"], s["id"]) for s in self.store.sources()]
            self._refill(self.source_filter, [("All files", None)] + sources)

    @staticmethod
    def _refill(combo: QComboBox, items: list[tuple[str, Any]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for label, value in items:
            combo.addItem(label, value)
        index = combo.findData(current)
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def _update_counts(self, stats: dict[str, Any]) -> None:
        shown = len(self.model.ids)
        total = stats["records"]
        prefix = f"{shown:,} shown of " if shown != total else ""
        self.counts.setText(f"{prefix}{total:,} records · {stats['valid']:,} valid · "
                            f"{stats['invalid']:,} invalid · "
                            f"{sum(stats['findings'].values()):,} open findings")
        self.review_progress.setText(f"{stats['reviewed']:,} of {total:,} reviewed")

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    # -- records -------------------------------------------------------------------

    def _row_changed(self, current: Any, _previous: Any = None) -> None:
        record_id = self.model.record_id(current.row()) if current.isValid() else None
        self.current_id = record_id
        if self.labeling is not None:
            self.labeling.set_record(record_id)
        if record_id is None or self.store is None:
            self.record_view.clear()
            return
        self.record_view.show_record(record_detail(self.store, record_id))

    def current_row(self) -> int:
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
        self.select_row(self.current_row() + step)

    def next_unreviewed(self) -> None:
        if self.store is None:
            return
        row = next_unreviewed(self.store, self.model.ids, self.current_row())
        if row is None:
            self.statusBar().showMessage("No unreviewed records after this one.", 5000)
        else:
            self.select_row(row)

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        ids = [self.model.record_id(r) for r in rows]
        return [i for i in ids if i is not None]

    def review(self, state: str) -> None:
        """Set the review state of the selected records, then move to the next one."""
        if self.packs.blocks("Reviewing"):
            return
        ids = self.selected_ids()
        if not ids or self.store is None:
            return
        before = {}
        for rid in ids:
            row = self.model.row_of(rid)
            data = self.model.row_data(row) if row is not None else None
            before[rid] = data["review"] if data else "unreviewed"
        command = ReviewCommand(self.submit_op, ids, state, before, self.annotator,
                                self._after_change)
        self.undo_stack.push(command)
        if len(ids) == 1:
            self.step_row(1)

    def edit_message(self, index: int, text: str) -> None:
        if self.packs.blocks("Editing"):
            return
        if self.store is None or self.current_id is None:
            return
        detail = record_detail(self.store, self.current_id)
        before = detail["conversation"]
        if before is None:
            return
        after = {**before, "messages": [dict(m) if isinstance(m, dict) else m
                                         for m in before["messages"]]}
        after["messages"][index]["content"] = text
        self.undo_stack.push(EditCommand(self.submit_op, self.current_id, before, after,
                                         self.annotator, self._after_change))

    def _after_change(self) -> None:
        self.model.refresh_rows()
        if self.store is not None and self.current_id is not None:
            self.record_view.show_record(record_detail(self.store, self.current_id))

        def count(store: Store) -> Job[dict[str, Any]]:
            yield Progress(0, None, "Counting")
            return store.stats()  # a full pass at a million records: not on the UI thread

        self.submit("Counting", count, self._update_counts)

    # -- dashboard -----------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        self._show_label_dock()
        if index == 1:
            self._load_dashboard()
        elif self.tabs.widget(index) is self.pii_queue:
            self._load_pii()
        elif self.tabs.widget(index) is self.agreement_tab:
            self._load_agreement()
        elif self.tabs.widget(index) is self.duplicates_tab:
            self._load_duplicates()
        elif self.tabs.widget(index) is self.adjudication_tab and self.adjudication:
            self.adjudication.reload_fields()
            self.adjudication.refresh()

    # -- labelling -------------------------------------------------------------------

    def _build_labeling(self, store: Store) -> None:
        """The labelling panel, agreement and adjudication views for this project."""
        from curator.app.adjudication_view import AdjudicationView
        from curator.app.agreement_view import AgreementView
        from curator.app.labeling_view import LabelingPanel
        from curator.core.labeling.schema import fields

        name = self.annotator
        self.labeling = LabelingPanel(store, name, submit=self.submit_op)
        self.labeling.labelled.connect(lambda _rid: self.model.refresh_rows())
        self.labeling.next_requested.connect(self.next_unlabelled)
        self.labeling.failed.connect(self.show_error)
        old = self.label_dock.widget()
        scroll = QScrollArea()  # a narrow dock scrolls instead of widening the window
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.labeling)
        self.label_dock.setWidget(scroll)
        self.label_dock.setMinimumWidth(300)
        if old is not None:
            old.deleteLater()
        self.labeling_wanted = bool(fields(store))
        self._show_label_dock()
        adjudication = AdjudicationView(store, name, submit=self.submit_op)
        adjudication.open_record.connect(self.show_record)
        adjudication.failed.connect(self.show_error)
        adjudication.decided.connect(lambda *_: self.model.refresh_rows())
        self._replace_tab(self.adjudication_tab, adjudication, "Adjudication")
        self.adjudication = self.adjudication_tab = adjudication
        view = AgreementView()
        self._replace_tab(self.agreement_tab, view, "Agreement")
        self.agreement_view = self.agreement_tab = view

    def open_schema_dialog(self) -> None:
        from curator.app.label_setup import SchemaDialog

        if self.packs.blocks("Changing the label fields"):
            return
        if self.store is None:
            self.show_error("Open a project first (File → Open project).")
            return
        dialog = SchemaDialog(self.store, self.annotator, self, submit=self.submit_op)
        dialog.changed.connect(self._labels_changed)
        dialog.exec()

    def open_batch_dialog(self) -> None:
        from curator.app.label_setup import BatchDialog

        if self.packs.blocks("Changing batches"):
            return
        if self.store is None:
            self.show_error("Open a project first (File → Open project).")
            return
        dialog = BatchDialog(self.store, self.annotator, self, submit=self.submit_op)
        dialog.changed.connect(self._labels_changed)
        dialog.exec()

    def after_labels_merged(self) -> None:
        """Labels arrived from outside (a pack): refresh what shows them."""
        self._labels_changed()
        self._after_change()

    def _labels_changed(self) -> None:
        """The label schema, annotators or batches changed: refresh what shows them."""
        from curator.core.labeling.schema import fields

        if self.store is None:
            return
        if self.labeling is not None:
            self.labeling.reload_schema()
            self.labeling.set_record(self.current_id)
            self.labeling_wanted = self.labeling_wanted or bool(fields(self.store))
            self._show_label_dock()
        if self.adjudication is not None:
            self.adjudication.reload_fields()

    def toggle_labeling(self) -> None:
        """Show the labelling panel and put the keyboard in it (or hide it)."""
        if self.labeling is None:
            return
        if self.label_dock.isVisible() and self.labeling.hasFocus():
            self.labeling_wanted = False
            self._show_label_dock()
            self.table.setFocus()
            return
        self.labeling.reload_schema()
        self.labeling.set_record(self.current_id)
        self.labeling_wanted = True
        self.tabs.setCurrentIndex(0)
        self._show_label_dock()
        self.labeling.setFocus()

    def _show_label_dock(self) -> None:
        visible = self.labeling_wanted and self.tabs.currentIndex() == 0
        self.label_dock.setVisible(visible)
        if visible:
            self.resizeDocks([self.label_dock], [340], Qt.Orientation.Horizontal)

    def next_unlabelled(self) -> None:
        """Go to the next record the annotator has not finished."""
        from curator.core.labeling.assignment import next_unlabelled

        if self.store is None:
            return
        annotator, current = self.annotator, self.current_id
        if not self.runner.busy:
            self._go_to_unlabelled(next_unlabelled(self.store, annotator, current))
            return

        def job(store: Store) -> Job[int | None]:
            return next_unlabelled(store, annotator, current)
            yield  # pragma: no cover - makes this a generator

        # After the labels still being saved: they decide what is left to label.
        self.submit("Finding the next record", job, self._go_to_unlabelled)

    def _go_to_unlabelled(self, record_id: int | None) -> None:
        if record_id is None:
            self.statusBar().showMessage("Nothing left to label for you.", 6000)
            return
        self.show_record(record_id)
        if self.labeling is not None:
            self.labeling.setFocus()

    def show_record(self, record_id: int) -> None:
        """Select a record in the table (or just show it when the filter hides it)."""
        if self.store is None:
            return
        self.tabs.setCurrentIndex(0)
        row = self.model.row_of(record_id)
        if row is not None:
            self.select_row(row)
        else:
            self.current_id = record_id
            self.record_view.show_record(record_detail(self.store, record_id))
            if self.labeling is not None:
                self.labeling.set_record(record_id)

    def _load_agreement(self) -> None:
        def job(store: Store) -> Job[Any]:
            from curator.core.labeling.measure import agreement_trend, field_reports

            yield Progress(0, None, "Computing agreement")
            return field_reports(store), agreement_trend(store)

        if self.agreement_view is not None:
            self.submit("Agreement", job,
                        lambda result: self.agreement_view.show_reports(*result))

    def choose_labels_import(self) -> None:
        from curator.core.labeling.transfer import import_labels

        if self.packs.blocks("Importing labels"):
            return
        if self.project is None:
            self.show_error("Open or create a project first (File → New project).")
            return
        name, _ = QFileDialog.getOpenFileName(self, "Import labels", str(Path.home()),
                                              "Labels (*.csv *.jsonl);;All files (*)")
        if not name:
            return
        actor = self.annotator

        def done(report: Any) -> None:
            self.statusBar().showMessage(
                f"Labels: {report.labels_set:,} set, {report.labels_unchanged:,} unchanged, "
                f"{len(report.rejected):,} rows rejected, {len(report.created_fields)} new "
                f"fields, {len(report.created_annotators)} new annotators.", 15000)
            if report.rejected:
                self.show_error("Some rows were not imported:\n" + "\n".join(
                    f"line {r.line}: {r.reason}" for r in report.rejected[:15]))
            if self.labeling is not None:
                self.labeling.reload_schema()
                self.labeling_wanted = True
                self._show_label_dock()
            if self.adjudication is not None:
                self.adjudication.reload_fields()
            self._after_change()

        self.submit("Importing labels", lambda s: import_labels(s, Path(name), actor), done)

    def choose_labels_export(self) -> None:
        from curator.core.labeling.transfer import export_labels

        if self.project is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export labels", str(Path.home()),
                                              "CSV (*.csv);;JSON Lines (*.jsonl)")
        if not name:
            return

        def job(store: Store) -> Job[Any]:
            yield Progress(0, None, "Writing labels")
            # The save dialog has asked before replacing a file; the project itself and
            # its -wal/-shm are still refused by export_labels.
            return export_labels(store, Path(name), overwrite=True)

        self.submit("Exporting labels", job, lambda report: self.statusBar().showMessage(
            f"Wrote {report.rows:,} labels to {name}.", 10000))

    # -- export ----------------------------------------------------------------------

    def export_dataset(self) -> None:
        """The export dialog: options, live counts, readiness, then the export job."""
        from curator.app.export_dialog import ExportDialog

        if self.packs.blocks("Exporting"):
            return
        if self.store is None:
            self.show_error("Open a project first (File → Open project).")
            return
        dialog = ExportDialog(self.store, self, runner=self.runner, reader=self.reader,
                              actor=self.annotator)
        dialog.exported.connect(lambda report: self.statusBar().showMessage(
            f"Exported {sum(report.counts.values()):,} examples to {report.outdir}.", 15000))
        self.export_dialog = dialog
        dialog.open()

    def _load_dashboard(self) -> None:
        def job(store: Store) -> Job[dict[str, Any]]:
            yield Progress(0, None, "Counting")
            return dashboard_data(store)
        self.submit("Dashboard", job, self.dashboard.show_data)

    # -- drag and drop ---------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        projects = [p for p in paths if p.suffix in (".curator", ".curatorpack")]
        if projects:
            self.open_project(projects[0])
        data = [p for p in paths if p.suffix not in (".curator", ".curatorpack")]
        if data:
            self.import_paths(data)
        event.acceptProposedAction()

    # -- messages ------------------------------------------------------------------

    def _show_empty(self) -> None:
        self.counts.setText("No project open: File → New project (Ctrl+N) or Open (Ctrl+O).")

    def show_error(self, message: str) -> None:
        """The one place errors reach the user (Cancel is not an error)."""
        self.statusBar().showMessage(message.splitlines()[0], 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Curator", message, parent=self)
        box.setAccessibleName("Error")
        box.open()

    def about(self) -> None:
        QMessageBox.about(self, "About Curator", about_text())

    def show_log(self) -> None:
        """Help → Show log: what went wrong unexpectedly, for a bug report."""
        from curator.app.errors import LogDialog

        self.log_dialog = LogDialog(self)
        self.log_dialog.open()

    # -- who is acting -------------------------------------------------------------

    def choose_user(self) -> None:
        """File → Change user…: ask for the name that goes into the audit trail."""
        from curator.app.user import ask_user_name

        name = ask_user_name(self, self.user, first=False)
        if name:
            self.set_user(name)

    def set_user(self, name: str, remember: bool = True) -> None:
        """Act as ``name`` from now on (saved for the next start unless not ``remember``)."""
        self.user = current_actor(name, str(self.settings.value("annotator", "") or ""))
        if remember:
            self.settings.setValue("annotator", self.user)
        who = self.annotator  # in a pack, still the pack's annotator
        self.model.viewer = who
        self.model.refresh_rows()
        if self.labeling is not None:
            self.labeling.set_annotator(who)
        if self.adjudication is not None:
            self.adjudication.set_adjudicator(who)
        self.statusBar().showMessage(f"Working as {self.user}.", 6000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        # Long jobs are cancelled (they roll back); changes still queued are written.
        self.runner.finish()
        self.reader.finish()
        if self.store is not None:
            self.store.close()
            self.store = None
        event.accept()


def about_text() -> str:
    return (f"<h3>Curator {__version__}</h3><p>A workbench for vetting chat fine-tuning "
            "data, offline.</p>"
            f"<p>Python {platform.python_version()} · Qt {qVersion()} · "
            f"PySide6 {pyside_version} · SQLite {sqlite3.sqlite_version}</p>")
