"""How widgets submit core operations (see curator.core.operations and JobRunner.submit_op).

A widget that changes the project takes a :data:`Submit` function: in the window it is
:meth:`MainWindow.submit_op`, which queues the operation on the window's writer runner
(one writer per project, off the UI thread). A widget used on its own (in tests, or a
script) gets :func:`run_at_once`, which runs the operation at once on the widget's store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

from curator.app.jobs import OnDone, OnFailed, Operation, error_message
from curator.core.errors import CuratorError
from curator.core.store import Store

R = TypeVar("R")

#: ``submit(name, operation, on_done, on_failed)``: run ``operation(store)`` as a change;
#: ``on_done(result)`` or ``on_failed(message)`` follows on the UI thread.
Submit = Callable[[str, Operation, OnDone | None, OnFailed | None], None]


def run_at_once(store: Store) -> Submit:
    """A :data:`Submit` that runs each operation now, on ``store`` (a widget on its own)."""

    def submit(name: str, operation: Operation, on_done: OnDone | None = None,
               on_failed: OnFailed | None = None) -> None:
        try:
            result = operation(store)
        except Exception as exc:  # noqa: BLE001 - reported in words, as the runner does
            if on_failed is None:
                raise
            on_failed(error_message(exc))
            return
        if on_done is not None:
            on_done(result)

    return submit


def alive(widget: QObject) -> bool:
    """Whether ``widget`` still exists (a callback may arrive after it was closed)."""
    return shiboken6.isValid(widget)


def wait_for(submit: Submit, name: str, operation: Callable[[Store], R],
             widget: QWidget | None = None) -> R:
    """Run ``operation`` through ``submit`` and return its result (a modal dialog's save).

    When it is queued behind other work, the event loop keeps turning (the window stays
    painted, its progress moves) while ``widget`` is disabled. A failure raises
    :class:`CuratorError` with the message for the user.
    """
    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def done(result: Any) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(message: str) -> None:
        outcome["error"] = message
        loop.quit()

    submit(name, operation, done, failed)
    if not outcome:
        if widget is not None:
            widget.setEnabled(False)
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        try:
            loop.exec()
        finally:
            QApplication.restoreOverrideCursor()
            if widget is not None and alive(widget):
                widget.setEnabled(True)
    if "error" in outcome:
        raise CuratorError(outcome["error"])
    if "result" not in outcome:  # the application quit meanwhile
        raise CuratorError(f"{name} did not finish.")
    return outcome["result"]  # type: ignore[no-any-return]
