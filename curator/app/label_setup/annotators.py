"""The annotators box: who labels or adjudicates, their progress, and adding people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from curator.app.label_setup.common import ErrorLabel, Writer
from curator.app.widgets import muted
from curator.core.errors import CuratorError
from curator.core.labeling import assignment
from curator.core.labeling.assignment import Annotator
from curator.core.store import Store

ROLE_NAMES = {"annotator": "Annotator", "adjudicator": "Adjudicator"}


class AnnotatorsBox(QGroupBox):
    """The project's annotators with their progress; a form adds one or sets a role."""

    #: Emitted after a person was added or given a role: (name, role).
    added = Signal(str, str)

    def __init__(self, store: Store, actor: str, write: Writer) -> None:
        """``store`` is read here, ``write`` writes."""
        super().__init__("Annotators")
        self.store = store
        self.actor = actor
        self.write = write
        self.people = QTreeWidget()
        self.people.setHeaderLabels(["Name", "Role", "Progress"])
        self.people.setRootIsDecorated(False)
        self.people.setUniformRowHeights(True)
        header = self.people.header()
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(70)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.people.currentItemChanged.connect(self._on_person)
        self.people_empty = muted("No annotators yet. Add the people who will label, "
                                  "then create a batch for them.")
        self.people_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.people_empty.setSizePolicy(QSizePolicy.Policy.Preferred,
                                        QSizePolicy.Policy.Expanding)
        self.person_error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.people, 1)
        layout.addWidget(self.people_empty, 1)
        layout.addLayout(self._form())
        layout.addWidget(muted("Adding an existing name changes their role."))
        layout.addWidget(self.person_error)

    def _form(self) -> QHBoxLayout:
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
        return row

    def fill(self, people: Sequence[Annotator]) -> None:
        """List ``people`` with their progress, keeping the current one."""
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
        self.people.setCurrentItem(None)  # type: ignore[call-overload]  # Qt takes None
        self.added.emit(name, role)
        return True

    def suggest(self, name: str, role: str) -> None:
        """Put ``name`` and ``role`` in the form, ready to add (or to set the role)."""
        self.people.setCurrentItem(None)  # type: ignore[call-overload]  # Qt takes None
        self.person_name.setText(name)
        self.person_role.setCurrentIndex(assignment.ROLES.index(role))
        self._reset_add(name)
        self.add_person_button.setDefault(True)
        self.add_person_button.setFocus()

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
