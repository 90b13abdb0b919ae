"""The personal-data check's settings: model, types, threshold, language, allow-list."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from curator.core.checks.pii import DEFAULT_OFF, ENTITY_WORDS, PiiSettings


class PiiSettingsDialog(QDialog):
    """Edit a :class:`PiiSettings`; :meth:`settings` gives the result."""

    def __init__(self, current: PiiSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Personal data: settings")
        self.setAccessibleName("Personal data settings")
        self.current = current
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.model = QLineEdit(current.model or "")
        self.model.setPlaceholderText("none: patterns only")
        self.model.setToolTip("An installed spaCy package (en_core_web_sm, en_core_web_lg, "
                              "...) or a folder holding a spaCy model.")
        form.addRow("Language model", self.model)
        self.language = QLineEdit(current.language)
        form.addRow("Language", self.language)
        self.threshold = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=1.0, singleStep=0.05)
        self.threshold.setValue(current.threshold)
        self.threshold.setToolTip("Spans scored below this are not reported.")
        form.addRow("Score threshold", self.threshold)
        self.types = QListWidget()
        self.types.setAccessibleName("PII types")
        chosen = set(current.entities) if current.entities is not None else None
        for code, words in sorted(ENTITY_WORDS.items()):
            item = QListWidgetItem(f"{code}  ({words})")
            item.setData(Qt.ItemDataRole.UserRole, code)
            on = code not in DEFAULT_OFF if chosen is None else code in chosen
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.types.addItem(item)
        form.addRow("Types to find", self.types)
        self.allow = QPlainTextEdit("\n".join(current.allow_list))
        self.allow.setPlaceholderText("One text per line: never reported (e.g. your "
                                      "company's name)")
        form.addRow("Allow-list", self.allow)
        layout.addLayout(form)
        note = QLabel("Changing the model, language, types or threshold analyses the texts "
                      "again on the next scan; the allow-list applies at once on the next "
                      "scan without new analysis.")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 620)

    def settings(self) -> dict[str, Any]:
        """The settings as chosen (the ``pii`` project setting)."""
        checked = [self.types.item(i).data(Qt.ItemDataRole.UserRole)
                   for i in range(self.types.count())
                   if self.types.item(i).checkState() == Qt.CheckState.Checked]
        defaults = sorted(c for c in ENTITY_WORDS if c not in DEFAULT_OFF)
        entities = None if sorted(checked) == defaults else checked
        allow = [line.strip() for line in self.allow.toPlainText().splitlines() if line.strip()]
        return {**self.current.model_dump(), "model": self.model.text().strip() or None,
                "language": self.language.text().strip() or "en",
                "threshold": round(self.threshold.value(), 2), "entities": entities,
                "allow_list": allow}
