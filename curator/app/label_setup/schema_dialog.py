"""Labels → Fields and guidelines: the dialog holding the two editors."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from curator.app.label_setup.common import Writer
from curator.app.label_setup.fields_editor import FieldsEditor
from curator.app.label_setup.guidelines_editor import GuidelinesEditor
from curator.app.operations import Submit, run_at_once
from curator.app.widgets import fit_to_screen
from curator.core.store import Store


class SchemaDialog(QDialog):
    """Edit the label schema (fields, options, keys, scales) and the guidelines."""

    #: Emitted after every change written to the project.
    changed = Signal()

    def __init__(self, store: Store, actor: str, parent: QWidget | None = None,
                 submit: Submit | None = None) -> None:
        """``store`` is read here; ``submit`` writes (default: at once on ``store``)."""
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.submit = submit or run_at_once(store)
        self.setWindowTitle("Fields and guidelines")
        fit_to_screen(self, 940, 620)

        write = Writer(self.submit, self)
        self.fields = FieldsEditor(store, self.actor, write,
                                   ask=lambda what: self.ask_unsaved(what))
        self.guidelines = GuidelinesEditor(store, self.actor, write)
        self.fields.changed.connect(self.changed)
        self.guidelines.changed.connect(self.changed)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.fields, "Fields")
        self.tabs.addTab(self.guidelines, "Guidelines")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self._name_parts()

    def _name_parts(self) -> None:
        """Give the dialog the names of the parts the window and the tests drive."""
        fields, form, guide = self.fields, self.fields.form, self.guidelines
        self.list, self.pages, self.empty_label = fields.list, fields.pages, fields.empty_label
        self.show_archived, self.new_button = fields.show_archived, fields.new_button
        self.reload, self.show_field, self.start_new = (
            fields.reload, fields.show_field, fields.start_new)
        self.is_dirty, self.save = fields.is_dirty, fields.save
        self.name_edit, self.kind_combo = form.name_edit, form.kind_combo
        self.description_edit = form.description_edit
        self.scale_spin, self.scale_widget = form.scale_spin, form.scale_widget
        self.options_box, self.options, self.keys_hint = (
            form.options_box, form.options, form.keys_hint)
        self.add_option_button = form.add_option_button
        self.archive_option_button = form.archive_option_button
        self.remove_option_button = form.remove_option_button
        self.archive_field_button = form.archive_field_button
        self.save_button, self.state, self.error = form.save_button, form.state, form.error
        self.guide_edit, self.preview = guide.edit, guide.preview
        self.guide_save, self.guide_state = guide.save_button, guide.state

    def ask_unsaved(self, what: str) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel for unsaved changes (a method, so tests can answer)."""
        return QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {what}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)

    def done(self, result: int) -> None:
        """Close, unless unsaved work is to be kept (asked about the field, then guidelines)."""
        if not self.fields.confirm_leave():
            return
        if self.guidelines.is_dirty():
            answer = self.ask_unsaved("the guidelines")
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Save and not self.guidelines.save():
                return
        super().done(result)
