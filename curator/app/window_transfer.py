"""Data in and out of the window: importing data files, exporting the dataset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from curator.app.import_summary import ImportSummaryDialog, import_total
from curator.app.jobs import JobRunner
from curator.app.shell import Shell
from curator.app.widgets import ask
from curator.core.ingest import import_files
from curator.core.text import plural

if TYPE_CHECKING:
    from curator.app.export_dialog import ExportDialog


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
