"""The new-batch form: which records, who, overlap, pilot, blind, and the work it makes."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from curator.app.label_setup.common import ErrorLabel, Writer
from curator.app.widgets import muted
from curator.core.errors import CuratorError
from curator.core.labeling import assignment
from curator.core.labeling.assignment import Annotator, Batch
from curator.core.store import Store
from curator.core.store.browse import RecordFilter, query_ids

#: Which records a batch takes: (key, label).
SOURCES = (("all", "All valid records"), ("unreviewed", "Only unreviewed records"),
           ("accepted", "Only accepted records"), ("random", "A random sample of"))


class BatchForm(QGroupBox):
    """Create a batch, with a preview of the assignments it would make."""

    #: Emitted with the :class:`Batch` just created.
    created = Signal(object)

    def __init__(self, store: Store, actor: str, write: Writer) -> None:
        """``store`` is read here, ``write`` writes."""
        super().__init__("New batch")
        self.store = store
        self.actor = actor
        self.write = write
        self._ids_cache: dict[tuple[str, int, int], list[int]] = {}
        self.batch_error = ErrorLabel()
        self.batch_name = QLineEdit()
        self.batch_name.setPlaceholderText("e.g. round-1")
        self.batch_name.textEdited.connect(lambda _: self.batch_error.clear_error())
        records = self._records_row()
        members = self._members()
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
        self.create_button = QPushButton("Create batch")
        self.create_button.clicked.connect(self.create_batch)

        for signal in (self.source.currentIndexChanged, self.sample_size.valueChanged,
                       self.seed.valueChanged, self.overlap.valueChanged,
                       self.pilot.toggled, self.members.itemChanged):
            signal.connect(self._update_preview)

        outer = QVBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Name:", self.batch_name)
        form.addRow("Records:", records)
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

    def _records_row(self) -> QWidget:
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
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.source, 1)
        row.addWidget(self.sample_size)
        row.addWidget(self.seed)
        records = QWidget()
        records.setLayout(row)
        return records

    def _members(self) -> QWidget:
        self.members = QListWidget()
        self.members.setMinimumHeight(90)
        self.members_empty = muted("Add annotators on the left first.")
        members = QWidget()
        layout = QVBoxLayout(members)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.members)
        layout.addWidget(self.members_empty)
        return members

    # -- filling -------------------------------------------------------------------

    def fill(self, people: Sequence[Annotator]) -> None:
        """Offer ``people`` (keeping who is checked) and re-read the valid records."""
        self._ids_cache.clear()
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
        self._update_preview()

    def checked_annotators(self) -> list[str]:
        """The names checked for the batch, in list order."""
        return [str(self.members.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.members.count())
                if self.members.item(i).checkState() == Qt.CheckState.Checked]

    def check(self, name: str) -> None:
        """Check ``name`` for the batch."""
        for i in range(self.members.count()):
            item = self.members.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Checked)

    # -- records and preview -------------------------------------------------------

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

    # -- creating ------------------------------------------------------------------

    def create_batch(self) -> bool:
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
        self.created.emit(batch)
        return True

    def show_created(self, batch: Batch) -> None:
        """Say that ``batch`` was created, above the preview of the next one."""
        self.batch_error.clear_error()
        self.preview.setText(f'Created "{batch.name}": {batch.records:,} records. '
                             + self.preview_text())
