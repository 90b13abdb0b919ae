"""The findings of one record: a list by severity, and buttons to decide the chosen one."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from curator.app.widgets import muted

FINDING_ACTIONS = (
    ("dismiss", "Dismiss", "Not a problem here: close this finding (it stays closed when "
                           "the project is checked again)."),
    ("confirm", "Confirm", "Real personal data: keep it open so export redacts or "
                           "excludes it."),
    ("allow", "Allow everywhere", "Add this text to the allow-list: never flag it again."),
    ("redact", "Redact", "Replace the text by its type (e.g. <PERSON>) as a new revision."),
    ("reopen", "Reopen", "Open this finding again."),
)


#: Words in a finding's text that say which answer of a pair the file prefers.
SIDE_WORDS = re.compile(r"\b(chosen|rejected|(non[-_ ])?preferred(_output)?)\b", re.I)
#: What a finding that names a side says instead while labelling blind.
BLIND_NOTE = "(text hidden while labelling blind: it names the chosen or rejected answer)"


def shown_description(finding: dict[str, Any], blind: bool) -> str:
    """A finding's text as listed: while labelling blind, none that names a side."""
    text = str(finding.get("description") or "")
    return BLIND_NOTE if blind and SIDE_WORDS.search(text) else text


class FindingsPanel(QWidget):
    """A record's findings (``finding_chosen`` on a pick) and the action buttons."""

    #: (finding dict) when a finding is picked: current item changed, clicked or activated.
    finding_chosen = Signal(object)
    #: (action name) when an action button is clicked.
    action_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Labelling blind: findings that name the chosen or rejected answer say so less.
        self.blind = False
        fbox = QVBoxLayout(self)
        fbox.setContentsMargins(12, 4, 12, 8)
        fbox.setSpacing(4)
        self.title = muted("Findings", bold=True, wrap=False)
        self.title.setObjectName("findingsTitle")
        self.list = QListWidget()
        self.list.setObjectName("findingsList")
        self.list.setAccessibleName("Findings")
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setAlternatingRowColors(False)
        self.list.currentItemChanged.connect(lambda item, _prev: self._chosen(item))
        self.list.itemClicked.connect(self._chosen)
        self.list.itemActivated.connect(self._chosen)
        self.title.setBuddy(self.list)
        fbox.addWidget(self.title)
        fbox.addWidget(self.list, 1)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.buttons: dict[str, QPushButton] = {}
        for name, label, tip in FINDING_ACTIONS:
            button = QPushButton(label)
            button.setToolTip(tip)
            button.setAccessibleName(f"{label} finding")
            button.clicked.connect(lambda _=False, n=name: self._action(n))
            actions.addWidget(button)
            self.buttons[name] = button
        actions.addStretch(1)
        fbox.addLayout(actions)
        self.list.currentItemChanged.connect(lambda *_: self.update_buttons())

    def clear(self) -> None:
        """Empty the list."""
        self.list.clear()

    def current(self) -> dict[str, Any] | None:
        """The chosen finding, if any (a copy)."""
        item = self.list.currentItem()
        return None if item is None else dict(item.data(Qt.ItemDataRole.UserRole) or {})

    def show_findings(self, findings: list[dict[str, Any]]) -> None:
        """List ``findings`` (closed ones muted); the panel is hidden when there are none."""
        self.list.blockSignals(True)
        self.list.clear()
        open_count = 0
        for finding in findings:
            item = self._item(finding)
            if (finding.get("status") or "open") == "open":
                open_count += 1
            self.list.addItem(item)
        self.list.blockSignals(False)
        total = len(findings)
        self.title.setText(
            f"Findings ({open_count} open)" if open_count == total
            else f"Findings ({open_count} open, {total - open_count} closed)")
        self.setVisible(bool(findings))
        self.update_buttons()

    def _item(self, finding: dict[str, Any]) -> QListWidgetItem:
        style = self.style()
        icons = {"error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                 "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
                 "info": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)}
        severity = finding.get("severity") or "info"
        where = (f"message {finding['message'] + 1}"
                 if isinstance(finding.get("message"), int) else "record")
        description = shown_description(finding, self.blind)
        text = f"{finding.get('code', '')} — {description}"
        status = finding.get("status") or "open"
        suffix = f"  [{where}]" + ("" if status == "open" else f"  ({status})")
        item = QListWidgetItem(icons.get(severity, icons["info"]), text + suffix)
        item.setData(Qt.ItemDataRole.UserRole, finding)
        item.setToolTip(f"{severity}: {description}")
        item.setData(Qt.ItemDataRole.AccessibleTextRole,
                     f"{severity}, {where}: {finding.get('code')}, {description}")
        if status != "open":
            item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
        return item

    def select(self, finding_id: int) -> bool:
        """Choose the finding with ``finding_id`` (announced); False if it is not listed."""
        for row in range(self.list.count()):
            data = self.list.item(row).data(Qt.ItemDataRole.UserRole) or {}
            if data.get("id") == finding_id:
                self.list.setCurrentRow(row)
                self._chosen(self.list.item(row))
                return True
        return False

    def update_buttons(self) -> None:
        """Enable the actions that apply to the chosen finding; PII actions only for PII."""
        finding = self.current()
        is_open = finding is not None and finding.get("status", "open") == "open"
        is_pii = finding is not None and finding.get("kind") == "pii"
        self.buttons["dismiss"].setEnabled(is_open and finding is not None
                                           and finding.get("id") is not None)
        self.buttons["confirm"].setEnabled(is_open and is_pii)
        self.buttons["allow"].setEnabled(is_open and is_pii)
        self.buttons["redact"].setEnabled(is_open and is_pii)
        self.buttons["reopen"].setEnabled(finding is not None and not is_open)
        for name in ("confirm", "allow", "redact"):
            self.buttons[name].setVisible(is_pii)

    def _action(self, name: str) -> None:
        if self.buttons[name].isEnabled():
            self.action_clicked.emit(name)

    def _chosen(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.finding_chosen.emit(item.data(Qt.ItemDataRole.UserRole) or {})
