"""The record header: the record's key, its review state as a badge, where it came from."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from curator.app.chat_style import REVIEW_COLORS, REVIEW_LABELS, Pill
from curator.app.widgets import muted


def record_meta(detail: dict[str, Any]) -> str:
    """Source, line and item, format, tokens and revision of a record, as one line."""
    parts = []
    if detail.get("source"):
        where = str(detail["source"])
        if detail.get("line") is not None:
            where += f", line {detail['line']}"
        if detail.get("item") is not None:
            where += f", item {detail['item']}"
        parts.append(where)
    if detail.get("format"):
        parts.append(str(detail["format"]))
    if detail.get("tokens") is not None:
        parts.append(f"{detail['tokens']:,} tokens")
    if (detail.get("revision") or 0) > 0:
        parts.append(f"revision {detail['revision']}")
    return "  ·  ".join(parts)


class RecordHeader(QFrame):
    """A line over the record: key (bold), review badge, and details on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setObjectName("recordHeader")
        self.setAccessibleName("Record header")
        head = QHBoxLayout(self)
        head.setContentsMargins(12, 8, 12, 8)
        head.setSpacing(10)
        self.key_label = QLabel()
        font = self.key_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.key_label.setFont(font)
        self.key_label.setObjectName("recordKey")
        self.key_label.setAccessibleName("Record key")
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.review_badge = Pill()
        self.review_badge.setObjectName("reviewBadge")
        self.review_badge.setAccessibleName("Review state")
        self.meta_label = muted(wrap=False)
        self.meta_label.setObjectName("recordMeta")
        self.meta_label.setAccessibleName("Record details")
        self.meta_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head.addWidget(self.key_label)
        head.addWidget(self.review_badge)
        head.addStretch(1)
        head.addWidget(self.meta_label)

    def show_record(self, detail: dict[str, Any]) -> None:
        """Show the header of ``detail`` (a ``record_detail`` dict)."""
        self.show()
        key = detail.get("key")
        self.key_label.setText(str(key) if key not in (None, "") else f"Record {detail.get('id')}")
        review = detail.get("review") or "unreviewed"
        self.review_badge.setText(REVIEW_LABELS.get(review, review))
        self.review_badge.setProperty("review", review)
        self.review_badge.setAccessibleDescription(f"Review state: {review}")
        fill, ink = REVIEW_COLORS.get(review, REVIEW_COLORS["unreviewed"])
        self.review_badge.set_colors(QColor(fill), QColor(ink))
        self.meta_label.setText(record_meta(detail))
