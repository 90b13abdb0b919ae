"""Projects in the window: new, open, the recent list, and changes made from outside."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, cast

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QFileDialog, QMenu

from curator.app.jobs import JobRunner, one_step
from curator.app.records_model import RecordTableModel
from curator.app.shell import Shell
from curator.app.widgets import ask
from curator.core.export import recover_all
from curator.core.store import Store
from curator.core.store.review import changes_since, last_event

MAX_RECENT = 8
#: How often the window looks for what another window or the command line committed.
POLL_MS = 1500


class ProjectsHost(Shell, Protocol):
    """What opening projects uses of the window besides the :class:`Shell`."""

    @property
    def settings(self) -> QSettings:
        """Where the recent list is kept."""

    @property
    def runner(self) -> JobRunner:
        """The project's one writer (its session tags this window's events)."""

    @property
    def model(self) -> RecordTableModel:
        """The records table's model."""

    def open_project(self, path: Path, create: bool = False) -> bool:
        """Open (or create) a project."""

    def reload(self) -> None:
        """Reload the records and the counts."""


class ProjectController(QObject):
    """File → New, Open and Open recent; polling for changes made outside the window."""

    def __init__(self, window: ProjectsHost) -> None:
        super().__init__(window.window())
        self.window = window
        self.recent_menu = QMenu("Open &recent", window.window())
        self._seen_event = 0
        self.poll = QTimer(window.window(), interval=POLL_MS)
        self.poll.timeout.connect(self.check_outside_changes)

    def new_project(self) -> None:
        """Ask where to create a project, and open it."""
        name, _ = QFileDialog.getSaveFileName(self.window.window(), "New project",
                                              str(Path.home()), "Curator projects (*.curator)")
        if name:
            path = Path(name if name.endswith(".curator") else f"{name}.curator")
            self.window.open_project(path, create=True)

    def open_or_create(self, path: Path) -> bool:
        """Open the project at ``path``; when there is none, offer to create it there.

        False when nothing was opened (the user cancelled, or it could not be opened).
        """
        if path.exists() or path.is_symlink():
            return self.window.open_project(path)
        if not ask(self.window.window(), "Create a project?",
                   f"There is no project at {path}.",
                   "Create project",
                   "Create a new, empty Curator project there? You can then import data "
                   "files into it (File → Import data files)."):
            return False
        return self.window.open_project(path, create=True)

    def choose_project(self) -> None:
        """Ask which project (or annotation pack) to open, and open it."""
        name, _ = QFileDialog.getOpenFileName(
            self.window.window(), "Open project", str(Path.home()),
            "Curator projects and packs (*.curator *.curatorpack);;All files (*)")
        if name:
            self.window.open_project(Path(name))

    def opened(self, store: Store, path: Path) -> None:
        """A project was opened: remember it, watch it for changes from outside, and
        clean up after an export that was killed (off the UI thread, on the writer)."""
        self._remember(path)
        self._seen_event = last_event(store)
        self.poll.start()
        if store.db.execute("SELECT EXISTS (SELECT 1 FROM exports)").fetchone()[0]:
            self.window.submit("Checking past exports", one_step(recover_all),
                               self._recovered)

    def _recovered(self, notes: list[str]) -> None:
        if notes:
            self.window.statusBar().showMessage(" ".join(notes), 20_000)

    # -- the recent list -------------------------------------------------------------

    def _remember(self, path: Path) -> None:
        recent = [str(path.resolve())] + [p for p in self._recent() if p != str(path.resolve())]
        self.window.settings.setValue("recent", recent[:MAX_RECENT])
        self.update_recent_menu()

    def _recent(self) -> list[str]:
        value = self.window.settings.value("recent", []) or []
        return [value] if isinstance(value, str) else list(cast("Iterable[str]", value))

    def update_recent_menu(self) -> None:
        """File → Open recent: the projects opened last, newest first."""
        self.recent_menu.clear()
        for entry in self._recent():
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(
                lambda _=False, p=entry: self.window.open_project(Path(p)))
        self.recent_menu.setEnabled(bool(self._recent()))

    # -- outside changes -------------------------------------------------------------

    def check_outside_changes(self) -> None:
        """Show what another window or the command line committed meanwhile."""
        w = self.window
        if w.store is None or w.runner.busy:
            return
        try:
            newest, foreign = changes_since(w.store, self._seen_event, w.runner.session)
        except sqlite3.Error:
            return
        self._seen_event = newest
        if foreign:
            w.model.refresh_rows()
            w.reload()
