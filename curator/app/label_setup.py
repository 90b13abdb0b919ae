"""Setting up labelling: the label schema and guidelines, annotators and batches.

Two dialogs a coordinator uses before labelling starts:

- :class:`SchemaDialog` ("Fields and guidelines"): the label fields on the left, the
  selected field's form on the right (name, kind, description, rating scale, options
  with keys and descriptions), and a "Guidelines" tab with a Markdown editor and a live
  preview.
- :class:`BatchDialog` ("Annotators and batches"): add annotators (or change a role),
  create a batch (which records, who, overlap, pilot, blind) with a preview of the work
  it makes, and the existing batches with everyone's progress.

Every change is a core operation (:mod:`curator.core.labeling`, which validates and logs
an event) handed to the dialog's ``submit``: in the window, its writer runner, the one
writer of the project; the dialog waits for the result with the event loop turning (it
is modal, and its next step depends on the result). On its own, a dialog writes at once
on the :class:`Store` it was given, which it also reads. A :class:`CuratorError` is shown
in words in the dialog. Both dialogs emit ``changed`` after every successful change, so
the main window can reload.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from curator.app.labeling_view import muted
from curator.app.operations import Submit, run_at_once, wait_for
from curator.core import operations
from curator.core.errors import CuratorError
from curator.core.labeling import assignment, schema
from curator.core.labeling.schema import KINDS, MAX_SCALE, LabelField, Option
from curator.core.store import Store
from curator.core.store.browse import RecordFilter, query_ids

KIND_NAMES = {"single": "Single choice", "multi": "Multiple choice",
              "rating": "Rating", "text": "Free text"}
KIND_HINTS = {
    "single": "The annotator picks exactly one option.",
    "multi": "The annotator picks any number of options.",
    "rating": "The annotator picks a whole number from 1 to the scale.",
    "text": "The annotator writes a comment. Text fields are optional: a record counts "
            "as labelled without one.",
}
ROLE_NAMES = {"annotator": "Annotator", "adjudicator": "Adjudicator"}
#: Option table columns.
VALUE, KEY, DESCRIPTION, STATUS = range(4)
R = TypeVar("R")


class ErrorLabel(QLabel):
    """A line of red text saying what went wrong; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet("QLabel { color: #c62828; padding: 6px 8px; "
                           "background: rgba(198, 40, 40, 0.08); border-radius: 4px; }")
        self.hide()

    def show_error(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))

    def clear_error(self) -> None:
        self.show_error("")


class _FieldDelegate(QStyledItemDelegate):
    """A field list entry: the name in bold, a muted summary line under it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name, _, summary = str(index.data(Qt.ItemDataRole.DisplayRole) or "").partition("\n")
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        archived = bool(index.data(Qt.ItemDataRole.UserRole + 1))
        rect = opt.rect.adjusted(8, 0, -8, 0)
        palette = opt.palette
        strong = palette.color(QPalette.ColorRole.HighlightedText if selected
                               else QPalette.ColorRole.Text)
        soft = strong if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        painter.save()
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(soft if archived else strong)
        top = QFontMetrics(bold)
        y = rect.top() + 6 + top.ascent()
        painter.drawText(rect.left(), y, top.elidedText(name, Qt.TextElideMode.ElideRight,
                                                        rect.width()))
        painter.setFont(opt.font)
        painter.setPen(soft)
        small = QFontMetrics(opt.font)
        y += top.descent() + 3 + small.ascent()
        painter.drawText(rect.left(), y, small.elidedText(summary, Qt.TextElideMode.ElideRight,
                                                          rect.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:  # noqa: N802
        line = QFontMetrics(option.font).height()
        return QSize(180, 2 * line + 16)


# =====================================================================================
# Fields and guidelines
# =====================================================================================


class _Writes:
    """A dialog's writes: each waits for its operation (see the module docstring)."""

    submit: Submit

    def write(self, name: str, operation: Callable[[Store], R]) -> R:
        """Run ``operation`` on the project's writer and return its result."""
        assert isinstance(self, QWidget)
        return wait_for(self.submit, name, operation, self)


class SchemaDialog(_Writes, QDialog):
    """Edit the label schema (fields, options, keys, scales) and the guidelines."""

    #: Emitted after every change written to the project.
    changed = Signal()

    def __init__(self, store: Store, actor: str, parent: QWidget | None = None,
                 submit: Submit | None = None) -> None:
        """``store`` is read here; ``submit`` writes (default: at once on ``store``)."""
        super().__init__(parent)
        self.store = store
        self.actor = actor or "unknown"
        self.submit = submit or run_at_once(store)
        self.field: LabelField | None = None  # the stored field the form shows
        self.new = False  # the form is a field not added yet
        self._loading = False
        self.setWindowTitle("Fields and guidelines")
        self.resize(940, 620)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._fields_tab(), "Fields")
        self.tabs.addTab(self._guidelines_tab(), "Guidelines")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

        self.reload()
        self._load_guidelines()
        if self.list.count():
            self.list.setCurrentRow(0)

    # -- building ------------------------------------------------------------------

    def _fields_tab(self) -> QWidget:
        self.list = QListWidget()
        self.list.setMinimumWidth(200)
        self.list.setItemDelegate(_FieldDelegate(self.list))
        self.list.currentItemChanged.connect(self._on_select)
        self.show_archived = QCheckBox("Show archived fields")
        self.show_archived.toggled.connect(lambda _: self.reload())
        self.new_button = QPushButton("New field")
        self.new_button.clicked.connect(self.start_new)
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        moves = QHBoxLayout()
        moves.addWidget(self.up_button)
        moves.addWidget(self.down_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.show_archived)
        left_layout.addLayout(moves)
        left_layout.addWidget(self.new_button)

        self.pages = QStackedWidget()
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        self.empty_label = QLabel("No label fields yet.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.empty_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.empty_label.setFont(font)
        hint = muted("A field is one question asked of every record, such as the intent "
                     "of a request or a 1 to 5 rating of the answer.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setMaximumWidth(420)
        start = QPushButton("Add the first field")
        start.clicked.connect(self.start_new)
        empty_layout.addWidget(self.empty_label)
        empty_layout.addWidget(hint, 0, Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(start)
        row.addStretch(1)
        empty_layout.addLayout(row)
        empty_layout.addStretch(2)
        self.pages.addWidget(empty)
        self.pages.addWidget(self._form())

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.pages)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([230, 690])
        split.setChildrenCollapsible(False)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(split)
        return page

    def _form(self) -> QWidget:
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.usage = muted(wrap=False)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. intent")
        self.kind_combo = QComboBox()
        for kind in KINDS:
            self.kind_combo.addItem(KIND_NAMES[kind], kind)
        self.kind_hint = muted()
        self.description_edit = QLineEdit()
        self.description_edit.setPlaceholderText("The question, as the annotator sees it")
        self.scale_spin = QSpinBox()
        self.scale_spin.setRange(2, MAX_SCALE)
        self.scale_spin.setValue(5)
        self.scale_spin.setPrefix("1 to ")
        self.scale_hint = muted("Keys 1–9, and 0 for 10.", wrap=False)
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.scale_spin)
        scale_row.addWidget(self.scale_hint)
        scale_row.addStretch(1)
        self.scale_widget = QWidget()
        self.scale_widget.setLayout(scale_row)
        scale_row.setContentsMargins(0, 0, 0, 0)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Name:", self.name_edit)
        kind_box = QWidget()
        kind_layout = QVBoxLayout(kind_box)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        kind_layout.setSpacing(3)
        kind_layout.addWidget(self.kind_combo)
        kind_layout.addWidget(self.kind_hint)
        form.addRow("Kind:", kind_box)
        form.addRow("Description:", self.description_edit)
        form.addRow("Scale:", self.scale_widget)
        self.form = form

        self.options_box = QGroupBox("Options")
        self.options = QTableWidget(0, 4)
        self.options.setHorizontalHeaderLabels(["Value", "Key", "Description", ""])
        self.options.verticalHeader().hide()
        self.options.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.options.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.options.horizontalHeader()
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(KEY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.ResizeToContents)
        self.options.setColumnWidth(VALUE, 150)
        self.options.itemChanged.connect(self._on_form_edit)
        self.options.itemSelectionChanged.connect(self._update_buttons)
        self.add_option_button = QPushButton("Add option")
        self.archive_option_button = QPushButton("Archive option")
        self.remove_option_button = QPushButton("Remove option")
        self.add_option_button.clicked.connect(self.add_option)
        self.archive_option_button.clicked.connect(self.toggle_option)
        self.remove_option_button.clicked.connect(self.remove_option)
        self.remove_option_button.setToolTip("Only options not saved yet can be removed. "
                                             "Archive a saved option instead.")
        option_buttons = QHBoxLayout()
        option_buttons.addWidget(self.add_option_button)
        option_buttons.addWidget(self.archive_option_button)
        option_buttons.addWidget(self.remove_option_button)
        option_buttons.addStretch(1)
        self.keys_hint = muted()
        options_layout = QVBoxLayout(self.options_box)
        options_layout.addWidget(self.options, 1)
        options_layout.addLayout(option_buttons)
        options_layout.addWidget(self.keys_hint)

        self.name_edit.textEdited.connect(self._on_form_edit)
        self.description_edit.textEdited.connect(self._on_form_edit)
        self.kind_combo.currentIndexChanged.connect(self._on_form_edit)
        self.scale_spin.valueChanged.connect(self._on_form_edit)

        self.error = ErrorLabel()
        self.state = muted(wrap=False)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(self.revert)
        self.archive_field_button = QPushButton("Archive field")
        self.archive_field_button.clicked.connect(self.toggle_field)
        self.archive_field_button.setToolTip("An archived field leaves the labelling panel; "
                                             "its labels stay.")
        actions = QHBoxLayout()
        actions.addWidget(self.archive_field_button)
        actions.addStretch(1)
        actions.addWidget(self.state)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.save_button)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 0, 0, 0)
        title = QHBoxLayout()
        title.addWidget(self.heading)
        title.addStretch(1)
        title.addWidget(self.usage)
        layout.addLayout(title)
        layout.addLayout(form)
        layout.addWidget(self.options_box, 1)
        self.spacer = QWidget()
        layout.addWidget(self.spacer, 1)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        return page

    def _guidelines_tab(self) -> QWidget:
        self.guide_edit = QPlainTextEdit()
        self.guide_edit.setPlaceholderText("# Guidelines\n\nWrite them in Markdown: headings, "
                                           "**bold**, lists, examples…")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.guide_edit.setFont(mono)
        self.guide_edit.textChanged.connect(self._on_guide_edit)
        self.preview = QTextBrowser()
        self.preview.setOpenExternalLinks(True)
        edit_box = QGroupBox("Markdown")
        QVBoxLayout(edit_box).addWidget(self.guide_edit)
        preview_box = QGroupBox("Preview (as the labelling panel shows it)")
        QVBoxLayout(preview_box).addWidget(self.preview)
        split = QSplitter()
        split.addWidget(edit_box)
        split.addWidget(preview_box)
        split.setChildrenCollapsible(False)
        split.setSizes([450, 450])

        self.guide_error = ErrorLabel()
        self.guide_state = muted(wrap=False)
        self.guide_save = QPushButton("Save guidelines")
        self.guide_save.clicked.connect(self.save_guidelines)
        self.guide_revert = QPushButton("Revert")
        self.guide_revert.clicked.connect(self._load_guidelines)
        row = QHBoxLayout()
        row.addWidget(muted("Annotators see the guidelines above the label buttons.",
                            wrap=False))
        row.addStretch(1)
        row.addWidget(self.guide_state)
        row.addWidget(self.guide_revert)
        row.addWidget(self.guide_save)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(split, 1)
        layout.addWidget(self.guide_error)
        layout.addLayout(row)
        return page

    # -- the field list ------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Fill the list from the project, keeping (or moving to) a selection."""
        if select is None and self.field is not None and not self.new:
            select = self.field.name
        self._loading = True
        try:
            self.list.clear()
            for fld in schema.fields(self.store, include_archived=True):
                if fld.archived and not self.show_archived.isChecked() and \
                        fld.name != select:
                    continue
                text = f"{fld.name}\n{self._summary(fld)}"
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, fld.name)
                item.setToolTip(fld.description or fld.name)
                item.setData(Qt.ItemDataRole.UserRole + 1, fld.archived)
                if fld.archived:
                    item.setText(f"{fld.name} (archived)\n{self._summary(fld)}")
                self.list.addItem(item)
                if fld.name == select:
                    self.list.setCurrentItem(item)
        finally:
            self._loading = False
        if self.list.count() == 0 and not self.new:
            self.field = None
            self.pages.setCurrentIndex(0)
        self._update_buttons()

    @staticmethod
    def _summary(fld: LabelField) -> str:
        if fld.kind == "rating":
            return f"Rating 1–{fld.scale}"
        if fld.kind == "text":
            return "Free text"
        count = len(fld.active_options)
        return f"{KIND_NAMES[fld.kind]}, {count} option{'s' if count != 1 else ''}"

    def _on_select(self, current: QListWidgetItem | None,
                   previous: QListWidgetItem | None) -> None:
        if self._loading or current is None:
            return
        if not self._confirm_leave():
            self._loading = True
            self.list.setCurrentItem(previous)
            self._loading = False
            return
        self.show_field(str(current.data(Qt.ItemDataRole.UserRole)))

    def show_field(self, name: str) -> None:
        """Show the stored field ``name`` in the form."""
        self.new = False
        self.field = schema.get_field(self.store, name)
        self._fill(self.field)
        self.error.clear_error()

    def start_new(self) -> None:
        """Clear the form for a new field (added by Save)."""
        if not self._confirm_leave():
            return
        self.new = True
        self.field = None
        self._loading = True
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self._loading = False
        self._fill(None)
        self.error.clear_error()
        self.name_edit.setFocus()

    def move(self, step: int) -> None:
        """Move the selected field up or down the schema (the order of the panel)."""
        if self.field is None or self.new:
            return
        order = [f.name for f in schema.fields(self.store, include_archived=True)]
        index = order.index(self.field.name)
        if not 0 <= index + step < len(order):
            return
        name, actor = self.field.name, self.actor
        try:
            self.write("Moving the field",
                       lambda s: operations.move_field(s, name, step, actor))
        except CuratorError as exc:
            self.error.show_error(str(exc))
            return
        self.field = schema.get_field(self.store, self.field.name)
        self.reload(self.field.name)
        self.changed.emit()

    # -- the form ------------------------------------------------------------------

    def _fill(self, fld: LabelField | None) -> None:
        self._loading = True
        try:
            self.pages.setCurrentIndex(1)
            self.name_edit.setText(fld.name if fld else "")
            kind = fld.kind if fld else "single"
            self.kind_combo.setCurrentIndex(KINDS.index(kind))
            self.description_edit.setText(fld.description if fld else "")
            self.scale_spin.setValue(fld.scale if fld and fld.scale else 5)
            self.options.setRowCount(0)
            for option in (fld.options if fld else ()):
                self._add_row(option, saved=True)
            count = self._label_count(fld) if fld else 0
            self.kind_combo.setEnabled(count == 0)
            self.kind_combo.setToolTip(
                "" if count == 0 else "This field has labels, so its kind cannot change. "
                                      "Add a new field instead.")
            if fld is None:
                self.heading.setText("New field")
                self.usage.setText("")
            else:
                self.heading.setText(fld.name + ("  (archived)" if fld.archived else ""))
                self.usage.setText(f"{count:,} label{'s' if count != 1 else ''}")
        finally:
            self._loading = False
        self._update_form()

    def _label_count(self, fld: LabelField) -> int:
        return int(self.store.db.execute("SELECT COUNT(*) FROM labels WHERE field_id = ?",
                                         (fld.id,)).fetchone()[0])

    def _add_row(self, option: Option, saved: bool) -> int:
        row = self.options.rowCount()
        self.options.insertRow(row)
        value = QTableWidgetItem(option.value)
        value.setData(Qt.ItemDataRole.UserRole, bool(option.archived))
        value.setData(Qt.ItemDataRole.UserRole + 1, saved)
        if saved:
            value.setFlags(value.flags() & ~Qt.ItemFlag.ItemIsEditable)
            value.setToolTip("A saved option keeps its value, so labels keep their meaning. "
                             "To rename it, archive it and add a new one.")
        key = QTableWidgetItem(option.key or "")
        key.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        key.setToolTip("One letter or digit (optional)")
        status = QTableWidgetItem()
        status.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        self.options.setItem(row, VALUE, value)
        self.options.setItem(row, KEY, key)
        self.options.setItem(row, DESCRIPTION, QTableWidgetItem(option.description))
        self.options.setItem(row, STATUS, status)
        self._paint_row(row)
        return row

    def _paint_row(self, row: int) -> None:
        archived = bool(self.options.item(row, VALUE).data(Qt.ItemDataRole.UserRole))
        saved = bool(self.options.item(row, VALUE).data(Qt.ItemDataRole.UserRole + 1))
        status = self.options.item(row, STATUS)
        status.setText("archived" if archived else ("" if saved else "new"))
        for column in range(4):
            item = self.options.item(row, column)
            if item is None:
                continue
            font = item.font()
            font.setItalic(archived)
            item.setFont(font)
            item.setForeground(QColor(128, 128, 128) if archived
                               else self.palette().color(QPalette.ColorRole.Text))

    def _form_kind(self) -> str:
        return str(self.kind_combo.currentData())

    def _form_options(self) -> list[Option]:
        out = []
        for row in range(self.options.rowCount()):
            value = self.options.item(row, VALUE)
            key = (self.options.item(row, KEY).text() or "").strip()
            description = self.options.item(row, DESCRIPTION)
            out.append(Option(value=value.text().strip(),
                              description=(description.text() if description else "").strip(),
                              key=key or None,
                              archived=bool(value.data(Qt.ItemDataRole.UserRole))))
        return out

    def _form_field(self) -> LabelField:
        """The form as a field (for the dirty check and the keys preview)."""
        kind = self._form_kind()
        base = self.field or LabelField(id=0, name="", kind=kind)
        options = tuple(self._form_options()) if kind in ("single", "multi") else ()
        return replace(base, name=self.name_edit.text().strip(), kind=kind,
                       description=self.description_edit.text().strip(), options=options,
                       scale=self.scale_spin.value() if kind == "rating" else None)

    def is_dirty(self) -> bool:
        """Whether the form holds changes not saved yet."""
        if self.pages.currentIndex() != 1:
            return False
        form = self._form_field()
        if self.new or self.field is None:
            return self.new and bool(form.name or form.options or form.description)
        stored = replace(self.field, description=self.field.description.strip())
        return form != stored

    def _on_form_edit(self, *_: Any) -> None:
        if self._loading:
            return
        self.error.clear_error()
        self._update_form()

    def _update_form(self) -> None:
        kind = self._form_kind()
        choice = kind in ("single", "multi")
        hint = KIND_HINTS[kind]
        if not self.kind_combo.isEnabled():
            hint += " The kind is fixed now that the field has labels."
        self.kind_hint.setText(hint)
        self.options_box.setVisible(choice)
        self.spacer.setVisible(not choice)
        self.scale_widget.setVisible(kind == "rating")
        self.form.labelForField(self.scale_widget).setVisible(kind == "rating")
        if choice:
            try:
                keys = self._form_field().keys()
            except Exception:  # noqa: BLE001 - a half-typed form only loses the hint
                keys = {}
            if keys:
                shown = "   ".join(f"{k} {v}" for k, v in keys.items())
                self.keys_hint.setText(f"Keys in the panel:  {shown}.  Options without a "
                                       "key take the free digits 1–9 in order.")
            else:
                self.keys_hint.setText("Add the options annotators choose from. A key "
                                       "(one letter or digit) is optional.")
        dirty = self.is_dirty()
        self.save_button.setText("Add field" if self.new else "Save")
        self.save_button.setEnabled(dirty or self.new)
        self.revert_button.setEnabled(dirty)
        self.state.setText("Unsaved changes" if dirty and not self.new else "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        stored = self.field is not None and not self.new
        self.archive_field_button.setVisible(stored)
        if stored and self.field is not None:
            self.archive_field_button.setText(
                "Restore field" if self.field.archived else "Archive field")
        index = self.list.currentRow() if stored else -1
        self.up_button.setEnabled(index > 0)
        self.down_button.setEnabled(0 <= index < self.list.count() - 1)
        row = self.options.currentRow() if self.options.selectedItems() else -1
        saved = archived = False
        if row >= 0:
            value = self.options.item(row, VALUE)
            archived = bool(value.data(Qt.ItemDataRole.UserRole))
            saved = bool(value.data(Qt.ItemDataRole.UserRole + 1))
        self.archive_option_button.setEnabled(row >= 0 and saved)
        self.archive_option_button.setText("Restore option" if archived else "Archive option")
        self.remove_option_button.setEnabled(row >= 0 and not saved)

    # -- option actions ------------------------------------------------------------

    def add_option(self, value: str = "", key: str = "", description: str = "") -> int:
        """Add an option row to the form (saved with the field); returns its row."""
        self._loading = True
        try:
            row = self._add_row(Option(value or "", description or "", key or None),
                                saved=False)
        finally:
            self._loading = False
        self.options.setCurrentCell(row, VALUE)
        if not value:
            self.options.editItem(self.options.item(row, VALUE))
        self._on_form_edit()
        return row

    def remove_option(self) -> None:
        row = self.options.currentRow()
        if row < 0 or self.options.item(row, VALUE).data(Qt.ItemDataRole.UserRole + 1):
            return
        self.options.removeRow(row)
        self._on_form_edit()

    def toggle_option(self) -> None:
        """Archive (or restore) the selected saved option, at once.

        The option stays a valid value, so the labels that use it keep their meaning.
        Other unsaved edits in the form stay as they are.
        """
        row = self.options.currentRow()
        if row < 0 or self.field is None or self.new:
            return
        item = self.options.item(row, VALUE)
        if not item.data(Qt.ItemDataRole.UserRole + 1):
            return
        archived = not bool(item.data(Qt.ItemDataRole.UserRole))
        name, value, actor = self.field.name, item.text(), self.actor
        try:
            self.field = self.write("Saving the option", lambda s: schema.archive_option(
                s, name, value, archived=archived, actor=actor))
        except CuratorError as exc:
            self.error.show_error(str(exc))
            return
        self._loading = True
        item.setData(Qt.ItemDataRole.UserRole, archived)
        self._paint_row(row)
        self._loading = False
        self._refresh_item()
        self._on_form_edit()
        self.changed.emit()

    # -- field actions -------------------------------------------------------------

    def save(self) -> bool:
        """Add the new field or save the form's changes; False (and the reason) if not."""
        form = self._form_field()
        options = list(form.options) if form.kind in ("single", "multi") else None
        actor = self.actor
        try:
            if self.new:
                fld = self.write("Adding the field", lambda s: schema.add_field(
                    s, form.name, form.kind, options=options, scale=form.scale,
                    description=form.description, actor=actor))
            else:
                if self.field is None:
                    return False
                old = self.field.name
                fld = self.write("Saving the field", lambda s: schema.edit_field(
                    s, old, new_name=form.name, options=options, scale=form.scale,
                    description=form.description, kind=form.kind, actor=actor))
        except CuratorError as exc:
            self.error.show_error(str(exc))
            return False
        self.new = False
        self.field = fld
        self.reload(fld.name)
        self._fill(fld)
        self.error.clear_error()
        self.changed.emit()
        return True

    def revert(self) -> None:
        if self.new:
            self._fill(None)
        elif self.field is not None:
            self.show_field(self.field.name)

    def toggle_field(self) -> None:
        """Archive (or restore) the field shown: it leaves the panel, its labels stay."""
        if self.field is None or self.new:
            return
        name, archived, actor = self.field.name, not self.field.archived, self.actor
        try:
            self.field = self.write("Saving the field", lambda s: schema.archive_field(
                s, name, archived=archived, actor=actor))
        except CuratorError as exc:
            self.error.show_error(str(exc))
            return
        self.heading.setText(self.field.name + ("  (archived)" if self.field.archived
                                                else ""))
        self.reload(self.field.name)
        self._update_form()
        self.changed.emit()

    def _refresh_item(self) -> None:
        """Update the list entry of the field shown (after a change that keeps it)."""
        if self.field is None:
            return
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == self.field.name:
                suffix = " (archived)" if self.field.archived else ""
                item.setData(Qt.ItemDataRole.UserRole + 1, self.field.archived)
                item.setText(f"{self.field.name}{suffix}\n{self._summary(self.field)}")

    # -- guidelines ----------------------------------------------------------------

    def _load_guidelines(self) -> None:
        self._saved_guidelines = schema.guidelines(self.store)
        self.guide_edit.setPlainText(self._saved_guidelines)
        self._on_guide_edit()

    def _on_guide_edit(self) -> None:
        text = self.guide_edit.toPlainText()
        if text.strip():
            self.preview.setMarkdown(text)
        else:
            self.preview.setHtml("<p style='color: gray'>Nothing to preview yet: the "
                                 "guidelines are empty.</p>")
        dirty = self.guidelines_dirty()
        self.guide_state.setText("Unsaved changes" if dirty else "Saved")
        self.guide_save.setEnabled(dirty)
        self.guide_revert.setEnabled(dirty)
        self.guide_error.clear_error()

    def guidelines_dirty(self) -> bool:
        return self.guide_edit.toPlainText() != getattr(self, "_saved_guidelines", "")

    def save_guidelines(self) -> bool:
        text, actor = self.guide_edit.toPlainText(), self.actor
        try:
            self.write("Saving the guidelines",
                       lambda s: schema.set_guidelines(s, text, actor=actor))
        except CuratorError as exc:
            self.guide_error.show_error(str(exc))
            return False
        self._saved_guidelines = text
        self._on_guide_edit()
        self.changed.emit()
        return True

    # -- leaving -------------------------------------------------------------------

    def ask_unsaved(self, what: str) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel for unsaved changes (a method, so tests can answer)."""
        return QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {what}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)

    def _confirm_leave(self) -> bool:
        """True when the form may show something else (saving or dropping its changes)."""
        if not self.is_dirty():
            return True
        what = "the new field" if self.new else f'the field "{self.field.name}"' \
            if self.field else "the field"
        answer = self.ask_unsaved(what)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def done(self, result: int) -> None:  # noqa: D102 - closing asks about unsaved work
        if not self._confirm_leave():
            return
        if self.guidelines_dirty():
            answer = self.ask_unsaved("the guidelines")
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Save and not self.save_guidelines():
                return
        super().done(result)


# =====================================================================================
# Annotators and batches
# =====================================================================================

#: Which records a batch takes: (key, label).
SOURCES = (("all", "All valid records"), ("unreviewed", "Only unreviewed records"),
           ("accepted", "Only accepted records"), ("random", "A random sample of"))


class BatchDialog(_Writes, QDialog):
    """Add annotators and create batches that assign records to them."""

    #: Emitted after every change written to the project.
    changed = Signal()

    def __init__(self, store: Store, actor: str, parent: QWidget | None = None,
                 submit: Submit | None = None) -> None:
        """``store`` is read here; ``submit`` writes (default: at once on ``store``)."""
        super().__init__(parent)
        self.store = store
        self.actor = actor or "unknown"
        self.submit = submit or run_at_once(store)
        self._ids_cache: dict[tuple[str, int, int], list[int]] = {}
        self.setWindowTitle("Annotators and batches")
        self.resize(980, 660)

        top = QHBoxLayout()
        top.addWidget(self._annotators_box(), 2)
        top.addWidget(self._batch_box(), 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 3)
        layout.addWidget(self._batches_box(), 2)
        layout.addWidget(buttons)
        self.reload()

    # -- building ------------------------------------------------------------------

    def _annotators_box(self) -> QGroupBox:
        box = QGroupBox("Annotators")
        self.people = QTreeWidget()
        self.people.setHeaderLabels(["Name", "Role", "Progress"])
        self.people.setRootIsDecorated(False)
        self.people.setUniformRowHeights(True)
        self.people.header().setStretchLastSection(True)
        self.people.header().setMinimumSectionSize(70)
        self.people.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.people.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.people.currentItemChanged.connect(self._on_person)
        self.people_empty = muted("No annotators yet. Add the people who will label, "
                                  "then create a batch for them.")
        self.person_name = QLineEdit()
        self.person_name.setPlaceholderText("Name")
        self.person_name.returnPressed.connect(self.add_person)
        self.person_name.textEdited.connect(self._reset_add)
        self.person_role = QComboBox()
        for role in assignment.ROLES:
            self.person_role.addItem(ROLE_NAMES[role], role)
        self.person_role.setToolTip("Adjudicators settle disagreements and see everyone's "
                                    "labels, even in blind batches.")
        self.add_person_button = QPushButton("Add")
        self.add_person_button.clicked.connect(self.add_person)
        row = QHBoxLayout()
        row.addWidget(self.person_name, 1)
        row.addWidget(self.person_role)
        row.addWidget(self.add_person_button)
        self.person_error = ErrorLabel()
        layout = QVBoxLayout(box)
        self.people_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.people_empty.setSizePolicy(QSizePolicy.Policy.Preferred,
                                        QSizePolicy.Policy.Expanding)
        layout.addWidget(self.people, 1)
        layout.addWidget(self.people_empty, 1)
        layout.addLayout(row)
        layout.addWidget(muted("Adding an existing name changes their role."))
        layout.addWidget(self.person_error)
        return box

    def _batch_box(self) -> QGroupBox:
        box = QGroupBox("New batch")
        self.batch_name = QLineEdit()
        self.batch_name.setPlaceholderText("e.g. round-1")
        self.batch_name.textEdited.connect(lambda _: self.batch_error.clear_error())

        self.source = QComboBox()
        for key, label in SOURCES:
            self.source.addItem(label, key)
        self.sample_size = QSpinBox()
        self.sample_size.setRange(1, 10_000_000)
        self.sample_size.setValue(100)
        self.sample_size.setSuffix(" records")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_000_000_000)
        self.seed.setPrefix("seed ")
        self.seed.setToolTip("The same seed picks the same records and the same assignment.")
        records_row = QHBoxLayout()
        records_row.setContentsMargins(0, 0, 0, 0)
        records_row.addWidget(self.source, 1)
        records_row.addWidget(self.sample_size)
        records_row.addWidget(self.seed)

        self.members = QListWidget()
        self.members.setMinimumHeight(90)
        self.members_empty = muted("Add annotators on the left first.")
        self.overlap = QSpinBox()
        self.overlap.setRange(1, 1)
        self.overlap.setSuffix(" annotators per record")
        self.pilot = QCheckBox("Pilot: everyone labels every record")
        self.pilot.setToolTip("Measure agreement on a small set before labelling at scale.")
        self.blind = QCheckBox("Blind: annotators see only their own labels")
        self.blind.setChecked(True)

        self.preview = QLabel()
        self.preview.setWordWrap(True)
        font = self.preview.font()
        font.setBold(True)
        self.preview.setFont(font)
        self.batch_error = ErrorLabel()
        self.create_button = QPushButton("Create batch")
        self.create_button.clicked.connect(self.create)

        for signal in (self.source.currentIndexChanged, self.sample_size.valueChanged,
                       self.seed.valueChanged, self.overlap.valueChanged,
                       self.pilot.toggled, self.members.itemChanged):
            signal.connect(self._update_preview)

        outer = QVBoxLayout(box)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Name:", self.batch_name)
        records = QWidget()
        records.setLayout(records_row)
        form.addRow("Records:", records)
        members = QWidget()
        members_layout = QVBoxLayout(members)
        members_layout.setContentsMargins(0, 0, 0, 0)
        members_layout.addWidget(self.members)
        members_layout.addWidget(self.members_empty)
        form.addRow("Annotators:", members)
        form.addRow("Overlap:", self.overlap)
        form.addRow("", self.pilot)
        form.addRow("", self.blind)
        form.addRow("", self.preview)
        form.addRow("", self.batch_error)
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.create_button)
        form.addRow(button_row)
        return box

    def _batches_box(self) -> QGroupBox:
        box = QGroupBox("Batches")
        self.batch_tree = QTreeWidget()
        self.batch_tree.setHeaderLabels(["Batch", "Records", "Overlap", "Blind",
                                         "Assigned in batch", "Progress (all batches)"])
        self.batch_tree.setUniformRowHeights(True)
        header = self.batch_tree.header()
        for column in range(5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(80)
        self.batches_empty = muted("No batches yet. Without a batch, every annotator may "
                                   "label any valid record.")
        layout = QVBoxLayout(box)
        self.batches_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.batches_empty.setSizePolicy(QSizePolicy.Policy.Preferred,
                                         QSizePolicy.Policy.Expanding)
        layout.addWidget(self.batch_tree, 1)
        layout.addWidget(self.batches_empty, 1)
        return box

    # -- filling -------------------------------------------------------------------

    def reload(self) -> None:
        """Read annotators, batches and progress from the project again."""
        self._ids_cache.clear()
        people = assignment.annotators(self.store)
        current = self.people.currentItem()
        keep = current.text(0) if current else None
        self.people.clear()
        for person in people:
            done = assignment.progress(self.store, person.name)
            item = QTreeWidgetItem([person.name, ROLE_NAMES[person.role], str(done)])
            item.setData(0, Qt.ItemDataRole.UserRole, person.name)
            self.people.addTopLevelItem(item)
            if person.name == keep:
                self.people.setCurrentItem(item)
        self.people.setVisible(bool(people))
        self.people_empty.setVisible(not people)

        checked = self.checked_annotators() if self.members.count() else None
        self.members.blockSignals(True)
        self.members.clear()
        for person in people:
            label = person.name if person.role == "annotator" else \
                f"{person.name} (adjudicator)"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, person.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = person.name in checked if checked is not None else \
                person.role == "annotator"
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.members.addItem(item)
        self.members.blockSignals(False)
        self.members.setVisible(bool(people))
        self.members_empty.setVisible(not people)

        valid = len(query_ids(self.store, RecordFilter(invalid=False)))
        self.sample_size.setMaximum(max(1, valid))
        self.batch_tree.clear()
        found = assignment.batches(self.store)
        for batch in found:
            assignments = assignment.batch_assignments(self.store, batch.name)
            load: dict[str, int] = {}
            for names in assignments.values():
                for name in names:
                    load[name] = load.get(name, 0) + 1
            overlap = f"everyone ({batch.overlap})" if batch.pilot else str(batch.overlap)
            top = QTreeWidgetItem([batch.name, f"{batch.records:,}", overlap,
                                   "yes" if batch.blind else "no",
                                   f"{sum(load.values()):,} in all", ""])
            top.setData(0, Qt.ItemDataRole.UserRole, batch.name)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            for name in sorted(load):
                child = QTreeWidgetItem([name, "", "", "", f"{load[name]:,} records",
                                         str(assignment.progress(self.store, name))])
                top.addChild(child)
            self.batch_tree.addTopLevelItem(top)
            top.setExpanded(True)
        self.batch_tree.setVisible(bool(found))
        self.batches_empty.setVisible(not found)
        self._update_preview()

    def checked_annotators(self) -> list[str]:
        return [str(self.members.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.members.count())
                if self.members.item(i).checkState() == Qt.CheckState.Checked]

    def _on_person(self, current: QTreeWidgetItem | None, _: Any = None) -> None:
        if current is None:
            return
        self.person_name.setText(current.text(0))
        role = next(r for r, n in ROLE_NAMES.items() if n == current.text(1))
        self.person_role.setCurrentIndex(assignment.ROLES.index(role))
        self.add_person_button.setText("Set role")

    def _reset_add(self, text: str) -> None:
        known = {a.name for a in assignment.annotators(self.store)}
        self.add_person_button.setText("Set role" if text.strip() in known else "Add")
        self.person_error.clear_error()

    # -- records -------------------------------------------------------------------

    def record_ids(self) -> list[int]:
        """The valid records the batch form selects, in file order."""
        key = str(self.source.currentData())
        cache_key = (key, self.sample_size.value() if key == "random" else 0,
                     self.seed.value() if key == "random" else 0)
        if cache_key in self._ids_cache:
            return self._ids_cache[cache_key]
        if key == "unreviewed":
            ids = list(query_ids(self.store, RecordFilter(review="unreviewed", invalid=False)))
        elif key == "accepted":
            ids = list(query_ids(self.store, RecordFilter(review="accepted", invalid=False)))
        else:
            ids = list(query_ids(self.store, RecordFilter(invalid=False)))
            if key == "random" and self.sample_size.value() < len(ids):
                ids = sorted(random.Random(self.seed.value()).sample(
                    ids, self.sample_size.value()))
        self._ids_cache[cache_key] = ids
        return ids

    def _update_preview(self, *_: Any) -> None:
        random_pick = self.source.currentData() == "random"
        self.sample_size.setVisible(random_pick)
        self.seed.setVisible(random_pick)
        people = self.checked_annotators()
        self.overlap.setEnabled(not self.pilot.isChecked() and len(people) > 1)
        self.overlap.blockSignals(True)
        self.overlap.setMaximum(max(1, len(people)))
        if self.pilot.isChecked():
            self.overlap.setValue(max(1, len(people)))
        self.overlap.blockSignals(False)
        self.overlap.setSuffix(" annotator per record" if self.overlap.value() == 1
                               else " annotators per record")
        self.batch_error.clear_error()
        self.preview.setText(self.preview_text())

    def preview_text(self) -> str:
        """"N records × k = M assignments, about X per annotator" for the form."""
        people = self.checked_annotators()
        if not people:
            return "Choose at least one annotator."
        n = len(self.record_ids())
        if n == 0:
            return "No valid records match: the batch would be empty."
        k = len(people) if self.pilot.isChecked() else self.overlap.value()
        total = n * k
        each = total / len(people)
        about = f"{each:,.0f}" if each == int(each) else f"{each:,.1f}"
        return (f"{n:,} record{'s' if n != 1 else ''} × {k} = {total:,} assignment"
                f"{'s' if total != 1 else ''}, about {about} per annotator")

    # -- actions -------------------------------------------------------------------

    def add_person(self) -> bool:
        """Add the annotator in the form (or set an existing one's role)."""
        name = self.person_name.text().strip()
        role, actor = str(self.person_role.currentData()), self.actor
        try:
            self.write("Saving the annotator",
                       lambda s: assignment.add_annotator(s, name, role, actor=actor))
        except CuratorError as exc:
            self.person_error.show_error(str(exc))
            return False
        self.person_error.clear_error()
        self.person_name.clear()
        self.add_person_button.setText("Add")
        self.people.setCurrentItem(None)
        self.reload()
        for i in range(self.members.count()):  # a new annotator is in the next batch
            item = self.members.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name and role == "annotator":
                item.setCheckState(Qt.CheckState.Checked)
        self.changed.emit()
        return True

    def create(self) -> bool:
        """Create the batch in the form; False (and the reason shown) if it cannot be."""
        name, ids, people = self.batch_name.text(), self.record_ids(), self.checked_annotators()
        overlap, seed, actor = self.overlap.value(), self.seed.value(), self.actor
        pilot, blind = self.pilot.isChecked(), self.blind.isChecked()
        try:
            batch = self.write("Creating the batch", lambda s: assignment.create_batch(
                s, name, ids, people, overlap=overlap, pilot=pilot, blind=blind, seed=seed,
                actor=actor))
        except CuratorError as exc:
            self.batch_error.show_error(str(exc))
            return False
        self.batch_name.clear()
        self.reload()
        self.batch_error.clear_error()
        self.preview.setText(f'Created "{batch.name}": {batch.records:,} records. '
                             + self.preview_text())
        self.changed.emit()
        return True
