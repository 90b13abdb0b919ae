"""Colours and painted shapes of the record view: fixed hues, palette tints, Pill and Card.

Colours come from the palette (with alpha tints) so the view reads well in light and dark
mode; only the semantic colours (severity, review state) are fixed hues.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QFrame, QLabel, QWidget

SEVERITY_COLORS = {"error": "#d64541", "warning": "#e0a106", "info": "#3b82c4"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
REVIEW_COLORS = {  # background, text
    "unreviewed": ("#8a8f98", "#ffffff"),
    "accepted": ("#2e8b57", "#ffffff"),
    "rejected": ("#c0392b", "#ffffff"),
    "needs-edit": ("#e0a106", "#1f1f1f"),
}
REVIEW_LABELS = {"unreviewed": "Unreviewed", "accepted": "Accepted", "rejected": "Rejected",
                 "needs-edit": "Needs edit"}
ROLE_LABELS = {"system": "System", "user": "User", "assistant": "Assistant", "tool": "Tool",
               "function": "Function", "developer": "Developer"}


def mono_font() -> QFont:
    """The system's fixed-width font."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way to ``b``."""
    return QColor(round(a.red() + (b.red() - a.red()) * t),
                  round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


def muted_color(palette: QPalette) -> QColor:
    """The palette's placeholder colour, or text faded towards the window if it has none."""
    text = palette.color(QPalette.ColorRole.WindowText)
    muted = palette.color(QPalette.ColorRole.PlaceholderText)
    if not muted.isValid() or muted == text:
        muted = blend(text, palette.color(QPalette.ColorRole.Window), 0.45)
    return muted


def tint(color: QColor | str, alpha: float) -> QColor:
    """``color`` with opacity ``alpha`` (0..1)."""
    tinted = QColor(color)
    tinted.setAlphaF(alpha)
    return tinted


def set_role_color(widget: QWidget, role: QPalette.ColorRole, color: QColor) -> None:
    """Give ``widget`` its own ``color`` for one palette role."""
    palette = widget.palette()
    palette.setColor(role, color)
    widget.setPalette(palette)
    if role == QPalette.ColorRole.WindowText:  # else a Base background implies Text
        widget.setForegroundRole(role)


class Pill(QLabel):
    """A label on a rounded, coloured background (review badge, finding count)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.fill = QColor(0, 0, 0, 0)
        self.setContentsMargins(9, 1, 9, 1)
        font = self.font()
        font.setBold(True)
        self.setFont(font)

    def set_colors(self, fill: QColor, text: QColor | None = None) -> None:
        """Paint the pill in ``fill`` (and its text in ``text``, if given)."""
        self.fill = fill
        if text is not None:
            set_role_color(self, QPalette.ColorRole.WindowText, text)
        self.update()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.fill)
        rect = QRectF(self.rect())
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        painter.end()
        super().paintEvent(event)


class Card(QFrame):
    """A rounded box painted from the palette: fill, border, optional accent bar on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fill: QColor | None = None
        self.border: QColor | None = None
        self.bar: QColor | None = None
        self.outline: QColor | None = None  # a thicker border (selection, focus)
        self.radius = 8.0

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        path = QPainterPath()
        path.addRoundedRect(rect, self.radius, self.radius)
        if self.fill is not None:
            painter.fillPath(path, self.fill)
        if self.bar is not None:
            painter.save()
            painter.setClipPath(path)
            painter.fillRect(QRectF(rect.left(), rect.top(), 4, rect.height()), self.bar)
            painter.restore()
        line = self.outline or self.border
        if line is not None:
            painter.setPen(QPen(line, 2 if self.outline is not None else 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        painter.end()
