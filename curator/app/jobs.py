"""Run core jobs off the UI thread: progress, Cancel, and errors as signals.

Each job runs in its own thread with its own connection to the project (SQLite
connections must not cross threads). A runner runs its jobs one at a time, in the order
they were submitted: the window's writer runner is the one writer per project, and a
separate reader runner lets read-only work (the export counts) run beside a long write.

*Operations* (:meth:`JobRunner.submit_op`) are the window's changes: one core call
``(store) -> result`` each, saved as soon as the jobs before them are done. Cancel never
drops them, and :meth:`JobRunner.finish` (on closing the window) still writes the queued
ones, so a label the window showed is on disk.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from curator.core.errors import Cancelled, CuratorError, explain_os_error
from curator.core.jobs import Job, Progress, run_job
from curator.core.store import Store
from curator.core.store.store import translate_sqlite_error

JobFactory = Callable[[Store], Job[Any]]
Operation = Callable[[Store], Any]
OnDone = Callable[[Any], None]
OnFailed = Callable[[str], None]

log = logging.getLogger("curator")
#: Workers still running: a QThread destroyed while it runs aborts the process, so each
#: one is kept until it ends, even when its runner (a closed dialog) goes first.
_LIVE: set[QThread] = set()


def error_message(exc: BaseException) -> str:
    """An exception from a job, in words for the user (unexpected ones are logged)."""
    if isinstance(exc, CuratorError):
        return str(exc)
    if isinstance(exc, OSError):
        return explain_os_error(exc)
    if isinstance(exc, sqlite3.Error):
        return str(translate_sqlite_error(exc))
    log.error("A job failed", exc_info=exc)
    return f"Curator hit an unexpected problem: {type(exc).__name__}: {exc}"


def one_step(operation: Operation, message: str | None = None) -> JobFactory:
    """A job of one step around ``operation`` (its result is the job's report).

    With a ``message``, the step is announced first (shown beside the progress bar).
    """

    def job(store: Store) -> Job[Any]:
        if message is not None:
            yield Progress(0, None, message)
        return operation(store)

    return job


class _Worker(QThread):
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, project: Path, factory: JobFactory, cancel: threading.Event,
                 session: str | None) -> None:
        super().__init__()
        self.session = session
        self.project = project
        self.factory = factory
        self.cancel_event = cancel

    def run(self) -> None:
        try:
            with Store.open(self.project) as store:
                store.session = self.session
                result = run_job(self.factory(store), self.progressed.emit, self.cancel_event)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - shown to the user in words
            self.failed.emit(error_message(exc))
        else:
            self.succeeded.emit(result)


@dataclass(slots=True)
class _Entry:
    name: str
    project: Path
    factory: JobFactory
    on_done: OnDone | None = None
    on_failed: OnFailed | None = None
    #: An operation: Cancel does not drop it and finish() still writes it.
    op: bool = False


class JobRunner(QObject):
    """Runs one job at a time, in order; the window shows its progress and offers Cancel."""

    started = Signal(str)
    progressed = Signal(object)         # Progress
    finished = Signal(str, object)      # job name, its report
    failed = Signal(str, str)           # job name, message (jobs without their own on_failed)
    cancelled = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: _Worker | None = None
        self._entry: _Entry | None = None
        self._cancel = threading.Event()
        self._queue: list[_Entry] = []
        self._closed = False
        self.name = ""
        #: Tags every event the jobs write (see Store.session).
        self.session: str | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def submit(self, name: str, project: Path, factory: JobFactory,
               on_done: OnDone | None = None, on_failed: OnFailed | None = None) -> None:
        """Queue a job; it starts when the one before it has finished.

        ``on_failed`` receives the message for the user instead of the ``failed`` signal.
        """
        self._push(_Entry(name, project, factory, on_done, on_failed))

    def submit_op(self, name: str, project: Path, operation: Operation,
                  on_done: OnDone | None = None, on_failed: OnFailed | None = None) -> None:
        """Queue an operation ``(store) -> result``: a change Cancel never drops."""
        self._push(_Entry(name, project, one_step(operation), on_done, on_failed, op=True))

    def _push(self, entry: _Entry) -> None:
        if self._closed:  # after finish() there is no event loop to wait for: write now
            if entry.op:
                self._run_here(entry)
            return
        self._queue.append(entry)
        if self._worker is None:
            self._start_next()

    def cancel(self) -> None:
        """Stop the running job (it rolls back) and drop the queued ones, not operations."""
        self._queue = [e for e in self._queue if e.op]
        if self._entry is not None and not self._entry.op:
            self._cancel.set()

    def wait(self, ms: int = 60_000) -> None:
        if self._worker is not None:
            self._worker.wait(ms)

    def finish(self) -> None:
        """Before closing: cancel long work, then write every queued operation, here.

        Their callbacks are not called (what they would update is closing).
        """
        self.cancel()
        self._closed = True
        worker, self._worker, self._entry = self._worker, None, None
        if worker is not None:
            worker.wait()
        queued, self._queue = self._queue, []
        for entry in queued:
            self._run_here(entry)

    def _run_here(self, entry: _Entry) -> None:
        try:
            with Store.open(entry.project) as store:
                store.session = self.session
                run_job(entry.factory(store))
        except Exception as exc:  # noqa: BLE001 - nobody left to tell but the log
            log.warning("%s was not saved: %s", entry.name, error_message(exc))

    def _start_next(self) -> None:
        if not self._queue:
            self.idle.emit()
            return
        entry = self._queue.pop(0)
        self.name = entry.name
        self._entry = entry
        self._cancel = threading.Event()
        worker = _Worker(entry.project, entry.factory, self._cancel, self.session)
        # Bound methods, not lambdas: when the runner goes (a closed dialog's), Qt drops
        # these connections, and a worker ending later reports to nobody.
        worker.progressed.connect(self.progressed)
        worker.succeeded.connect(self._succeeded)
        worker.failed.connect(self._failed)
        worker.cancelled.connect(self._cancelled)
        _LIVE.add(worker)
        worker.finished.connect(lambda: _LIVE.discard(worker))
        self._worker = worker
        self.started.emit(entry.name)
        worker.start()

    def _succeeded(self, result: Any) -> None:
        entry = self._entry

        def report() -> None:
            if entry is not None:
                self.finished.emit(entry.name, result)
                if entry.on_done is not None:
                    entry.on_done(result)
        self._end(report)

    def _failed(self, message: str) -> None:
        entry = self._entry

        def report() -> None:
            if entry is not None and entry.on_failed is not None:
                entry.on_failed(message)
            elif entry is not None:
                self.failed.emit(entry.name, message)
        self._end(report)

    def _cancelled(self) -> None:
        entry = self._entry
        self._end(lambda: self.cancelled.emit(entry.name) if entry is not None else None)

    def _end(self, report: Callable[[], None]) -> None:
        worker = self._worker
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        self._worker = None
        self._entry = None
        if self._closed:
            return
        try:
            report()
        finally:  # a callback that fails must not stop the queue
            if self._worker is None:  # report() may have submitted (and so started) a job
                self._start_next()
