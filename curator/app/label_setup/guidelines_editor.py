"""The Guidelines tab: a Markdown editor beside a live preview, as annotators see it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from curator.app.label_setup.common import ErrorLabel, Writer
from curator.app.widgets import muted
from curator.core.errors import CuratorError
from curator.core.labeling import schema
from curator.core.store import Store


class GuidelinesEditor(QWidget):
    """Edit the labelling guidelines in Markdown; Save writes them, Revert reloads them."""

    #: Emitted after the guidelines are saved.
    changed = Signal()

    def __init__(self, store: Store, actor: str, write: Writer,
                 parent: QWidget | None = None) -> None:
        """``store`` is read here, ``write`` writes."""
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.write = write
        self._saved = ""
        self.edit = QPlainTextEdit()
        self.edit.setPlaceholderText("# Guidelines\n\nWrite them in Markdown: headings, "
                                     "**bold**, lists, examples…")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.edit.setFont(mono)
        self.edit.textChanged.connect(self._on_edit)
        self.preview = QTextBrowser()
        self.preview.setOpenExternalLinks(True)
        edit_box = QGroupBox("Markdown")
        QVBoxLayout(edit_box).addWidget(self.edit)
        preview_box = QGroupBox("Preview (as the labelling panel shows it)")
        QVBoxLayout(preview_box).addWidget(self.preview)
        split = QSplitter()
        split.addWidget(edit_box)
        split.addWidget(preview_box)
        split.setChildrenCollapsible(False)
        split.setSizes([450, 450])

        self.error = ErrorLabel()
        self.state = muted(wrap=False)
        self.save_button = QPushButton("Save guidelines")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(self.load)
        row = QHBoxLayout()
        row.addWidget(muted("Annotators see the guidelines above the label buttons.",
                            wrap=False))
        row.addStretch(1)
        row.addWidget(self.state)
        row.addWidget(self.revert_button)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.error)
        layout.addLayout(row)
        self.load()

    def load(self) -> None:
        """Show the guidelines stored in the project (dropping unsaved edits)."""
        self._saved = schema.guidelines(self.store)
        self.edit.setPlainText(self._saved)
        self._on_edit()

    def is_dirty(self) -> bool:
        """Whether the editor holds changes not saved yet."""
        return self.edit.toPlainText() != self._saved

    def save(self) -> bool:
        """Write the guidelines; False (and the reason shown) if they cannot be."""
        text, actor = self.edit.toPlainText(), self.actor
        try:
            self.write("Saving the guidelines",
                       lambda s: schema.set_guidelines(s, text, actor=actor))
        except CuratorError as exc:
            self.error.show_error(str(exc))
            return False
        self._saved = text
        self._on_edit()
        self.changed.emit()
        return True

    def _on_edit(self) -> None:
        text = self.edit.toPlainText()
        if text.strip():
            self.preview.setMarkdown(text)
        else:
            self.preview.setHtml("<p style='color: gray'>Nothing to preview yet: the "
                                 "guidelines are empty.</p>")
        dirty = self.is_dirty()
        self.state.setText("Unsaved changes" if dirty else "Saved")
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        self.error.clear_error()
