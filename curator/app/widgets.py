"""Small widget helpers the window's views share (one version of each)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QTabWidget,
    QWidget,
)

#: How narrow a combo box may get (in characters) before it cuts its text.
COMBO_CHARS = 8


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` is a dark theme (its window colour is dark)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def muted(text: str = "", wrap: bool = True, bold: bool = False) -> QLabel:
    """A label in the palette's placeholder (muted) colour; follows palette changes."""
    label = QLabel(text)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    label.setWordWrap(wrap)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


def placeholder(text: str) -> QLabel:
    """A centred, wrapped note standing in for a view that needs an open project."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label


def combo(name: str, items: list[tuple[str, Any]], chars: int = COMBO_CHARS) -> QComboBox:
    """A combo box named for screen readers, holding ``(label, value)`` items.

    It does not grow with its longest item (a long file name would widen the window):
    it is at least ``chars`` characters wide, takes what room its layout gives, and
    its list opens as wide as the items.
    """
    box = QComboBox()
    box.setAccessibleName(name)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(chars)
    box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    for label, value in items:
        box.addItem(label, value)
    _fit_popup(box)
    return box


def _fit_popup(box: QComboBox) -> None:
    """Open the list wide enough for its longest item (capped by the screen)."""
    view = box.view()
    widest = view.sizeHintForColumn(0) if box.count() else 0
    screen = box.screen() or QGuiApplication.primaryScreen()
    cap = screen.availableGeometry().width() // 2 if screen is not None else 600
    view.setMinimumWidth(min(widest + 24, cap))


class ElidedLabel(QLabel):
    """One line of plain text, cut with "…" where it does not fit; the whole text as
    tooltip when it is cut. ``text()`` is the whole text.

    Its minimum width is small, so a long text never widens the window.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
                 minimum: int = 40) -> None:
        super().__init__(text, parent)
        self._mode = mode
        self._minimum = minimum
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._minimum, super().minimumSizeHint().height())

    def elided(self) -> bool:
        """Whether the text is cut at the label's present width."""
        return self.shown_text() != self.text()

    def shown_text(self) -> str:
        """The text as drawn (cut to the width)."""
        return self.fontMetrics().elidedText(self.text(), self._mode,
                                             max(self.contentsRect().width(), 1))

    def paintEvent(self, _event: Any) -> None:
        shown = self.shown_text()
        self.setToolTip(self.text() if shown != self.text() else "")
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()),
                                  self.palette(), self.isEnabled(), shown,
                                  self.foregroundRole())


class ElidedButton(QPushButton):
    """A push button whose text is cut with "…" when it is narrower than its text.

    ``text()`` stays the whole text (and the tooltip says it), so a narrow panel can
    hold long option names without growing.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None,
                 minimum: int = 48) -> None:
        super().__init__(text, parent)
        self._minimum = minimum

    def minimumSizeHint(self) -> QSize:
        return QSize(self._minimum, super().minimumSizeHint().height())

    def paintEvent(self, _event: Any) -> None:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        room = self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents,
                                           option, self).width() - 8
        option.text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                                    max(room, 1))
        painter = QStylePainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)


def refill(box: QComboBox, items: list[tuple[str, Any]]) -> None:
    """Replace a combo box's items, keeping the chosen value if it is still there."""
    current = box.currentData()
    box.blockSignals(True)
    box.clear()
    for label, value in items:
        box.addItem(label, value)
    box.setCurrentIndex(max(0, box.findData(current)))
    box.blockSignals(False)
    _fit_popup(box)


def replace_tab(tabs: QTabWidget, old: QWidget, new: QWidget, title: str) -> None:
    """Put ``new`` where ``old`` was (same place, same current tab, no signals)."""
    index = tabs.indexOf(old)
    current = tabs.currentIndex()
    tabs.blockSignals(True)
    tabs.removeTab(index)
    tabs.insertTab(index, new, title)
    tabs.setCurrentIndex(current)
    tabs.blockSignals(False)
    old.deleteLater()


def ask(parent: QWidget | None, title: str, text: str, accept: str,
        informative: str = "") -> bool:
    """Ask a yes/no question whose yes button says what it does (``accept``) and whose
    no button is Cancel (also Escape); True when the user chose ``accept``."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setAccessibleName(title)
    if informative:
        box.setInformativeText(informative)
    yes = box.addButton(accept, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(yes)
    box.exec()
    return box.clickedButton() is yes


def fit_to_screen(widget: QWidget, width: int, height: int, margin: int = 40) -> None:
    """Resize ``widget`` to ``width`` x ``height``, or to what its screen has room for
    (less ``margin`` for the window frame and panels), whichever is smaller."""
    parent = widget.parentWidget()
    screen = (parent or widget).screen() or QGuiApplication.primaryScreen()
    if screen is None:
        widget.resize(width, height)
        return
    room = screen.availableGeometry()
    widget.resize(min(width, room.width() - margin), min(height, room.height() - margin))


class ItemsTableModel(QAbstractTableModel):
    """A table of ``items`` (one dict a row) under ``HEADERS``; subclasses give ``data``."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, Any]] = []

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None
