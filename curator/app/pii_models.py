"""Qt models of the personal-data queue: its groups, and where one group's spans are.

Thin adapters over ``core.store.findings.pii_groups`` and ``core.checks.pii_review.
occurrences``; the colours of types and tiers are here so the queue and the record view
agree.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from curator.app.widgets import ItemsTableModel

#: Highlight colours per PII type (the record view uses the same ones).
PII_COLORS: dict[str, str] = {
    "PERSON": "#e8a33d",
    "EMAIL_ADDRESS": "#3d8be8",
    "PHONE_NUMBER": "#2fa36b",
    "LOCATION": "#a35fd6",
    "ADDRESS": "#7b4fb0",       # a street address: a darker shade of the places
    "CREDIT_CARD": "#d64545",
    "IBAN_CODE": "#d64545",
    "US_SSN": "#d64545",
    "IP_ADDRESS": "#3aa0a0",
    "URL": "#6b7fd6",
    "DATE_TIME": "#8a8a8a",
    "NRP": "#c26fa0",
    "ORGANIZATION": "#8f7a4a",
}
OTHER_COLOR = "#b0703a"

#: The risk tiers (core/checks/pii_quality.tier), riskiest first: colour, what export
#: does with them by default, and what they are.
TIERS: dict[str, tuple[str, str, str]] = {
    "identifier": ("#d64545", "redacted on export",
                   "e-mail, phone, card, IBAN, ids, IP, street address, date of birth"),
    "contextual": ("#e8a33d", "redacted on export",
                   "a name or place in a personal context (next to an identifier, "
                   "“my name is”, a greeting, an address)"),
    "public": ("#8a8a8a", "kept unless you confirm it",
               "famous or fictional people, places in general text, organisations, "
               "web addresses nobody calls their own"),
}


def pii_color(code: str) -> QColor:
    return QColor(PII_COLORS.get(code, OTHER_COLOR))


def tier_color(tier: str | None) -> QColor:
    return QColor(TIERS[tier][0] if tier in TIERS else OTHER_COLOR)


def tier_tip(tier: str | None) -> str:
    """What a tier means, for a tooltip."""
    if tier not in TIERS:
        return "No tier (found by an older scan): scan again."
    _colour, export, what = TIERS[tier]
    return f"{tier.capitalize()}: {what}. {export.capitalize()}."


def status_text(status: dict[str, int]) -> str:
    """A group's spans by decision, e.g. "3 to review · 2 dismissed"."""
    names = (("to_review", "to review"), ("confirmed", "confirmed"),
             ("dismissed", "dismissed"), ("resolved", "redacted or resolved"))
    return " · ".join(f"{status[key]:,} {name}" for key, name in names if status.get(key))


class PiiGroupModel(ItemsTableModel):
    """The groups of the queue (one per distinct text and type) as rows."""

    HEADERS = ("Tier", "Type", "Text", "Spans", "Records", "Score", "Status")

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == Qt.ItemDataRole.DecorationRole:
            if column == 0:
                return tier_color(item.get("tier"))
            if column == 1:
                return pii_color(item["code"])
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = tier_tip(item.get("tier"))
            if len(item.get("tiers") or {}) > 1:
                tip += " Its spans: " + ", ".join(
                    f"{n:,} {t}" for t, n in item["tiers"].items()) + "."
            if item.get("note"):
                tip += f"\nSome of these texts: {item['note']}."
            return tip
        return None

    @staticmethod
    def _display(item: dict[str, Any], column: int) -> Any:
        if column == 0:
            return item.get("tier") or "—"
        if column == 1:
            return item["code"]
        if column == 2:
            text = " ".join(str(item.get("text") or "").split())
            return f"{text}  ⚠" if item.get("note") else text
        if column == 3:
            return f"{item['spans']:,}"
        if column == 4:
            return f"{item['records']:,}"
        if column == 5:
            score = item.get("score")
            return f"{score:.2f}" if isinstance(score, (int, float)) else ""
        if column == 6:
            return status_text(item.get("status") or {})
        return None


class OccurrenceModel(ItemsTableModel):
    """Where the spans of the chosen groups are: record, message, the span in context."""

    HEADERS = ("Record", "Where", "In context")

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return item["record"]
            if column == 1:
                message = item.get("message")
                where = f"message {message + 1}" if isinstance(message, int) else ""
                if item["status"] != "open":
                    where += f" ({item['status']})"
                elif item.get("confirmed"):
                    where += " (confirmed)"
                return where
            if column == 2:
                return item.get("snippet") or item.get("text")
        if role == Qt.ItemDataRole.UserRole and column == 2:
            return item
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = str(item.get("description") or "")
            tier = (item.get("detail") or {}).get("tier")
            if tier:
                tip += f"\n{tier_tip(tier)}"
            note = (item.get("detail") or {}).get("note")
            if note:
                tip += f"\n{note[0].upper()}{note[1:]}."
            return tip
        return None


class SnippetDelegate(QStyledItemDelegate):
    """Paints a span in its context with the span in bold on its type's colour."""

    def paint(self, painter: Any, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        item = index.data(Qt.ItemDataRole.UserRole)
        if not isinstance(item, dict):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        text, option.text = option.text, ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter,
                              option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        colour = _blend(pii_color(item["code"]), option.palette.color(QPalette.ColorRole.Base))
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(0)
        doc.setHtml(
            f"<span style='color:{option.palette.color(role).name()}; white-space:pre'>"
            f"{_html(item.get('before') or '')}<b style='background-color:"
            f"{colour.name()}; color:{option.palette.color(QPalette.ColorRole.Text).name()}'>"
            f"{_html(item.get('text') or '')}</b>"
            f"{_html(item.get('after') or '')}</span>" if item.get("snippet") else
            f"<b>{_html(text or '')}</b>")
        rect = option.rect.adjusted(4, 0, -4, 0)
        painter.save()
        painter.setClipRect(rect)
        painter.translate(rect.left(), rect.top() + (rect.height() - doc.size().height()) / 2)
        doc.drawContents(painter)
        painter.restore()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _blend(colour: QColor, base: QColor, share: float = 0.45) -> QColor:
    """``colour`` laid at ``share`` opacity over ``base`` (rich text has no alpha)."""
    return QColor(*(round(share * a + (1 - share) * b) for a, b in
                    ((colour.red(), base.red()), (colour.green(), base.green()),
                     (colour.blue(), base.blue()))))
