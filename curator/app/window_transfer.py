"""Data in and out of the window: importing data files, exporting the dataset."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QFileDialog

from curator.app.import_summary import ImportSummaryDialog, import_total
from curator.app.jobs import JobRunner
from curator.app.operations import Submit
from curator.app.shell import Shell
from curator.app.widgets import ask
from curator.core.ingest import import_files
from curator.core.ingest.repair import RepairReport, repair_python_literals, undo_repair
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.text import plural

if TYPE_CHECKING:
    from curator.app.export_dialog import ExportDialog


class RepairCommand(QUndoCommand):
    """A repair that has run; undo makes the lines unreadable again, redo repairs anew."""

    def __init__(self, submit: Submit, report: RepairReport, actor: str,
                 on_change: Callable[[], None]) -> None:
        super().__init__(f"Repair {plural(report.repaired, 'line')}")
        self.submit, self.report, self.actor, self.on_change = submit, report, actor, on_change
        self.first = True                   # pushed after the repair ran: nothing to redo

    def redo(self) -> None:
        if self.first:
            self.first = False
            return
        actor = self.actor

        def again(store: Store) -> RepairReport:
            return run_job(repair_python_literals(store, actor))

        self.submit("Repairing lines", again, self._done, None)

    def _done(self, report: RepairReport) -> None:
        self.report = report
        self.on_change()

    def undo(self) -> None:
        undo, actor = self.report.undo, self.actor
        self.submit("Undo: repair lines", lambda s: undo_repair(s, undo, actor),
                    lambda _: self.on_change(), None)


def project_beside(path: Path) -> Path:
    """A new project's suggested file: beside ``path``, named after it, not taken yet."""
    candidate = path.with_name(f"{path.stem}.curator")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{number}.curator")
        number += 1
    return candidate


class TransferHost(Shell, Protocol):
    """What importing and exporting use of the window besides the :class:`Shell`."""

    @property
    def runner(self) -> JobRunner:
        """The project's one writer."""

    @property
    def reader(self) -> JobRunner:
        """Read-only work beside the writer (the export counts)."""

    def run_scan(self) -> None:
        """Check the records against the format rules."""

    def open_project(self, path: Path, create: bool = False) -> bool:
        """Open (or create) a project."""

    @property
    def undo_stack(self) -> QUndoStack:
        """The window's undo history."""

    def after_change(self) -> None:
        """A change was saved: refresh the rows, the record shown and the counts."""


class TransferController(QObject):
    """File → Import data files and File → Export dataset."""

    def __init__(self, window: TransferHost) -> None:
        super().__init__(window.window())
        self.window = window
        self.export_dialog: ExportDialog | None = None
        #: The summary of the import that finished last.
        self.summary: ImportSummaryDialog | None = None

    def import_paths(self, paths: list[Path]) -> None:
        """Import files, then check them, then show them (three jobs, one after another)."""
        w = self.window
        if w.blocks("Importing data"):
            return
        if not paths:
            return
        if w.project is None and not self.create_project_for(paths):
            return
        actor = w.annotator
        w.submit("Importing", lambda s: import_files(s, paths, actor=actor), self._imported)
        w.run_scan()

    def create_project_for(self, paths: list[Path]) -> bool:
        """No project is open: offer to create one for ``paths`` (beside the first file)."""
        w = self.window
        first = paths[0]
        suggested = project_beside(first)
        if not ask(w.window(), "Create a project?", "No project is open.",
                   "Create project…",
                   f"Create a project for {plural(len(paths), 'file')} and import "
                   f"{'it' if len(paths) == 1 else 'them'} into it? Next you choose where "
                   f"to save it (suggested: {suggested.name}, beside {first.name})."):
            return False
        name, _ = QFileDialog.getSaveFileName(
            w.window(), "Create a project for the imported files", str(suggested),
            "Curator projects (*.curator)")
        if not name:
            return False
        path = Path(name if name.endswith(".curator") else f"{name}.curator")
        return w.open_project(path, create=True)

    def _imported(self, report: Any) -> None:
        """A short total in the status bar; every file in the summary (beside the window,
        so work goes on), unless one file went in whole."""
        w = self.window
        w.statusBar().showMessage(import_total(report), 15000)
        files = len(report.sources) + len(report.failed)
        if files == 1 and not (report.invalid or report.failed
                               or any(s.skipped for s in report.sources)):
            return
        if self.summary is not None:
            self.summary.close()
        self.summary = ImportSummaryDialog(report, w.window())
        self.summary.show()

    def repair_lines(self) -> None:
        """File → Repair lines: lines written with Python's str() become records."""
        w = self.window
        if w.blocks("Repairing lines"):
            return
        if w.store is None:
            w.show_error("Open a project first (File → Open project).")
            return
        actor = w.annotator
        w.submit("Repairing lines", lambda s: repair_python_literals(s, actor),
                 self._repaired)

    def _repaired(self, report: RepairReport) -> None:
        """Say what was repaired (and why the rest was not); the repair undoes."""
        w = self.window
        message = (f"Repaired {plural(report.repaired, 'line')} written as Python "
                   "literals" if report.repaired else
                   "No line written as a Python literal was found to repair")
        if report.failed:
            reasons = "; ".join(f"{n:,} {why}" for why, n in report.reasons.items())
            message += f"; {plural(report.failed, 'line')} could not be ({reasons})"
        w.statusBar().showMessage(message + ".", 20000)
        if report.repaired:
            w.undo_stack.push(RepairCommand(w.submit_op, report, w.annotator,
                                            w.after_change))
            w.after_change()

    def choose_imports(self) -> None:
        """Ask which data files to import, and import them."""
        names, _ = QFileDialog.getOpenFileNames(
            self.window.window(), "Import data files", str(Path.home()),
            "Chat data (*.jsonl *.json *.ndjson);;All files (*)")
        if names:
            self.import_paths([Path(n) for n in names])

    def export_dataset(self) -> None:
        """The export dialog: options, live counts, readiness, then the export job."""
        from curator.app.export_dialog import ExportDialog

        w = self.window
        if w.blocks("Exporting"):
            return
        if w.store is None:
            w.show_error("Open a project first (File → Open project).")
            return
        dialog = ExportDialog(w.store, w.window(), runner=w.runner, reader=w.reader,
                              actor=w.annotator)
        dialog.exported.connect(lambda report: w.statusBar().showMessage(
            f"Exported {sum(report.counts.values()):,} examples to {report.outdir}.", 15000))
        self.export_dialog = dialog
        dialog.open()
