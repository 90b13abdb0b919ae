"""What the main window's parts use of it, as a protocol: no part imports the window.

Each part (records, checks, labels, projects, transfer, packs) takes the window as a
:class:`Shell`, or as a protocol of its own that adds the few other things it uses;
:class:`~curator.app.main_window.MainWindow` provides them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import QStatusBar, QWidget

from curator.app.jobs import JobFactory, OnDone, OnFailed, Operation
from curator.core.store import Store


class Shell(Protocol):
    """The open project, who is acting, the jobs and the messages of the main window."""

    @property
    def store(self) -> Store | None:
        """The open project (None before one is opened)."""

    @property
    def project(self) -> Path | None:
        """The open project's file."""

    @property
    def annotator(self) -> str:
        """Who acts: the pack's annotator in an annotation pack, else the user."""

    def submit(self, name: str, factory: JobFactory, on_done: OnDone | None = None) -> None:
        """Queue a job on the project's one writer."""

    def submit_op(self, name: str, operation: Operation, on_done: OnDone | None = None,
                  on_failed: OnFailed | None = None) -> None:
        """Queue a change ``(store) -> result`` on the project's one writer."""

    def blocks(self, what: str) -> bool:
        """In an annotation pack, say why ``what`` is not possible and return True."""

    def show_error(self, message: str) -> None:
        """Show an error to the user."""

    def statusBar(self) -> QStatusBar:
        """The window's status bar (short messages)."""

    def window(self) -> QWidget:
        """The main window as a widget: the parent of dialogs."""
