"""The in-place editor of a message: its text, a key hint, Cancel and Save."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from curator.app.widgets import muted


class _EditKeys(QObject):
    """Ctrl+Return saves and Esc cancels in the message editor, before any shortcut."""

    def __init__(self, editor: MessageEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            key = event.key()  # type: ignore[attr-defined]
            mods = event.modifiers()  # type: ignore[attr-defined]
            save = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and bool(
                mods & Qt.KeyboardModifier.ControlModifier)
            cancel = key == Qt.Key.Key_Escape
            if save or cancel:
                if kind == QEvent.Type.ShortcutOverride:
                    event.accept()
                    return True
                if save:
                    self.editor.accepted.emit()
                else:
                    self.editor.rejected.emit()
                return True
        return False


class MessageEditor(QWidget):
    """An editor for one message's text; ``accepted`` on Save, ``rejected`` on Cancel."""

    #: Save clicked, or Ctrl+Return pressed.
    accepted = Signal()
    #: Cancel clicked, or Esc pressed.
    rejected = Signal()

    def __init__(self, text: str, index: int, shown_height: int,
                 parent: QWidget | None = None) -> None:
        """Edit ``text`` of message ``index`` (0-based), at least ``shown_height`` tall."""
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text_edit = QPlainTextEdit(text)
        self.text_edit.setObjectName("messageEditor")
        self.text_edit.setAccessibleName(f"Editing message {index + 1}")
        self.text_edit.setTabChangesFocus(True)
        lines = text.count("\n") + 1
        line_height = self.text_edit.fontMetrics().lineSpacing()
        height = max(shown_height, min(lines, 30) * line_height) + 16
        self.text_edit.setMinimumHeight(min(max(height, 4 * line_height), 600))
        self.text_edit.installEventFilter(_EditKeys(self))
        buttons = QHBoxLayout()
        hint = muted("Ctrl+Return to save, Esc to cancel", wrap=False)
        hint.setObjectName("editHint")
        save = QPushButton("Save")
        save.setAccessibleName(f"Save message {index + 1}")
        save.clicked.connect(lambda: self.accepted.emit())
        cancel = QPushButton("Cancel")
        cancel.setAccessibleName(f"Cancel editing message {index + 1}")
        cancel.clicked.connect(lambda: self.rejected.emit())
        buttons.addWidget(hint)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(save)
        layout.addWidget(self.text_edit)
        layout.addLayout(buttons)

    def focus_at_end(self) -> None:
        """Give the text the focus, with the cursor after its last character."""
        self.text_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        cursor = self.text_edit.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self.text_edit.setTextCursor(cursor)
