"""Small widget helpers the window's views share (one version of each)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QTabWidget, QWidget


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


def combo(name: str, items: list[tuple[str, Any]]) -> QComboBox:
    """A combo box named for screen readers, holding ``(label, value)`` items."""
    box = QComboBox()
    box.setAccessibleName(name)
    for label, value in items:
        box.addItem(label, value)
    return box


def refill(box: QComboBox, items: list[tuple[str, Any]]) -> None:
    """Replace a combo box's items, keeping the chosen value if it is still there."""
    current = box.currentData()
    box.blockSignals(True)
    box.clear()
    for label, value in items:
        box.addItem(label, value)
    box.setCurrentIndex(max(0, box.findData(current)))
    box.blockSignals(False)


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
