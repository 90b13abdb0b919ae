"""The model's suggestion in the labelling panel, and the "most informative first" order.

A small bar the labelling panel holds (``LabelingPanel.add_extra``): "Model suggests:
billing (0.82)" for each single-choice field the annotator has not labelled on the
record, or why there is no suggestion yet. It is never applied: the annotator still
picks. The window computes it off the UI thread (curator.core.checks.label_suggestions).
The check box asks Next (Enter) to go to the record the model is least sure of.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QVBoxLayout, QWidget

from curator.app.widgets import muted


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SuggestionBar(QFrame):
    """The model's suggestions for the record being labelled; an ordering switch."""

    #: The "most informative first" switch changed.
    order_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestionBar")
        self.setAccessibleName("Model suggestion")
        self.setStyleSheet("QFrame#suggestionBar { border: 1px solid palette(mid); "
                           "border-radius: 6px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Model suggests")
        layout.addWidget(self.text)
        self.note = muted()
        layout.addWidget(self.note)
        self.informative = QCheckBox("Most informative first")
        self.informative.setToolTip("Next (Enter) goes to the record the model is least sure "
                                    "of: the labels that teach it most. Off: file order.")
        self.informative.toggled.connect(self.order_changed)
        layout.addWidget(self.informative)
        self.values: dict[str, tuple[str, float]] = {}
        self.show_nothing()

    def show_nothing(self, why: str = "") -> None:
        self.values = {}
        self.text.hide()
        self.note.setText(why)
        self.note.setVisible(bool(why))

    def show_waiting(self) -> None:
        self.text.hide()
        self.note.setText("Model suggestion: working…")
        self.note.show()

    def show_suggestions(self, found: list[Any]) -> None:
        """``found``: ``label_suggestions.FieldSuggestion`` per unlabelled field."""
        self.values = {f.field: (f.suggestion.value, f.suggestion.confidence)
                       for f in found if f.suggestion is not None}
        many = len(found) > 1
        lines = [f"Model suggests{' ' + _escape(f.field) if many else ''}: "
                 f"<b>{_escape(f.suggestion.value)}</b> ({f.suggestion.confidence:.2f})"
                 for f in found if f.suggestion is not None]
        reasons = [f.reason for f in found if f.suggestion is None and f.reason]
        self.text.setText("<br>".join(lines))
        self.text.setVisible(bool(lines))
        self.text.setToolTip("From a model of the labels so far (the inputs' sentence "
                             "vectors). A hint only: you still choose.")
        self.note.setText(" ".join(dict.fromkeys(reasons)))
        self.note.setVisible(bool(reasons))
