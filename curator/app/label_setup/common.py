"""What the setup dialogs share: the write that waits, and the line saying what went wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from curator.app.operations import Submit, wait_for
from curator.core.store import Store

R = TypeVar("R")


class Writer:
    """A dialog's writes: each waits for its operation, the dialog disabled meanwhile.

    The dialog is modal and its next step depends on the result, so a write waits with
    the event loop turning (see :func:`curator.app.operations.wait_for`). The parts of
    a dialog share its writer, so a write disables the whole dialog.
    """

    def __init__(self, submit: Submit, dialog: QWidget) -> None:
        self.submit = submit
        self.dialog = dialog

    def __call__(self, name: str, operation: Callable[[Store], R]) -> R:
        """Run ``operation`` on the project's writer and return its result."""
        return wait_for(self.submit, name, operation, self.dialog)


class ErrorLabel(QLabel):
    """A line of red text saying what went wrong; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet("QLabel { color: #c62828; padding: 6px 8px; "
                           "background: rgba(198, 40, 40, 0.08); border-radius: 4px; }")
        self.hide()

    def show_error(self, message: str) -> None:
        """Show ``message`` (an empty one hides the line)."""
        self.setText(message)
        self.setVisible(bool(message))

    def clear_error(self) -> None:
        """Hide the line."""
        self.show_error("")
