"""The record header: the record's key, its review state as a badge, where it came from."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from curator.app.chat_style import REVIEW_COLORS, REVIEW_LABELS, Pill
from curator.app.widgets import ElidedLabel, muted


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
    """Over the record: its key (bold) and review badge, the details on a line below.

    A long key is cut with "…" (the whole key in its tooltip) and the details wrap, so a
    long file name never widens the window.
    """

    #: "Find similar": the records nearest to this one (by input and by answer).
    similar_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setObjectName("recordHeader")
        self.setAccessibleName("Record header")
        self.key_label = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle, minimum=80)
        font = self.key_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.key_label.setFont(font)
        self.key_label.setObjectName("recordKey")
        self.key_label.setAccessibleName("Record key")
        self.review_badge = Pill()
        self.review_badge.setObjectName("reviewBadge")
        self.review_badge.setAccessibleName("Review state")
        self.meta_label = muted(wrap=True)
        self.meta_label.setObjectName("recordMeta")
        self.meta_label.setAccessibleName("Record details")
        self.meta_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.key_label, 0)
        top.addWidget(self.review_badge, 0)
        top.addStretch(1)
        self.similar_button = QToolButton(text="Find similar")
        self.similar_button.setAccessibleName("Find similar records")
        self.similar_button.setToolTip("The records nearest to this one by input and by "
                                       "answer, to label or fix them alike (Ctrl+Shift+S)")
        self.similar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.similar_button.clicked.connect(self.similar_requested)
        top.addWidget(self.similar_button, 0)
        head = QVBoxLayout(self)
        head.setContentsMargins(12, 8, 12, 8)
        head.setSpacing(2)
        head.addLayout(top)
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
