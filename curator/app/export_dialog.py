"""The export dialog: options, live counts, readiness checklist, preview, history.

Counts, readiness and the preview are recomputed (debounced) as options change, by the
read-only job :func:`curator.core.operations.export_preview` (``plan_export`` takes
seconds at 100,000 records on a slow machine: the dialog must not freeze meanwhile) on a
reader :class:`~curator.app.jobs.JobRunner`: the main window's (pass ``reader``), which
runs beside its writer so the counts never wait behind a long import, or the dialog's
own. Only one computation runs at a time; options changed while it runs start one more
when it ends, and the Export button waits for the counts of the current options. The
export itself is a core job run by a writer runner: the main window's (pass ``runner``)
so its progress bar and Cancel apply, or the dialog's own, with its own progress and
Cancel.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from curator.app.jobs import JobRunner
from curator.app.operations import alive
from curator.app.widgets import fit_to_screen
from curator.core.errors import CuratorError
from curator.core.export import (
    FORMATS,
    REASONS,
    ExportOptions,
    ExportReport,
    export,
    history,
    label_fields,
)
from curator.core.jobs import Progress
from curator.core.operations import ExportPreview, export_preview
from curator.core.store import Store

JOB_NAME = "Exporting"
PLAN_JOB_NAME = "Counting the export"
HINT_FOLDER = "Choose an output folder."
HINT_TOO_FEW = "Too few examples to export: accept the warning to export anyway."
PII_MODES = {"redact": "Redact (replace with <TYPE>)", "exclude": "Exclude records with PII",
             "keep": "Keep as is (no redaction)"}
OK_COLOR = QColor("#2e7d32")
WARN_COLOR = QColor("#b26a00")
ERROR_COLOR = QColor("#c62828")


class ExportDialog(QDialog):
    """Choose export options, see what they give, and export."""

    #: Counts, readiness and preview for the current options are on screen.
    planned = Signal()

    exported = Signal(object)         # ExportReport

    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 runner: JobRunner | None = None, reader: JobRunner | None = None,
                 actor: str = "system",
                 agreement: Mapping[str, Any] | Callable[[], Mapping[str, Any] | None]
                 | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self._agreement = agreement
        self._own_runner = runner is None
        self.runner = runner or JobRunner(self)
        self._own_reader = reader is None
        self.reader = reader or JobRunner(self)
        self.report: ExportReport | None = None
        self.plan_error: str | None = None
        self._accepted: set[str] = set()
        self._running = False
        self._planning = False
        self._plan_stale = False
        self.setWindowTitle(f"Export — {store.path.name}")
        fit_to_screen(self, 1180, 760)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.refresh)
        self._build()
        self.runner.progressed.connect(self._progressed)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(self._cancelled)
        self._load_history()
        self.refresh()

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QHBoxLayout(self)
        left_panel = QWidget(maximumWidth=430)
        left = QVBoxLayout(left_panel)
        left.setContentsMargins(0, 0, 0, 0)
        root.addWidget(left_panel, 0)
        right = QVBoxLayout()
        root.addLayout(right, 1)

        splits = QGroupBox("Splits")
        form = QFormLayout(splits)
        self.val_spin = self._percent(10.0)
        self.eval_spin = self._percent(0.0)
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        self.stratify_combo = QComboBox()
        form.addRow("Validation", self.val_spin)
        form.addRow("Eval hold-out", self.eval_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Stratify by", self.stratify_combo)
        left.addWidget(splits)

        content = QGroupBox("Content")
        form = QFormLayout(content)
        self.format_combo = QComboBox()
        for key, text in FORMATS.items():
            self.format_combo.addItem(text, key)
        self.pii_combo = QComboBox()
        for key, text in PII_MODES.items():
            self.pii_combo.addItem(text, key)
        self.pseudonyms_check = QCheckBox("Numbered placeholders (<PERSON_1>, ...)")
        self.labels_combo = QComboBox()
        self.labels_combo.addItem("Not written", "none")
        self.labels_combo.addItem("As a \"labels\" key", "metadata")
        form.addRow("Format", self.format_combo)
        form.addRow("Personal data", self.pii_combo)
        form.addRow("", self.pseudonyms_check)
        form.addRow("Final labels", self.labels_combo)
        left.addWidget(content)

        include = QGroupBox("Include")
        box = QVBoxLayout(include)
        self.unreviewed_check = QCheckBox("Unreviewed records", checked=True)
        self.needs_edit_check = QCheckBox("Records marked needs-edit")
        self.contradictions_check = QCheckBox("Records with open contradictions")
        for check in (self.unreviewed_check, self.needs_edit_check,
                      self.contradictions_check):
            box.addWidget(check)
        row = QHBoxLayout()
        row.addWidget(QLabel("Require a final label for"))
        self.require_combo = QComboBox()
        row.addWidget(self.require_combo, 1)
        box.addLayout(row)
        box.addWidget(QLabel("Source files"))
        self.sources_list = QListWidget(maximumHeight=90)
        box.addWidget(self.sources_list)
        note = QLabel("Always left out: unreadable lines, open schema errors, rejected "
                      "records, exact duplicates after the first.", wordWrap=True)
        note.setStyleSheet("color: palette(mid);")
        box.addWidget(note)
        left.addWidget(include)

        output = QGroupBox("Output folder")
        grid = QGridLayout(output)
        self.outdir_edit = QLineEdit(placeholderText="Choose an empty or new folder")
        self.browse_button = QPushButton("Browse…")
        self.overwrite_check = QCheckBox("Replace a folder that is not empty")
        grid.addWidget(self.outdir_edit, 0, 0)
        grid.addWidget(self.browse_button, 0, 1)
        grid.addWidget(self.overwrite_check, 1, 0, 1, 2)
        left.addWidget(output)
        left.addStretch(1)

        # Right: counts, tabs, progress, buttons.
        counts = QGroupBox("What this export contains")
        grid = QGridLayout(counts)
        self.count_labels: dict[str, QLabel] = {}
        big = QFont()
        big.setPointSize(big.pointSize() + 8)
        big.setBold(True)
        for column, (split, title) in enumerate((("train", "Train"),
                                                 ("validation", "Validation"),
                                                 ("eval", "Eval hold-out"),
                                                 ("excluded", "Left out"))):
            number = QLabel("–", alignment=Qt.AlignmentFlag.AlignCenter)
            number.setFont(big)
            grid.addWidget(number, 0, column)
            grid.addWidget(QLabel(title, alignment=Qt.AlignmentFlag.AlignCenter), 1, column)
            self.count_labels[split] = number
        self.warnings_label = QLabel(wordWrap=True)
        self.warnings_label.setStyleSheet(f"color: {WARN_COLOR.name()};")
        grid.addWidget(self.warnings_label, 2, 0, 1, 4)
        self.counting_label = QLabel()
        self.counting_label.setAccessibleName("Counting")
        grid.addWidget(self.counting_label, 3, 0, 1, 4)
        right.addWidget(counts)

        self.tabs = QTabWidget()
        self.excluded_table = self._table(["Left out because the record…", "Records"])
        self.readiness_table = self._table(["", "Check", "Details", "Accept"])
        self.readiness_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self.readiness_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Interactive)
        self.readiness_table.setColumnWidth(1, 250)
        self.readiness_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        self.readiness_table.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.ResizeToContents)
        self.readiness_table.setWordWrap(True)
        # Wrapped details need their rows measured again at the column's final width;
        # a scroll bar that comes and goes would change that width after measuring.
        self.readiness_table.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.readiness_table.horizontalHeader().sectionResized.connect(
            lambda *_: self._fit_readiness_rows())
        self.preview_text = QPlainTextEdit(readOnly=True)
        self.preview_text.setFont(QFont("monospace"))
        self.history_table = self._table(["When (UTC)", "By", "Folder", "Train", "Val.", "Eval",
                                          "Format", "Dataset hash"])
        self.history_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(self.readiness_table, "Readiness")
        self.tabs.addTab(self.excluded_table, "Left out")
        self.tabs.addTab(self.preview_text, "Preview")
        self.tabs.addTab(self.history_table, "History")
        right.addWidget(self.tabs, 1)

        row = QHBoxLayout()
        self.status_label = QLabel(wordWrap=True)
        self.progress_bar = QProgressBar(visible=False)
        self.cancel_button = QPushButton("Cancel export", visible=False)
        row.addWidget(self.status_label, 1)
        row.addWidget(self.progress_bar)
        row.addWidget(self.cancel_button)
        right.addLayout(row)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        right.addWidget(self.buttons)

        self._fill_choices()
        changed = self._changed
        for spin in (self.val_spin, self.eval_spin, self.seed_spin):
            spin.valueChanged.connect(changed)
        for combo in (self.stratify_combo, self.format_combo, self.pii_combo,
                      self.labels_combo, self.require_combo):
            combo.currentIndexChanged.connect(changed)
        for check in (self.pseudonyms_check, self.unreviewed_check, self.needs_edit_check,
                      self.contradictions_check):
            check.toggled.connect(changed)
        self.sources_list.itemChanged.connect(changed)
        self.pii_combo.currentIndexChanged.connect(self._pii_changed)
        self.readiness_table.itemChanged.connect(self._accept_changed)
        self.browse_button.clicked.connect(self._browse)
        self.outdir_edit.textChanged.connect(self._update_buttons)
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.reject)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self._pii_changed()

    @staticmethod
    def _percent(value: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(minimum=0.0, maximum=90.0, singleStep=1.0, decimals=1,
                              suffix=" %")
        spin.setValue(value)
        return spin

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return table

    def _fill_choices(self) -> None:
        fields = label_fields(self.store)
        self.stratify_combo.addItem("(not stratified)", None)
        self.require_combo.addItem("(no requirement)", None)
        for name in fields:
            self.stratify_combo.addItem(name, name)
            self.require_combo.addItem(name, name)
        self.stratify_combo.setEnabled(bool(fields))
        self.require_combo.setEnabled(bool(fields))
        for source in self.store.sources():
            item = QListWidgetItem(f"{source['name']}  ({source['records']} records)")
            item.setData(Qt.ItemDataRole.UserRole, source["name"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.sources_list.addItem(item)

    # -- options -----------------------------------------------------------------------------

    def options(self) -> ExportOptions:
        """The options as chosen (raises CuratorError when they do not fit together)."""
        sources = [self.sources_list.item(i).data(Qt.ItemDataRole.UserRole)
                   for i in range(self.sources_list.count())
                   if self.sources_list.item(i).checkState() == Qt.CheckState.Checked]
        all_sources = len(sources) == self.sources_list.count()
        return ExportOptions.make(
            val_fraction=round(self.val_spin.value() / 100, 6),
            eval_fraction=round(self.eval_spin.value() / 100, 6),
            seed=self.seed_spin.value(),
            stratify=self.stratify_combo.currentData(),
            pii=self.pii_combo.currentData(),
            pseudonyms=self.pseudonyms_check.isChecked(),
            format=self.format_combo.currentData(),
            labels=self.labels_combo.currentData(),
            include_unreviewed=self.unreviewed_check.isChecked(),
            include_needs_edit=self.needs_edit_check.isChecked(),
            include_contradictions=self.contradictions_check.isChecked(),
            require_label=self.require_combo.currentData(),
            sources=None if all_sources else sources,
            accept=sorted(self._accepted),
        )

    def set_options(self, options: ExportOptions) -> None:
        """Show ``options`` (e.g. those of a past export)."""
        self.val_spin.setValue(options.val_fraction * 100)
        self.eval_spin.setValue(options.eval_fraction * 100)
        self.seed_spin.setValue(options.seed)
        for combo, value in ((self.stratify_combo, options.stratify),
                             (self.format_combo, options.format),
                             (self.pii_combo, options.pii),
                             (self.labels_combo, options.labels),
                             (self.require_combo, options.require_label)):
            index = combo.findData(value)
            if index >= 0:
                combo.setCurrentIndex(index)
        self.pseudonyms_check.setChecked(options.pseudonyms)
        self.unreviewed_check.setChecked(options.include_unreviewed)
        self.needs_edit_check.setChecked(options.include_needs_edit)
        self.contradictions_check.setChecked(options.include_contradictions)
        for i in range(self.sources_list.count()):
            item = self.sources_list.item(i)
            chosen = options.sources is None or item.data(Qt.ItemDataRole.UserRole) in \
                options.sources
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
        self._accepted = set(options.accept)
        self.refresh()

    def agreement(self) -> dict[str, Any] | None:
        """The agreement figures for the checklist and the manifest. Not given: measured
        from the project's labels once (not at every option change)."""
        if self._agreement is None:
            from curator.core.labeling.measure import agreement_by_field

            self._agreement = agreement_by_field(self.store)
        value = self._agreement() if callable(self._agreement) else self._agreement
        return dict(value) if value else None

    # -- live counts -------------------------------------------------------------------------

    def _changed(self) -> None:
        self._timer.start()

    def _pii_changed(self) -> None:
        self.pseudonyms_check.setEnabled(self.pii_combo.currentData() == "redact")

    @property
    def computing(self) -> bool:
        """Whether counts for the current options are still being worked out."""
        return self._plan_stale or self._planning

    def refresh(self) -> None:
        """Recompute counts, readiness and preview for the current options (a read job)."""
        self._timer.stop()
        try:
            options = self.options()
        except CuratorError as exc:
            self._show_plan_error(str(exc))
            return
        if self._planning:
            self._plan_stale = True           # once more when this one ends
            self._update_buttons()
            return
        self._plan_stale = False
        measure = self._agreement is None     # measured once, in the job
        agreement = None if measure else self.agreement()
        self._planning = True
        self.counting_label.setText("Counting…")
        self.reader.submit(
            PLAN_JOB_NAME, self.store.path,
            lambda s: export_preview(s, options, agreement, measure_agreement=measure),
            lambda result: self._planned(result) if alive(self) else None,
            lambda message: self._planned(message) if alive(self) else None)
        self._update_buttons()

    def _show_plan_error(self, message: str) -> None:
        self.plan_error = message
        for label in self.count_labels.values():
            label.setText("–")
        self.warnings_label.setText(message)
        self._update_buttons()

    def _planned(self, result: ExportPreview | str) -> None:
        self._planning = False
        self.counting_label.setText("")
        if self._plan_stale:
            self.refresh()
            return
        if isinstance(result, str):
            self._show_plan_error(result)
            return
        plan, items, sample = result.plan, result.readiness, result.sample
        if self._agreement is None:
            self._agreement = result.agreement or {}
        self.plan_error = None
        self.plan = plan
        self.readiness_items = items
        for split, count in plan.counts.items():
            self.count_labels[split].setText(f"{count:,}")
        self.count_labels["excluded"].setText(f"{sum(plan.excluded.values()):,}")
        self.warnings_label.setText("\n".join(plan.warnings))
        self._show_excluded(plan.excluded)
        self._show_readiness(items)
        self.preview_text.setPlainText("\n\n".join(
            f"# {p['key']} → {p['split']}\n"
            + json.dumps(p["line"], ensure_ascii=False, indent=2) for p in sample)
            or "Nothing would be exported.")
        self._update_buttons()
        self.planned.emit()

    def _show_excluded(self, excluded: dict[str, int]) -> None:
        rows = [(REASONS[r], n) for r, n in excluded.items() if n]
        self.excluded_table.setRowCount(len(rows) or 1)
        if not rows:
            self.excluded_table.setItem(0, 0, QTableWidgetItem("Nothing is left out."))
            self.excluded_table.setItem(0, 1, QTableWidgetItem(""))
        for row, (text, n) in enumerate(rows):
            self.excluded_table.setItem(row, 0, QTableWidgetItem(text))
            number = QTableWidgetItem(f"{n:,}")
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                    | Qt.AlignmentFlag.AlignVCenter)
            self.excluded_table.setItem(row, 1, number)
        failing = sum(1 for n in excluded.values() if n)
        self.tabs.setTabText(1, f"Left out ({failing})" if failing else "Left out")

    def _show_readiness(self, items: list[dict[str, Any]]) -> None:
        table = self.readiness_table
        table.blockSignals(True)
        table.setRowCount(len(items))
        for row, item in enumerate(items):
            ok = item["ok"]
            mark = QTableWidgetItem("✓" if ok else ("✗" if item["severity"] == "error"
                                                     else "!"))
            mark.setForeground(OK_COLOR if ok else ERROR_COLOR if item["severity"] ==
                               "error" else WARN_COLOR)
            mark.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            bold = QFont()
            bold.setBold(True)
            mark.setFont(bold)
            table.setItem(row, 0, mark)
            table.setItem(row, 1, QTableWidgetItem(item["title"]))
            detail = QTableWidgetItem(item["detail"])
            detail.setToolTip(item["detail"])
            table.setItem(row, 2, detail)
            accept = QTableWidgetItem("" if ok else "accept")
            accept.setData(Qt.ItemDataRole.UserRole, item["id"])
            if ok:
                accept.setFlags(Qt.ItemFlag.NoItemFlags)
            else:
                accept.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                accept.setCheckState(Qt.CheckState.Checked if item["id"] in self._accepted
                                     else Qt.CheckState.Unchecked)
            table.setItem(row, 3, accept)
        self._fit_readiness_rows()
        table.blockSignals(False)
        open_items = [i for i in items if not i["ok"] and i["id"] not in self._accepted]
        self.tabs.setTabText(0, f"Readiness ({len(open_items)} to check)" if open_items
                             else "Readiness")

    def _fit_readiness_rows(self) -> None:
        """Rows as tall as their wrapped details (Qt's own measure leaves the last line
        of a long one out)."""
        table = self.readiness_table
        table.resizeRowsToContents()
        metrics = table.fontMetrics()
        # The cell's text margins, and a little more: a line too many beats one cut off.
        width = table.columnWidth(2) - 4 * (table.style().pixelMetric(
            QStyle.PixelMetric.PM_FocusFrameHMargin) + 1) - 8
        for row in range(table.rowCount()):
            item = table.item(row, 2)
            if item is None or width <= 0:
                continue
            needed = metrics.boundingRect(
                QRect(0, 0, width, 1 << 20), int(Qt.TextFlag.TextWordWrap),
                item.text()).height() + metrics.lineSpacing() // 2
            if needed > table.rowHeight(row):
                table.setRowHeight(row, needed)

    def accept_item(self, item_id: str, accepted: bool = True) -> None:
        """Accept (or not) the warning of a readiness item."""
        if accepted:
            self._accepted.add(item_id)
        else:
            self._accepted.discard(item_id)
        self.refresh()

    def _accept_changed(self, cell: QTableWidgetItem) -> None:
        item_id = cell.data(Qt.ItemDataRole.UserRole)
        if cell.column() != 3 or not item_id:
            return
        checked = cell.checkState() == Qt.CheckState.Checked
        QTimer.singleShot(0, lambda: self.accept_item(item_id, checked))

    def blocking_items(self) -> list[dict[str, Any]]:
        return [i for i in getattr(self, "readiness_items", [])
                if not i["ok"] and i["severity"] == "error" and i["id"] not in self._accepted]

    # -- history -----------------------------------------------------------------------------

    def _load_history(self) -> None:
        past = history(self.store)
        table = self.history_table
        table.setRowCount(len(past))
        for row, item in enumerate(past):
            counts = item["counts"]
            cells = [item["created_at"][:19].replace("T", " "), item["actor"], item["outdir"],
                     str(counts.get("train", "")), str(counts.get("validation", "")),
                     str(counts.get("eval", "")), item["format"] or "",
                     item["dataset_hash"][:12]]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 2:
                    cell.setToolTip(text if item["exists"] else f"{text} (no longer there)")
                    if not item["exists"]:
                        cell.setForeground(QColor("gray"))
                table.setItem(row, column, cell)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.tabs.setTabText(3, f"History ({len(past)})" if past else "History")

    # -- running -----------------------------------------------------------------------------

    def _browse(self) -> None:
        start = self.outdir_edit.text() or str(self.store.path.parent)
        chosen = QFileDialog.getExistingDirectory(self, "Export to folder", start)
        if chosen:
            self.outdir_edit.setText(chosen)

    def _update_buttons(self) -> None:
        ready = (not self._running and self.plan_error is None and not self.computing
                 and bool(self.outdir_edit.text().strip()) and not self.blocking_items())
        self.export_button.setEnabled(ready)
        if self._running:
            return
        if self.plan_error:
            self.status_label.setText("")
        elif self.blocking_items():
            self.status_label.setText(HINT_TOO_FEW)
        elif not self.outdir_edit.text().strip():
            self.status_label.setText(HINT_FOLDER)
        elif self.status_label.text() in (HINT_FOLDER, HINT_TOO_FEW):
            self.status_label.setText("")

    def start_export(self) -> None:
        """Run the export job with the current options."""
        try:
            options = self.options()
        except CuratorError as exc:
            self.status_label.setText(str(exc))
            return
        outdir = Path(self.outdir_edit.text().strip()).expanduser()
        overwrite = self.overwrite_check.isChecked()
        actor, agreement = self.actor, self.agreement()
        self._running = True
        self.report = None
        self.export_button.setEnabled(False)
        self.status_label.setText("Exporting…")
        if self._own_runner:
            self.progress_bar.setRange(0, 0)
            self.progress_bar.show()
            self.cancel_button.show()
        self.runner.submit(JOB_NAME, self.store.path,
                           lambda s: export(s, outdir, options, actor, overwrite, agreement),
                           self._finished)

    def _progressed(self, progress: Progress) -> None:
        if not self._running or not self._own_runner:
            return
        if progress.total:
            self.progress_bar.setRange(0, progress.total)
            self.progress_bar.setValue(progress.done)
        self.status_label.setText(progress.message or "Exporting…")

    def _stopped(self, message: str) -> None:
        self._running = False
        self.progress_bar.hide()
        self.cancel_button.hide()
        self.status_label.setText(message)
        self._update_buttons()

    def _finished(self, report: ExportReport) -> None:
        self.report = report
        self._stopped(f"Exported {sum(report.counts.values()):,} records to {report.outdir} "
                      f"(dataset {report.dataset_hash[:12]}).")
        self._load_history()
        self.refresh()
        self.exported.emit(report)

    def _failed(self, name: str, message: str) -> None:
        if name == JOB_NAME and self._running:
            self._stopped(message)

    def _cancelled(self, name: str) -> None:
        if name == JOB_NAME and self._running:
            self._stopped("Export cancelled: nothing was written.")

    def done(self, result: int) -> None:
        if self._own_runner and self.runner.busy:
            self.runner.cancel()
            self.runner.wait()
        self._plan_stale = False
        if self._own_reader:                  # read-only: let it finish, then go
            self.reader.wait()
        super().done(result)
