"""The Fields tab: the list of label fields beside the form of the one selected."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from curator.app.label_setup.common import Writer
from curator.app.label_setup.field_form import CHOICE_KINDS, FieldForm
from curator.app.label_setup.field_list import FieldList
from curator.app.widgets import muted
from curator.core import operations
from curator.core.errors import CuratorError
from curator.core.labeling import schema
from curator.core.labeling.schema import LabelField
from curator.core.store import Store

#: Asks Save, Discard or Cancel for unsaved changes to ``what``.
Ask = Callable[[str], QMessageBox.StandardButton]
#: The stacked pages: the start page of an empty schema, and the form.
EMPTY, FORM = range(2)


class FieldsEditor(QWidget):
    """Add, edit, order and archive label fields; every change is written at once."""

    #: Emitted after every change written to the project.
    changed = Signal()

    def __init__(self, store: Store, actor: str, write: Writer, ask: Ask,
                 parent: QWidget | None = None) -> None:
        """``store`` is read here, ``write`` writes; ``ask`` settles unsaved changes."""
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.write = write
        self.ask = ask
        self._loading = False
        self.form = FieldForm()
        self.form.save_button.clicked.connect(self.save)
        self.form.revert_button.clicked.connect(self.revert)
        self.form.archive_field_button.clicked.connect(self.toggle_field)
        self.form.archive_option_button.clicked.connect(self.toggle_option)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._empty_page())
        self.pages.addWidget(self.form)

        split = QSplitter()
        split.addWidget(self._list_panel())
        split.addWidget(self.pages)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([230, 690])
        split.setChildrenCollapsible(False)
        QVBoxLayout(self).addWidget(split)

        self.reload()
        if self.list.count():
            self.list.setCurrentRow(0)

    # -- building ------------------------------------------------------------------

    def _list_panel(self) -> QWidget:
        self.list = FieldList()
        self.list.currentItemChanged.connect(self._on_select)
        self.show_archived = QCheckBox("Show archived fields")
        self.show_archived.toggled.connect(lambda _: self.reload())
        self.new_button = QPushButton("New field")
        self.new_button.clicked.connect(self.start_new)
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.up_button.clicked.connect(lambda: self.move_field(-1))
        self.down_button.clicked.connect(lambda: self.move_field(1))
        moves = QHBoxLayout()
        moves.addWidget(self.up_button)
        moves.addWidget(self.down_button)
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.show_archived)
        layout.addLayout(moves)
        layout.addWidget(self.new_button)
        return panel

    def _empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
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
        layout.addWidget(self.empty_label)
        # Centred by stretches, not by an alignment flag: an aligned item gets its
        # size hint, and a wrapped label's hint is too short for its lines.
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(hint, 4)
        centred.addStretch(1)
        layout.addLayout(centred)
        self.empty_hint = hint
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(start)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        return page

    # -- the field list ------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Fill the list from the project, keeping (or moving to) a selection."""
        form = self.form
        if select is None and form.field is not None and not form.new:
            select = form.field.name
        self._loading = True
        try:
            self.list.fill(schema.fields(self.store, include_archived=True),
                           self.show_archived.isChecked(), select)
        finally:
            self._loading = False
        if self.list.count() == 0 and not form.new:
            form.field = None
            self.pages.setCurrentIndex(EMPTY)
        self._update_buttons()

    def _on_select(self, current: QListWidgetItem | None,
                   previous: QListWidgetItem | None) -> None:
        if self._loading or current is None:
            return
        if not self.confirm_leave():
            self._loading = True
            self.list.setCurrentItem(previous)  # type: ignore[arg-type]  # Qt takes None
            self._loading = False
            return
        self.show_field(FieldList.name(current))

    def show_field(self, name: str) -> None:
        """Show the stored field ``name`` in the form."""
        self.form.new = False
        self.form.field = schema.get_field(self.store, name)
        self._fill(self.form.field)
        self.form.error.clear_error()

    def start_new(self) -> None:
        """Clear the form for a new field (added by Save)."""
        if not self.confirm_leave():
            return
        self.form.new = True
        self.form.field = None
        self._loading = True
        self.list.clearSelection()
        self.list.setCurrentItem(None)  # type: ignore[call-overload]  # Qt takes None
        self._loading = False
        self._fill(None)
        self.form.error.clear_error()
        self.form.name_edit.setFocus()

    def move_field(self, step: int) -> None:
        """Move the selected field up or down the schema (the order of the panel)."""
        fld = self.form.field
        if fld is None or self.form.new:
            return
        order = [f.name for f in schema.fields(self.store, include_archived=True)]
        index = order.index(fld.name)
        if not 0 <= index + step < len(order):
            return
        name, actor = fld.name, self.actor
        try:
            self.write("Moving the field",
                       lambda s: operations.move_field(s, name, step, actor))
        except CuratorError as exc:
            self.form.error.show_error(str(exc))
            return
        self.form.field = schema.get_field(self.store, name)
        self.reload(name)
        self.changed.emit()

    def _fill(self, fld: LabelField | None) -> None:
        self.pages.setCurrentIndex(FORM)
        self.form.fill(fld, schema.label_count(self.store, fld.id) if fld else 0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.form.update_buttons()
        stored = self.form.field is not None and not self.form.new
        index = self.list.currentRow() if stored else -1
        self.up_button.setEnabled(index > 0)
        self.down_button.setEnabled(0 <= index < self.list.count() - 1)

    # -- writing -------------------------------------------------------------------

    def save(self) -> bool:
        """Add the new field or save the form's changes; False (and the reason) if not."""
        form = self.form.as_field()
        options = list(form.options) if form.kind in CHOICE_KINDS else None
        actor = self.actor
        try:
            if self.form.new:
                fld = self.write("Adding the field", lambda s: schema.add_field(
                    s, form.name, form.kind, options=options, scale=form.scale,
                    description=form.description, actor=actor))
            else:
                if self.form.field is None:
                    return False
                old = self.form.field.name
                fld = self.write("Saving the field", lambda s: schema.edit_field(
                    s, old, new_name=form.name, options=options, scale=form.scale,
                    description=form.description, kind=form.kind, actor=actor))
        except CuratorError as exc:
            self.form.error.show_error(str(exc))
            return False
        self.form.new = False
        self.form.field = fld
        self.reload(fld.name)
        self._fill(fld)
        self.form.error.clear_error()
        self.changed.emit()
        return True

    def revert(self) -> None:
        """Drop the form's changes."""
        if self.form.new:
            self._fill(None)
        elif self.form.field is not None:
            self.show_field(self.form.field.name)

    def toggle_field(self) -> None:
        """Archive (or restore) the field shown: it leaves the panel, its labels stay."""
        form = self.form
        if form.field is None or form.new:
            return
        name, archived, actor = form.field.name, not form.field.archived, self.actor
        try:
            form.field = self.write("Saving the field", lambda s: schema.archive_field(
                s, name, archived=archived, actor=actor))
        except CuratorError as exc:
            form.error.show_error(str(exc))
            return
        form.heading.setText(form.field.name + ("  (archived)" if form.field.archived
                                                else ""))
        self.reload(form.field.name)
        form.refresh()
        self.changed.emit()

    def toggle_option(self) -> None:
        """Archive (or restore) the selected saved option, at once.

        The option stays a valid value, so the labels that use it keep their meaning.
        Other unsaved edits in the form stay as they are.
        """
        form = self.form
        row = form.options.currentRow()
        if row < 0 or form.field is None or form.new:
            return
        saved, archived = form.options.row_state(row)
        if not saved:
            return
        archived = not archived
        name, value, actor = form.field.name, form.options.value(row), self.actor
        try:
            form.field = self.write("Saving the option", lambda s: schema.archive_option(
                s, name, value, archived=archived, actor=actor))
        except CuratorError as exc:
            form.error.show_error(str(exc))
            return
        form.show_option_archived(row, archived)
        self.list.refresh(form.field)
        form.on_edit()
        self.changed.emit()

    # -- leaving -------------------------------------------------------------------

    def is_dirty(self) -> bool:
        """Whether the form holds changes not saved yet."""
        return self.pages.currentIndex() == FORM and self.form.is_dirty()

    def confirm_leave(self) -> bool:
        """True when the form may show something else (saving or dropping its changes)."""
        if not self.is_dirty():
            return True
        fld = self.form.field
        what = "the new field" if self.form.new else f'the field "{fld.name}"' \
            if fld else "the field"
        answer = self.ask(what)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard
