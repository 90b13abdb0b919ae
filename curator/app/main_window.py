"""The main window: its tabs, menus and status bar, the open project, and its parts.

The work is done by the parts, each in its own module and each taking the window as a
protocol (curator.app.shell): records (window_records), checks (window_checks),
labelling (window_labels), projects (window_projects), data in and out
(window_transfer) and annotation packs (packs_view).
"""

from __future__ import annotations

import platform
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSettings, QSize, Qt, QTimer, qVersion
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QShowEvent,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from curator import __version__
from curator.app.dashboard import Dashboard
from curator.app.jobs import JobFactory, JobRunner, OnDone, OnFailed, Operation, one_step
from curator.app.packs_view import PackBanner, PackController
from curator.app.widgets import ElidedLabel, fit_to_screen
from curator.app.window_checks import ChecksController
from curator.app.window_label_quality import LabelQualityController
from curator.app.window_labels import LabelsController
from curator.app.window_menus import WindowMenus
from curator.app.window_projects import ProjectController
from curator.app.window_records import RecordsController
from curator.app.window_transfer import TransferController
from curator.core.checks.models import ModelCache, shared_models
from curator.core.errors import CuratorError
from curator.core.identity import current_actor
from curator.core.jobs import Progress
from curator.core.store import Store
from curator.core.store.browse import RecordFilter
from curator.core.store.summary import dashboard_data


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
        #: The embedding model and the PII analyzer, each loaded once per window.
        self.models = models or shared_models()
        #: The one writer: changes and long jobs, in order.
        self.runner = JobRunner(self)
        self.runner.session = uuid.uuid4().hex
        #: Read-only work that must not wait behind a long write (the export counts).
        self.reader = JobRunner(self)
        self.reader.session = self.runner.session
        self.undo_stack = QUndoStack(self)
        self.setWindowTitle("Curator")
        self.setAcceptDrops(True)
        self._default_size()
        #: The size given here, to tell at the first show whether a caller chose one.
        self._first_size: QSize | None = self.size()
        self._build_parts()
        self._build_widgets()
        self._build_menus()
        #: Annotation packs: handing out, importing, and pack mode (see packs_view).
        self.packs = PackController(self)
        self._connect()
        self._show_empty()

    @property
    def annotator(self) -> str:
        """Who acts: the pack's annotator in an annotation pack, else the user."""
        packs = getattr(self, "packs", None)
        info = packs.info if packs is not None else None
        return info.annotator if info is not None else self.user

    def blocks(self, what: str) -> bool:
        """In an annotation pack, say why ``what`` is not possible and return True."""
        return self.packs.blocks(what)

    # -- construction ---------------------------------------------------------------

    def _build_parts(self) -> None:
        """The parts, and their widgets under the names the window has always had."""
        self.projects = ProjectController(self)
        self.records = RecordsController(self)
        self.checks = ChecksController(self)
        self.labels = LabelsController(self)
        self.label_quality = LabelQualityController(self)
        self.transfer = TransferController(self)
        records, checks = self.records, self.checks
        self.model, self.table = records.model, records.table
        self.record_view = records.record_view
        self.search, self.review_filter = records.search, records.review_filter
        self.kind_filter, self.code_filter = records.kind_filter, records.code_filter
        self.source_filter, self.invalid_only = records.source_filter, records.invalid_only
        self.counts, self.review_progress = records.counts, records.review_progress
        self.pii_queue, self.duplicates = checks.pii_queue, checks.duplicates
        self.diversity, self.duplicates_tab = checks.diversity, checks.duplicates_tab
        self.label_dock, self.recent_menu = self.labels.dock, self.projects.recent_menu
        self.label_errors_tab = self.label_quality.queue

    def _build_widgets(self) -> None:
        self.dashboard = Dashboard()
        self.dashboard.setAccessibleName("Dashboard")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.records.splitter, "Records")
        self.tabs.addTab(self.dashboard, "Dashboard")
        self.tabs.addTab(self.pii_queue, "Personal data")
        self.tabs.addTab(self.duplicates_tab, "Duplicates")
        self.tabs.addTab(self.label_quality.queue, "Label errors")
        self.tabs.addTab(self.labels.agreement_tab, "Agreement")
        self.tabs.addTab(self.labels.adjudication_tab, "Adjudication")
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.label_dock)
        self.label_dock.hide()
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
        self.job_label = ElidedLabel(minimum=60)
        self.job_bar = QProgressBar()
        self.job_bar.setMaximumWidth(220)
        self.job_bar.setAccessibleName("Job progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel job")
        status.addWidget(self.counts)
        status.addWidget(self.review_progress)
        status.addPermanentWidget(self.job_label)
        status.addPermanentWidget(self.job_bar)
        status.addPermanentWidget(self.cancel_button)
        self._set_busy(False)

    def _build_menus(self) -> None:
        self.menus = WindowMenus(self)
        menus = self.menus
        self.import_action, self.export_action = menus.import_action, menus.export_action
        self.schema_action, self.scan_action = menus.schema_action, menus.scan_action
        self.user_action, self.review_actions = menus.user_action, menus.review_actions

    def pack_locked_actions(self) -> list[QAction]:
        """What an annotation pack does not allow (only labels change in a pack)."""
        return self.menus.pack_locked()

    def _connect(self) -> None:
        self.records.current_changed.connect(self.labels.set_record)
        # pairwise labelling is blind in the record view too (see window_labels)
        self.record_view.blind_order = lambda rid: self.labels.blind_order(
            rid, pack=self.packs.info is not None)
        self.labels.blind_changed.connect(self.record_view.update_blind)
        self.records.current_changed.connect(self.label_quality.set_record)
        self.record_view.header.similar_requested.connect(
            lambda: self.label_quality.find_similar())
        self.records.loaded.connect(self._records_loaded)
        self.record_view.finding_action.connect(self.checks.finding_action)
        self.pii_queue.open_record.connect(self.show_span)
        self.runner.started.connect(lambda name: self._set_busy(True, name))
        self.runner.progressed.connect(self._progressed)
        self.runner.idle.connect(lambda: self._set_busy(False))
        self.runner.failed.connect(self._job_failed)
        self.runner.cancelled.connect(
            lambda name: self.statusBar().showMessage(f"{name}: cancelled, nothing changed.",
                                                      8000))
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.tabs.currentChanged.connect(self._tab_changed)

    # -- the open project -----------------------------------------------------------

    def open_project(self, path: Path, create: bool = False) -> bool:
        """Open (or create) the project at ``path``; False with a message if it can't."""
        try:
            store = Store.open(path, create=create)
        except CuratorError as exc:
            self.show_error(str(exc))
            return False
        self.labels.detach()  # its saves still finish; its store is about to close
        if self.store is not None:
            self.store.close()
        self.store, self.project = store, path
        self.packs.apply(store, path)
        self.model.viewer = self.annotator
        self.model.set_store(store)
        self.undo_stack.clear()
        self.records.clear()
        self.checks.reset(store)
        self.labels.build(store)
        self.label_quality.reset(store)
        self.packs.apply_tabs()
        if self.packs.info is None:
            self.setWindowTitle(f"{path.name} — Curator")
        self.projects.opened(store, path)
        self.reload()
        self.table.setFocus()  # review keys work at once, without a click
        return True

    def submit(self, name: str, factory: JobFactory, on_done: OnDone | None = None) -> None:
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

    # -- records (see window_records) -------------------------------------------------

    @property
    def filter(self) -> RecordFilter:
        """The filter of the records table."""
        return self.records.filter

    @property
    def current_id(self) -> int | None:
        """The record shown."""
        return self.records.current_id

    def reload(self) -> None:
        """Reload the filtered list of records and the counts (off the UI thread)."""
        self.records.reload()

    def after_change(self) -> None:
        """A change was saved: refresh the rows, the record shown and the counts."""
        self.records.after_change()

    def show_record(self, record_id: int) -> None:
        """Select a record in the table (or just show it when the filter hides it)."""
        if self.store is None:
            return
        self.tabs.setCurrentIndex(0)
        self.records.show_record(record_id)

    def show_span(self, record_id: int, finding_id: int) -> None:
        """Show a record at one of its findings (from the PII queue)."""
        if self.store is None:
            return
        self.show_record(record_id)
        self.record_view.select_finding(finding_id)

    def select_row(self, row: int) -> None:
        """Make ``row`` the current and only selected row."""
        self.records.select_row(row)

    def current_row(self) -> int:
        """The current row of the records table (-1 without one)."""
        return self.records.current_row()

    def review(self, state: str) -> None:
        """Set the review state of the selected records, then move to the next one."""
        self.records.review(state)

    def _filters_changed(self, *_: Any) -> None:
        self.records.filters_changed()  # bench/bench_gui.py times this

    def focus_search(self) -> None:
        """Edit → Find: the search box of the Records tab."""
        self.tabs.setCurrentIndex(0)
        self.records.focus_search()

    # -- checks, labelling, data in and out (see their modules) -----------------------

    def run_scan(self) -> None:
        """Check every record against the format rules."""
        self.checks.run_scan()

    def run_pii_scan(self) -> None:
        """Look for personal data."""
        self.checks.run_pii_scan()

    def run_similarity_scan(self) -> None:
        """Find duplicates and contradictions."""
        self.checks.run_similarity_scan()

    @property
    def labeling(self) -> Any:
        """The labelling panel (None before a project is open)."""
        return self.labels.labeling

    @property
    def adjudication(self) -> Any:
        """The adjudication view (None before a project is open)."""
        return self.labels.adjudication

    @property
    def agreement_view(self) -> Any:
        """The agreement view (None before a project is open)."""
        return self.labels.agreement_view

    @property
    def agreement_tab(self) -> QWidget:
        """The Agreement tab."""
        return self.labels.agreement_tab

    @property
    def adjudication_tab(self) -> QWidget:
        """The Adjudication tab."""
        return self.labels.adjudication_tab

    def toggle_labeling(self) -> None:
        """Show the labelling panel and put the keyboard in it (or hide it)."""
        self.labels.toggle()

    def open_schema_dialog(self) -> None:
        """Labels → Fields and guidelines."""
        self.labels.open_schema_dialog()

    def after_labels_merged(self) -> None:
        """Labels arrived from outside (a pack): refresh what shows them."""
        self.labels.labels_changed()
        self.after_change()

    def import_paths(self, paths: list[Path]) -> None:
        """Import files, then check them, then show them."""
        self.transfer.import_paths(paths)

    def export_dataset(self) -> None:
        """The export dialog."""
        self.transfer.export_dataset()

    @property
    def export_dialog(self) -> Any:
        """The export dialog opened last."""
        return self.transfer.export_dialog

    # -- tabs and jobs ----------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        self.labels.show_dock()
        tab = self.tabs.widget(index)
        if index == 1:
            self._load_dashboard()
        elif tab is self.pii_queue:
            self.checks.load_pii()
        elif tab is self.duplicates_tab:
            self.checks.load_duplicates()
        elif tab is self.label_quality.queue:
            self.label_quality.load()
        else:
            self.labels.tab_shown(tab)

    def _records_loaded(self) -> None:
        if self.tabs.currentIndex() == 1:
            self._load_dashboard()
        elif self.tabs.currentWidget() is self.pii_queue:
            self.checks.load_pii()

    def _load_dashboard(self) -> None:
        self.submit("Dashboard", one_step(dashboard_data, "Counting"),
                    self.dashboard.show_data)

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

    # -- drag and drop ---------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
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
        """Help → About Curator."""
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
        self.labels.set_annotator(who)
        self.statusBar().showMessage(f"Working as {self.user}.", 6000)

    def _default_size(self) -> None:
        """1280x820, or most of a larger screen; never more than the screen has room for."""
        screen = self.screen()
        room = screen.availableGeometry() if screen is not None else None
        if room is None:
            fit_to_screen(self, 1280, 820)
            return
        fit_to_screen(self, max(1280, room.width() * 85 // 100),
                      max(820, room.height() * 85 // 100))

    def showEvent(self, event: QShowEvent) -> None:
        if self._first_size is not None:
            if self.size() == self._first_size:  # sized for the screen it is shown on
                self._default_size()
            self._first_size = None
        super().showEvent(event)
        QTimer.singleShot(0, self.keep_on_screen)  # once the frame is known

    def keep_on_screen(self) -> None:
        """Shrink the window to its screen's free area if it is larger (frame included)."""
        screen = self.screen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        room, frame = screen.availableGeometry(), self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        if frame.width() > room.width() or frame.height() > room.height():
            self.resize(min(self.width(), room.width() - extra_w),
                        min(self.height(), room.height() - extra_h))

    def closeEvent(self, event: QCloseEvent) -> None:
        # Long jobs are cancelled (they roll back); changes still queued are written.
        self.runner.finish()
        self.reader.finish()
        if self.store is not None:
            self.store.close()
            self.store = None
        event.accept()


def about_text() -> str:
    """Help → About: the versions of Curator and what it runs on."""
    return (f"<h3>Curator {__version__}</h3><p>A workbench for vetting chat fine-tuning "
            "data, offline.</p>"
            f"<p>Python {platform.python_version()} · Qt {qVersion()} · "
            f"PySide6 {pyside_version} · SQLite {sqlite3.sqlite_version}</p>")
