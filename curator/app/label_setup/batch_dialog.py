"""Labels → Annotators and batches: the dialog holding the people, the form and the list."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QVBoxLayout, QWidget

from curator.app.label_setup.annotators import AnnotatorsBox
from curator.app.label_setup.batch_form import BatchForm
from curator.app.label_setup.batch_list import BatchList
from curator.app.label_setup.common import Writer
from curator.app.operations import Submit, run_at_once
from curator.app.widgets import fit_to_screen
from curator.core.labeling import assignment
from curator.core.labeling.assignment import Batch
from curator.core.store import Store


class BatchDialog(QDialog):
    """Add annotators and create batches that assign records to them."""

    #: Emitted after every change written to the project.
    changed = Signal()

    def __init__(self, store: Store, actor: str, parent: QWidget | None = None,
                 submit: Submit | None = None) -> None:
        """``store`` is read here; ``submit`` writes (default: at once on ``store``)."""
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.submit = submit or run_at_once(store)
        self.setWindowTitle("Annotators and batches")
        fit_to_screen(self, 980, 660)

        write = Writer(self.submit, self)
        self.annotators = AnnotatorsBox(store, self.actor, write)
        self.form = BatchForm(store, self.actor, write)
        self.batches = BatchList(store)
        self.annotators.added.connect(self._on_added)
        self.form.created.connect(self._on_created)
        top = QHBoxLayout()
        top.addWidget(self.annotators, 2)
        top.addWidget(self.form, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 3)
        layout.addWidget(self.batches, 2)
        layout.addWidget(buttons)
        self._name_parts()
        self.reload()

    def _name_parts(self) -> None:
        """Give the dialog the names of the parts the tests drive."""
        people, form = self.annotators, self.form
        self.people, self.people_empty = people.people, people.people_empty
        self.person_name, self.person_role = people.person_name, people.person_role
        self.add_person_button, self.person_error = people.add_person_button, people.person_error
        self.batch_name, self.source = form.batch_name, form.source
        self.sample_size, self.seed = form.sample_size, form.seed
        self.overlap, self.pilot, self.blind = form.overlap, form.pilot, form.blind
        self.preview, self.batch_error = form.preview, form.batch_error
        self.create_button = form.create_button
        self.checked_annotators, self.record_ids = form.checked_annotators, form.record_ids
        self.batch_tree, self.batches_empty = self.batches.batch_tree, self.batches.batches_empty

    def suggest_person(self, name: str, role: str) -> None:
        """Fill the form with ``name`` and ``role`` (the user still presses the button)."""
        self.annotators.suggest(name, role)

    def reload(self) -> None:
        """Read annotators, batches and progress from the project again."""
        people = assignment.annotators(self.store)
        self.annotators.fill(people)
        self.batches.fill()
        self.form.fill(people)

    def _on_added(self, name: str, role: str) -> None:
        self.reload()
        if role == "annotator":  # a new annotator is in the next batch
            self.form.check(name)
        self.changed.emit()

    def _on_created(self, batch: Batch) -> None:
        self.reload()
        self.form.show_created(batch)
        self.changed.emit()
