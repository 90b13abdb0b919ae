"""The form of one label field: name, kind, description, rating scale or options."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from curator.app.label_setup.common import ErrorLabel
from curator.app.label_setup.field_list import KIND_NAMES
from curator.app.label_setup.option_table import VALUE, OptionTable
from curator.app.widgets import muted
from curator.core.labeling.schema import KINDS, MAX_SCALE, LabelField, Option

KIND_HINTS = {
    "single": "The annotator picks exactly one option.",
    "multi": "The annotator picks any number of options.",
    "rating": "The annotator picks a whole number from 1 to the scale.",
    "text": "The annotator writes a comment. Text fields are optional: a record counts "
            "as labelled without one.",
    "pairwise": "For preference records: the annotator sees the two answers as Answer 1 "
                "and Answer 2, in an order drawn for each annotator and record, and picks "
                "1 is better, 2 is better or Tie (keys 1, 2, 3). Other records skip it.",
}
CHOICE_KINDS = ("single", "multi")


class FieldForm(QWidget):
    """Shows the stored :attr:`field`, or one not added yet (:attr:`new`), for editing.

    The form reads and fills its widgets and adds or removes unsaved options; the editor
    holding it writes, through the Save, Revert, Archive field and Archive option buttons.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field: LabelField | None = None  # the stored field the form shows
        self.new = False  # the form is a field not added yet
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 0, 0, 0)
        layout.addLayout(self._title())
        layout.addLayout(self._rows())
        layout.addWidget(self._options_box(), 1)
        self.spacer = QWidget()
        layout.addWidget(self.spacer, 1)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        layout.addLayout(self._actions())

        self.name_edit.textEdited.connect(self.on_edit)
        self.description_edit.textEdited.connect(self.on_edit)
        self.kind_combo.currentIndexChanged.connect(self.on_edit)
        self.scale_spin.valueChanged.connect(self.on_edit)
        self.options.itemChanged.connect(self.on_edit)
        self.options.itemSelectionChanged.connect(self.update_buttons)

    # -- building ------------------------------------------------------------------

    def _title(self) -> QHBoxLayout:
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.usage = muted(wrap=False)
        title = QHBoxLayout()
        title.addWidget(self.heading)
        title.addStretch(1)
        title.addWidget(self.usage)
        return title

    def _rows(self) -> QFormLayout:
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

        rows = QFormLayout()
        rows.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        rows.addRow("Name:", self.name_edit)
        kind_box = QWidget()
        kind_layout = QVBoxLayout(kind_box)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        kind_layout.setSpacing(3)
        kind_layout.addWidget(self.kind_combo)
        kind_layout.addWidget(self.kind_hint)
        rows.addRow("Kind:", kind_box)
        rows.addRow("Description:", self.description_edit)
        rows.addRow("Scale:", self.scale_widget)
        self.rows = rows
        return rows

    def _options_box(self) -> QGroupBox:
        self.options_box = QGroupBox("Options")
        self.options = OptionTable()
        self.add_option_button = QPushButton("Add option")
        self.archive_option_button = QPushButton("Archive option")
        self.remove_option_button = QPushButton("Remove option")
        self.add_option_button.clicked.connect(self.add_option)
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
        return self.options_box

    def _actions(self) -> QHBoxLayout:
        self.state = muted(wrap=False)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.revert_button = QPushButton("Revert")
        self.archive_field_button = QPushButton("Archive field")
        self.archive_field_button.setToolTip("An archived field leaves the labelling panel; "
                                             "its labels stay.")
        actions = QHBoxLayout()
        actions.addWidget(self.archive_field_button)
        actions.addStretch(1)
        actions.addWidget(self.state)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.save_button)
        return actions

    # -- filling and reading -------------------------------------------------------

    def fill(self, fld: LabelField | None, labels: int = 0) -> None:
        """Show ``fld`` (None: an empty new field), which has ``labels`` labels."""
        self._loading = True
        try:
            self.name_edit.setText(fld.name if fld else "")
            kind = fld.kind if fld else "single"
            self.kind_combo.setCurrentIndex(KINDS.index(kind))
            self.description_edit.setText(fld.description if fld else "")
            self.scale_spin.setValue(fld.scale if fld and fld.scale else 5)
            self.options.setRowCount(0)
            for option in (fld.options if fld else ()):
                self.options.add_row(option, saved=True)
            self.kind_combo.setEnabled(labels == 0)
            self.kind_combo.setToolTip(
                "" if labels == 0 else "This field has labels, so its kind cannot change. "
                                       "Add a new field instead.")
            if fld is None:
                self.heading.setText("New field")
                self.usage.setText("")
            else:
                self.heading.setText(fld.name + ("  (archived)" if fld.archived else ""))
                self.usage.setText(f"{labels:,} label{'s' if labels != 1 else ''}")
        finally:
            self._loading = False
        self.refresh()

    def kind(self) -> str:
        """The kind chosen in the form."""
        return str(self.kind_combo.currentData())

    def as_field(self) -> LabelField:
        """The form as a field (for the dirty check, the keys preview and saving)."""
        kind = self.kind()
        base = self.field or LabelField(id=0, name="", kind=kind)
        options = tuple(self.options.to_options()) if kind in CHOICE_KINDS else ()
        return replace(base, name=self.name_edit.text().strip(), kind=kind,
                       description=self.description_edit.text().strip(), options=options,
                       scale=self.scale_spin.value() if kind == "rating" else None)

    def is_dirty(self) -> bool:
        """Whether the form holds changes not saved yet."""
        form = self.as_field()
        if self.new or self.field is None:
            return self.new and bool(form.name or form.options or form.description)
        stored = replace(self.field, description=self.field.description.strip())
        return form != stored

    # -- following edits -----------------------------------------------------------

    def on_edit(self, *_: Any) -> None:
        """The user changed something: drop the last error and update the form."""
        if self._loading:
            return
        self.error.clear_error()
        self.refresh()

    def refresh(self) -> None:
        """Show what fits the kind chosen, the keys, and whether there is anything to save."""
        kind = self.kind()
        choice = kind in CHOICE_KINDS
        hint = KIND_HINTS[kind]
        if not self.kind_combo.isEnabled():
            hint += " The kind is fixed now that the field has labels."
        self.kind_hint.setText(hint)
        self.options_box.setVisible(choice)
        self.spacer.setVisible(not choice)
        self.scale_widget.setVisible(kind == "rating")
        self.rows.labelForField(self.scale_widget).setVisible(kind == "rating")
        if choice:
            self.keys_hint.setText(self._keys_text())
        dirty = self.is_dirty()
        self.save_button.setText("Add field" if self.new else "Save")
        self.save_button.setEnabled(dirty or self.new)
        self.revert_button.setEnabled(dirty)
        self.state.setText("Unsaved changes" if dirty and not self.new else "")
        self.update_buttons()

    def _keys_text(self) -> str:
        try:
            keys = self.as_field().keys()
        except Exception:  # noqa: BLE001 - a half-typed form only loses the hint
            keys = {}
        if not keys:
            return ("Add the options annotators choose from. A key (one letter or digit) "
                    "is optional.")
        shown = "   ".join(f"{k} {v}" for k, v in keys.items())
        return (f"Keys in the panel:  {shown}.  Options without a key take the free digits "
                "1–9 in order.")

    def update_buttons(self) -> None:
        """Enable the field and option buttons that apply to what is shown and selected."""
        stored = self.field is not None and not self.new
        self.archive_field_button.setVisible(stored)
        if stored and self.field is not None:
            self.archive_field_button.setText(
                "Restore field" if self.field.archived else "Archive field")
        row = self.options.selected_row()
        saved = archived = False
        if row >= 0:
            saved, archived = self.options.row_state(row)
        self.archive_option_button.setEnabled(row >= 0 and saved)
        self.archive_option_button.setText("Restore option" if archived else "Archive option")
        self.remove_option_button.setEnabled(row >= 0 and not saved)

    # -- unsaved options -----------------------------------------------------------

    def add_option(self, value: str = "", key: str = "", description: str = "") -> int:
        """Add an option row to the form (saved with the field); returns its row."""
        self._loading = True
        try:
            row = self.options.add_row(Option(value or "", description or "", key or None),
                                       saved=False)
        finally:
            self._loading = False
        self.options.setCurrentCell(row, VALUE)
        if not value:
            self.options.editItem(self.options.cell(row, VALUE))
        self.on_edit()
        return row

    def remove_option(self) -> None:
        """Remove the selected option if it is not saved yet (saved ones are archived)."""
        row = self.options.currentRow()
        if row < 0 or self.options.row_state(row)[0]:
            return
        self.options.removeRow(row)
        self.on_edit()

    def show_option_archived(self, row: int, archived: bool) -> None:
        """Show the saved option in ``row`` as archived (or not), as stored now."""
        self._loading = True
        try:
            self.options.set_archived(row, archived)
        finally:
            self._loading = False
