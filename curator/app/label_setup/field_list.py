"""The list of label fields: each entry its name in bold over a muted summary."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from curator.core.labeling.schema import LabelField

KIND_NAMES = {"single": "Single choice", "multi": "Multiple choice",
              "rating": "Rating", "text": "Free text", "pairwise": "Pairwise (A or B)"}
#: Item data: the field's name, and whether it is archived (drawn muted).
NAME, ARCHIVED = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


def summary(fld: LabelField) -> str:
    """One line on what a field asks: its kind and its options or scale."""
    if fld.kind == "rating":
        return f"Rating 1–{fld.scale}"
    if fld.kind == "text":
        return "Free text"
    if fld.kind == "pairwise":
        return "Pairwise: which answer is better"
    count = len(fld.active_options)
    return f"{KIND_NAMES[fld.kind]}, {count} option{'s' if count != 1 else ''}"


class FieldDelegate(QStyledItemDelegate):
    """A field list entry: the name in bold, a muted summary line under it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        """Draw the item's background, then its two lines of text."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name, _, details = str(index.data(Qt.ItemDataRole.DisplayRole) or "").partition("\n")
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        archived = bool(index.data(ARCHIVED))
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
        painter.drawText(rect.left(), y, small.elidedText(details, Qt.TextElideMode.ElideRight,
                                                          rect.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        """Room for two lines."""
        line = QFontMetrics(option.font).height()
        return QSize(180, 2 * line + 16)


class FieldList(QListWidget):
    """The label fields in schema order; archived ones only when asked (or selected)."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumWidth(200)
        self.setItemDelegate(FieldDelegate(self))

    def fill(self, fields: Iterable[LabelField], show_archived: bool,
             select: str | None) -> None:
        """List ``fields`` again, making ``select`` (shown even if archived) current."""
        self.clear()
        for fld in fields:
            if fld.archived and not show_archived and fld.name != select:
                continue
            item = QListWidgetItem()
            item.setData(NAME, fld.name)
            item.setToolTip(fld.description or fld.name)
            self._describe(item, fld)
            self.addItem(item)
            if fld.name == select:
                self.setCurrentItem(item)

    def refresh(self, fld: LabelField) -> None:
        """Update the entry of ``fld`` (after a change that keeps it in the list)."""
        for row in range(self.count()):
            item = self.item(row)
            if item.data(NAME) == fld.name:
                self._describe(item, fld)

    @staticmethod
    def name(item: QListWidgetItem) -> str:
        """The name of the field an entry shows."""
        return str(item.data(NAME))

    @staticmethod
    def _describe(item: QListWidgetItem, fld: LabelField) -> None:
        item.setData(ARCHIVED, fld.archived)
        suffix = " (archived)" if fld.archived else ""
        item.setText(f"{fld.name}{suffix}\n{summary(fld)}")
