"""Unexpected errors in the window: a readable dialog, and a log file (Help → Show log).

The bundled window has no terminal, so a traceback printed to stderr is lost. The GUI
launcher installs :class:`ErrorReporter` as ``sys.excepthook`` (an exception in a slot
ends there) and ``threading.excepthook``; it writes the traceback to ``curator.log`` in
the user's data folder (``CURATOR_LOG_DIR`` overrides it) and shows what happened in a
dialog that does not block the window. Errors Curator expects (a full disk, a locked
project) are shown by the window itself and never come here.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

#: Environment variable naming the folder for the log (tests, portable installs).
LOG_DIR_ENV = "CURATOR_LOG_DIR"
LOG_NAME = "curator.log"
#: How much of the log the dialog shows (the end, where the latest problem is).
SHOWN_BYTES = 200_000

log = logging.getLogger("curator")


def log_dir() -> Path:
    """The folder of the log: ``CURATOR_LOG_DIR``, else the user's data folder."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("Curator", appauthor=False)) / "logs"


def log_path() -> Path:
    return log_dir() / LOG_NAME


def log_to_file(path: Path | None = None) -> Path | None:
    """Send the ``curator`` logger to ``path`` (the log file); None if it can't be written."""
    path = (path or log_path()).absolute()
    for handler in log.handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path:
            return path
    if not _writable(path.parent):
        return None
    handler = _LogFile(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8",
                       delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def _writable(folder: Path) -> bool:
    """Whether the log folder exists and is writable, or could be made."""
    while not folder.exists():
        if folder.parent == folder:
            return False
        folder = folder.parent
    return os.access(folder, os.W_OK)


class _LogFile(logging.handlers.RotatingFileHandler):
    """The log file, and its folder, made when the first line is written (not before)."""

    def _open(self) -> Any:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


class ErrorReporter(QObject):
    """Logs unexpected exceptions from any thread and shows each in a dialog."""

    #: (one-line summary, full traceback); queued to the UI thread from other threads.
    reported = Signal(str, str)

    def __init__(self, parent_widget: Callable[[], QWidget | None] | None = None,
                 path: Path | None = None) -> None:
        super().__init__()
        self.parent_widget = parent_widget or (lambda: None)
        self.path = log_to_file(path)
        self.dialogs: list[QMessageBox] = []
        self._previous: tuple[Any, Any] | None = None
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> ErrorReporter:
        """Become ``sys.excepthook`` and ``threading.excepthook``."""
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        """Put the previous hooks back and stop writing the log file."""
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
        for handler in list(log.handlers):
            if isinstance(handler, _LogFile) and Path(handler.baseFilename) == self.path:
                log.removeHandler(handler)
                handler.close()

    def excepthook(self, kind: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        self.report(kind, exc, tb)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        self.report(args.exc_type, args.exc_value, args.exc_traceback,
                    args.thread.name if args.thread else None)

    def report(self, kind: type[BaseException], exc: BaseException,
               tb: TracebackType | None, thread: str | None = None) -> None:
        """Log the exception and ask the UI thread to show it."""
        details = "".join(traceback.format_exception(kind, exc, tb))
        where = f" in thread {thread}" if thread else ""
        log.error("Unexpected error%s\n%s", where, details.rstrip())
        if self.path is None and sys.stderr is not None:  # no log file: at least stderr
            sys.stderr.write(details)
        self.reported.emit(f"{kind.__name__}: {exc}", details)

    def _show(self, summary: str, details: str) -> None:
        where = (f"The details are in the log, {self.path} (Help → Show log)."
                 if self.path else "The log file could not be written; the details are "
                                   "below.")
        box = QMessageBox(QMessageBox.Icon.Critical, "Curator: unexpected problem",
                          f"Curator hit a problem it did not expect:\n\n{summary}",
                          parent=self.parent_widget())
        box.setAccessibleName("Unexpected error")
        box.setInformativeText("Your saved work is safe: every change is written when it "
                               f"is made. {where} Please include them if you report this.")
        box.setDetailedText(details)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _=0, b=box: self.dialogs.remove(b)
                             if b in self.dialogs else None)
        self.dialogs.append(box)
        box.show()


def install_error_hooks(parent_widget: Callable[[], QWidget | None] | None = None,
                        path: Path | None = None) -> ErrorReporter:
    """The GUI launcher's hooks: log unexpected errors and show them (see module doc)."""
    return ErrorReporter(parent_widget, path).install()


class LogDialog(QDialog):
    """Help → Show log: the end of the log file, and a button to open its folder."""

    def __init__(self, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.path = path or log_path()
        self.setWindowTitle("Curator log")
        self.resize(820, 520)
        layout = QVBoxLayout(self)
        where = QLabel(f"Log file: {self.path}")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        layout.addWidget(where)
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setAccessibleName("Log")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText(read_log_tail(self.path))
        self.text.moveCursor(self.text.textCursor().MoveOperation.End)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        folder = QPushButton("Open folder")
        folder.clicked.connect(lambda: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(self.path.parent))))
        folder.setEnabled(self.path.parent.is_dir())
        buttons.addButton(folder, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def read_log_tail(path: Path, limit: int = SHOWN_BYTES) -> str:
    """The last ``limit`` bytes of the log, or a sentence saying there is none."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            data = handle.read()
    except FileNotFoundError:
        return "Nothing has been logged: Curator has not hit an unexpected problem here."
    except OSError as exc:
        return f"The log could not be read: {exc}"
    text = data.decode("utf-8", errors="replace")
    return text if size <= limit else "…\n" + text.split("\n", 1)[-1]
