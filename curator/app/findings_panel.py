"""The findings of one record: a list by severity, and buttons to decide the chosen one."""

from __future__ import annotations

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


class FindingsPanel(QWidget):
    """A record's findings (``finding_chosen`` on a pick) and the action buttons."""

    #: (finding dict) when a finding is picked: current item changed, clicked or activated.
    finding_chosen = Signal(object)
    #: (action name) when an action button is clicked.
    action_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        text = f"{finding.get('code', '')} — {finding.get('description', '')}"
        status = finding.get("status") or "open"
        suffix = f"  [{where}]" + ("" if status == "open" else f"  ({status})")
        item = QListWidgetItem(icons.get(severity, icons["info"]), text + suffix)
        item.setData(Qt.ItemDataRole.UserRole, finding)
        item.setToolTip(f"{severity}: {finding.get('description', '')}")
        item.setData(Qt.ItemDataRole.AccessibleTextRole,
                     f"{severity}, {where}: {finding.get('code')}, "
                     f"{finding.get('description')}")
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
