"""The existing batches, each with everyone's share of it and their progress."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHeaderView,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from curator.app.widgets import muted
from curator.core.labeling import assignment
from curator.core.labeling.assignment import Batch
from curator.core.store import Store


class BatchList(QGroupBox):
    """The project's batches as a tree: a batch, then one row per annotator in it."""

    def __init__(self, store: Store) -> None:
        """``store`` is read here."""
        super().__init__("Batches")
        self.store = store
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
        self.batches_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.batches_empty.setSizePolicy(QSizePolicy.Policy.Preferred,
                                         QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.addWidget(self.batch_tree, 1)
        layout.addWidget(self.batches_empty, 1)

    def fill(self) -> None:
        """List the project's batches again."""
        self.batch_tree.clear()
        found = assignment.batches(self.store)
        for batch in found:
            top = self._item(batch)
            self.batch_tree.addTopLevelItem(top)
            top.setExpanded(True)  # once it is in the tree
        self.batch_tree.setVisible(bool(found))
        self.batches_empty.setVisible(not found)

    def _item(self, batch: Batch) -> QTreeWidgetItem:
        load: dict[str, int] = {}
        for names in assignment.batch_assignments(self.store, batch.name).values():
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
            top.addChild(QTreeWidgetItem([name, "", "", "", f"{load[name]:,} records",
                                          str(assignment.progress(self.store, name))]))
        return top
