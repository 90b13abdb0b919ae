"""Data in and out of the window: importing data files, exporting the dataset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from curator.app.jobs import JobRunner
from curator.app.shell import Shell
from curator.core.ingest import import_files

if TYPE_CHECKING:
    from curator.app.export_dialog import ExportDialog


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


class TransferController(QObject):
    """File → Import data files and File → Export dataset."""

    def __init__(self, window: TransferHost) -> None:
        super().__init__(window.window())
        self.window = window
        self.export_dialog: ExportDialog | None = None

    def import_paths(self, paths: list[Path]) -> None:
        """Import files, then check them, then show them (three jobs, one after another)."""
        w = self.window
        if w.blocks("Importing data"):
            return
        if w.project is None:
            w.show_error("Open or create a project first (File → New project).")
            return
        actor = w.annotator
        w.submit("Importing", lambda s: import_files(s, paths, actor=actor), self._imported)
        w.run_scan()

    def _imported(self, report: Any) -> None:
        lines = [f"{s.name}: {s.records:,} records, {s.invalid:,} invalid"
                 + (f" (skipped: {s.skipped_reason})" if s.skipped else "")
                 for s in report.sources]
        lines += [f["error"] for f in report.failed]
        self.window.statusBar().showMessage("; ".join(lines), 15000)
        if report.failed:
            self.window.show_error("\n\n".join(f["error"] for f in report.failed))

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
