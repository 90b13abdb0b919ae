"""The main window's menu bar: every action, its shortcut, and what it calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMenu, QMenuBar, QTabWidget, QWidget

from curator.app.packs_view import PackController
from curator.app.window_checks import ChecksController
from curator.app.window_label_quality import LabelQualityController
from curator.app.window_labels import LabelsController
from curator.app.window_projects import ProjectController
from curator.app.window_records import REVIEW_KEYS, RecordsController
from curator.app.window_transfer import TransferController


class MenusHost(Protocol):
    """What the menus call: the window's parts and a few of its own commands."""

    @property
    def projects(self) -> ProjectController:
        """File → New, Open, Open recent."""

    @property
    def records(self) -> RecordsController:
        """The Records tab."""

    @property
    def checks(self) -> ChecksController:
        """The checks."""

    @property
    def labels(self) -> LabelsController:
        """Labelling."""

    @property
    def label_quality(self) -> LabelQualityController:
        """Likely label errors, suggestions, find similar."""

    @property
    def transfer(self) -> TransferController:
        """Data in and out."""

    @property
    def packs(self) -> PackController:
        """Annotation packs (made after the menus: reached when an action runs)."""

    @property
    def undo_stack(self) -> QUndoStack:
        """Edit → Undo and Redo."""

    @property
    def tabs(self) -> QTabWidget:
        """View → the tabs."""

    def menuBar(self) -> QMenuBar:
        """Qt's: the window's menu bar."""

    def window(self) -> QWidget:
        """The main window as a widget (actions belong to it, so shortcuts work anywhere)."""

    def choose_user(self) -> None:
        """File → Change user."""

    def review(self, state: str) -> None:
        """Review → Accept, Reject, ..."""

    def focus_search(self) -> None:
        """Edit → Find."""

    def reload(self) -> None:
        """View → Refresh."""

    def about(self) -> None:
        """Help → About."""

    def show_log(self) -> None:
        """Help → Show log."""


class WindowMenus:
    """Builds the menu bar and keeps the actions an annotation pack turns off."""

    def __init__(self, window: MenusHost) -> None:
        self.window = window
        bar = window.menuBar()
        self._file(bar.addMenu("&File"))
        self._edit(bar.addMenu("&Edit"))
        self._labels(bar.addMenu("&Labels"))
        self._review(bar.addMenu("&Review"))
        self._checks(bar.addMenu("&Checks"))
        self._view(bar.addMenu("&View"))
        self._help(bar.addMenu("&Help"))
        window.projects.update_recent_menu()

    def _action(self, text: str, shortcut: Any, slot: Callable[..., Any],
                menu: QMenu | None = None) -> QAction:
        widget = self.window.window()
        action = QAction(text, widget)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        widget.addAction(action)
        if menu is not None:
            menu.addAction(action)
        return action

    def _file(self, menu: QMenu) -> None:
        w = self.window
        self._action("&New project…", QKeySequence.StandardKey.New, w.projects.new_project,
                     menu)
        self._action("&Open project…", QKeySequence.StandardKey.Open,
                     w.projects.choose_project, menu)
        menu.addMenu(w.projects.recent_menu)
        self.import_action = self._action("&Import data files…", "Ctrl+I",
                                          w.transfer.choose_imports, menu)
        self.export_action = self._action("&Export dataset…", "Ctrl+E",
                                          w.transfer.export_dataset, menu)
        self.labels_import_action = self._action("Import &labels…", None,
                                                 w.labels.choose_labels_import, menu)
        self.labels_export_action = self._action("Export l&abels…", None,
                                                 w.labels.choose_labels_export, menu)
        self.pack_import_action = self._action("Import returned &pack…", None,
                                               lambda: w.packs.choose_import(), menu)
        self.repair_action = self._action("&Repair lines written with str()…", None,
                                          w.transfer.repair_lines, menu)
        menu.addSeparator()
        self.user_action = self._action("Change &user…", None, w.choose_user, menu)
        menu.addSeparator()
        self._action("&Quit", QKeySequence.StandardKey.Quit, w.window().close, menu)

    def _edit(self, menu: QMenu) -> None:
        w = self.window
        undo = w.undo_stack.createUndoAction(w.window(), "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = w.undo_stack.createRedoAction(w.window(), "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (undo, redo):
            menu.addAction(action)
            w.window().addAction(action)
        self._action("&Find", QKeySequence.StandardKey.Find, w.focus_search, menu)

    def _labels(self, menu: QMenu) -> None:
        w = self.window
        self.schema_action = self._action("&Fields and guidelines…", None,
                                          w.labels.open_schema_dialog, menu)
        self.batch_action = self._action("&Annotators and batches…", None,
                                         lambda: w.labels.open_batch_dialog(), menu)
        menu.addSeparator()
        self.pack_export_action = self._action("&Hand out a pack…", None,
                                               lambda: w.packs.hand_out(), menu)
        self.packs_action = self._action("Pac&ks…", None, lambda: w.packs.show_status(),
                                         menu)
        menu.addSeparator()
        self._action("&Next unlabelled", "Ctrl+Shift+N", w.labels.next_unlabelled, menu)

    def _review(self, menu: QMenu) -> None:
        w = self.window
        self.review_actions: dict[str, QAction] = {}
        for state, key, label in REVIEW_KEYS:
            self.review_actions[state] = self._action(
                label, key, lambda _=False, s=state: w.review(s), menu)
        menu.addSeparator()
        self.swap_action = self._action("S&wap chosen and rejected", "S",
                                        w.records.swap_answers, menu)
        menu.addSeparator()
        self._action("&Next record", "J", lambda: w.records.step_row(1), menu)
        self._action("&Previous record", "K", lambda: w.records.step_row(-1), menu)
        self._action("Next &unreviewed", "N", w.records.next_unreviewed, menu)
        menu.addSeparator()
        self._action("Find &similar records", "Ctrl+Shift+S",
                     lambda: w.label_quality.find_similar(), menu)

    def _checks(self, menu: QMenu) -> None:
        checks = self.window.checks
        self.scan_action = self._action("&Check format rules", "Ctrl+Shift+C",
                                        checks.run_scan, menu)
        self.pii_action = self._action("Find &personal data", "Ctrl+Shift+P",
                                       checks.run_pii_scan, menu)
        self.similar_action = self._action("Find &duplicates and contradictions",
                                           "Ctrl+Shift+D", checks.run_similarity_scan, menu)
        self.label_errors_action = self._action(
            "Find likely &label errors", "Ctrl+Shift+L",
            self.window.label_quality.run_scan, menu)

    def _view(self, menu: QMenu) -> None:
        w = self.window
        tabs, checks, labels = w.tabs, w.checks, w.labels
        self._action("&Records", "Ctrl+1", lambda: tabs.setCurrentIndex(0), menu)
        self._action("&Dashboard", "Ctrl+2", lambda: tabs.setCurrentIndex(1), menu)
        self._action("&Personal data", "Ctrl+3",
                     lambda: tabs.setCurrentWidget(checks.pii_queue), menu)
        self._action("Label &errors", "Ctrl+7",
                     lambda: tabs.setCurrentWidget(w.label_quality.queue), menu)
        self._action("D&uplicates", "Ctrl+6",
                     lambda: tabs.setCurrentWidget(checks.duplicates_tab), menu)
        self._action("&Agreement", "Ctrl+4",
                     lambda: tabs.setCurrentWidget(labels.agreement_tab), menu)
        self._action("Ad&judication", "Ctrl+5",
                     lambda: tabs.setCurrentWidget(labels.adjudication_tab), menu)
        self.label_action = self._action("&Labelling panel", "Ctrl+L", labels.toggle, menu)
        self._action("&Refresh", QKeySequence.StandardKey.Refresh, w.reload, menu)

    def _help(self, menu: QMenu) -> None:
        self._action("Show &log", None, self.window.show_log, menu)
        self._action("&About Curator", None, self.window.about, menu)

    def pack_locked(self) -> list[QAction]:
        """What an annotation pack does not allow (only labels change in a pack)."""
        return [self.import_action, self.export_action, self.labels_import_action,
                self.labels_export_action, self.pack_import_action, self.repair_action,
                self.schema_action,
                self.batch_action, self.pack_export_action, self.packs_action,
                self.scan_action, self.pii_action, self.similar_action, self.swap_action,
                self.label_errors_action,
                *self.review_actions.values()]
