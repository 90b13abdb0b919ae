"""Annotation packs in the window: hand them out, import them, see their status, and
work inside one (the annotator's side: a banner says whose pack it is; only labels change).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from curator.app.record_view import RecordView
from curator.app.shell import Shell
from curator.app.widgets import fit_to_screen
from curator.core.errors import CuratorError
from curator.core.jobs import Job
from curator.core.labeling.packs import (
    SUFFIX,
    PackImportReport,
    PackInfo,
    PackStatus,
    export_pack,
    import_pack,
    pack_info,
    pack_status,
)
from curator.core.store import Store
from curator.core.text import printable

PACK_FILTER = f"Annotation packs (*{SUFFIX});;All files (*)"


class PackBanner(QFrame):
    """Across the top of a window that has a pack open: whose it is and what to do."""

    save_copy = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("packBanner")
        self.setAccessibleName("Annotation pack")
        self.setStyleSheet("#packBanner { background: #fff4d6; border-bottom: 1px solid "
                           "#e0c070; } #packBanner QLabel { color: #4a3b00; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 12, 6)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        row.addWidget(self.text, 1)
        self.copy_button = QPushButton("Save a copy to send back…")
        self.copy_button.clicked.connect(self.save_copy)
        row.addWidget(self.copy_button)

    def show_pack(self, info: PackInfo, path: Path) -> None:
        batch = f" · batch <b>{_html(info.batch)}</b>" if info.batch else ""
        self.text.setText(
            f"Annotation pack for <b>{_html(info.annotator)}</b> from project "
            f"<b>“{_html(info.project_name)}”</b>{batch} · {info.records:,} records. "
            "Only labels can be changed here, and they are saved as you go. When you are "
            f"done, send this file back: <code>{_html(path.name)}</code>")


def _html(text: str) -> str:
    """Text from a pack (someone else's file), escaped for a rich-text label."""
    return (printable(text).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


class PackExportDialog(QDialog):
    """Choose who the pack is for, which batch, and where to write it."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from curator.core.labeling.assignment import annotators, batches

        self.setWindowTitle("Hand out an annotation pack")
        self.store = store
        form = QFormLayout()
        self.annotator = QComboBox()
        self.annotator.setAccessibleName("Annotator")
        for person in annotators(store):
            self.annotator.addItem(person.name)
        self.batch = QComboBox()
        self.batch.setAccessibleName("Batch")
        self.batch.addItem("All their batches", None)
        for batch in batches(store):
            self.batch.addItem(f"{batch.name}{' (pilot)' if batch.pilot else ''}", batch.name)
        self.path = QLineEdit()
        self.path.setAccessibleName("Pack file")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        self.count = QLabel()
        self.count.setAccessibleName("Records in the pack")
        form.addRow("For:", self.annotator)
        form.addRow("Batch:", self.batch)
        form.addRow("Save as:", where)
        form.addRow("", self.count)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Write pack")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            "A pack holds the records assigned to one annotator, the label fields and the "
            "guidelines. They open it in their own Curator, label, and send the file back; "
            "File → Import returned pack merges their labels."))
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.annotator.currentIndexChanged.connect(self._update)
        self.batch.currentIndexChanged.connect(self._update)
        self._update()

    def _default_path(self) -> Path:
        folder = Path(self.store.path).parent
        batch = self.batch.currentData()
        name = "-".join(p for p in (Path(self.store.path).stem, self.annotator.currentText(),
                                    batch) if p)
        return folder / f"{name}{SUFFIX}"

    def _update(self) -> None:
        from curator.core.labeling.assignment import find_annotator, get_batch
        from curator.core.labeling.packs import pack_records

        person = find_annotator(self.store, self.annotator.currentText())
        batch = self.batch.currentData()
        count = 0
        if person is not None:
            count = len(pack_records(self.store, person.id,
                                      get_batch(self.store, batch).id if batch else None))
        self.count.setText(f"{count:,} records assigned" if count else
                           "No records assigned: create a batch first (Labels → "
                           "Annotators and batches).")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(count > 0)
        if not self.path.isModified():
            self.path.setText(str(self._default_path()))

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save the pack as", self.path.text(),
                                              PACK_FILTER)
        if name:
            self.path.setText(name if name.endswith(SUFFIX) else f"{name}{SUFFIX}")
            self.path.setModified(True)

    def choice(self) -> tuple[str, str | None, Path]:
        return self.annotator.currentText(), self.batch.currentData(), Path(self.path.text())


STATUS_COLUMNS = ("Annotator", "Batch", "Status", "Records", "Labelled", "Labels merged",
                  "Handed out", "Returned", "File")


class PacksDialog(QDialog):
    """Every pack handed out from the project: handed out, returned, merged."""

    hand_out = Signal()
    import_returned = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Annotation packs")
        fit_to_screen(self, 900, 360)
        self.table = QTableWidget(0, len(STATUS_COLUMNS))
        self.table.setAccessibleName("Packs")
        self.table.setHorizontalHeaderLabels(STATUS_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            len(STATUS_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("No packs handed out yet.")
        out = QPushButton("Hand out a pack…")
        out.clicked.connect(self.hand_out)
        back = QPushButton("Import a returned pack…")
        back.clicked.connect(self.import_returned)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(out)
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_packs(self, packs: list[PackStatus]) -> None:
        self.empty.setVisible(not packs)
        self.table.setRowCount(len(packs))
        for row, p in enumerate(packs):
            cells = (printable(p.annotator), printable(p.batch or "all batches"), p.status,
                     f"{p.records:,}",
                     f"{p.labelled_in_project:,}", f"{p.merged:,}", p.exported_at[:16]
                     .replace("T", " "), (p.returned_at or "")[:16].replace("T", " "),
                     printable(Path(p.path).name))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (3, 4, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if column == len(cells) - 1:
                    item.setToolTip(printable(p.path, 500))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()


def import_summary(report: PackImportReport) -> str:
    """What an import did, in words for the coordinator (the pack's text escaped)."""
    lines = [f"{printable(report.annotator)} labelled {report.labelled_records:,} of "
             f"{report.records:,} records.",
             f"{report.merged:,} labels merged, {report.unchanged:,} were already here."]
    if report.kept_newer:
        lines.append(f"{report.kept_newer:,} kept as they were: they were changed here "
                     "since this pack was last seen.")
    if report.schema_changed:
        lines.append("The label fields changed since this pack was handed out.")
    for reason, count in sorted(report.skipped.items()):
        lines.append(f"Not merged, {count:,} labels: {printable(reason, 300)}.")
    if report.changed_records:
        lines.append(f"{len(report.changed_records):,} records were edited here after the "
                     "pack was handed out; their labels were merged.")
    return "\n".join(lines)


class PackHost(Shell, Protocol):
    """What packs use of the window besides the :class:`Shell` (pack mode changes it)."""

    @property
    def user(self) -> str:
        """The person at the keyboard (the coordinator, also while a pack is open)."""

    @property
    def pack_banner(self) -> PackBanner:
        """The banner across the top of the window."""

    @property
    def record_view(self) -> RecordView:
        """The record view (read-only in a pack)."""

    @property
    def tabs(self) -> QTabWidget:
        """The window's tabs."""

    @property
    def pii_queue(self) -> QWidget:
        """The Personal data tab (the coordinator's: hidden in a pack, as are the next)."""

    @property
    def duplicates_tab(self) -> QWidget:
        """The Duplicates tab."""

    @property
    def label_errors_tab(self) -> QWidget:
        """The Label errors tab (hidden in a pack)."""

    @property
    def agreement_tab(self) -> QWidget:
        """The Agreement tab."""

    @property
    def adjudication_tab(self) -> QWidget:
        """The Adjudication tab."""

    def pack_locked_actions(self) -> list[QAction]:
        """What an annotation pack does not allow."""

    def setWindowTitle(self, title: str, /) -> None:
        """Qt's: the window's title."""

    def after_labels_merged(self) -> None:
        """Labels arrived from a pack: refresh what shows them."""


class PackController(QObject):
    """The window's pack actions, and pack mode when the open file is a pack."""

    def __init__(self, window: PackHost) -> None:
        super().__init__(window.window())
        self.window = window
        self.info: PackInfo | None = None
        self.dialog: PacksDialog | None = None
        window.pack_banner.save_copy.connect(self.save_copy)

    @property
    def _own_annotator(self) -> str:
        """The coordinator: the window's user, also while a pack is open."""
        return self.window.user

    # -- pack mode (the annotator's side) -------------------------------------------

    def apply(self, store: Store, path: Path) -> None:
        """Enter pack mode if ``store`` is a pack, else leave it."""
        w = self.window
        try:
            self.info = pack_info(store)
        except CuratorError as exc:
            self.info = None
            w.show_error(str(exc))
        pack = self.info is not None  # w.annotator follows self.info (the pack's annotator)
        for action in w.pack_locked_actions():
            action.setEnabled(not pack)
        w.record_view.read_only = pack
        w.pack_banner.setVisible(pack)
        if self.info is not None:
            w.pack_banner.show_pack(self.info, path)
            w.setWindowTitle(f"Pack for {printable(self.info.annotator, 60)} · "
                             f"{printable(self.info.project_name, 80)} — Curator")

    def apply_tabs(self) -> None:
        """An annotator labels in Records; checks, agreement and adjudication are the
        coordinator's (call after the window rebuilt its labelling tabs)."""
        w = self.window
        for tab in (w.pii_queue, w.duplicates_tab, w.label_errors_tab, w.agreement_tab,
                    w.adjudication_tab):
            w.tabs.setTabVisible(w.tabs.indexOf(tab), self.info is None)

    def blocks(self, what: str = "This") -> bool:
        """In a pack, say why ``what`` is not possible and return True."""
        if self.info is None:
            return False
        self.window.statusBar().showMessage(
            f"{what} is not possible in an annotation pack: only labels can be changed.",
            8000)
        return True

    def save_copy(self) -> None:
        w = self.window
        if w.store is None or w.project is None:
            return
        name, _ = QFileDialog.getSaveFileName(w.window(), "Save a copy of the pack",
                                              str(w.project), PACK_FILTER)
        if name:
            self.write_copy(Path(name))

    def write_copy(self, target: Path) -> None:
        """A consistent copy of the open pack, e.g. onto a USB stick.

        It runs on the window's writer, so labels still being saved are in the copy.
        """
        from curator.core.operations import copy_project

        w = self.window

        def done(copy: Path | None) -> None:
            if copy is not None:
                w.statusBar().showMessage(f"Saved a copy as {target}.", 8000)

        w.submit_op("Saving a copy", lambda s: copy_project(s, target), done, w.show_error)

    # -- the coordinator's side -----------------------------------------------------

    def hand_out(self) -> None:
        w = self.window
        if w.store is None:
            w.show_error("Open a project first (File → Open project).")
            return
        if self.blocks("Handing out packs"):
            return
        dialog = PackExportDialog(w.store, w.window())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        annotator, batch, path = dialog.choice()
        overwrite = False
        if path.exists():
            answer = QMessageBox.question(w.window(), "Replace the pack?",
                                          f"{path.name} exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
            overwrite = True
        self.write(annotator, batch, path, overwrite)

    def write(self, annotator: str, batch: str | None, path: Path,
              overwrite: bool = False) -> None:
        actor = self._own_annotator

        def job(store: Store) -> Job[Any]:
            return export_pack(store, path, annotator, batch, actor=actor,
                               overwrite=overwrite)

        def done(report: Any) -> None:
            self.window.statusBar().showMessage(
                f"Wrote {printable(Path(report.pack).name)}: {report.records:,} records for "
                f"{printable(report.annotator)}. Send it to them.", 15000)
            self.refresh_status()

        self.window.submit("Writing the pack", job, done)

    def choose_import(self) -> None:
        w = self.window
        if w.store is None:
            w.show_error("Open a project first (File → Open project).")
            return
        if self.blocks("Importing packs"):
            return
        name, _ = QFileDialog.getOpenFileName(w.window(), "Import a returned pack",
                                              str(Path(w.project or Path.home()).parent),
                                              PACK_FILTER)
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> None:
        actor = self._own_annotator

        def job(store: Store) -> Job[Any]:
            return import_pack(store, path, actor=actor)

        def done(report: PackImportReport) -> None:
            w = self.window
            w.statusBar().showMessage(
                f"{printable(report.annotator)}'s pack: {report.merged:,} labels merged.",
                15000)
            box = QMessageBox(QMessageBox.Icon.Information, "Pack imported",
                              import_summary(report), parent=w.window())
            box.setAccessibleName("Pack imported")
            box.open()
            self.last_report = report
            w.after_labels_merged()
            self.refresh_status()

        self.window.submit("Importing the pack", job, done)

    def show_status(self) -> None:
        w = self.window
        if w.store is None:
            w.show_error("Open a project first (File → Open project).")
            return
        if self.dialog is None:
            self.dialog = PacksDialog(w.window())
            self.dialog.hand_out.connect(self.hand_out)
            self.dialog.import_returned.connect(self.choose_import)
        self.refresh_status()
        self.dialog.show()
        self.dialog.raise_()

    def refresh_status(self) -> None:
        w = self.window
        if self.dialog is None or w.store is None:
            return
        self.dialog.set_packs(pack_status(w.store))
